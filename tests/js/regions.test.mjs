// static/js/regions.js against exports/regions_fixture.json (written by
// exports/region_edits.py), and what the overlay editor relies on besides.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as regions from "../../static/js/regions.js";
import { checkFixture } from "./check.mjs";

const fixture = JSON.parse(readFileSync(new URL("../../exports/regions_fixture.json", import.meta.url), "utf8"));
const entry = { module: "static/js/regions.js", fixture: "exports/regions_fixture.json" };

test("every case of the fixture gives the Python's answer", async () => {
  assert.ok(fixture.cases.length >= 30);
  assert.deepEqual(await checkFixture(entry, fixture, regions), []);
});

test("edits return new arrays and leave the input alone", () => {
  const input = fixture.cases.find((c) => c.function === "resizeRegion").args[0];
  const before = JSON.stringify(input);
  const { regions: out } = regions.resizeRegion(input, "a", "end", 3.5, { duration: 10, rules: fixture.rules });
  assert.equal(JSON.stringify(input), before);
  assert.notEqual(out, input);
  assert.equal(out[0].end_time, 3.5);
});

test("refusals are sentences, and a refused edit has no regions", () => {
  const refused = fixture.cases.filter((c) => c.expected && c.expected.error);
  assert.ok(refused.length >= 6);
  for (const c of refused) {
    assert.match(c.expected.error, /^[A-Z].*\.$/);
    assert.equal(c.expected.regions, undefined);
  }
});

test("a click just before a region's start selects it", () => {
  const two = fixture.cases.find((c) => c.name === "delete").args[0];
  assert.equal(regions.regionAt(two, 4.97, 0.05), 1);
  assert.equal(regions.regionAt(two, 4.9, 0.05), -1);
});

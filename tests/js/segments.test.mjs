// static/js/segments.js beyond its fixture (tests/js/fixtures.json runs that):
// the time map inverts, edits compose, and the limit comes from the vocabulary.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as segments from "../../static/js/segments.js";

const root = new URL("../../", import.meta.url);
const fixture = JSON.parse(readFileSync(new URL("exports/render/segments_fixture.json", root), "utf8"));
const vocabulary = JSON.parse(readFileSync(new URL("videoeditor/vocabulary_fixture.json", root), "utf8"));
const mixed = { trim_start: 0.5, trim_end: 7.5, splits: [2, 3.25, 6], speeds: [2, 0.25, 1.5, 0.75] };

test("every fixture case gives the Python's answer", () => {
  for (const { name, function: fn, args, expected } of fixture.cases) {
    const got = segments[fn](...structuredClone(args));
    if (typeof expected === "number") assert.ok(Math.abs(got - expected) < 1e-9, `${name}: ${got} != ${expected}`);
    else assert.deepEqual(JSON.parse(JSON.stringify(got)), expected, name);
  }
});

test("output time and clip time invert each other inside the trim", () => {
  for (let t = 0.5; t <= 7.5; t += 0.125) {
    assert.ok(Math.abs(segments.sourceTime(mixed, segments.outputTime(mixed, t)) - t) < 1e-9, `at ${t}`);
  }
});

test("a split then a join gives back the segments; a speed change keeps the rest", () => {
  const minimum = fixture.min_segment_seconds;
  const cut = segments.split(mixed, 4.5, minimum);
  assert.deepEqual(cut.splits, [2, 3.25, 4.5, 6]);
  assert.deepEqual(cut.speeds, [2, 0.25, 1.5, 1.5, 0.75]);
  assert.deepEqual(segments.join(cut, 2), mixed);
  assert.equal(segments.split(mixed, 3.3, minimum), null);
  const faster = segments.setSpeed(mixed, 1, 2);
  assert.deepEqual(faster.speeds, [2, 2, 1.5, 0.75]);
  assert.equal(faster.trim_start, mixed.trim_start);
});

test("the shortest piece the page uses is the server's", () => {
  assert.equal(vocabulary.limits.min_segment_seconds, fixture.min_segment_seconds);
});

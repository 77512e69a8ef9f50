// static/js/ellipse.js against exports/render/overlay_fixture.json (written by
// exports/render/overlay.py), and the preview's canvas layers against blend().
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as ellipse from "../../static/js/ellipse.js";
import { checkFixture } from "./check.mjs";

const fixture = JSON.parse(readFileSync(new URL("../../exports/render/overlay_fixture.json", import.meta.url), "utf8"));
const entry = { module: "static/js/ellipse.js", fixture: "exports/render/overlay_fixture.json" };
const highlight = { ...fixture.constants, color: "#FFFF00" };

test("every case of the fixture gives the renderer's answer", async () => {
  assert.ok(fixture.cases.length >= 100);
  assert.deepEqual(await checkFixture(entry, fixture, ellipse), []);
});

test("the preview's layers paint what blend() computes, for every effect", () => {
  const shape = { x: 10, y: 10, radius_x: 4, radius_y: 6, opacity: 0.4, color: "#FF8000" };
  for (const effect of ["yellow", "brightness", "dim"]) {
    const layers = ellipse.previewLayers(effect, shape, highlight);
    for (const [mask, layer] of [[1, layers.inside], [0, layers.outside]]) {
      ellipse.rgb(shape.color).forEach((colour, channel) => {
        for (const value of [0, 90, 255]) {
          const painted = layer ? value * (1 - layer.alpha) + ellipse.rgb(layer.colour)[channel] * layer.alpha : value;
          const rendered = ellipse.blend(effect, value, mask, colour, shape.opacity, highlight);
          assert.ok(Math.abs(painted - rendered) < 1e-9, `${effect} mask ${mask}: ${painted} != ${rendered}`);
        }
      });
    }
  }
});

test("ellipseAt holds the time inside the region and takes the colour of the keyframe before it", () => {
  const [regions] = fixture.cases.find((c) => c.function === "ellipseParameters").args;
  const first = regions[0];
  const atEnd = ellipse.ellipseAt(first, first.end_time + 5, highlight);
  const last = first.keyframes[first.keyframes.length - 1];
  assert.equal(atEnd.x, last.x);
  assert.equal(atEnd.color, last.color);
  assert.equal(ellipse.ellipseAt(first, first.start_time + 0.01, highlight).color, first.keyframes[0].color);
});

// static/js/crop.js beyond its fixture: Python's rounding, boxes of the exact
// shape inside the frame, keyframes hit where they fit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as crop from "../../static/js/crop.js";

const fixture = JSON.parse(readFileSync(new URL("../../exports/render/crop_fixture.json", import.meta.url), "utf8"));

test("every fixture case gives the Python's answer", () => {
  for (const { name, function: fn, args, expected } of fixture.cases) {
    const got = crop[fn](...structuredClone(args));
    assert.equal(JSON.stringify(got).length > 2, true, name);
    const flat = (value) => JSON.stringify(value, (k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v));
    assert.equal(flat(got), flat(expected), name);
  }
});

test("halves round to even, as Python's round() does", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 598.5, 599.5, -0.5].map(crop.roundHalfEven), [0, 2, 2, 598, 600, 0]);
  assert.equal(crop.defaultCrop(1064, 1080, "16:9")[0].height, 598);
});

test("every box has the exact aspect and stays inside the frame", () => {
  const keyframes = [
    { time: 0, x: -300, y: -50, width: 900, height: 1600 },
    { time: 2, x: 1200, y: 400, width: 120, height: 213.3 },
  ];
  const aspect = 9 / 16;
  for (let t = -1; t <= 3; t += 0.1) {
    const box = crop.cropAt(keyframes, t, 1280, 720, aspect);
    assert.ok(Math.abs(box.width / box.height - aspect) < 1e-9, `shape at ${t}`);
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1280 + 1e-9 && box.y + box.height <= 720 + 1e-9, `inside at ${t}`);
  }
});

test("a keyframe that fits is drawn exactly where it was put", () => {
  const keyframes = [{ time: 1, x: 100, y: 20, width: 360, height: 640 }];
  assert.deepEqual(crop.cropAt(keyframes, 1, 1280, 720, 9 / 16), { x: 100, y: 20, width: 360, height: 640 });
});

test("a resized box keeps its shape and its opposite corner, inside the frame", () => {
  const start = { x: 100, y: 100, width: 90, height: 160 };
  const bigger = crop.resizeBox(start, "se", 45, 80, 1280, 720, 9 / 16, 40);
  assert.deepEqual([bigger.x, bigger.y], [100, 100]);
  assert.ok(Math.abs(bigger.height - 240) < 1e-9 && Math.abs(bigger.width - 135) < 1e-9);
  const huge = crop.resizeBox(start, "nw", -5000, -5000, 1280, 720, 9 / 16, 40);
  assert.ok(huge.x >= 0 && huge.y >= 0 && Math.abs(huge.x + huge.width - 190) < 1e-9 && Math.abs(huge.y + huge.height - 260) < 1e-9);
  const tiny = crop.resizeBox(start, "ne", -80, 150, 1280, 720, 9 / 16, 40);
  assert.equal(tiny.height, 40);
  const moved = crop.moveBox(start, 5000, -5000, 1280, 720, 9 / 16);
  assert.deepEqual(moved, { x: 1190, y: 0, width: 90, height: 160 });
});

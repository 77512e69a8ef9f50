// static/js/filmstrip.js: the slots a strip draws (tileAt itself is checked against
// games/filmstrip_fixture.json through fixtures.json).
import assert from "node:assert/strict";
import { test } from "node:test";

import { filmstripSlots, tileAt } from "../../static/js/filmstrip.js";

const sheet = { url: "/api/pictures/1", columns: 10, rows: 2, tile_width: 160, tile_height: 90, interval: 0.5, count: 16 };

test("a strip as wide as four tiles at their natural size shows four, each its time's tile", () => {
  const slots = filmstripSlots(sheet, { start: 0, end: 8, width: 320, height: 45 });
  assert.equal(slots.length, 4);
  assert.deepEqual(slots.map((s) => s.time), [1, 3, 5, 7]);
  assert.deepEqual(slots.map((s) => s.index), [2, 6, 10, 14]);
  // tile 10 is the first of the second row: shifted left by no column, up by one row
  assert.equal(slots[2].position, "0px -45px");
  assert.equal(slots[2].size, "800px 90px");
  assert.deepEqual(slots.map((s) => s.left), [0, 80, 160, 240]);
});

test("a strip for part of the video (a trimmed clip) uses that part's tiles", () => {
  const slots = filmstripSlots(sheet, { start: 2, end: 4, width: 160, height: 45 });
  assert.deepEqual(slots.map((s) => s.index), [5, 7]);
  assert.equal(slots[0].position, "-400px 0px");
});

test("slots stretch to fill the width exactly", () => {
  const slots = filmstripSlots(sheet, { start: 0, end: 8, width: 1000, height: 45 });
  assert.equal(slots.length, 13); // 1000 / 80 px tiles, rounded up
  const last = slots.at(-1);
  assert.ok(Math.abs(last.left + last.width - 1000) < 1e-9);
});

test("nothing to draw without a size or a span", () => {
  assert.deepEqual(filmstripSlots(sheet, { start: 0, end: 8, width: 0, height: 45 }), []);
  assert.deepEqual(filmstripSlots(sheet, { start: 3, end: 3, width: 300, height: 45 }), []);
});

test("times past either end show the first and last tiles", () => {
  assert.equal(tileAt(sheet, -3), 0);
  assert.equal(tileAt(sheet, 99), 15);
});

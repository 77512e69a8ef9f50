// The shared formats of static/js/ui.js: one output per name, everywhere.
import assert from "node:assert/strict";
import { test } from "node:test";

import { bytes, clamp, clock, dateLabel, length } from "../../static/js/ui.js";

test("clock: a position in a video", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(65), "1:05");
  assert.equal(clock(65.97), "1:05");
  assert.equal(clock(65.34, { tenths: true }), "1:05.3");
  assert.equal(clock(59.99, { tenths: true }), "0:59.9");
  assert.equal(clock(0.3, { tenths: true }), "0:00.3");
  assert.equal(clock(3723), "1:02:03");
  assert.equal(clock(-5), "-0:05");
  assert.equal(clock(Number.NaN), "0:00");
  assert.equal(clock(undefined, { tenths: true }), "0:00.0");
});

test("length: how long, in words", () => {
  assert.equal(length(5), "5 s");
  assert.equal(length(4.5), "4.5 s");
  assert.equal(length(0.25), "0.3 s");
  assert.equal(length(9.96), "10 s");
  assert.equal(length(15), "15 s");
  assert.equal(length(60), "1 min");
  assert.equal(length(65), "1 min 5 s");
  assert.equal(length(3720), "1 h 2 min");
  assert.equal(length(7200), "2 h");
  assert.equal(length(Number.NaN), "0 s");
});

test("bytes: 1000-based units", () => {
  assert.equal(bytes(0), "0 B");
  assert.equal(bytes(950), "950 B");
  assert.equal(bytes(1000), "1.0 KB");
  assert.equal(bytes(1.5e6), "1.5 MB");
  assert.equal(bytes(150e6), "150 MB");
  assert.equal(bytes(999_999), "1.0 MB");
  assert.equal(bytes(2.1e9), "2.1 GB");
});

test("dateLabel: day month year, the calendar day of a date", () => {
  assert.equal(dateLabel("2026-03-12"), "12 Mar 2026");
  assert.equal(dateLabel("2026-09-01"), "1 Sep 2026");
  assert.equal(dateLabel("2026-03-12T12:00:00"), "12 Mar 2026");
  assert.equal(dateLabel(""), "");
  assert.equal(dateLabel("not a date"), "");
});

test("clamp", () => {
  assert.equal(clamp(5, 0, 3), 3);
  assert.equal(clamp(-1, 0, 3), 0);
  assert.equal(clamp(2, 0, 3), 2);
});

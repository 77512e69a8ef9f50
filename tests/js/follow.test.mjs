// static/js/follow.js, its pure parts: the drawn box, regions merged by time, the
// clip of a reel at a time, a box on the framed video taken back to its clip.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dragRect, framedToSource, mergeRegions, reelPlace, spansText } from "../../static/js/follow.js";

const segments = (trim_start, trim_end, splits = [], speeds = [1]) => ({ trim_start, trim_end, splits, speeds });
const region = (id, start_time, end_time) => ({ id, start_time, end_time, enabled: true, keyframes: [] });

test("a box dragged in any direction is the same rectangle, kept inside the stage", () => {
  const expected = { x: 0.2, y: 0.3, width: 0.4, height: 0.5 };
  const close = (got) => Object.entries(expected).forEach(([k, v]) => assert.ok(Math.abs(got[k] - v) < 1e-9, k));
  close(dragRect({ x: 0.2, y: 0.3 }, { x: 0.6, y: 0.8 }));
  close(dragRect({ x: 0.6, y: 0.8 }, { x: 0.2, y: 0.3 }));
  close(dragRect({ x: 0.2, y: 0.8 }, { x: 0.6, y: 0.3 }));
  assert.deepEqual(dragRect({ x: -0.5, y: 0.5 }, { x: 1.5, y: 2 }), { x: 0, y: 0.5, width: 1, height: 0.5 });
});

test("merged regions replace those they overlap in time and keep the others, in order", () => {
  const existing = [region("a", 0, 2), region("b", 3, 5), region("c", 8, 9)];
  const added = [region("new-1", 4, 6), region("new-2", 6.5, 7.5)];
  assert.deepEqual(
    mergeRegions(existing, added).map((r) => r.id),
    ["a", "new-1", "new-2", "c"],
  );
  // touching is not overlapping
  assert.deepEqual(mergeRegions([region("a", 0, 2)], [region("n", 2, 3)]).map((r) => r.id), ["a", "n"]);
  assert.deepEqual(mergeRegions([], added), added);
});

test("the clip of a reel at a time: after the cut, and from a dissolve's middle", () => {
  const clips = [segments(0, 4), segments(2, 8, [4], [1, 0.5])]; // 4 s, then 2 + 8 s
  const cut = { type: "cut", duration: 0.5 };
  assert.deepEqual(reelPlace(clips, cut, 1), { index: 0, local: 1 });
  assert.deepEqual(reelPlace(clips, cut, 4), { index: 1, local: 0 });
  assert.deepEqual(reelPlace(clips, cut, 9), { index: 1, local: 5 });
  const dissolve = { type: "dissolve", duration: 1 }; // the second starts at 3 s
  assert.equal(reelPlace(clips, dissolve, 3.4).index, 0);
  assert.deepEqual(reelPlace(clips, dissolve, 3.6), { index: 1, local: 3.6 - 3 });
});

test("a box on the framed video is taken to its clip's time and source pixels", () => {
  // a 9:16 crop 405 x 720 at x 100 of a 1280 x 720 game; the second clip trimmed from 2 s, its
  // second piece (from 4 s) at half speed
  const still = [{ time: 0, x: 100, y: 0, width: 405, height: 720 }];
  const source = { width: 1280, height: 720 };
  const clips = [
    { segments: segments(0, 4), crop_keyframes: still, source },
    { segments: segments(2, 8, [4], [1, 0.5]), crop_keyframes: still, source },
  ];
  const rect = { x: 0.5, y: 0.25, width: 0.1, height: 0.2 };
  const place = framedToSource(clips, { type: "cut", duration: 0.5 }, 9 / 16, 4 + 2 + 1, rect);
  assert.equal(place.index, 1);
  assert.ok(Math.abs(place.time - 4.5) < 1e-9); // 1 s of output into the half-speed piece
  const expected = { x: 100 + 202.5, y: 180, width: 40.5, height: 144 };
  for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs(place.box[k] - v) < 1e-6, k);
});

test("lost spans read as one line", () => {
  assert.equal(spansText([]), "");
  assert.equal(spansText([{ start_time: 3.2, end_time: 4 }, { start_time: 7, end_time: 7.46 }]), "lost 3.2–4.0 s, 7.0–7.5 s");
});

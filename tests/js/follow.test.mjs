// static/js/follow.js, its pure parts: the drawn box, regions merged by time, several
// clips' proposals shown as one, lost spans as a line.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dragRect, joinProposals, mergeRegions, spansText } from "../../static/js/follow.js";

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

test("several clips' proposals are shown as one, in time order; one is itself", () => {
  const one = { projectClipId: 7, framed_regions: [region("a", 0, 2)], framed_lost_spans: [{ start_time: 1, end_time: 1.5 }] };
  assert.equal(joinProposals([one]), one);
  const two = { projectClipId: 8, framed_regions: [region("b", 5, 6)], framed_lost_spans: [{ start_time: 5.5, end_time: 5.8 }] };
  const joined = joinProposals([two, one]);
  assert.equal(joined.projectClipId, null);
  assert.deepEqual(joined.framed_regions.map((r) => r.id), ["a", "b"]);
  assert.deepEqual(joined.framed_lost_spans.map((s) => s.start_time), [1, 5.5]);
});

test("lost spans read as one line", () => {
  assert.equal(spansText([]), "");
  assert.equal(spansText([{ start_time: 3.2, end_time: 4 }, { start_time: 7, end_time: 7.46 }]), "lost 3.2–4.0 s, 7.0–7.5 s");
});

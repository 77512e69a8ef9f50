// The upload engine's progress never goes backwards: what the server holds counts
// from the start, and bytes of an interrupted part stay counted until its new
// attempt passes them; only a single PUT sent again restarts from zero.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Upload } from "../../static/js/upload.js";

const file = { name: "match.mp4", size: 1000, type: "video/mp4" };

test("the parts already stored count as sent from the start", () => {
  const upload = new Upload({ gameId: 1, file, stored: 400 });
  assert.equal(upload.loaded, 400);
  assert.equal(upload.percent, 40);
  assert.equal(upload.describe(), "Continuing from 400 B of 1.0 KB…");
});

test("progress holds its place when a part is sent again", () => {
  const upload = new Upload({ gameId: 1, file });
  const seen = [];
  upload.addEventListener("change", () => seen.push(upload.loaded));
  for (const sent of [100, 300, 550]) upload.setLoaded(sent); // part 2 half-way, then paused
  for (const sent of [400, 500, 600, 1000]) upload.setLoaded(sent); // part 2 again, from 400
  assert.deepEqual(seen, [100, 300, 550, 550, 550, 600, 1000]);
});

test("a single PUT sent again starts from zero", () => {
  const upload = new Upload({ gameId: 1, file });
  upload.setLoaded(700);
  upload.setLoaded(0, { restart: true });
  assert.equal(upload.loaded, 0);
});

test("sizes and times in ui.js's words", () => {
  const upload = new Upload({ gameId: 1, file: { ...file, size: 18_900_000 }, stored: 16_800_000 });
  upload.state = "uploading";
  upload.speed = 4_200_000;
  assert.equal(upload.describe(), "16.8 MB of 18.9 MB · 4.2 MB/s · 0.5 s left");
});

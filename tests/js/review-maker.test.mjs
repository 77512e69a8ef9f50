// The game review dialog's count: which clips a review with these filters shows (the
// server's rule in exports/reviews.py: rating at least the minimum, and any one of the
// chosen tags when some are chosen; game order) and how long they are in words.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { matchingClips, reviewSize, usedTags } from "../../static/js/review-maker.js";
import { linkFacts } from "../../static/js/share-dialog.js";

const root = new URL("../../", import.meta.url);
const vocabulary = JSON.parse(readFileSync(new URL("videoeditor/vocabulary_fixture.json", root), "utf8"));
const order = vocabulary.tags.flatMap((group) => group.tags);
const [first, second, third] = order.map((tag) => tag.short);

const clip = (id, rating, tags, start, length) => ({ id, rating, tags, start_time: start, end_time: start + length });
// Out of game order on purpose: the dialog counts whatever order the page holds.
const clips = [
  clip(1, 5, [first], 300, 15),
  clip(2, 2, [], 10, 12.5),
  clip(3, 4, [second, third], 120, 20),
  clip(4, 3, [third], 60, 8),
  clip(5, 1, [first, second], 500, 4.5),
];

test("every clip matches with no filters, in game order", () => {
  assert.deepEqual(matchingClips(clips, {}).map((c) => c.id), [2, 4, 3, 1, 5]);
  assert.deepEqual(matchingClips(clips).map((c) => c.id), [2, 4, 3, 1, 5]);
});

test("the minimum rating keeps clips rated at least it", () => {
  assert.deepEqual(matchingClips(clips, { minRating: 3 }).map((c) => c.id), [4, 3, 1]);
  assert.deepEqual(matchingClips(clips, { minRating: 5 }).map((c) => c.id), [1]);
  assert.deepEqual(matchingClips(clips, { minRating: 2 }).map((c) => c.id), [2, 4, 3, 1]);
});

test("chosen tags match any one of them, together with the rating", () => {
  assert.deepEqual(matchingClips(clips, { tags: [first] }).map((c) => c.id), [1, 5]);
  assert.deepEqual(matchingClips(clips, { tags: [first, third] }).map((c) => c.id), [4, 3, 1, 5]);
  assert.deepEqual(matchingClips(clips, { minRating: 4, tags: [third] }).map((c) => c.id), [3]);
  assert.deepEqual(matchingClips(clips, { minRating: 5, tags: [second] }), []);
});

test("the count says how many clips and how long they last together", () => {
  assert.equal(reviewSize(matchingClips(clips)), "5 clips, 1 min");
  assert.equal(reviewSize([clips[0]]), "1 clip, 15 s");
  assert.equal(reviewSize([clips[4]]), "1 clip, 4.5 s");
  assert.equal(reviewSize([clips[0], clips[2], clips[3]]), "3 clips, 43 s");
  const many = Array.from({ length: 12 }, (_, i) => clip(i, 3, [], i * 20, 16 + (i === 0 ? 8 : 0)));
  assert.equal(reviewSize(many), "12 clips, 3 min 20 s");
  assert.equal(reviewSize([]), "No clips match");
});

test("the tag chips are the tags the game's clips use, in the vocabulary's order", () => {
  assert.deepEqual(usedTags(clips, order).map((t) => t.short), [first, second, third]);
  assert.deepEqual(usedTags([clips[3], clips[1]], order).map((t) => t.short), [third]);
  assert.deepEqual(usedTags([clip(9, 3, ["Zzz", third], 0, 2)], order).map((t) => t.short), [third, "Zzz"]);
  assert.deepEqual(usedTags([], order), []);
});

test("a share link's facts read as words", () => {
  const link = { views: 0, created_at: "2026-11-30T12:00:00Z", expires_at: null, revoked_at: null, state: "active" };
  assert.equal(linkFacts(link), "0 views · made 30 Nov 2026 · never expires");
  assert.equal(linkFacts({ ...link, views: 1, expires_at: "2026-12-07T12:00:00Z" }), "1 view · made 30 Nov 2026 · expires 7 Dec 2026");
  assert.equal(linkFacts({ ...link, state: "expired", expires_at: "2026-12-01T12:00:00Z" }), "0 views · made 30 Nov 2026 · expired 1 Dec 2026");
  assert.equal(linkFacts({ ...link, state: "revoked", revoked_at: "2026-12-02T12:00:00Z" }), "0 views · made 30 Nov 2026 · revoked 2 Dec 2026");
});

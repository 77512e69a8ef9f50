// Every pure module in fixtures.json against its fixture, in node. The page's
// #vocabulary comes from videoeditor/vocabulary_fixture.json (kept equal to the
// server's by tests/videoeditor/test_vocabulary.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

import { checkFixture } from "./check.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path) => JSON.parse(readFileSync(root + path, "utf8"));
const manifest = read("tests/js/fixtures.json");

// Before any module import: vocabulary.js reads document.getElementById("vocabulary").
const vocabularyText = readFileSync(root + "videoeditor/vocabulary_fixture.json", "utf8");
globalThis.document ??= { getElementById: (id) => (id === "vocabulary" ? { textContent: vocabularyText } : null) };

for (const entry of manifest.modules) {
  test(`${entry.module} matches ${entry.fixture}`, async () => {
    const module = await import(pathToFileURL(root + entry.module).href);
    const failures = await checkFixture(entry, read(entry.fixture), module);
    assert.deepEqual(failures, []);
  });
}

test("the checker itself tells a difference", async () => {
  const entry = { module: "m", fixture: "f", function: "twice", args: ["x"] };
  const fixture = { cases: [{ name: "right", x: 2, expected: 4 }, { name: "wrong", x: 2, expected: 5 }] };
  const failures = await checkFixture(entry, fixture, { twice: (x) => 2 * x });
  assert.deepEqual(failures.map((f) => f.name), ["wrong"]);
});

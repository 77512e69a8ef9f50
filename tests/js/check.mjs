// Runs one fixture against its module; plain JavaScript, so node
// (fixtures.test.mjs) and Chromium (test_node.py) share it. Returns the cases
// that differ, each with where and how.

/** Where `got` first differs from `expected` ("" when equal); numbers may differ by
 *  `tolerance` (relative above 1), typed arrays compare as arrays. */
export function difference(got, expected, tolerance = 1e-9, path = "") {
  if (ArrayBuffer.isView(got)) got = Array.from(got);
  if (typeof expected === "number" && typeof got === "number") {
    const ok = Math.abs(got - expected) <= tolerance * Math.max(1, Math.abs(expected));
    return ok ? "" : `${path || "value"}: ${got} != ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return `${path || "value"}: ${JSON.stringify(got)} is not a list`;
    if (got.length !== expected.length) return `${path || "value"}: ${got.length} items, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i += 1) {
      const found = difference(got[i], expected[i], tolerance, `${path}[${i}]`);
      if (found) return found;
    }
    return "";
  }
  if (expected && typeof expected === "object") {
    if (!got || typeof got !== "object") return `${path || "value"}: ${JSON.stringify(got)} is not an object`;
    const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
    for (const key of keys) {
      const found = difference(got[key], expected[key], tolerance, `${path}.${key}`);
      if (found) return found;
    }
    return "";
  }
  const same = got === expected || (got == null && expected == null);
  return same ? "" : `${path || "value"}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`;
}

/** [{name, problem}] for the cases of `fixture` where `module` disagrees. */
export async function checkFixture(entry, fixture, module) {
  const cases = fixture[entry.cases || "cases"];
  if (!Array.isArray(cases) || !cases.length) return [{ name: entry.fixture, problem: "no cases" }];
  const failures = [];
  for (const [index, testCase] of cases.entries()) {
    const name = testCase.name || `case ${index}`;
    const functionName = testCase.function || entry.function;
    const fn = module[functionName];
    if (typeof fn !== "function") {
      failures.push({ name, problem: `${entry.module} exports no function ${functionName}` });
      continue;
    }
    const args = Array.isArray(testCase.args) ? testCase.args : (entry.args || []).map((key) => testCase[key]);
    let got;
    try {
      got = await fn(...structuredClone(args));
    } catch (error) {
      failures.push({ name, problem: `threw ${error}` });
      continue;
    }
    const problem = difference(got, testCase[entry.expected || "expected"], entry.tolerance ?? 1e-9);
    if (problem) failures.push({ name, problem });
  }
  return failures;
}

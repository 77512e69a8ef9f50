// The facts the server owns (videoeditor/vocabulary.py), read once from the
// <script id="vocabulary" type="application/json"> base.html renders on every
// page (the same object as GET /api/vocabulary). Pages take speeds,
// transitions, effects, rating words, tags, aspect ratios and limits from here
// and never write them themselves (tests/test_js_constants.py).

function read() {
  const node = typeof document === "undefined" ? null : document.getElementById("vocabulary");
  if (!node) return {};
  try {
    return JSON.parse(node.textContent) || {};
  } catch {
    return {};
  }
}

export const vocabulary = read();

/** {value, word, symbol, colour} of a rating (1 to 5); an unknown one gets its
 *  number as the word, no symbol and no colour. */
export function rating(value) {
  const found = (vocabulary.ratings || []).find((r) => r.value === Number(value));
  return found || { value: Number(value), word: String(value), symbol: "", colour: "" };
}

/** "Brilliant (!!)": the word first, the symbol as a secondary mark. */
export function ratingLabel(value) {
  const { word, symbol } = rating(value);
  return symbol ? `${word} (${symbol})` : word;
}

// Names derived from a clip's rating and tags, the same rule as games/tags.py
// derived_name ("Good Dribble, Pass and Tackle"; empty without tags), for the
// live preview while a person rates and tags. Checked against
// games/names_fixture.json (tests/js/fixtures.json).

import { rating } from "./vocabulary.js";

export function derivedName(value, tags) {
  if (!tags || !tags.length) return "";
  const joined = tags.length === 1 ? tags[0] : `${tags.slice(0, -1).join(", ")} and ${tags[tags.length - 1]}`;
  return `${rating(value).word} ${joined}`;
}

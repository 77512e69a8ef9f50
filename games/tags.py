"""The fixed tag vocabulary, grouped by position, and clip names derived from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tag:
    short: str
    long: str
    position: str


POSITIONS: dict[str, list[tuple[str, str]]] = {
    "Attacker": [
        ("Goal", "Goals"),
        ("Assist", "Assists"),
        ("Dribble", "Dribbling"),
        ("Movement", "Movement Off Ball"),
    ],
    "Midfielder": [
        ("Pass", "Passing Range"),
        ("Chance Creation", "Chance Creation"),
        ("Possession", "Possession Play"),
        ("Transition", "Transitions"),
    ],
    "Defender": [
        ("Tackle", "Tackles"),
        ("Interception", "Interceptions"),
        ("1v1 Defense", "1v1 Defense"),
        ("Build-Up", "Build-Up Passing"),
    ],
    "Goalie": [
        ("Save", "Shot Stopping"),
        ("Command", "Command of Area"),
        ("Distribution", "Distribution"),
        ("1v1 Save", "1v1 Saves"),
    ],
}
TAGS: dict[str, Tag] = {
    short: Tag(short, long, position) for position, tags in POSITIONS.items() for short, long in tags
}

# Files from the earlier version of the product name tags by their long name.
_BY_NAME: dict[str, Tag] = {name.casefold(): tag for tag in TAGS.values() for name in (tag.short, tag.long)}

RATING_ADJECTIVES = {5: "Brilliant", 4: "Good", 3: "Interesting", 2: "Unfortunate", 1: "Bad"}
RATING_SYMBOLS = {5: "!!", 4: "!", 3: "!?", 2: "?", 1: "??"}
# One clearly different hue per rating, mid-tone so each reads on white and on dark.
RATING_COLOURS = {5: "#2E7D32", 4: "#1E88E5", 3: "#8E24AA", 2: "#F59E0B", 1: "#E53935"}


def unknown_tags(tags: list[str]) -> list[str]:
    return [tag for tag in tags if tag not in TAGS]


def tag_named(name: str) -> Tag | None:
    """The tag called `name` by its short or long name, in any case ("possession play")."""
    return _BY_NAME.get(name.strip().casefold())


def derived_name(rating: int, tags: list[str]) -> str:
    """ "Good Dribble, Pass and Tackle"; empty without tags."""
    if not tags:
        return ""
    names = list(tags)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{RATING_ADJECTIVES[rating]} {joined}"


# The same rule in static/js/names.js, checked against this file (tests/js/fixtures.json).
NAMES_FIXTURE = Path(__file__).with_name("names_fixture.json")
_FIXTURE_TAGS = [
    [],
    ["Goal"],
    ["Dribble", "Pass"],
    ["Dribble", "Pass", "Tackle"],
    ["1v1 Save", "Build-Up", "Chance Creation", "Movement"],
]


def build_names_fixture() -> dict:
    cases = [
        {"name": f"{rating} stars, {len(tags)} tags", "rating": rating, "tags": tags,
         "expected": derived_name(rating, tags)}
        for rating in sorted(RATING_ADJECTIVES, reverse=True)
        for tags in _FIXTURE_TAGS
    ]  # fmt: skip
    return {"rule": "games/tags.py derived_name", "cases": cases}


if __name__ == "__main__":  # python -m games.tags: rewrite the fixture
    NAMES_FIXTURE.write_text(json.dumps(build_names_fixture(), indent=1) + "\n")
    print(f"wrote {NAMES_FIXTURE}")

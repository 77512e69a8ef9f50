"""No fact the server owns is written in JavaScript (ARCHITECTURE's first
invariant, issue 13): rating colours, words and symbol tables, the speeds,
transition / effect / aspect-ratio / quality / tag lists, highlight and limit
constants, and frame-rate fallbacks come from static/js/vocabulary.js (the
server's videoeditor/vocabulary.py) or the API. The forbidden values are derived
from vocabulary() itself, so the test follows the Python."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from tests.helpers import BASE_DIR
from videoeditor.vocabulary import vocabulary

JS_FILES = sorted((BASE_DIR / "static" / "js").rglob("*.js"))
# Quoted text: "…", '…' or `…` (template literals whole, ${} included).
STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`""")
NEAR = 200  # two values of one list this close together are a copy of the list
FPS_FALLBACK = re.compile(r"(\|\||\?\?)\s*(23\.976|24|25|29\.97|30|50|59\.94|60)(?![\d.])")
FRAME_STEP = re.compile(r"(?<![\d.])1\s*/\s*(24|25|30|50|60)(?![\d.])")
FPS_DEFAULT = re.compile(r"\bfps\w*\s*[:=]\s*(24|25|30|50|60)(?![\d.])", re.I)
NUMBER_CONSTANT = re.compile(r"\bconst\s+([A-Z][A-Z0-9_]*)\s*=\s*(-?\d+(?:\.\d+)?)\b")
GENERIC_WORDS = {"MAX", "MIN", "SECONDS", "DEFAULT", "BYTES", "SINGLE", "UPLOAD", "CLIP", "LENGTH"}


def _strip_comments(source: str) -> str:
    """Comments blanked (lines kept), strings untouched: a comment may name a value."""
    out, i, n = [], 0, len(source)
    while i < n:
        char = source[i]
        if char in "\"'`":
            match = STRING.match(source, i)
            if match:
                out.append(match.group())
                i = match.end()
                continue
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * source.count("\n", i, end))
            i = end
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _literals(code: str) -> list[tuple[int, str]]:
    """(offset, content) of every string literal."""
    return [(m.start(), m.group()[1:-1]) for m in STRING.finditer(code)]


def _lists() -> dict[str, set[str]]:
    words = vocabulary()
    tags = {name for group in words["tags"] for tag in group["tags"] for name in (tag["short"], tag["long"])}
    return {
        "transition values": {t["value"] for t in words["transitions"]},
        "effect values": {e["value"] for e in words["effects"]},
        "quality values": {q["value"] for q in words["qualities"]},
        "tag names": tags,
        "rating symbols": {r["symbol"] for r in words["ratings"]},
    }


def _numeric_facts() -> dict[str, float]:
    words = vocabulary()
    facts = {key: value for key, value in words["limits"].items() if isinstance(value, int | float)}
    facts |= {key: value for key, value in words["highlight"].items() if isinstance(value, int | float)}
    return facts


def violations(source: str) -> list[str]:
    """Each server-owned fact written in this JavaScript, as "line N: what"."""
    words = vocabulary()
    code = _strip_comments(source)
    found: list[tuple[int, str]] = []
    literals = _literals(code)

    colours = {r["colour"].upper(): r["word"] for r in words["ratings"]}
    colours[words["highlight"]["color"].upper()] = "the highlight"
    for match in re.finditer(r"#[0-9A-Fa-f]{6}\b", code):
        if match.group().upper() in colours:
            found.append((match.start(), f"{colours[match.group().upper()]}'s colour {match.group()}"))

    rating_words = [r["word"] for r in words["ratings"]]
    for offset, text in literals:
        if text in rating_words:
            found.append((offset, f'the rating word "{text}"'))
        for word in rating_words:
            if len(word) > 4 and re.search(rf"\b{word}\b", text) and text != word:
                found.append((offset, f'the rating word "{word}" in "{text[:40]}"'))

    # A value compared against (`=== "dim"`, `case "dim":`) is a rule dispatching on
    # it, as the renderer does; a value in a list, table or option is a copy.
    listed = [
        (o, t) for o, t in literals if not re.search(r"(===?|!==?|\bcase)\s*$", code[max(0, o - 8) : o])
    ]
    for name, values in _lists().items():
        hits = [(offset, text) for offset, text in listed if text in values]
        for (offset, text), (later, other) in pairwise(hits):
            if other != text and later - offset <= NEAR:
                found.append((offset, f'a list of {name} ("{text}", "{other}")'))

    ratios = [a["value"] for a in words["aspect_ratios"]]
    for offset, text in literals:
        for ratio in ratios:
            if re.search(rf"(?<![\d.]){re.escape(ratio)}(?![\d.])", text):
                found.append((offset, f'the aspect ratio "{ratio}" in "{text[:40]}"'))

    speeds = set(words["speeds"])
    for match in re.finditer(r"\[([\d.,\s]+)\]", code):
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", match.group(1))]
        if len(numbers) >= 3 and set(numbers) <= speeds and any(n != int(n) for n in numbers):
            found.append((match.start(), f"the speeds {match.group()}"))

    for pattern in (FPS_FALLBACK, FPS_DEFAULT, FRAME_STEP):
        for match in pattern.finditer(code):
            found.append((match.start(), f"a frame-rate fallback `{match.group()}` (use the probed fps)"))

    facts = _numeric_facts()
    for match in NUMBER_CONSTANT.finditer(code):
        name_words = set(match.group(1).split("_")) - GENERIC_WORDS
        value = float(match.group(2))
        for key, fact in facts.items():
            key_words = set(key.upper().split("_")) - GENERIC_WORDS
            if value == fact and name_words & key_words:
                found.append((match.start(), f"{match.group()} (vocabulary.{key})"))

    return [f"line {code.count(chr(10), 0, offset) + 1}: {what}" for offset, what in sorted(found)]


@pytest.mark.parametrize("path", JS_FILES, ids=[str(p.relative_to(BASE_DIR)) for p in JS_FILES])
def test_no_server_owned_constant_is_written_in_javascript(path: Path):
    assert violations(path.read_text()) == []


def test_the_check_finds_each_kind_of_copied_constant():
    words = vocabulary()
    five = words["ratings"][0]
    samples = {
        f'const COLOURS = {{ 5: "{five["colour"]}" }};': "colour",
        f'const ADJECTIVES = {{ 5: "{five["word"]}", 4: "Good" }};': "rating word",
        "label.textContent = `${n} Unfortunate clips`;": "rating word",
        'const SYMBOLS = { 5: "!!", 4: "!", 3: "!?" };': "rating symbols",
        "const SPEEDS = [0.25, 0.5, 0.75, 1, 1.5, 2];": "speeds",
        'const TRANSITIONS = [["cut", "Cut"], ["fade", "Fade through black"]];': "transition values",
        'const EFFECTS = ["yellow", "brightness", "dim"];': "effect values",
        'select.append(option("9:16 (phones)"));': "aspect ratio",
        "const fps = game.video_fps || 30;": "frame-rate",
        "const rate = info.fps ?? 25;": "frame-rate",
        "video.currentTime += 1 / 30;": "frame-rate",
        'const tags = ["Goal", "Assist"];': "tag names",
        f"const MIN_REGION = {words['limits']['min_region_seconds']};": "min_region_seconds",
        f"const NOTES_MAX = {words['limits']['clip_notes_max']};": "clip_notes_max",
        f"const BRIGHTEN = {words['highlight']['brighten']};": "brighten",
    }
    for source, kind in samples.items():
        found = violations(source)
        assert any(kind in v for v in found), (source, found)


def test_the_check_leaves_ordinary_code_alone():
    source = """
        // A comment may say 9:16, "Brilliant", [0.25, 0.5, 0.75] or || 30.
        /* or #FFFF00 */
        import { vocabulary, ratingLabel } from "../vocabulary.js";
        const url = "http://example.com/a?b=1";
        const SEEK_STEP = 5;
        const options = vocabulary.speeds.map((s) => el("option", { value: s }, `${s}x`));
        if (transition.type === "cut") show();
        if (effect === "yellow") fill(); else if (effect === "dim") darken();
        switch (effect) { case "yellow": break; case "brightness": break; }
        const title = `Transition`;
        const time = clock(75);  // "1:15"
        const zoom = [1, 2, 4];
        const total = count || 0;
    """

    assert violations(source) == []


# The one DOM helper and the shared formats live in static/js/ui.js; another
# module-level definition (or a re-export under an old name) is a second format in
# the making. Local variables (`let clock = 0` in a function) are not definitions.
HELPER = re.compile(
    r"^(?:export\s+)?(?:function\s+|const\s+|let\s+)"
    r"(el|clock|length|bytes|dateLabel|clamp|format[A-Z]\w*)\b(?=\s*[=(])",
    re.M,
)


def helper_definitions(source: str) -> list[str]:
    code = _strip_comments(source)
    return [f"line {code.count(chr(10), 0, m.start()) + 1}: {m[1]}" for m in HELPER.finditer(code)]


@pytest.mark.parametrize(
    "path",
    [p for p in JS_FILES if p.name != "ui.js"],
    ids=[str(p.relative_to(BASE_DIR)) for p in JS_FILES if p.name != "ui.js"],
)
def test_only_ui_js_defines_el_and_the_formats(path: Path):
    assert helper_definitions(path.read_text()) == []


def test_ui_js_has_one_name_per_format():
    names = [d.split(": ")[1] for d in helper_definitions((BASE_DIR / "static" / "js" / "ui.js").read_text())]

    assert sorted(names) == ["bytes", "clamp", "clock", "dateLabel", "el", "length"]


def test_the_helper_check_finds_second_copies():
    assert helper_definitions(
        "function el(tag) {}\nexport const formatTime = (s) => s;\nconst clamp = 1;"
    ) == [
        "line 1: el",
        "line 2: formatTime",
        "line 3: clamp",
    ]
    local = (
        "function f(items) {\n  const length = items.length;\n  let clock = 0;\n}\nconst element = el('p');"
    )
    assert helper_definitions(local) == []

"""Editing highlight regions: add, resize, move and delete regions, and set, drop or
restyle their ellipse keyframes, under the rules clean_regions() enforces (a region
lasts at least MIN_REGION_SECONDS, regions never overlap, all of them inside the
framed video). Each operation takes the regions and returns new ones, sorted by
start, or raises EditError with the sentence the editor shows.

static/js/regions.js is the same operations for the overlay editor; the cases of
`regions_fixture.json` (written by build_fixture) prove the two agree. So the rules
are written once in each language with the same arithmetic: times rounded to the
millisecond (keyframe times to a tenth of one) by floor(x * k + 0.5) / k, which is
JavaScript's Math.round.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from exports.edits import (
    DEFAULT_COLOR,
    DEFAULT_OPACITY,
    DEFAULT_RADIUS_X,
    DEFAULT_RADIUS_Y,
    DEFAULT_REGION_SECONDS,
    MIN_REGION_SECONDS,
    EditError,
)

FIXTURE = Path(__file__).with_name("regions_fixture.json")
RULES = {"min_region_seconds": MIN_REGION_SECONDS, "default_region_seconds": DEFAULT_REGION_SECONDS}
HIGHLIGHT = {
    "color": DEFAULT_COLOR,
    "opacity": DEFAULT_OPACITY,
    "radius_x": DEFAULT_RADIUS_X,
    "radius_y": DEFAULT_RADIUS_Y,
}


def rounded(value: float, places: int = 3) -> float:
    scale = 10**places
    return math.floor(value * scale + 0.5) / scale


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _seconds(value: float) -> str:
    return f"{rounded(value):g}"


def _ordered(regions: list[dict]) -> list[dict]:
    return sorted(regions, key=lambda r: r["start_time"])


def _find(regions: list[dict], region_id: str) -> int:
    for index, region in enumerate(regions):
        if region["id"] == region_id:
            return index
    raise EditError("That highlight region no longer exists.")


def default_ellipse(width: float, height: float, highlight: dict = HIGHLIGHT) -> dict:
    """A new region's ellipse: centred, radii a share of the frame's height."""
    return {
        "x": rounded(width / 2, 2),
        "y": rounded(height / 2, 2),
        "radius_x": rounded(height * highlight["radius_x"], 2),
        "radius_y": rounded(height * highlight["radius_y"], 2),
        "opacity": highlight["opacity"],
        "color": highlight["color"],
    }


def region_at(regions: list[dict], time: float, tolerance: float = 0.0) -> int:
    """The index of the region under `time` (start <= time < end); else of the one
    whose start or end is nearest within `tolerance` (a click at a region's edge
    selects it); else -1."""
    for index, region in enumerate(regions):
        if region["start_time"] <= time < region["end_time"]:
            return index
    best, distance = -1, math.inf
    for index, region in enumerate(regions):
        gap = min(abs(region["start_time"] - time), abs(region["end_time"] - time))
        if gap <= tolerance and gap < distance:
            best, distance = index, gap
    return best


def add_region(
    regions: list[dict], at: float, *, duration: float, ellipse: dict, region_id: str, rules: dict = RULES
) -> list[dict]:
    """A region from `at`, default length, shortened by the video's end or the next region."""
    start = rounded(clamp(at, 0, duration))
    for region in regions:
        if region["start_time"] <= start < region["end_time"]:
            raise EditError(
                f"A highlight is already here ({_seconds(region['start_time'])} to "
                f"{_seconds(region['end_time'])} s); select it to change it."
            )
    later = [r["start_time"] for r in regions if r["start_time"] > start]
    end = rounded(min(start + rules["default_region_seconds"], duration, *later))
    if end - start < rules["min_region_seconds"] - 1e-9:
        raise EditError(
            f"No room for a highlight at {_seconds(start)} s: "
            f"a highlight lasts at least {_seconds(rules['min_region_seconds'])} s."
        )
    region = {
        "id": region_id,
        "start_time": start,
        "end_time": end,
        "enabled": True,
        "keyframes": [{"time": start, **ellipse}],
    }
    return _ordered([*regions, region])


def _kept_keyframes(keyframes: list[dict], start: float, end: float) -> list[dict]:
    """Keyframes inside [start, end]; if none is, the nearest one, moved to the nearer edge."""
    kept = [dict(k) for k in keyframes if start - 1e-6 <= k["time"] <= end + 1e-6]
    if kept:
        return kept

    def distance(k: dict) -> float:
        return start - k["time"] if k["time"] < start else k["time"] - end

    nearest = min(keyframes, key=distance)
    return [{**nearest, "time": start if nearest["time"] < start else end}]


def resize_region(
    regions: list[dict], region_id: str, edge: str, time: float, *, duration: float, rules: dict = RULES
) -> list[dict]:
    """Move one edge of a region to `time`, stopping at its neighbours, the video's
    ends and the shortest length; keyframes the region no longer covers go."""
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    region = ordered[index]
    start, end = region["start_time"], region["end_time"]
    shortest = rules["min_region_seconds"]
    if edge == "start":
        before = ordered[index - 1]["end_time"] if index > 0 else 0
        start = rounded(clamp(time, before, end - shortest))
    elif edge == "end":
        after = ordered[index + 1]["start_time"] if index + 1 < len(ordered) else duration
        end = rounded(clamp(time, start + shortest, after))
    else:
        raise EditError("A region's edge is its start or its end.")
    changed = {**region, "start_time": start, "end_time": end}
    changed["keyframes"] = _kept_keyframes(region["keyframes"], start, end)
    return [changed if i == index else r for i, r in enumerate(ordered)]


def move_region(
    regions: list[dict], region_id: str, start: float, *, duration: float, rules: dict = RULES
) -> list[dict]:
    """Slide a region (and its keyframes) to start at `start`, between its neighbours."""
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    region = ordered[index]
    length = region["end_time"] - region["start_time"]
    before = ordered[index - 1]["end_time"] if index > 0 else 0
    after = ordered[index + 1]["start_time"] if index + 1 < len(ordered) else duration
    new_start = rounded(clamp(start, before, after - length))
    shift = new_start - region["start_time"]
    changed = {
        **region,
        "start_time": new_start,
        "end_time": rounded(new_start + length),
        "keyframes": [{**k, "time": rounded(k["time"] + shift, 4)} for k in region["keyframes"]],
    }
    return [changed if i == index else r for i, r in enumerate(ordered)]


def delete_region(regions: list[dict], region_id: str) -> list[dict]:
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    return [r for i, r in enumerate(ordered) if i != index]


def set_enabled(regions: list[dict], region_id: str, enabled: bool) -> list[dict]:
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    return [{**r, "enabled": enabled} if i == index else r for i, r in enumerate(ordered)]


def _keyframe_near(keyframes: list[dict], time: float, tolerance: float) -> int:
    best, distance = -1, math.inf
    for index, keyframe in enumerate(keyframes):
        gap = abs(keyframe["time"] - time)
        if gap <= tolerance and gap < distance:
            best, distance = index, gap
    return best


def put_ellipse(
    regions: list[dict], region_id: str, time: float, ellipse: dict, *, tolerance: float
) -> list[dict]:
    """The ellipse at `time` (inside the region) becomes a keyframe: it replaces one
    within `tolerance` (keeping that one's time), else it is added in order."""
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    region = ordered[index]
    at = rounded(clamp(time, region["start_time"], region["end_time"]), 4)
    keyframes = [dict(k) for k in region["keyframes"]]
    near = _keyframe_near(keyframes, at, tolerance)
    if near >= 0:
        keyframes[near] = {**keyframes[near], **ellipse, "time": keyframes[near]["time"]}
    else:
        keyframes = sorted([*keyframes, {**ellipse, "time": at}], key=lambda k: k["time"])
    return [{**r, "keyframes": keyframes} if i == index else r for i, r in enumerate(ordered)]


def drop_keyframe(regions: list[dict], region_id: str, time: float, *, tolerance: float) -> list[dict]:
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    keyframes = ordered[index]["keyframes"]
    near = _keyframe_near(keyframes, time, tolerance)
    if near < 0:
        raise EditError("There is no keyframe at the playhead to delete.")
    if len(keyframes) < 2:
        raise EditError("A highlight keeps at least one keyframe; delete the region instead.")
    kept = [dict(k) for n, k in enumerate(keyframes) if n != near]
    return [{**r, "keyframes": kept} if i == index else r for i, r in enumerate(ordered)]


def restyle_region(regions: list[dict], region_id: str, style: dict) -> list[dict]:
    """Opacity and colour for the whole region, and its size: `scale` multiplies
    every keyframe's radii."""
    ordered = _ordered(regions)
    index = _find(ordered, region_id)
    scale = style.get("scale", 1)
    if not scale > 0:
        raise EditError("A highlight's size must be more than nothing.")
    keyframes = []
    for keyframe in ordered[index]["keyframes"]:
        changed = {**keyframe}
        if "opacity" in style:
            changed["opacity"] = rounded(clamp(style["opacity"], 0, 1), 4)
        if "color" in style:
            changed["color"] = style["color"].upper()
        if scale != 1:
            changed["radius_x"] = rounded(keyframe["radius_x"] * scale, 2)
            changed["radius_y"] = rounded(keyframe["radius_y"] * scale, 2)
        keyframes.append(changed)
    return [{**r, "keyframes": keyframes} if i == index else r for i, r in enumerate(ordered)]


# --- the shared fixture ---------------------------------------------------------------


def _ellipse(x: float, y: float, rx: float = 13, ry: float = 26, color: str = "#FFFF00") -> dict:
    return {"x": x, "y": y, "radius_x": rx, "radius_y": ry, "opacity": 0.5, "color": color}


def _region(region_id: str, start: float, end: float, *times: float) -> dict:
    keyframes = [_ellipse(60 + 5 * n, 100 - 3 * n) | {"time": t} for n, t in enumerate(times or (start,))]
    return {"id": region_id, "start_time": start, "end_time": end, "enabled": True, "keyframes": keyframes}


SECONDS = 10.0  # the framed video of every case
TWO = [_region("a", 1.0, 3.0, 1.0, 2.5), _region("b", 5.0, 6.0)]
NEW = default_ellipse(120, 214)


def _cases() -> list[tuple[str, str, list, object]]:
    """(name, the JavaScript function, its arguments, the Python's answer)."""
    timing = {"duration": SECONDS, "rules": RULES}
    near = {"tolerance": 0.02}

    def add(regions, at):
        options = {**timing, "ellipse": NEW, "id": "n"}
        return (
            "addRegion",
            [regions, at, options],
            lambda: add_region(regions, at, duration=SECONDS, ellipse=NEW, region_id="n"),
        )

    def resize(regions, region_id, edge, time):
        return (
            "resizeRegion",
            [regions, region_id, edge, time, timing],
            lambda: resize_region(regions, region_id, edge, time, duration=SECONDS),
        )

    def move(regions, region_id, start):
        return (
            "moveRegion",
            [regions, region_id, start, timing],
            lambda: move_region(regions, region_id, start, duration=SECONDS),
        )

    def put(regions, region_id, time, ellipse):
        return (
            "putEllipse",
            [regions, region_id, time, ellipse, near],
            lambda: put_ellipse(regions, region_id, time, ellipse, tolerance=0.02),
        )

    def drop(regions, region_id, time):
        return (
            "dropKeyframe",
            [regions, region_id, time, near],
            lambda: drop_keyframe(regions, region_id, time, tolerance=0.02),
        )

    def simple(js_name, python, *args):
        return js_name, list(args), lambda: python(*args)

    def restyle(style):
        return simple("restyleRegion", restyle_region, TWO, "a", style)

    return [
        ("add in an empty video", *add([], 0.5)),
        ("add is clamped into the video", *add([], -2.0)),
        ("add shortened by the next region", *add(TWO, 4.2)),
        ("add shortened by the video's end", *add([], 9.1234)),
        ("add inside a region is refused", *add(TWO, 2.0)),
        ("add without room is refused", *add(TWO, 4.7)),
        ("add at the very end is refused", *add([], 10.0)),
        ("resize the end later", *resize(TWO, "a", "end", 3.6)),
        ("resize the end stops at the next region", *resize(TWO, "a", "end", 7)),
        ("resize the end keeps the shortest length", *resize(TWO, "a", "end", 0)),
        ("resize the start drops keyframes", *resize(TWO, "a", "start", 1.5)),
        ("resize the start past every keyframe", *resize([_region("c", 1.0, 4.0)], "c", "start", 2.25)),
        ("resize the start stops at the previous region", *resize(TWO, "b", "start", 0.2)),
        ("resize the last end stops at the video's end", *resize(TWO, "b", "end", 12)),
        ("resize an unknown edge is refused", *resize(TWO, "a", "middle", 2)),
        ("resize a missing region is refused", *resize(TWO, "z", "end", 2)),
        ("move later, keyframes follow", *move(TWO, "a", 1.5)),
        ("move stops at the next region", *move(TWO, "a", 4.0)),
        ("move stops at zero", *move(TWO, "a", -1.0)),
        ("move the last stops at the end", *move(TWO, "b", 9.7)),
        ("delete", *simple("deleteRegion", delete_region, TWO, "a")),
        ("delete a missing region is refused", *simple("deleteRegion", delete_region, TWO, "z")),
        ("disable", *simple("setEnabled", set_enabled, TWO, "b", False)),
        ("put an ellipse between keyframes", *put(TWO, "a", 1.75, _ellipse(80.5, 90.25))),
        ("put an ellipse on a keyframe keeps its time", *put(TWO, "a", 2.51, _ellipse(70, 70))),
        ("put an ellipse past the end lands on the end", *put(TWO, "b", 6.5, _ellipse(10, 20))),
        ("drop a keyframe", *drop(TWO, "a", 2.49)),
        ("drop the only keyframe is refused", *drop(TWO, "b", 5.0)),
        ("drop where there is none is refused", *drop(TWO, "a", 2.0)),
        ("restyle the colour", *restyle({"opacity": 0.35, "color": "#ff8800"})),
        ("restyle the size", *restyle({"scale": 1.5})),
        ("restyle to no size is refused", *restyle({"scale": 0})),
        ("region at a time inside", *simple("regionAt", region_at, TWO, 2.0, 0.1)),
        ("region at just before a start", *simple("regionAt", region_at, TWO, 4.95, 0.1)),
        ("region at nowhere", *simple("regionAt", region_at, TWO, 4.0, 0.1)),
        ("default ellipse", *simple("defaultEllipse", default_ellipse, 1080, 1920, HIGHLIGHT)),
    ]  # fmt: skip


def _answer(call) -> object:
    """What the JavaScript returns: {"regions": [...]} or {"error": sentence}, or a plain value."""
    try:
        found = call()
    except EditError as error:
        return {"error": error.message}
    return {"regions": found} if isinstance(found, list) else found


def build_fixture() -> dict:
    return {
        "rules": RULES,
        "highlight": HIGHLIGHT,
        "cases": [
            {"name": name, "function": function, "args": args, "expected": _answer(call)}
            for name, function, args, call in _cases()
        ],
    }


if __name__ == "__main__":  # DJANGO_SETTINGS_MODULE=videoeditor.settings python -m exports.region_edits
    FIXTURE.write_text(json.dumps(build_fixture(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")

"""The canonical shapes of framing and overlay edits, and their rules. One format
per fact: what is stored is exactly what these functions return, and the render
library reads the same shapes.

crop_keyframes  [{time, x, y, width, height}]  seconds from the clip start; a
                rectangle in source pixels, inside the frame, of the project's
                aspect ratio (within a pixel); sorted by time, times unique.
segments        {trim_start, trim_end, splits: [t, ...], speeds: [s, ...]}
                seconds from the clip start; len(speeds) == len(splits) + 1;
                each speed one of SPEEDS (0.25x to 2x: the slow-motion and
                fast-forward choices the editor offers).
overlay regions [{id, start_time, end_time, enabled, label?, keyframes: [{time,
                x, y, radius_x, radius_y, opacity, color}]}]  seconds and pixels of
                the framed video; each region at least 0.5 s; regions do not
                overlap; the label (at most 80 characters) only when there is one.
                A clip's highlight (exports/highlights.py) has the same shape in
                clip seconds and source pixels.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise
from typing import Any

from videoeditor.errors import UserFacingError

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
MIN_REGION_SECONDS = 0.5
MAX_LABEL_LENGTH = 80  # a region's optional label (the clip's name on a starter region)
DEFAULT_REGION_SECONDS = 2.0  # a new highlight region's length, where the clip allows
# A new highlight: yellow at half strength (15 % looked olive on a green pitch; see
# tests/render/test_overlay.py's measurement on grass), radii a share of the framed
# video's height (about a player's width and height in a wide shot).
DEFAULT_OPACITY = 0.5
DEFAULT_COLOR = "#FFFF00"
DEFAULT_RADIUS_X = 0.06
DEFAULT_RADIUS_Y = 0.12
TRANSITIONS = ("cut", "fade", "dissolve")
TRANSITION_SECONDS = (0.1, 2.0)  # shortest and longest transition
DEFAULT_TRANSITION_SECONDS = 0.5
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class EditError(UserFacingError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EditError(f"{what} must be a number.")
    return float(value)


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise EditError(f"{what} must be an object.")
    return value


def _increasing(times: list[float], what: str) -> None:
    if any(b <= a for a, b in pairwise(times)):
        raise EditError(f"{what} must be sorted by time, with no two at the same time.")


def aspect_value(aspect_ratio: str) -> float:
    width, height = aspect_ratio.split(":")
    return int(width) / int(height)


def default_crop(source_width: int, source_height: int, aspect_ratio: str) -> list[dict]:
    """The largest centred rectangle of the project's ratio, as one keyframe."""
    ratio = aspect_value(aspect_ratio)
    width, height = float(source_width), float(source_height)
    if width / height > ratio:
        width = round(height * ratio)
    else:
        height = round(width / ratio)
    x, y = round((source_width - width) / 2), round((source_height - height) / 2)
    return [{"time": 0.0, "x": x, "y": y, "width": width, "height": height}]


def clean_crop_keyframes(
    keyframes: Any, *, clip_duration: float, source_width: int, source_height: int, aspect_ratio: str
) -> list[dict]:
    if not isinstance(keyframes, list) or not keyframes:
        raise EditError("A clip needs at least one crop keyframe.")
    ratio = aspect_value(aspect_ratio)
    cleaned = []
    for index, raw in enumerate(keyframes, start=1):
        what = f"Crop keyframe {index}"
        frame = _object(raw, what)
        time = _number(frame.get("time"), f"{what}'s time")
        x, y = _number(frame.get("x"), f"{what}'s x"), _number(frame.get("y"), f"{what}'s y")
        width = _number(frame.get("width"), f"{what}'s width")
        height = _number(frame.get("height"), f"{what}'s height")
        if not 0 <= time <= clip_duration + 1e-6:
            raise EditError(f"{what} is at {time:g} s, outside the clip (0 to {clip_duration:g} s).")
        if width <= 0 or height <= 0:
            raise EditError(f"{what} has no area.")
        if x < 0 or y < 0 or x + width > source_width + 1e-6 or y + height > source_height + 1e-6:
            raise EditError(
                f"{what} ({width:g}x{height:g} at {x:g},{y:g}) reaches outside the "
                f"{source_width}x{source_height} frame."
            )
        if abs(width - height * ratio) > 1.0:
            raise EditError(f"{what} is {width:g}x{height:g}, not the project's {aspect_ratio} shape.")
        cleaned.append({"time": time, "x": x, "y": y, "width": width, "height": height})
    _increasing([k["time"] for k in cleaned], "Crop keyframes")
    return cleaned


def default_segments(clip_duration: float) -> dict:
    return {"trim_start": 0.0, "trim_end": clip_duration, "splits": [], "speeds": [1.0]}


def clean_segments(segments: Any, *, clip_duration: float) -> dict:
    segments = _object(segments, "Segments")
    trim_start = _number(segments.get("trim_start", 0.0), "trim_start")
    trim_end = _number(segments.get("trim_end", clip_duration), "trim_end")
    if not 0 <= trim_start < trim_end <= clip_duration + 1e-6:
        raise EditError(
            f"The trim must lie inside the clip (0 to {clip_duration:g} s) and end after it starts."
        )
    splits = segments.get("splits", [])
    speeds = segments.get("speeds", [1.0])
    if not isinstance(splits, list) or not isinstance(speeds, list):
        raise EditError("splits and speeds must be lists.")
    splits = [_number(t, "A split") for t in splits]
    speeds = [_number(s, "A speed") for s in speeds]
    _increasing(splits, "Splits")
    if any(not trim_start < t < trim_end for t in splits):
        raise EditError("Every split must lie inside the trimmed clip.")
    if len(speeds) != len(splits) + 1:
        raise EditError(f"{len(splits)} split(s) make {len(splits) + 1} segment(s); send one speed for each.")
    if any(s not in SPEEDS for s in speeds):
        raise EditError(f"Speeds are one of {', '.join(f'{s:g}x' for s in SPEEDS)}.")
    return {"trim_start": trim_start, "trim_end": trim_end, "splits": splits, "speeds": speeds}


def clean_transition(transition: Any) -> dict:
    transition = _object(transition, "The transition")
    kind = transition.get("type", "cut")
    if kind not in TRANSITIONS:
        raise EditError(f"Transitions are {', '.join(TRANSITIONS)}; {kind!r} is not one.")
    duration = _number(transition.get("duration", DEFAULT_TRANSITION_SECONDS), "The transition's duration")
    shortest, longest = TRANSITION_SECONDS
    if not shortest <= duration <= longest:
        raise EditError(f"A transition lasts {shortest:g} to {longest:g} seconds.")
    return {"type": kind, "duration": duration}


def clean_regions(
    regions: Any, *, width: int, height: int, duration: float | None,
    min_seconds: float = MIN_REGION_SECONDS, of: str = "the framed video",
) -> list[dict]:  # fmt: skip
    """Highlight regions in the framed video (`width` x `height`, `duration` s when
    known), or, with `of` naming it, in a clip's own coordinates (a clip's regions
    may be shorter: slow motion makes them longer on screen)."""
    if not isinstance(regions, list):
        raise EditError("Regions must be a list.")
    cleaned = []
    for index, raw in enumerate(regions, start=1):
        what = f"Region {index}"
        region = _object(raw, what)
        start = _number(region.get("start_time"), f"{what}'s start_time")
        end = _number(region.get("end_time"), f"{what}'s end_time")
        if start < 0 or end - start < min_seconds - 1e-9:
            raise EditError(f"{what} must start at 0 s or later and last at least {min_seconds:g} s.")
        if duration is not None and end > duration + 1e-6:
            raise EditError(f"{what} ends at {end:g} s, after the end of {of} ({duration:g} s).")
        label = region.get("label", "")
        if not isinstance(label, str) or len(label) > MAX_LABEL_LENGTH:
            raise EditError(f"{what}'s label must be text of at most {MAX_LABEL_LENGTH} characters.")
        enabled = region.get("enabled", True)
        if not isinstance(enabled, bool):
            raise EditError(f"{what}'s enabled must be true or false.")
        keyframes = region.get("keyframes")
        if not isinstance(keyframes, list) or not keyframes:
            raise EditError(f"{what} needs at least one keyframe.")
        cleaned_keyframes = [
            _clean_ellipse(k, f"{what}, keyframe {n}", start, end, width, height)
            for n, k in enumerate(keyframes, start=1)
        ]
        _increasing([k["time"] for k in cleaned_keyframes], f"{what}'s keyframes")
        region_id = str(region.get("id") or f"region-{index}")[:64]
        cleaned.append(
            {
                "id": region_id,
                "start_time": start,
                "end_time": end,
                "enabled": enabled,
                "keyframes": cleaned_keyframes,
                **({"label": label.strip()} if label.strip() else {}),
            }
        )
    ordered = sorted(cleaned, key=lambda r: r["start_time"])
    for before, after in pairwise(ordered):
        if after["start_time"] < before["end_time"] - 1e-9:
            raise EditError(
                f"Highlight regions may not overlap ({before['start_time']:g}-{before['end_time']:g} s and "
                f"{after['start_time']:g}-{after['end_time']:g} s do)."
            )
    if len({r["id"] for r in ordered}) != len(ordered):
        raise EditError("Two regions share an id.")
    return ordered


def _clean_ellipse(raw: Any, what: str, start: float, end: float, width: int, height: int) -> dict:
    frame = _object(raw, what)
    time = _number(frame.get("time"), f"{what}'s time")
    if not start - 1e-6 <= time <= end + 1e-6:
        raise EditError(f"{what} is at {time:g} s, outside its region ({start:g} to {end:g} s).")
    x, y = _number(frame.get("x"), f"{what}'s x"), _number(frame.get("y"), f"{what}'s y")
    if not (0 <= x <= width and 0 <= y <= height):
        raise EditError(f"{what}'s centre ({x:g},{y:g}) is outside the {width}x{height} frame.")
    radius_x = _number(frame.get("radius_x"), f"{what}'s radius_x")
    radius_y = _number(frame.get("radius_y"), f"{what}'s radius_y")
    if radius_x <= 0 or radius_y <= 0:
        raise EditError(f"{what}'s radii must be positive.")
    opacity = _number(frame.get("opacity", DEFAULT_OPACITY), f"{what}'s opacity")
    if not 0 <= opacity <= 1:
        raise EditError(f"{what}'s opacity must be between 0 and 1.")
    color = frame.get("color", DEFAULT_COLOR)
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise EditError(f"{what}'s color must look like #FFFF00.")
    return {
        "time": time, "x": x, "y": y, "radius_x": radius_x, "radius_y": radius_y,
        "opacity": opacity, "color": color.upper(),
    }  # fmt: skip

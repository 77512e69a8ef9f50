"""Trims and speed segments as a map between output time and clip time.

A clip's segments ({trim_start, trim_end, splits, speeds}, seconds from the clip
start) cut the trimmed span at each split; segment i plays at speeds[i]. The
output is the segments back to back, each lasting its length / speed. All times
are seconds: frame rates come from the source, never from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Segment:
    source_start: float
    source_end: float
    speed: float
    output_start: float

    @property
    def output_end(self) -> float:
        return self.output_start + (self.source_end - self.source_start) / self.speed


def layout(segments: dict) -> list[Segment]:
    bounds = [segments["trim_start"], *segments["splits"], segments["trim_end"]]
    laid, clock = [], 0.0
    for start, end, speed in zip(bounds[:-1], bounds[1:], segments["speeds"], strict=True):
        laid.append(Segment(start, end, float(speed), clock))
        clock = laid[-1].output_end
    return laid


def output_duration(segments: dict) -> float:
    return layout(segments)[-1].output_end


def source_times(segments: dict, output_times: np.ndarray) -> np.ndarray:
    """Clip time shown at each output time (clamped to the trimmed span)."""
    laid = layout(segments)
    starts = np.array([s.output_start for s in laid])
    query = np.clip(np.asarray(output_times, dtype=np.float64), 0.0, laid[-1].output_end)
    index = np.clip(np.searchsorted(starts, query, side="right") - 1, 0, len(laid) - 1)
    source_start = np.array([s.source_start for s in laid])[index]
    speed = np.array([s.speed for s in laid])[index]
    return np.minimum(source_start + (query - starts[index]) * speed, segments["trim_end"])


def output_time(segments: dict, clip_time: float) -> float:
    """The output time showing clip time `clip_time` (the inverse of source_times;
    clip times outside the trim are clamped to it)."""
    laid = layout(segments)
    t = min(max(float(clip_time), laid[0].source_start), laid[-1].source_end)
    index = sum(1 for s in laid[1:] if t >= s.source_start)
    segment = laid[index]
    return segment.output_start + (t - segment.source_start) / segment.speed


def segment_index(segments: dict, clip_time: float) -> int:
    """The segment holding clip time `clip_time` (a split starts its segment)."""
    return sum(1 for split in segments["splits"] if clip_time >= split)


# --- edits: each returns new segments, valid by exports/edits.clean_segments ------------

# The shortest piece a trim or a split may leave (seconds).
MIN_SEGMENT_SECONDS = 0.2


def _copy(segments: dict, **changes) -> dict:
    fresh = {
        "trim_start": float(segments["trim_start"]),
        "trim_end": float(segments["trim_end"]),
        "splits": [float(t) for t in segments["splits"]],
        "speeds": [float(s) for s in segments["speeds"]],
    }
    fresh.update(changes)
    return fresh


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def trim_start(segments: dict, time: float, minimum: float = MIN_SEGMENT_SECONDS) -> dict:
    """Move the start trim to `time`, kept at 0 or later and `minimum` before the
    first split (or the end trim)."""
    limit = (segments["splits"][0] if segments["splits"] else segments["trim_end"]) - minimum
    return _copy(segments, trim_start=_clamp(float(time), 0.0, max(0.0, limit)))


def trim_end(segments: dict, time: float, clip_duration: float, minimum: float = MIN_SEGMENT_SECONDS) -> dict:
    """Move the end trim to `time`, kept inside the clip and `minimum` after the
    last split (or the start trim)."""
    limit = (segments["splits"][-1] if segments["splits"] else segments["trim_start"]) + minimum
    return _copy(segments, trim_end=_clamp(float(time), min(limit, clip_duration), clip_duration))


def can_split(segments: dict, time: float, minimum: float = MIN_SEGMENT_SECONDS) -> bool:
    return segments["trim_start"] + minimum <= time <= segments["trim_end"] - minimum and all(
        abs(t - time) >= minimum for t in segments["splits"]
    )


def split(segments: dict, time: float, minimum: float = MIN_SEGMENT_SECONDS) -> dict | None:
    """Cut the segment at `time` in two, both at its speed; None where no split fits."""
    if not can_split(segments, time, minimum):
        return None
    index = segment_index(segments, time)
    speeds = list(segments["speeds"])
    speeds.insert(index + 1, speeds[index])
    return _copy(
        segments, splits=sorted([*segments["splits"], float(time)]), speeds=[float(s) for s in speeds]
    )


def join(segments: dict, index: int) -> dict:
    """Remove split `index`: segment index+1 joins segment index (and takes its speed)."""
    splits = [t for n, t in enumerate(segments["splits"]) if n != index]
    speeds = [s for n, s in enumerate(segments["speeds"]) if n != index + 1]
    return _copy(segments, splits=splits, speeds=speeds)


def set_speed(segments: dict, index: int, speed: float) -> dict:
    speeds = list(segments["speeds"])
    speeds[index] = float(speed)
    return _copy(segments, speeds=speeds)


# --- the shared fixture (static/js/segments.js is checked against it) --------------------

FIXTURE = Path(__file__).with_name("segments_fixture.json")

FIXTURE_SEGMENTS = {
    "whole clip": ({"trim_start": 0.0, "trim_end": 6.0, "splits": [], "speeds": [1.0]}, 6.0),
    "trimmed": ({"trim_start": 0.4, "trim_end": 3.0, "splits": [], "speeds": [1.0]}, 4.0),
    "slow middle": (
        {"trim_start": 0.0, "trim_end": 4.0, "splits": [1.0, 2.0], "speeds": [1.0, 0.5, 1.0]},
        4.0,
    ),
    "mixed": (
        {"trim_start": 0.5, "trim_end": 7.5, "splits": [2.0, 3.25, 6.0], "speeds": [2.0, 0.25, 1.5, 0.75]},
        8.0,
    ),
}


def _queries(start: float, end: float) -> list[float]:
    return [round(start + (end - start) * n / 12, 6) for n in range(13)]


def build_fixture() -> dict:
    """Cases of {name, function (the JS name), args, expected}, as tests/js/fixtures.json reads them."""
    from exports.edits import clean_segments, default_segments

    minimum = MIN_SEGMENT_SECONDS
    cases = []

    def case(name: str, function: str, args: list, expected) -> None:
        cases.append({"name": name, "function": function, "args": args, "expected": expected})

    for name, (segments, duration) in FIXTURE_SEGMENTS.items():
        clean_segments(segments, clip_duration=duration)
        first = len(cases)
        case(f"{name}: default", "defaultSegments", [duration], default_segments(duration))
        laid = [
            {
                "source_start": s.source_start,
                "source_end": s.source_end,
                "speed": s.speed,
                "output_start": s.output_start,
                "output_end": s.output_end,
            }
            for s in layout(segments)
        ]
        case(f"{name}: layout", "layout", [segments], laid)
        case(f"{name}: output duration", "outputDuration", [segments], output_duration(segments))
        outputs = _queries(-0.5, output_duration(segments) + 0.5)
        for t, clip_time in zip(outputs, source_times(segments, np.array(outputs)), strict=True):
            case(f"{name}: clip time at output {t}", "sourceTime", [segments, t], float(clip_time))
        for t in _queries(-0.5, duration + 0.5):
            case(f"{name}: output time of clip {t}", "outputTime", [segments, t], output_time(segments, t))
            case(f"{name}: segment at {t}", "segmentIndex", [segments, t], segment_index(segments, t))
        for t in [*_queries(0.0, duration), *segments["splits"], segments["trim_start"] + 0.1]:
            case(f"{name}: split at {t}", "split", [segments, t, minimum], split(segments, t, minimum))
        for t in (-1.0, 0.0, 0.3, 1.1, 2.5, duration):
            case(
                f"{name}: trim start to {t}",
                "trimStart",
                [segments, t, minimum],
                trim_start(segments, t, minimum),
            )
            case(
                f"{name}: trim end to {t}",
                "trimEnd",
                [segments, t, duration, minimum],
                trim_end(segments, t, duration, minimum),
            )
        for index in range(len(segments["splits"])):
            case(f"{name}: join {index}", "join", [segments, index], join(segments, index))
        for index in range(len(segments["speeds"])):
            case(
                f"{name}: speed {index}", "setSpeed", [segments, index, 0.5], set_speed(segments, index, 0.5)
            )
        for edited in cases[first:]:  # every edit leaves segments the server accepts
            result = edited["expected"]
            if isinstance(result, dict) and "speeds" in result:
                assert clean_segments(result, clip_duration=duration) == result, edited["name"]
    return {"min_segment_seconds": minimum, "cases": cases}


if __name__ == "__main__":  # python -m exports.render.segments: rewrite the fixture
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    django.setup()
    FIXTURE.write_text(json.dumps(build_fixture(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")

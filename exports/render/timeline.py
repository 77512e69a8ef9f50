"""The one interpolation of keyframed values (crop rectangles and highlight
ellipses alike), here and, by the same rules, in the editor's JavaScript.

Scheme: monotone piecewise cubic Hermite interpolation (Fritsch-Carlson, with
the slopes PCHIP uses). Between two keyframes the value never leaves the range
of those two keyframes (no overshoot: a crop that follows a player never swings
past where they were), it is smooth through the keyframes, and two keyframes
give a straight line. Before the first keyframe the first value holds; after
the last, the last value holds. One keyframe is a constant.

`timeline_fixture.json` beside this file holds inputs and expected outputs;
the Python test and the editor's JavaScript test both check against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).with_name("timeline_fixture.json")


def slopes(times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Tangents at each keyframe that keep every piece monotone."""
    count = len(times)
    if count < 2:
        return np.zeros(count)
    gaps = np.diff(times)
    secants = np.diff(values) / gaps
    tangents = np.empty(count)
    tangents[0], tangents[-1] = secants[0], secants[-1]
    for k in range(1, count - 1):
        before, after = secants[k - 1], secants[k]
        if before * after <= 0:
            tangents[k] = 0.0  # a turning point: flat, so nothing overshoots
        else:
            left, right = gaps[k - 1], gaps[k]
            # weighted harmonic mean of the neighbouring secants
            tangents[k] = 3 * (left + right) / ((2 * right + left) / before + (right + 2 * left) / after)
    return tangents


def interpolate(times: Sequence[float], values: Sequence[float], at: float | Sequence[float]) -> np.ndarray:
    """Values of the keyframed curve at `at` (seconds); times strictly increasing."""
    t = np.asarray(times, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    query = np.atleast_1d(np.asarray(at, dtype=np.float64))
    if len(t) == 0:
        raise ValueError("at least one keyframe is needed")
    if len(t) == 1:
        return np.full(query.shape, y[0])
    m = slopes(t, y)
    clamped = np.clip(query, t[0], t[-1])
    index = np.clip(np.searchsorted(t, clamped, side="right") - 1, 0, len(t) - 2)
    gap = t[index + 1] - t[index]
    s = (clamped - t[index]) / gap
    s2, s3 = s * s, s * s * s
    return (
        (2 * s3 - 3 * s2 + 1) * y[index]
        + (s3 - 2 * s2 + s) * gap * m[index]
        + (-2 * s3 + 3 * s2) * y[index + 1]
        + (s3 - s2) * gap * m[index + 1]
    )


def interpolate_keyframes(
    keyframes: list[dict], fields: Sequence[str], at: Sequence[float]
) -> dict[str, np.ndarray]:
    """Each field of a list of keyframes ({"time": ..., field: ...}) at the times `at`."""
    times = [k["time"] for k in keyframes]
    return {field: interpolate(times, [k[field] for k in keyframes], at) for field in fields}


# --- the shared fixture ---------------------------------------------------------------

FIXTURE_CASES = {
    "single keyframe holds": ([2.0], [100.0]),
    "two keyframes are a straight line": ([0.0, 10.0], [0.0, 500.0]),
    "a turn does not overshoot": ([0.0, 2.0, 4.0, 6.0], [0.0, 300.0, 300.0, 0.0]),
    "uneven spacing": ([0.0, 0.5, 3.0, 3.5, 8.0], [640.0, 700.0, 1200.0, 1180.0, 200.0]),
    "monotone data stays monotone": ([0.0, 1.0, 2.0, 5.0], [0.0, 10.0, 200.0, 210.0]),
}


def fixture_queries(times: list[float]) -> list[float]:
    start, end = times[0] - 1.0, times[-1] + 1.0
    return [round(start + (end - start) * n / 40, 6) for n in range(41)] + list(times)


def build_fixture() -> dict:
    cases = []
    for name, (times, values) in FIXTURE_CASES.items():
        queries = fixture_queries(times)
        expected = interpolate(times, values, queries)
        cases.append(
            {
                "name": name,
                "times": times,
                "values": values,
                "at": queries,
                "expected": [float(v) for v in expected],
            }
        )
    return {"scheme": "monotone cubic Hermite (Fritsch-Carlson, PCHIP slopes), clamped ends", "cases": cases}


if __name__ == "__main__":  # python -m exports.render.timeline: rewrite the fixture
    FIXTURE.write_text(json.dumps(build_fixture(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")

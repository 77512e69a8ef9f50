"""Trims and speed segments as a map between output time and clip time.

A clip's segments ({trim_start, trim_end, splits, speeds}, seconds from the clip
start) cut the trimmed span at each split; segment i plays at speeds[i]. The
output is the segments back to back, each lasting its length / speed. All times
are seconds: frame rates come from the source, never from here.
"""

from __future__ import annotations

from dataclasses import dataclass

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

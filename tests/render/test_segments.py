"""Trims and speeds map output time to clip time."""

from __future__ import annotations

import numpy as np
import pytest

from exports.render.segments import layout, output_duration, source_times


def test_a_half_speed_segment_doubles_its_duration():
    segments = {"trim_start": 0, "trim_end": 10, "splits": [4, 6], "speeds": [1, 0.5, 1]}

    assert output_duration(segments) == 12
    assert [(s.output_start, s.output_end) for s in layout(segments)] == [(0, 4), (4, 8), (8, 10 + 2)]


def test_trims_remove_exactly_the_trimmed_time():
    assert output_duration({"trim_start": 1.5, "trim_end": 9.25, "splits": [], "speeds": [1]}) == 7.75


def test_output_times_map_back_to_clip_times():
    segments = {"trim_start": 1, "trim_end": 9, "splits": [3, 5], "speeds": [1, 0.5, 2]}

    mapped = source_times(segments, np.array([0, 2, 3, 6, 7, 8, 100]))

    assert mapped.tolist() == pytest.approx([1, 3, 3.5, 5, 7, 9, 9])

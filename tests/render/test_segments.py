"""Trims and speeds map output time to clip time."""

from __future__ import annotations

import json

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


# --- the edits and the fixture static/js/segments.js is checked against -----------------


def test_the_segments_fixture_matches_the_implementation():
    from exports.render.segments import FIXTURE, build_fixture

    assert json.loads(FIXTURE.read_text()) == build_fixture()


def test_a_split_keeps_the_speed_on_both_sides_and_a_join_undoes_it():
    from exports.render.segments import join, split

    segments = {"trim_start": 0.0, "trim_end": 4.0, "splits": [2.0], "speeds": [1.0, 0.5]}

    cut = split(segments, 3.0)

    assert cut == {"trim_start": 0.0, "trim_end": 4.0, "splits": [2.0, 3.0], "speeds": [1.0, 0.5, 0.5]}
    assert join(cut, 1) == segments
    assert split(segments, 2.1) is None  # too close to the split at 2 s
    assert split(segments, 3.9) is None  # too close to the end


def test_trims_stop_short_of_the_splits():
    from exports.render.segments import MIN_SEGMENT_SECONDS, trim_end, trim_start

    segments = {"trim_start": 0.0, "trim_end": 4.0, "splits": [1.0], "speeds": [1.0, 2.0]}

    assert trim_start(segments, 3.0)["trim_start"] == pytest.approx(1.0 - MIN_SEGMENT_SECONDS)
    assert trim_end(segments, 0.5, 4.0)["trim_end"] == pytest.approx(1.0 + MIN_SEGMENT_SECONDS)
    assert trim_end(segments, 9.0, 4.0)["trim_end"] == 4.0
    assert trim_start(segments, -2.0)["trim_start"] == 0.0


def test_output_time_inverts_the_time_map():
    from exports.render.segments import output_time, source_times

    segments = {
        "trim_start": 0.5,
        "trim_end": 7.5,
        "splits": [2.0, 3.25, 6.0],
        "speeds": [2.0, 0.25, 1.5, 0.75],
    }
    clip_times = np.linspace(0.5, 7.5, 57)

    outputs = np.array([output_time(segments, t) for t in clip_times])

    assert np.allclose(source_times(segments, outputs), clip_times, atol=1e-9)

"""The one interpolation: matches its fixture exactly, never overshoots, holds at the ends."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exports.render.timeline import FIXTURE, build_fixture, interpolate, interpolate_keyframes


def test_the_fixture_file_matches_the_implementation():
    stored = json.loads(FIXTURE.read_text())

    assert stored == build_fixture()
    for case in stored["cases"]:
        assert interpolate(case["times"], case["values"], case["at"]).tolist() == case["expected"], case[
            "name"
        ]


def test_two_keyframes_are_a_straight_line():
    assert interpolate([0, 10], [0, 500], [0, 2.5, 5, 10]).tolist() == [0, 125, 250, 500]


def test_values_hold_before_the_first_and_after_the_last_keyframe():
    assert interpolate([2, 4], [10, 20], [0, 1.99, 4.01, 100]).tolist() == [10, 10, 20, 20]


def test_keyframes_are_hit_exactly():
    times, values = [0, 0.5, 3, 3.5, 8], [640, 700, 1200, 1180, 200]

    assert np.allclose(interpolate(times, values, times), values, atol=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_no_piece_leaves_the_range_of_its_two_keyframes(seed):
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.uniform(0.1, 3, 8))
    values = rng.uniform(0, 1920, 8)

    for k in range(7):
        between = np.linspace(times[k], times[k + 1], 50)
        curve = interpolate(times, values, between)
        low, high = sorted((values[k], values[k + 1]))
        assert curve.min() >= low - 1e-9
        assert curve.max() <= high + 1e-9


def test_a_crop_rectangle_keeps_its_shape_between_keyframes():
    crop = [
        {"time": 0, "x": 0, "y": 0, "width": 607.5, "height": 1080},
        {"time": 2, "x": 500, "y": 100, "width": 405, "height": 720},
        {"time": 5, "x": 900, "y": 0, "width": 540, "height": 960},
    ]

    frames = interpolate_keyframes(crop, ("width", "height"), np.linspace(0, 5, 101))

    assert np.allclose(frames["width"] / frames["height"], 9 / 16)

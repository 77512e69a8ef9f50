"""Transitions between clips: durations, weights, and the blended middle frame."""

from __future__ import annotations

import pytest
import torch

from exports.render.reel import compose, layers_at, reel_duration

DISSOLVE = {"type": "dissolve", "duration": 0.5}
FADE = {"type": "fade", "duration": 0.5}
CUT = {"type": "cut", "duration": 0.5}


def test_a_dissolve_shortens_the_reel_by_each_overlap():
    assert reel_duration([4, 3, 2], DISSOLVE) == 8.0
    assert reel_duration([4, 3, 2], FADE) == 9.0
    assert reel_duration([4, 3, 2], CUT) == 9.0


def test_the_middle_of_a_dissolve_is_half_of_each():
    layers = layers_at(0.75, [1.0, 1.0], DISSOLVE)

    assert [(layer.clip, layer.time, layer.weight) for layer in layers] == [(0, 0.75, 0.5), (1, 0.25, 0.5)]

    red = torch.zeros(3, 4, 4)
    red[0] = 200
    blue = torch.zeros(3, 4, 4)
    blue[2] = 100
    blended = compose([red, blue], [layer.weight for layer in layers])
    assert blended[:, 0, 0].tolist() == [100, 0, 50]


@pytest.mark.parametrize(
    ("time", "clip", "weight"),
    [(0.5, 0, 1.0), (0.875, 0, 0.5), (1.0, 1, 0.0), (1.125, 1, 0.5), (1.5, 1, 1.0)],
)
def test_a_fade_goes_through_black(time, clip, weight):
    layers = layers_at(time, [1.0, 1.0], FADE)

    assert [layer.clip for layer in layers] == [clip]
    assert layers[0].weight == pytest.approx(weight, abs=1e-9)


def test_a_cut_shows_one_clip_at_a_time():
    assert [(lay.clip, lay.time) for lay in layers_at(1.2, [1.0, 1.0], CUT)] == [(1, pytest.approx(0.2))]

"""The highlight renderer, measured on pixels: yellow moves toward #FFFF00 by the
opacity with no ring at the edge, dim darkens only outside, brightness brightens
only inside, disabled regions draw nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from exports.render.overlay import DIM, apply_overlay

GREY = 100.0
REGION = {
    "id": "r1", "start_time": 1.0, "end_time": 3.0, "enabled": True,
    "keyframes": [
        {"time": 1.0, "x": 60, "y": 80, "radius_x": 30, "radius_y": 50, "opacity": 0.15, "color": "#FFFF00"}
    ],
}  # fmt: skip


def grey_frames(count: int = 1) -> torch.Tensor:
    return torch.full((count, 3, 160, 120), GREY)


def pixel(batch: torch.Tensor, x: int, y: int, frame: int = 0) -> list[float]:
    return batch[frame, :, y, x].tolist()


def test_yellow_moves_the_centre_toward_yellow_by_the_opacity():
    out = apply_overlay(grey_frames(), np.array([2.0]), "yellow", [REGION])

    red, green, blue = pixel(out, 60, 80)
    assert red == pytest.approx(GREY * 0.85 + 255 * 0.15)
    assert green == pytest.approx(GREY * 0.85 + 255 * 0.15)
    assert blue == pytest.approx(GREY * 0.85)


def test_yellow_has_no_outline_ring():
    out = apply_overlay(grey_frames(), np.array([2.0]), "yellow", [REGION])
    fill = torch.tensor(pixel(out, 60, 80))

    # a ring just inside the edge (90 % of the radii) is the fill itself, not darker or more saturated
    for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        x = int(60 + 0.9 * 30 * np.cos(angle))
        y = int(80 + 0.9 * 50 * np.sin(angle))
        assert torch.allclose(torch.tensor(pixel(out, x, y)), fill, atol=1e-4), (x, y)


def test_pixels_outside_the_ellipse_are_untouched():
    out = apply_overlay(grey_frames(), np.array([2.0]), "yellow", [REGION])

    assert pixel(out, 5, 5) == [GREY] * 3
    assert pixel(out, 60, 80 + 52) == [GREY] * 3  # two pixels below the edge


def test_dim_darkens_only_outside():
    out = apply_overlay(grey_frames(), np.array([2.0]), "dim", [REGION])

    assert pixel(out, 60, 80) == [GREY] * 3
    assert pixel(out, 5, 5) == pytest.approx([GREY * DIM] * 3)


def test_brightness_brightens_only_inside():
    out = apply_overlay(grey_frames(), np.array([2.0]), "brightness", [REGION])

    assert min(pixel(out, 60, 80)) > GREY
    assert pixel(out, 5, 5) == [GREY] * 3


@pytest.mark.parametrize("time", [0.5, 3.0, 4.0])
def test_nothing_is_drawn_outside_the_region_time(time):
    out = apply_overlay(grey_frames(), np.array([time]), "yellow", [REGION])

    assert torch.equal(out, grey_frames())


def test_a_disabled_region_draws_nothing():
    out = apply_overlay(grey_frames(), np.array([2.0]), "dim", [{**REGION, "enabled": False}])

    assert torch.equal(out, grey_frames())


def test_the_ellipse_follows_its_keyframes():
    moving = {
        **REGION,
        "keyframes": [
            {
                "time": 1.0,
                "x": 30,
                "y": 80,
                "radius_x": 10,
                "radius_y": 10,
                "opacity": 1.0,
                "color": "#FF0000",
            },
            {
                "time": 3.0,
                "x": 90,
                "y": 80,
                "radius_x": 10,
                "radius_y": 10,
                "opacity": 1.0,
                "color": "#FF0000",
            },
        ],
    }

    out = apply_overlay(grey_frames(2), np.array([1.0, 2.0]), "yellow", [moving])

    assert pixel(out, 30, 80, frame=0) == [255, 0, 0]
    assert pixel(out, 60, 80, frame=1) == [255, 0, 0]  # half way at half time (two keyframes: a line)
    assert pixel(out, 30, 80, frame=1) == [GREY] * 3

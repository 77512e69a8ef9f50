"""The default highlight reads on a green pitch: drawn with the defaults a new region
gets, on a frame of grass, the ellipse's pixels differ clearly from the grass around
it (the earlier 15 % yellow moved grass only a little, toward olive)."""

from __future__ import annotations

import numpy as np
import torch

from exports import edits
from exports.region_edits import default_ellipse
from exports.render.overlay import apply_overlay

GRASS = (74, 127, 47)  # a mown pitch in daylight, as phone video records it
WIDTH, HEIGHT = 216, 384
READS = 80.0  # RGB distance between the ellipse's mean colour and the grass's


def grass_frame() -> torch.Tensor:
    """A frame of grass with mowing stripes and sensor noise."""
    rng = np.random.default_rng(7)
    frame = np.empty((3, HEIGHT, WIDTH))
    for channel, value in enumerate(GRASS):
        frame[channel] = value
    frame[:, (np.arange(HEIGHT) // 40) % 2 == 1, :] *= 0.9  # stripes
    frame += rng.normal(0, 6, frame.shape)
    return torch.from_numpy(np.clip(frame, 0, 255)).round().to(torch.uint8).unsqueeze(0)


def inside_and_outside(opacity: float) -> tuple[np.ndarray, np.ndarray]:
    ellipse = {**default_ellipse(WIDTH, HEIGHT), "opacity": opacity}
    region = {"id": "r", "start_time": 0.0, "end_time": 2.0, "enabled": True,
              "keyframes": [{"time": 0.0, **ellipse}]}  # fmt: skip
    frame = apply_overlay(grass_frame(), np.array([1.0]), "yellow", [region])[0].float().numpy()
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH] + 0.5
    distance = ((xs - ellipse["x"]) / ellipse["radius_x"]) ** 2 + (
        (ys - ellipse["y"]) / ellipse["radius_y"]
    ) ** 2
    return frame[:, distance < 0.8].mean(axis=1), frame[:, distance > 1.5].mean(axis=1)


def test_the_default_highlight_stands_out_from_grass():
    inside, outside = inside_and_outside(edits.DEFAULT_OPACITY)

    assert np.linalg.norm(inside - outside) >= READS
    red, green, blue = inside - outside
    assert red >= 60  # toward yellow: red rises most, blue falls
    assert blue < 0
    assert green > 0


def test_the_old_fifteen_percent_did_not():
    inside, outside = inside_and_outside(0.15)

    assert np.linalg.norm(inside - outside) < READS

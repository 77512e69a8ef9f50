"""Frames in YUV 4:2:0: the packed layout, colour conversion, and the crop and
resize of every plane, on numpy (OpenCV, the CPU path) and on torch tensors (the
path CUDA takes, run here on the CPU)."""

from __future__ import annotations

import av
import numpy as np
import torch

from exports.render.yuv import blank, crop_resize_frame, from_rgb, planes, rgb_to_yuv, to_rgb
from tests.render.test_one_pass import psnr

W, H = 320, 180


def edges() -> np.ndarray:
    """Y steps from 50 to 200 at x = 120; U and V step at the same place (chroma column 60)."""
    frame = blank(W, H)
    y, u, v = planes(frame, W, H)
    y[:, 120:], u[:, :60], u[:, 60:], v[:, 60:] = 200, 60, 190, 200
    y[:, :120] = 50
    return frame


def edge_at(row: np.ndarray) -> float:
    """Where a rising step crosses its middle, in pixels from the left (by interpolation)."""
    values = row.astype(float)
    middle = (values.min() + values.max()) / 2
    return float(np.interp(middle, values, np.arange(len(values))))


def test_planes_are_views_of_the_packed_frame():
    frame = blank(W, H, (16, 128, 128))
    y, u, v = planes(frame, W, H)
    assert (y.shape, u.shape, v.shape) == ((H, W), (H // 2, W // 2), (H // 2, W // 2))
    y[0, 0], v[-1, -1] = 99, 77
    assert frame.reshape(-1)[0] == 99
    assert frame.reshape(-1)[-1] == 77


def test_colours_convert_as_the_decoder_and_encoder_do():
    for rgb in ((255, 255, 0), (0, 0, 0), (255, 255, 255), (30, 140, 60)):
        picture = np.full((16, 16, 3), rgb, dtype=np.uint8)
        expected = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p").to_ndarray()
        y, u, v = planes(expected, 16, 16)
        assert np.allclose(rgb_to_yuv(rgb), (y[8, 8], u[4, 4], v[4, 4]), atol=1.0), rgb


def test_the_colour_planes_move_with_the_picture_at_every_zoom():
    frame = edges()
    for box in ((40.3, 7.7, 101.25, 180.0), (90.6, 20.2, 60.0, 106.7), (0.0, 0.0, 320.0, 180.0)):
        out = crop_resize_frame(frame, W, H, box, 180, 320)
        y, u, v = planes(out, 180, 320)
        luma = edge_at(y[150])
        assert abs(luma - ((120 - box[0]) * 180 / box[2] - 0.5)) <= 1.0, (box, luma)
        for plane in (u, v):
            colour = 2 * edge_at(plane[75]) + 0.5  # chroma column i is centred on luma 2i + 0.5
            assert abs(colour - luma) <= 1.2, (box, colour, luma)


def test_the_torch_path_draws_what_the_opencv_path_draws():
    rng = np.random.default_rng(4)
    frame = blank(W, H)
    y, u, v = planes(frame, W, H)
    smooth = np.kron(rng.integers(30, 220, (H // 10, W // 10)), np.ones((10, 10)))
    y[...] = smooth
    u[...], v[...] = smooth[::2, ::2] // 2 + 60, 255 - smooth[::2, ::2] // 2 - 30
    box = (50.4, 10.2, 90.0, 160.0)
    on_numpy = crop_resize_frame(frame, W, H, box, 180, 320)
    on_torch = crop_resize_frame(torch.from_numpy(frame), W, H, box, 180, 320).numpy()
    for a, b in zip(planes(on_numpy, 180, 320), planes(on_torch, 180, 320), strict=True):
        assert psnr(a, b) >= 33, psnr(a, b)


def test_rgb_for_the_upscaler_comes_back_as_it_went():
    rng = np.random.default_rng(5)
    rgb = torch.from_numpy(np.kron(rng.random((3, 9, 16)), np.ones((1, 8, 8)))).float()[None]
    packed = from_rgb(rgb)
    again = to_rgb(packed, 128, 72)
    assert packed.shape == (1, 72 * 3 // 2, 128)
    # away from the blocks' edges (where chroma upsampling blends neighbours) colours come back
    centres = (slice(None), slice(None), slice(3, None, 8), slice(3, None, 8))
    assert psnr(rgb[centres].numpy() * 255, again[centres].numpy() * 255) >= 40

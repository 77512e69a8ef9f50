"""Frames as the renderer carries them: YUV 4:2:0, from the decoder to the encoder.

A frame is one packed uint8 array of (H * 3 / 2) x W: the Y plane, then U and V
at half size each, laid out flat (PyAV's yuv420p ndarray, ffmpeg's rawvideo
yuv420p). Nothing converts it to RGB and back: the decoder's planes are cropped
and resized plane by plane and handed to the encoder as they are.

Where a colour is needed in YUV (the highlight, black for a fade) it is converted
with BT.601 limited range, the matrix the decoder and the encoder use for RGB
(swscale's default), so a colour lands where the RGB renderer put it. YUV is an
affine map of RGB, so a blend towards a colour gives the same picture in either.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F

# BT.601, limited range: RGB 0-255 -> Y 16-235, U/V 16-240 around 128.
RGB_TO_YUV = (
    np.array(
        [[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]], dtype=np.float64
    )
    / 255.0
)
YUV_OFFSET = np.array([16.0, 128.0, 128.0])
BLACK = tuple(YUV_OFFSET)  # RGB (0, 0, 0)


def rgb_to_yuv(colour) -> np.ndarray:
    """(3,) RGB 0-255 -> (3,) Y, U, V (floats)."""
    return RGB_TO_YUV @ np.asarray(colour, dtype=np.float64) + YUV_OFFSET


def planes(frame, width: int, height: int):
    """Views of a packed frame (numpy array or torch tensor): Y (H x W), U and V (H/2 x W/2)."""
    flat = frame.reshape(-1)
    luma, chroma = width * height, (width // 2) * (height // 2)
    return (
        flat[:luma].reshape(height, width),
        flat[luma : luma + chroma].reshape(height // 2, width // 2),
        flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2),
    )


def blank(width: int, height: int, colour=BLACK) -> np.ndarray:
    frame = np.empty((height * 3 // 2, width), dtype=np.uint8)
    for plane, value in zip(planes(frame, width, height), colour, strict=True):
        plane[...] = round(value)
    return frame


# --- cropping and resizing one plane ------------------------------------------------------


def crop_resize(plane, box: tuple[float, float, float, float], out_width: int, out_height: int, out=None):
    """The rectangle `box` (x, y, width, height, fractions allowed) of a plane, resized
    to out_width x out_height. The whole-pixel window around the box is scaled, then
    the box's fractional offset is cut from the result, so the crop moves by
    sub-pixel steps (within half an output pixel). Bicubic when enlarging, area
    averaging when shrinking (no aliasing). numpy planes resize with OpenCV (its
    fixed-point path is about four times torch's on the CPU), tensors with torch
    (CUDA). Writes into `out` when given; returns the result."""
    height, width = plane.shape
    x, y, w, h = box
    scale_x, scale_y = out_width / w, out_height / h
    left, top = math.floor(x), math.floor(y)
    right, bottom = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
    size = (
        max(out_width, round((right - left) * scale_x)),
        max(out_height, round((bottom - top) * scale_y)),
    )
    shift_x = min(round((x - left) * scale_x), size[0] - out_width)
    shift_y = min(round((y - top) * scale_y), size[1] - out_height)
    window = plane[top:bottom, left:right]
    exact = size == (out_width, out_height)
    if isinstance(plane, np.ndarray):
        if (right - left, bottom - top) == size:
            scaled = window
        else:
            shrinking = size[0] < right - left
            method = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
            target = out if exact and out is not None else None
            scaled = cv2.resize(window, size, dst=target, interpolation=method)
            if target is not None and np.shares_memory(scaled, out):
                return out
    else:
        scaled = window
        if (right - left, bottom - top) != size:
            grid = window[None, None].float()
            scaled = F.interpolate(grid, size=size[::-1], mode="bicubic", antialias=True, align_corners=False)
            scaled = scaled[0, 0].add_(0.5).clamp_(0, 255).to(torch.uint8)
    result = scaled[shift_y : shift_y + out_height, shift_x : shift_x + out_width]
    if out is None:
        return result
    out[...] = result
    return out


def crop_resize_chroma(plane, box, out_width: int, out_height: int, out) -> None:
    """A chroma plane's share of the luma box, at exact sub-pixel offsets (rounding a
    chroma shift would move the colour by up to a whole output pixel), bilinear as
    decoders upsample chroma. Chroma samples are taken to sit at the centre of their
    2x2 luma pixels, as the scaler that converted to and from RGB before took them
    (so colour lands where it did)."""
    x, y, w, h = box
    sx, sy = w / (out_width * 2), h / (out_height * 2)
    if isinstance(plane, np.ndarray):
        matrix = np.array([[sx, 0, (x + sx - 1) / 2], [0, sy, (y + sy - 1) / 2]], dtype=np.float32)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        cv2.warpAffine(
            plane, matrix, (out_width, out_height), dst=out, flags=flags, borderMode=cv2.BORDER_REPLICATE
        )
        return
    # torch (CUDA): the same sampling positions through grid_sample
    height, width = plane.shape
    xs = torch.arange(out_width, device=plane.device) * sx + (x + sx - 1) / 2
    ys = torch.arange(out_height, device=plane.device) * sy + (y + sy - 1) / 2
    grid = torch.stack(
        torch.broadcast_tensors((xs[None, :] * 2 + 1) / width - 1, (ys[:, None] * 2 + 1) / height - 1), -1
    )
    sampled = F.grid_sample(
        plane[None, None].float(),
        grid[None].float(),
        mode="bilinear",
        padding_mode="border",
        align_corners=False,
    )
    out[...] = sampled[0, 0].add_(0.5).clamp_(0, 255).to(torch.uint8)


def crop_resize_frame(
    frame, width: int, height: int, box, out_width: int, out_height: int, out=None
):  # fmt: skip
    """A packed source frame's box, every plane, into a packed out_width x out_height frame."""
    if out is None:
        out = (
            np.empty((out_height * 3 // 2, out_width), dtype=np.uint8)
            if isinstance(frame, np.ndarray)
            else torch.empty((out_height * 3 // 2, out_width), dtype=torch.uint8, device=frame.device)
        )
    source, target = planes(frame, width, height), planes(out, out_width, out_height)
    crop_resize(source[0], tuple(box), out_width, out_height, target[0])
    for plane, into in zip(source[1:], target[1:], strict=True):
        crop_resize_chroma(plane, tuple(box), out_width // 2, out_height // 2, into)
    return out


# --- RGB for the upscaler (a network trained on RGB) -------------------------------------


def to_rgb(frames: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Packed frames (N, H*3/2, W) uint8 -> (N, 3, H, W) float RGB in [0, 1]."""
    count = frames.shape[0]
    flat = frames.reshape(count, -1).float()
    luma, chroma = width * height, (width // 2) * (height // 2)
    y = flat[:, :luma].view(count, 1, height, width)
    uv = flat[:, luma : luma + 2 * chroma].view(count, 2, height // 2, width // 2)
    uv = F.interpolate(uv, size=(height, width), mode="bilinear", align_corners=False)
    yuv = torch.cat([y, uv], 1) - torch.tensor(YUV_OFFSET, dtype=torch.float32, device=frames.device).view(
        1, 3, 1, 1
    )
    inverse = torch.tensor(np.linalg.inv(RGB_TO_YUV), dtype=torch.float32, device=frames.device)
    rgb = torch.einsum("ij,njhw->nihw", inverse, yuv)
    return (rgb / 255.0).clamp_(0, 1)


def from_rgb(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) float RGB in [0, 1] -> packed (N, H*3/2, W) uint8 (chroma averaged 2x2)."""
    count, _, height, width = rgb.shape
    matrix = torch.tensor(RGB_TO_YUV, dtype=torch.float32, device=rgb.device)
    offset = torch.tensor(YUV_OFFSET, dtype=torch.float32, device=rgb.device).view(1, 3, 1, 1)
    yuv = torch.einsum("ij,njhw->nihw", matrix, rgb.float() * 255.0) + offset
    uv = F.avg_pool2d(yuv[:, 1:], 2)
    flat = torch.cat([yuv[:, 0].reshape(count, -1), uv.reshape(count, -1)], 1)
    return flat.add_(0.5).clamp_(0, 255).to(torch.uint8).view(count, height * 3 // 2, width)

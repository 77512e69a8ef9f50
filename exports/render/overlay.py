"""Highlight overlays: keyframed ellipses in framed-video coordinates, drawn on
batches of frames in torch (one renderer for every effect, cpu or cuda).

Effects, for the region active at a frame's time (regions never overlap):
- yellow: the ellipse filled with the keyframe's colour at its opacity; no
  outline or ring (the edge is only anti-aliased over one pixel);
- brightness: inside brightened (towards white by BRIGHTEN of the way);
- dim: outside darkened (multiplied by DIM).
Disabled regions, and times outside every region, leave the frame untouched.
"""

from __future__ import annotations

import numpy as np
import torch

from exports.render.effects import BRIGHTEN, DIM, EFFECTS, ELLIPSE_FIELDS
from exports.render.timeline import interpolate_keyframes


def ellipse_parameters(regions: list[dict], times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each time: active flag (N,), x, y, radius_x, radius_y, opacity (N, 5),
    and colour (N, 3) from the keyframe at or before that time."""
    count = len(times)
    active = np.zeros(count, dtype=bool)
    params = np.zeros((count, 5))
    colours = np.zeros((count, 3))
    for region in regions:
        if not region.get("enabled", True):
            continue
        inside = (times >= region["start_time"]) & (times < region["end_time"])
        if not inside.any():
            continue
        keyframes = region["keyframes"]
        values = interpolate_keyframes(keyframes, ELLIPSE_FIELDS, times[inside])
        active[inside] = True
        params[inside] = np.stack([values[f] for f in ELLIPSE_FIELDS], axis=1)
        key_times = np.array([k["time"] for k in keyframes])
        which = np.clip(np.searchsorted(key_times, times[inside], side="right") - 1, 0, len(keyframes) - 1)
        colours[inside] = [_rgb(keyframes[i].get("color", "#FFFF00")) for i in which]
    return active, params, colours


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def coverage(height: int, width: int, params: torch.Tensor, top: int = 0, left: int = 0) -> torch.Tensor:
    """(N, 1, height, width) in [0, 1] for a window whose corner is (left, top): 1
    inside the ellipse, 0 outside, a one-pixel ramp across the edge
    (anti-aliasing, not an outline)."""
    ys = torch.arange(top, top + height, device=params.device, dtype=params.dtype) + 0.5
    xs = torch.arange(left, left + width, device=params.device, dtype=params.dtype) + 0.5
    cx, cy, rx, ry = (params[:, i].view(-1, 1, 1) for i in range(4))
    normalised = torch.sqrt(((xs.view(1, 1, -1) - cx) / rx) ** 2 + ((ys.view(1, -1, 1) - cy) / ry) ** 2)
    # distance outside the edge, in pixels (along the smaller radius: conservative)
    outside = (normalised - 1) * torch.minimum(rx, ry)
    return (0.5 - outside).clamp(0, 1).unsqueeze(1)


def apply_overlay(batch: torch.Tensor, times: np.ndarray, effect: str, regions: list[dict]) -> torch.Tensor:
    """batch (N, 3, H, W), uint8 or float 0-255, at `times` (seconds of the framed
    video). Changes the batch in place and returns it. Only the ellipse's bounding
    box is computed (the whole frame only for `dim`, which darkens everything
    else); frames without an active region are not touched at all."""
    if effect not in EFFECTS:
        raise ValueError(f"unknown effect {effect!r}")
    active, params, colours = ellipse_parameters(regions, np.asarray(times, dtype=np.float64))
    _, _, height, width = batch.shape
    for n in np.nonzero(active)[0]:
        cx, cy, rx, ry, opacity = params[n]
        left, right = max(0, int(cx - rx) - 2), min(width, int(cx + rx) + 3)
        top, bottom = max(0, int(cy - ry) - 2), min(height, int(cy + ry) + 3)
        has_window = right > left and bottom > top
        p = torch.tensor(params[n : n + 1], device=batch.device, dtype=torch.float32)
        mask = coverage(bottom - top, right - left, p, top, left)[0] if has_window else None
        if effect == "dim":
            frame = batch[n].float()
            inside = frame[:, top:bottom, left:right].clone() if has_window else None
            frame.mul_(DIM)
            if has_window:
                frame[:, top:bottom, left:right] = inside * (DIM + (1 - DIM) * mask)
            _store(batch, n, slice(None), slice(None), frame)
        elif has_window:
            window = batch[n, :, top:bottom, left:right].float()
            if effect == "yellow":
                colour = torch.tensor(colours[n], device=batch.device, dtype=torch.float32).view(3, 1, 1)
                alpha = mask * float(opacity)
                window = window * (1 - alpha) + colour * alpha
            else:
                window = window + (255 - window) * (BRIGHTEN * mask)
            _store(batch, n, slice(top, bottom), slice(left, right), window)
    return batch


def _store(batch: torch.Tensor, n: int, rows: slice, columns: slice, values: torch.Tensor) -> None:
    if batch.dtype == torch.uint8:
        values = values.add(0.5).clamp_(0, 255).to(torch.uint8)
    batch[n, :, rows, columns] = values

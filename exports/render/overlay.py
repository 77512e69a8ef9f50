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

from exports.render.timeline import interpolate_keyframes

BRIGHTEN = 0.35
DIM = 0.45
ELLIPSE_FIELDS = ("x", "y", "radius_x", "radius_y", "opacity")


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


def coverage(height: int, width: int, params: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) in [0, 1]: 1 inside the ellipse, 0 outside, a one-pixel ramp
    across the edge (anti-aliasing, not an outline)."""
    ys = torch.arange(height, device=params.device, dtype=params.dtype) + 0.5
    xs = torch.arange(width, device=params.device, dtype=params.dtype) + 0.5
    cx, cy, rx, ry = (params[:, i].view(-1, 1, 1) for i in range(4))
    normalised = torch.sqrt(((xs.view(1, 1, -1) - cx) / rx) ** 2 + ((ys.view(1, -1, 1) - cy) / ry) ** 2)
    # distance outside the edge, in pixels (along the smaller radius: conservative)
    outside = (normalised - 1) * torch.minimum(rx, ry)
    return (0.5 - outside).clamp(0, 1).unsqueeze(1)


def apply_overlay(batch: torch.Tensor, times: np.ndarray, effect: str, regions: list[dict]) -> torch.Tensor:
    """batch (N, 3, H, W) float 0-255 at `times` (seconds of the framed video)."""
    active, params, colours = ellipse_parameters(regions, np.asarray(times, dtype=np.float64))
    if not active.any():
        return batch
    out = batch.clone()
    index = torch.from_numpy(np.nonzero(active)[0]).to(batch.device)
    frames = batch[index]
    p = torch.from_numpy(params[active]).to(batch.device, batch.dtype)
    mask = coverage(frames.shape[2], frames.shape[3], p)
    if effect == "yellow":
        colour = torch.from_numpy(colours[active]).to(batch.device, batch.dtype).view(-1, 3, 1, 1)
        alpha = mask * p[:, 4].view(-1, 1, 1, 1)
        drawn = frames * (1 - alpha) + colour * alpha
    elif effect == "brightness":
        drawn = frames + (255 - frames) * (BRIGHTEN * mask)
    elif effect == "dim":
        drawn = frames * (1 - (1 - DIM) * (1 - mask))
    else:
        raise ValueError(f"unknown effect {effect!r}")
    out[index] = drawn
    return out

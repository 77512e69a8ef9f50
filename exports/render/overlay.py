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

import json
from pathlib import Path

import numpy as np
import torch

from exports.render.effects import BRIGHTEN, DIM, EFFECTS, ELLIPSE_FIELDS
from exports.render.timeline import interpolate_keyframes
from exports.render.yuv import planes, rgb_to_yuv


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


def blend(effect: str, values, mask, colour, opacity: float):
    """A pixel's value (0-255; a float or a tensor) after `effect`, where `mask` is the
    ellipse's coverage of it (1 inside, 0 outside): the renderer's one rule, which
    static/js/ellipse.js repeats for the editor's preview (overlay_fixture.json)."""
    if effect == "yellow":
        alpha = mask * opacity
        return values * (1 - alpha) + colour * alpha
    if effect == "brightness":
        return values + (255 - values) * (BRIGHTEN * mask)
    if effect == "dim":
        return values * (DIM + (1 - DIM) * mask)
    raise ValueError(f"unknown effect {effect!r}")


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
                frame[:, top:bottom, left:right] = blend(effect, inside, mask, None, float(opacity))
            _store(batch, n, slice(None), slice(None), frame)
        elif has_window:
            window = batch[n, :, top:bottom, left:right].float()
            colour = torch.tensor(colours[n], device=batch.device, dtype=torch.float32).view(3, 1, 1)
            window = blend(effect, window, mask, colour, float(opacity))
            _store(batch, n, slice(top, bottom), slice(left, right), window)
    return batch


def _store(batch: torch.Tensor, n: int, rows: slice, columns: slice, values: torch.Tensor) -> None:
    if batch.dtype == torch.uint8:
        values = values.add(0.5).clamp_(0, 255).to(torch.uint8)
    batch[n, :, rows, columns] = values


# --- the shared fixture ---------------------------------------------------------------

FIXTURE = Path(__file__).with_name("overlay_fixture.json")


def _fixture_regions() -> list[dict]:
    def key(time, x, y, rx, ry, opacity, color):
        return {
            "time": time,
            "x": x,
            "y": y,
            "radius_x": rx,
            "radius_y": ry,
            "opacity": opacity,
            "color": color,
        }

    return [
        {"id": "a", "start_time": 0.5, "end_time": 2.5, "enabled": True, "keyframes": [
            key(0.5, 60, 100, 12, 24, 0.5, "#FFFF00"), key(1.5, 80, 90, 16, 30, 0.25, "#FF8800"),
            key(2.5, 70, 120, 10, 20, 0.75, "#00FFFF")]},
        {"id": "b", "start_time": 3.0, "end_time": 4.0, "enabled": False, "keyframes": [
            key(3.0, 10, 10, 5, 5, 1.0, "#FFFFFF")]},
        {"id": "c", "start_time": 4.0, "end_time": 5.0, "enabled": True, "keyframes": [
            key(4.2, 30, 40, 8, 8, 0.4, "#123456")]},
    ]  # fmt: skip


def build_fixture() -> dict:
    """Cases of ellipse_parameters, coverage and blend (the JavaScript names and
    arguments, and the renderer's answers) for static/js/ellipse.js to match."""
    constants = {"brighten": BRIGHTEN, "dim": DIM, "ellipse_fields": list(ELLIPSE_FIELDS)}
    regions = _fixture_regions()
    times = [round(n * 0.125, 3) for n in range(45)]
    active, params, colours = ellipse_parameters(regions, np.array(times))
    cases = [
        {
            "name": "ellipse parameters over three regions (one disabled)",
            "function": "ellipseParameters",
            "args": [regions, times, constants],
            "expected": {"active": active.tolist(), "params": params.tolist(), "colours": colours.tolist()},
        }
    ]
    for cx, cy, rx, ry in ((12.3, 9.8, 4.5, 7.25), (3.0, 4.0, 2.0, 1.0), (0.2, 0.3, 6.0, 3.5)):
        top, left = int(cy - ry) - 2, int(cx - rx) - 2
        height, width = int(2 * ry) + 5, int(2 * rx) + 5
        shape = {"x": cx, "y": cy, "radius_x": rx, "radius_y": ry}
        values = coverage(height, width, torch.tensor([[cx, cy, rx, ry]], dtype=torch.float64), top, left)
        for row in range(height):
            for column in range(0, width, 2):
                cases.append(
                    {
                        "name": f"coverage of ({left + column}, {top + row}) by {cx}, {cy}, {rx} x {ry}",
                        "function": "coverage",
                        "args": [left + column, top + row, shape],
                        "expected": float(values[0, 0, row, column]),
                    }
                )
    for effect in EFFECTS:
        for value in (0.0, 37.5, 128.0, 255.0):
            for mask in (0.0, 0.3, 1.0):
                for colour, opacity in ((255.0, 0.5), (16.0, 0.2)):
                    cases.append(
                        {
                            "name": f"{effect} of {value} under {mask} with {colour} at {opacity}",
                            "function": "blend",
                            "args": [effect, value, mask, colour, opacity, constants],
                            "expected": float(blend(effect, value, mask, colour, opacity)),
                        }
                    )
    return {"constants": constants, "cases": cases}


if __name__ == "__main__":  # python -m exports.render.overlay: rewrite the fixture
    FIXTURE.write_text(json.dumps(build_fixture(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")


# --- the same rule on YUV 4:2:0 frames (what the one-pass renderer carries) ----------------


def mix(effect: str, mask, colour, opacity: float):
    """`blend` as a mix towards a target colour: (alpha, target RGB), so that
    blend(v) == v * (1 - alpha) + target * alpha. A mix is affine, so it gives the
    same picture in YUV with the target converted (yuv.rgb_to_yuv)."""
    if effect == "yellow":
        return mask * opacity, colour
    if effect == "brightness":
        return mask * BRIGHTEN, (255.0, 255.0, 255.0)
    if effect == "dim":
        return (1 - mask) * (1 - DIM), (0.0, 0.0, 0.0)
    raise ValueError(f"unknown effect {effect!r}")


def apply_overlay_yuv(
    frames: list, times: np.ndarray, effect: str, regions: list[dict], width: int, height: int
):
    """Packed YUV 4:2:0 frames (numpy arrays or tensors, width x height) at `times`:
    the highlight drawn in place, plane by plane (the chroma planes with the ellipse
    at their half scale). Only the ellipse's bounding box is touched, except for
    `dim`, which darkens everything else."""
    if effect not in EFFECTS:
        raise ValueError(f"unknown effect {effect!r}")
    active, params, colours = ellipse_parameters(regions, np.asarray(times, dtype=np.float64))
    for n in np.nonzero(active)[0]:
        frame = frames[n]
        tensor = torch.from_numpy(frame) if isinstance(frame, np.ndarray) else frame
        cx, cy, rx, ry, opacity = params[n]
        _, target = mix(effect, 0.0, tuple(colours[n]), float(opacity))
        for plane, value, scale in zip(
            planes(tensor, width, height), rgb_to_yuv(target), (1, 2, 2), strict=True
        ):
            _mix_plane(plane, effect, (cx / scale, cy / scale, rx / scale, ry / scale), float(opacity), value)
    return frames


def _mix_plane(plane: torch.Tensor, effect: str, ellipse: tuple, opacity: float, value: float) -> None:
    height, width = plane.shape
    cx, cy, rx, ry = ellipse
    left, right = max(0, int(cx - rx) - 2), min(width, int(cx + rx) + 3)
    top, bottom = max(0, int(cy - ry) - 2), min(height, int(cy + ry) + 3)
    if effect == "dim":
        left, right, top, bottom = 0, width, 0, height  # everything outside darkens
    if right <= left or bottom <= top:
        return
    p = torch.tensor([ellipse], device=plane.device, dtype=torch.float32)
    mask = coverage(bottom - top, right - left, p, top, left)[0, 0]
    alpha, _ = mix(effect, mask, None, opacity)
    window = plane[top:bottom, left:right].float()
    window = window * (1 - alpha) + value * alpha
    plane[top:bottom, left:right] = window.add_(0.5).clamp_(0, 255).to(torch.uint8)

"""Framing: follow the crop path through a clip, apply trims and speeds, scale
to the output size, encode.

For every output frame k (at the source's own rate) the clip time comes from the
segment map, the crop rectangle from the one interpolation (timeline.py), and
the picture from the source frame nearest that time: slow segments repeat
frames (no invented in-between frames, so nothing smears), and the sound of a
segment is re-timed with atempo so it stays in sync. Crop and resize run
batched in torch (`affine_grid` + `grid_sample`, bilinear), on cuda when there
is one. The render checks `should_cancel` after every batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from exports.render import pipeline
from exports.render.pipeline import RenderResult, default_device
from exports.render.segments import layout, output_duration, source_times
from exports.render.timeline import interpolate_keyframes
from exports.render.upscale import SCALE, upscale
from exports.render.video_io import AudioPlan, Encoder, NearestFrame, even, source_info

RESAMPLER = "bicubic"  # reported when no network upscales


@dataclass(frozen=True)
class FramingResult(RenderResult):
    upscaler: str  # the network that upscaled, or the resampling used


def crop_boxes(
    crop_keyframes: list[dict], clip_times: np.ndarray, source_width: int, source_height: int, aspect: float
) -> np.ndarray:
    """(N, 4) rectangles x, y, width, height: interpolated, of exactly `aspect`,
    shifted back inside the frame where the path would leave it."""
    values = interpolate_keyframes(crop_keyframes, ("x", "y", "width"), clip_times)
    width = np.clip(values["width"], 2.0, source_width)
    height = width / aspect
    too_tall = height > source_height
    height[too_tall] = source_height
    width[too_tall] = source_height * aspect
    x = np.clip(values["x"], 0.0, source_width - width)
    y = np.clip(values["y"], 0.0, source_height - height)
    return np.stack([x, y, width, height], axis=1)


def tempo_filters(speed: float) -> list[str]:
    """atempo takes 0.5x to 2x per stage; slower speeds chain stages."""
    stages = []
    while speed < 0.5:
        stages.append("atempo=0.5")
        speed /= 0.5
    if speed != 1.0:
        stages.append(f"atempo={speed:g}")
    return stages


def audio_plan(source: str | Path, segments: dict, lead_in: float) -> AudioPlan:
    """The same trims and speeds for the sound: each segment cut from the file
    (clip time + lead-in), re-timed with atempo (pitch kept), joined in order."""
    parts, labels = [], []
    for index, segment in enumerate(layout(segments)):
        chain = [
            f"atrim=start={segment.source_start + lead_in:.6f}:end={segment.source_end + lead_in:.6f}",
            "asetpts=PTS-STARTPTS",
            *tempo_filters(segment.speed),
        ]
        parts.append(f"[1:a]{','.join(chain)}[a{index}]")
        labels.append(f"[a{index}]")
    graph = ";".join(parts) + f";{''.join(labels)}concat=n={len(labels)}:v=0:a=1[aout]"
    return AudioPlan((str(source),), graph)


def crop_and_resize(
    batch: torch.Tensor, boxes: torch.Tensor, out_width: int, out_height: int
) -> torch.Tensor:
    """batch (N, 3, H, W), uint8 or float; boxes (N, 4) x, y, width, height in source
    pixels (fractions allowed) -> (N, 3, out_height, out_width), same dtype.

    Antialiased bicubic (torch's fast separable path, uint8 on the CPU): the
    whole-pixel window around the box is scaled, then the box's fractional
    offset is cut from the result, so the crop moves by sub-pixel steps (within
    half an output pixel) rather than jumping a source pixel at a time."""
    height, width = batch.shape[2:]
    compute = batch if batch.device.type == "cpu" else batch.float()  # uint8 antialias is a CPU path
    outs = []
    for index, (x, y, w, h) in enumerate(boxes.tolist()):
        scale_x, scale_y = out_width / w, out_height / h
        left, top = math.floor(x), math.floor(y)
        right, bottom = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
        window = compute[index : index + 1, :, top:bottom, left:right]
        size = (
            max(out_height, round((bottom - top) * scale_y)),
            max(out_width, round((right - left) * scale_x)),
        )
        scaled = F.interpolate(window, size=size, mode="bicubic", antialias=True, align_corners=False)
        shift_x = min(round((x - left) * scale_x), size[1] - out_width)
        shift_y = min(round((y - top) * scale_y), size[0] - out_height)
        outs.append(scaled[:, :, shift_y : shift_y + out_height, shift_x : shift_x + out_width])
    return torch.cat(outs).to(batch.dtype)


def render_framing(
    source: str | Path,
    out_path: str | Path,
    *,
    crop_keyframes: list[dict],
    segments: dict,
    output_size: tuple[int, int],
    ffmpeg: str,
    lead_in: float = 0.0,
    batch_size: int = 8,
    device: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    upscaler: torch.nn.Module | None = None,
    quality: str = "fast",
    audio: bool = True,
) -> FramingResult:
    """Render one clip's framing. `upscaler` (an x4 network from upscale.py) is
    used when the crop is smaller than the output; otherwise bicubic resampling.
    `audio=False` leaves the sound out (a silent video)."""
    info = source_info(source)
    fps = info.fps
    out_width, out_height = even(output_size[0]), even(output_size[1])
    count = max(1, math.floor(output_duration(segments) * fps + 1e-6))
    clip_times = source_times(segments, np.arange(count) / float(fps))
    file_times = clip_times + lead_in
    boxes = crop_boxes(crop_keyframes, clip_times, info.width, info.height, out_width / out_height)
    device = default_device(device)
    if upscaler is not None and float(boxes[:, 2].min()) >= out_width:
        upscaler = None  # the crop already has the pixels: a network adds nothing
    if upscaler is not None:
        upscaler = upscaler.to(device)

    sound = audio_plan(source, segments, lead_in) if audio and info.has_audio else None
    encoder = Encoder(ffmpeg, out_path, out_width, out_height, fps, quality=quality, audio=sound)
    cursor = 0

    def frame(batch: torch.Tensor, times: np.ndarray) -> torch.Tensor:
        nonlocal cursor
        chunk = torch.from_numpy(boxes[cursor : cursor + len(times)])
        cursor += len(times)
        if upscaler is None:
            return crop_and_resize(batch, chunk, out_width, out_height)
        small = crop_and_resize(batch, chunk, -(-out_width // SCALE), -(-out_height // SCALE))
        framed = upscale(upscaler, small.float() / 255.0) * 255.0
        if framed.shape[-2:] != (out_height, out_width):
            framed = F.interpolate(framed, size=(out_height, out_width), mode="bicubic", align_corners=False)
        return framed

    pictures = nearest_frames(source, file_times, np.arange(count) / float(fps), fps)
    pipeline.run(  # it owns `pictures` from here and closes it
        pictures, encoder, frame, total=count, batch_size=batch_size, device=device,
        on_progress=on_progress, should_cancel=should_cancel,
    )  # fmt: skip
    used = type(upscaler).__name__ if upscaler is not None else RESAMPLER
    return FramingResult(
        path=Path(out_path), frame_count=count, width=out_width, height=out_height, fps=fps,
        duration=count / float(fps), device=device, has_audio=bool(sound), encoder=encoder.codec,
        upscaler=used,
    )  # fmt: skip


def nearest_frames(
    source: str | Path, file_times: np.ndarray, output_times: np.ndarray, fps: Fraction
) -> Iterator[tuple[float, np.ndarray]]:
    """For each output time, the source frame nearest its file time."""
    cursor = NearestFrame(source, fps)
    try:
        for output_time, wanted in zip(output_times, file_times, strict=True):
            yield float(output_time), cursor.at(wanted)
    finally:
        cursor.close()


# --- the shared fixture (static/js/crop.js is checked against it) ------------------------

CROP_FIXTURE = Path(__file__).with_name("crop_fixture.json")

CROP_SOURCES = ((1920, 1080), (1280, 720), (640, 360), (1064, 1080), (720, 1280), (1000, 1001))


def build_crop_fixture() -> dict:
    """default_crop for each source and shape, and crop_boxes along keyframed paths
    (some leaving the frame, some too big for it)."""
    from exports.edits import aspect_value, default_crop

    shapes = ("9:16", "16:9", "1:1", "4:5", "4:3")
    cases = [
        {
            "name": f"default crop of {w}x{h} at {shape}",
            "function": "defaultCrop",
            "args": [w, h, shape],
            "expected": default_crop(w, h, shape),
        }
        for w, h in CROP_SOURCES
        for shape in shapes
    ]
    paths = {
        "one keyframe": [{"time": 0.0, "x": 100.0, "y": 0.0, "width": 405.0, "height": 720.0}],
        "follows and leaves the frame": [
            {"time": 0.0, "x": -40.0, "y": 10.0, "width": 405.0, "height": 720.0},
            {"time": 1.5, "x": 600.0, "y": 0.0, "width": 303.75, "height": 540.0},
            {"time": 4.0, "x": 1000.0, "y": 300.0, "width": 500.0, "height": 888.9},
        ],
        "too big for the frame": [
            {"time": 0.5, "x": 0.0, "y": 0.0, "width": 1900.0, "height": 3377.8},
            {"time": 2.0, "x": 10.0, "y": -5.0, "width": 1.0, "height": 1.8},
        ],
    }
    times = [round(-0.5 + 5.0 * n / 30, 6) for n in range(31)]
    for name, keyframes in paths.items():
        for (w, h), shape in (((1280, 720), "9:16"), ((1920, 1080), "1:1"), ((640, 360), "4:5")):
            aspect = aspect_value(shape)
            boxes = crop_boxes(keyframes, np.array(times), w, h, aspect)
            cases.append(
                {
                    "name": f"{name}, {w}x{h} at {shape}",
                    "function": "cropBoxes",
                    "args": [keyframes, times, w, h, aspect],
                    "expected": [[float(v) for v in row] for row in boxes],
                }
            )
    rule = "width interpolated, clipped to [2, W]; height = width / aspect; too tall: height = H"
    return {"rule": rule, "cases": cases}


if __name__ == "__main__":  # python -m exports.render.framing: rewrite crop_fixture.json
    import json
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    django.setup()

    CROP_FIXTURE.write_text(json.dumps(build_crop_fixture(), indent=1) + "\n")
    print(f"wrote {CROP_FIXTURE}")

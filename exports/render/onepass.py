"""Every export in one pass: from the cut source clips to the encoded video.

    decode (YUV 4:2:0) -> the frame each output time shows (slow segments: a
    motion-compensated in-between frame, or the nearest frame repeated) -> crop
    and resize per plane (+ the x4 upscaler when asked) -> the reel's blend ->
    the highlight -> encode

For output frame k (at the first clip's frame rate) the reel says which clips
show and how much (reel.layers_at); within a clip, frame j at its own rate shows
clip time source_times(segments, j / fps) with the crop box interpolated at that
time (framing.crop_boxes). A clip lasts floor(output_duration * fps) frames,
so a video rendered with highlights lines up frame for frame with one rendered
without them (the working video the overlay editor plays).

Frames stay YUV from the decoder to the encoder: no colour conversion, half the
bytes of RGB through the pipe, and the picture is encoded once, from the source.
Decoding runs ahead in a thread per clip, the encoder in its own process.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import torch

from exports.render.chapters import Chapter, ffmetadata, fit
from exports.render.framing import crop_boxes
from exports.render.overlay import apply_overlay_yuv
from exports.render.pipeline import RESAMPLER, Cancelled, FramingResult, Prefetch, default_device
from exports.render.reel import compose, layers_at, reel_duration
from exports.render.segments import layout, output_duration, source_times
from exports.render.upscale import SCALE, upscale
from exports.render.video_io import AudioPlan, Encoder, even, source_info, video_seconds
from exports.render.yuv import blank, crop_resize_frame, from_rgb, to_rgb

CUT = {"type": "cut", "duration": 0.0}
SMOOTH, REPEAT = "smooth", "repeat"
# Within this fraction of a frame of a real frame, the real frame is shown.
SNAP = 0.05


@dataclass(frozen=True)
class ClipPlan:
    """One clip of a render: its cut file and its edits."""

    source: str | Path
    crop_keyframes: list[dict]
    segments: dict
    lead_in: float = 0.0  # where the clip's start lies in the file


def whole_frame(source: str | Path) -> ClipPlan:
    """A file as it is: the whole frame, every second at 1x (the reel and overlay wrappers)."""
    info = source_info(source)
    seconds = video_seconds(source)
    box = {"time": 0.0, "x": 0.0, "y": 0.0, "width": float(info.width), "height": float(info.height)}
    return ClipPlan(source, [box], {"trim_start": 0.0, "trim_end": seconds, "splits": [], "speeds": [1.0]})


def decode(path: str | Path, width: int, height: int) -> Iterator[tuple[float, np.ndarray]]:
    """(time, packed yuv420p frame) in order; other pixel formats (full-range, 4:2:2,
    10-bit) and odd sizes are converted to that by the decoder's scaler."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if frame.format.name != "yuv420p" or (frame.width, frame.height) != (width, height):
                frame = frame.reformat(width=width, height=height, format="yuv420p")
            yield float(frame.time or 0.0), frame.to_ndarray()


class ClipFrames:
    """A clip's framed frames at its own rate, j = 0 .. count - 1, asked for in order."""

    def __init__(self, plan: ClipPlan, out_size: tuple[int, int], slow_motion: str) -> None:
        self.plan, self.out_size = plan, out_size
        info = source_info(plan.source)
        self.width, self.height = info.width - info.width % 2, info.height - info.height % 2
        self.fps, self.has_audio = info.fps, info.has_audio
        segments = plan.segments
        self.count = max(1, math.floor(output_duration(segments) * self.fps + 1e-6))
        own_times = np.arange(self.count) / float(self.fps)
        clip_times = source_times(segments, own_times)
        self.file_times = clip_times + plan.lead_in
        aspect = out_size[0] / out_size[1]
        self.boxes = crop_boxes(plan.crop_keyframes, clip_times, self.width, self.height, aspect)
        laid = layout(segments)
        starts = np.array([s.output_start for s in laid])
        index = np.clip(np.searchsorted(starts, own_times, "right") - 1, 0, None)
        self.slow = (np.array([s.speed for s in laid])[index] < 1.0) & (slow_motion == SMOOTH)
        self.frames: Prefetch | None = None
        self.current = self.upcoming = None
        self.interpolator = None  # a MotionInterpolator, made at the first in-between frame

    @property
    def seconds(self) -> float:
        return self.count / float(self.fps)

    def open(self) -> None:
        if self.frames is None:
            self.frames = Prefetch(decode(self.plan.source, self.width, self.height), depth=8)
            self.current = next(self.frames)
            self.upcoming = next(self.frames, None)

    def close(self) -> None:
        if self.frames is not None:
            self.frames.close()

    def source(self, j: int) -> np.ndarray:
        """The source picture frame j shows: the frame nearest its file time, or in a
        slow segment (smooth slow motion) the in-between frame at that time."""
        self.open()
        time = self.file_times[j]
        while self.upcoming is not None and self.upcoming[0] <= time + 1e-9:
            self.current, self.upcoming = self.upcoming, next(self.frames, None)
        (before, a) = self.current
        if self.upcoming is None:
            return a
        after, b = self.upcoming
        t = (time - before) / (after - before) if after > before else 0.0
        if self.slow[j] and SNAP < t < 1 - SNAP:
            if self.interpolator is None:
                from exports.render.motion import MotionInterpolator  # OpenCV, only when needed

                self.interpolator = MotionInterpolator(self.width, self.height)
            x, y, w, h = self.boxes[j]
            margin = 4  # the resamplers' reach around the box
            window = (math.floor(x) - margin, math.floor(y) - margin, math.ceil(x + w) + margin,
                      math.ceil(y + h) + margin)  # fmt: skip
            return self.interpolator.between(a, b, float(t), window=window)
        return b if after <= time + 0.5 / float(self.fps) else a  # the nearest (a tie: the later)

    def framed(self, j: int, device: str, small: bool) -> np.ndarray | torch.Tensor:
        """Frame j cropped and resized to the output size (a quarter of it, rounded up,
        for the upscaler)."""
        out_width, out_height = self.out_size
        if small:
            out_width, out_height = even(-(-out_width // SCALE)), even(-(-out_height // SCALE))
        picture = self.source(j)
        if device != "cpu":
            picture = torch.from_numpy(picture).to(device, non_blocking=True)
        return crop_resize_frame(picture, self.width, self.height, self.boxes[j], out_width, out_height)


def render(
    clips: list[ClipPlan],
    out_path: str | Path,
    *,
    output_size: tuple[int, int],
    ffmpeg: str,
    transition: dict | None = None,
    effect: str = "yellow",
    regions: list[dict] | None = None,
    slow_motion: str = SMOOTH,
    upscaler: torch.nn.Module | None = None,
    quality: str = "fast",
    audio: bool = True,
    device: str | None = None,
    batch_size: int = 8,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    chapters: list[Chapter] | None = None,
) -> FramingResult:
    """Render clips (one, or a reel joined by `transition`) with their framing and
    the highlight `regions` (framed-video coordinates and times) into one H.264
    file. `upscaler` (an x4 network) is used where a crop is smaller than the
    output; `audio=False` leaves the sound out; `slow_motion` is SMOOTH (in-between
    frames in slow segments) or REPEAT (the nearest frame repeated); `chapters`
    are written into the file, the last one ending where the video does."""
    if slow_motion not in (SMOOTH, REPEAT):
        raise ValueError(f"slow_motion is {SMOOTH!r} or {REPEAT!r}")
    transition = transition or CUT
    out_width, out_height = even(output_size[0]), even(output_size[1])
    device = default_device(device)
    parts = [ClipFrames(plan, (out_width, out_height), slow_motion) for plan in clips]
    fps = parts[0].fps
    durations = [part.seconds for part in parts]
    total = (
        parts[0].count
        if len(parts) == 1
        else max(1, math.floor(reel_duration(durations, transition) * fps + 1e-6))
    )
    if upscaler is not None and all(float(p.boxes[:, 2].min()) >= out_width for p in parts):
        upscaler = None  # every crop already has the pixels: a network adds nothing
    if upscaler is not None:
        upscaler = upscaler.to(device)
    small = [upscaler is not None and float(p.boxes[:, 2].min()) < out_width for p in parts]
    with_audio = audio and all(p.has_audio for p in parts)
    sound = audio_plan(clips, durations, transition) if with_audio else None
    marks = _chapters_file(fit(chapters, total / float(fps))) if chapters else None
    try:
        encoder = Encoder(ffmpeg, out_path, out_width, out_height, fps, quality=quality, audio=sound,
                          chapters=marks)  # fmt: skip
    except BaseException:
        if marks:
            marks.unlink(missing_ok=True)
        raise
    black = torch.from_numpy(blank(out_width, out_height)).to(device).float()  # fades go to it
    regions = regions or []
    written = 0
    threads = torch.get_num_threads(), cv2.getNumThreads()
    if device == "cpu":
        # The encoder has the cores; thread pools on the small per-frame steps only
        # add contention (measured: the highlight 15x slower, resizing 4x).
        torch.set_num_threads(1)
        cv2.setNumThreads(1)
    try:
        for first in range(0, total, batch_size):
            times = np.arange(first, min(total, first + batch_size)) / float(fps)
            shown = [layers_at(float(t), durations, transition) for t in times]
            pictures = _framed(parts, shown, device, small, upscaler, (out_width, out_height))
            frames = [_blend(layers, pics, black) for layers, pics in zip(shown, pictures, strict=True)]
            if regions:
                apply_overlay_yuv(frames, times, effect, regions, out_width, out_height)
            for frame in frames:
                encoder.write(frame if isinstance(frame, np.ndarray) else frame.cpu().numpy())
            written += len(frames)
            for done in [p for n, p in enumerate(parts) if n < shown[-1][0].clip]:
                done.close()  # clips already over
            if on_progress:
                on_progress(written, total)
            if should_cancel and written < total and should_cancel():
                raise Cancelled()
        encoder.close()
    except BaseException:
        encoder.abort()
        raise
    finally:
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])
        for part in parts:
            part.close()
        if marks:
            marks.unlink(missing_ok=True)
    used = type(upscaler).__name__ if upscaler is not None else RESAMPLER
    return FramingResult(
        path=Path(out_path), frame_count=written, width=out_width, height=out_height, fps=fps,
        duration=written / float(fps), device=device, has_audio=bool(sound), encoder=encoder.codec,
        upscaler=used,
    )  # fmt: skip


def _chapters_file(chapters: list[Chapter]) -> Path:
    """The chapters as an ffmetadata file for the encoder (its caller removes it)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".ffmetadata", delete=False) as file:
        file.write(ffmetadata(chapters))
    return Path(file.name)


def _index(part: ClipFrames, local: float) -> int:
    """The clip's frame nearest `local` seconds into it."""
    return min(part.count - 1, max(0, math.floor(local * float(part.fps) + 0.5 + 1e-9)))


def _framed(parts, shown, device, small, upscaler, size) -> list[list]:
    """Each output frame's layers, framed; the small ones through the upscaler in one batch."""
    pictures = [[parts[layer.clip].framed(_index(parts[layer.clip], layer.time), device, small[layer.clip])
                 for layer in layers] for layers in shown]  # fmt: skip
    if upscaler is None:
        return pictures
    wanted = [(n, m) for n, layers in enumerate(shown) for m, layer in enumerate(layers) if small[layer.clip]]
    if not wanted:
        return pictures
    out_width, out_height = size
    batch = torch.stack([torch.as_tensor(pictures[n][m]) for n, m in wanted]).to(device)
    height, width = batch.shape[1] * 2 // 3, batch.shape[2]
    rgb = upscale(upscaler, to_rgb(batch, width, height))
    if rgb.shape[-2:] != (out_height, out_width):
        rgb = torch.nn.functional.interpolate(
            rgb, size=(out_height, out_width), mode="bicubic", align_corners=False
        ).clamp_(0, 1)
    framed = from_rgb(rgb)
    for (n, m), frame in zip(wanted, framed, strict=True):
        pictures[n][m] = frame if device != "cpu" else frame.numpy()
    return pictures


def _blend(layers, pictures, black: torch.Tensor):
    """One picture, or the layers mixed by their weights (reel.compose)."""
    if len(layers) == 1 and layers[0].weight == 1.0:
        return pictures[0]
    frames = [torch.as_tensor(picture).to(black.device).float() for picture in pictures]
    mixed = compose(frames, [layer.weight for layer in layers], black)
    mixed = mixed.add_(0.5).clamp_(0, 255).to(torch.uint8)
    return mixed.numpy() if black.device.type == "cpu" else mixed


# --- sound ---------------------------------------------------------------------------------


def tempo_filters(speed: float) -> list[str]:
    """atempo takes 0.5x to 2x per stage; slower speeds chain stages."""
    stages = []
    while speed < 0.5:
        stages.append("atempo=0.5")
        speed /= 0.5
    if speed != 1.0:
        stages.append(f"atempo={speed:g}")
    return stages


def _clip_sound(number: int, plan: ClipPlan) -> tuple[list[str], str]:
    """Filters cutting a clip's segments from its file (clip time + lead-in), re-timed
    with atempo (pitch kept) and joined: (filters, the label of the result)."""
    parts, labels = [], []
    for index, segment in enumerate(layout(plan.segments)):
        chain = [
            f"atrim=start={segment.source_start + plan.lead_in:.6f}"
            f":end={segment.source_end + plan.lead_in:.6f}",
            "asetpts=PTS-STARTPTS",
            *tempo_filters(segment.speed),
        ]
        parts.append(f"[{number}:a]{','.join(chain)}[a{number}_{index}]")
        labels.append(f"[a{number}_{index}]")
    parts.append(f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1[c{number}]")
    return parts, f"[c{number}]"


def audio_plan(clips: list[ClipPlan], durations: list[float], transition: dict) -> AudioPlan:
    """The sound follows the pictures: each clip's trims and speeds, then the reel's
    joins (a dissolve cross-fades, a fade goes through silence, a cut butts)."""
    parts, inputs = [], []
    for number, plan in enumerate(clips, start=1):
        filters, label = _clip_sound(number, plan)
        parts += filters
        inputs.append(label)
    sources = tuple(str(plan.source) for plan in clips)
    if len(inputs) == 1:
        parts.append(f"{inputs[0]}anull[aout]")
        return AudioPlan(sources, ";".join(parts))
    length = transition["duration"]
    if transition["type"] == "dissolve":
        current = inputs[0]
        for n, following in enumerate(inputs[1:], start=1):
            label = "[aout]" if n == len(inputs) - 1 else f"[x{n}]"
            parts.append(f"{current}{following}acrossfade=d={length:g}{label}")
            current = label
        return AudioPlan(sources, ";".join(parts))
    labels = []
    for n, (label, duration) in enumerate(zip(inputs, durations, strict=True)):
        chain = ["anull"]
        if transition["type"] == "fade":
            if n > 0:
                chain.append(f"afade=t=in:st=0:d={length / 2:g}")
            if n < len(inputs) - 1:
                chain.append(f"afade=t=out:st={duration - length / 2:g}:d={length / 2:g}")
        parts.append(f"{label}{','.join(chain)}[f{n}]")
        labels.append(f"[f{n}]")
    parts.append(f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1[aout]")
    return AudioPlan(sources, ";".join(parts))


# --- the shapes callers use ---------------------------------------------------------------


def render_framing(
    source: str | Path, out_path: str | Path, *, crop_keyframes: list[dict], segments: dict,
    lead_in: float = 0.0, **options,
) -> FramingResult:  # fmt: skip
    """One clip's framing (`options` as for render)."""
    return render([ClipPlan(source, crop_keyframes, segments, lead_in)], out_path, **options)


def render_reel(
    sources: list[str | Path], out_path: str | Path, *, transition: dict, **options
) -> FramingResult:
    """Videos joined as they are (same size; the first one's frame rate is the reel's)."""
    plans = [whole_frame(s) for s in sources]
    infos = [source_info(s) for s in sources]
    if any((i.width, i.height) != (infos[0].width, infos[0].height) for i in infos):
        raise ValueError("every clip of a reel must have the same frame size")
    size = (infos[0].width, infos[0].height)
    return render(plans, out_path, output_size=size, transition=transition, **options)


def render_overlay(
    source: str | Path, out_path: str | Path, *, effect: str, regions: list[dict], **options
) -> FramingResult:
    """The highlights drawn on a video as it is."""
    info = source_info(source)
    return render(
        [whole_frame(source)], out_path, output_size=(info.width, info.height), effect=effect,
        regions=regions, **options,
    )  # fmt: skip

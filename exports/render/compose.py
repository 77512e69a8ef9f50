"""The overlay step (highlights drawn on the framed video) and multi-clip reels
(framed clips joined by cut, fade or dissolve), both through the one frame loop."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from exports.render import pipeline
from exports.render.overlay import apply_overlay
from exports.render.pipeline import RenderResult, default_device
from exports.render.reel import layers_at, reel_duration
from exports.render.video_io import AudioPlan, Encoder, NearestFrame, frames, source_info


def render_overlay(
    source: str | Path,
    out_path: str | Path,
    *,
    effect: str,
    regions: list[dict],
    ffmpeg: str,
    batch_size: int = 8,
    device: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    quality: str = "fast",
    audio: bool = True,
) -> RenderResult:
    info = source_info(source)
    device = default_device(device)
    sound = AudioPlan((str(source),), "[1:a]anull[aout]") if audio and info.has_audio else None
    encoder = Encoder(ffmpeg, out_path, info.width, info.height, info.fps, quality=quality, audio=sound)
    total = max(1, round(info.duration * float(info.fps)))
    pictures = frames(source)
    written = pipeline.run(  # it owns `pictures` from here and closes it
        pictures, encoder, lambda batch, times: apply_overlay(batch, times, effect, regions),
        total=total, batch_size=batch_size, device=device, on_progress=on_progress,
        should_cancel=should_cancel,
    )  # fmt: skip
    return RenderResult(
        Path(out_path),
        written,
        info.width,
        info.height,
        info.fps,
        written / float(info.fps),
        device,
        bool(sound),
        encoder.codec,
    )


def video_seconds(path: str | Path) -> float:
    """How long the pictures last (frames x frame time), which can differ from the container's duration."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = stream.frames or sum(1 for _ in container.demux(stream) if _.size)
        return count / float(stream.average_rate)


def reel_audio(sources: list[str], durations: list[float], transition: dict) -> AudioPlan:
    inputs = [f"[{n}:a]" for n in range(1, len(sources) + 1)]
    length = transition["duration"]
    if transition["type"] == "dissolve":
        parts, current = [], inputs[0]
        for n, following in enumerate(inputs[1:], start=1):
            label = "[aout]" if n == len(inputs) - 1 else f"[x{n}]"
            parts.append(f"{current}{following}acrossfade=d={length:g}{label}")
            current = label
        return AudioPlan(tuple(sources), ";".join(parts))
    parts, labels = [], []
    for n, (label, duration) in enumerate(zip(inputs, durations, strict=True)):
        chain = ["anull"]
        if transition["type"] == "fade":
            if n > 0:
                chain.append(f"afade=t=in:st=0:d={length / 2:g}")
            if n < len(inputs) - 1:
                chain.append(f"afade=t=out:st={duration - length / 2:g}:d={length / 2:g}")
        parts.append(f"{label}{','.join(chain)}[c{n}]")
        labels.append(f"[c{n}]")
    parts.append(f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1[aout]")
    return AudioPlan(tuple(sources), ";".join(parts))


def render_reel(
    sources: list[str | Path],
    out_path: str | Path,
    *,
    transition: dict,
    ffmpeg: str,
    batch_size: int = 8,
    device: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    quality: str = "fast",
    audio: bool = True,
) -> RenderResult:
    """Join framed clips (same size; the first clip's frame rate is the reel's)."""
    infos = [source_info(s) for s in sources]
    width, height, fps = infos[0].width, infos[0].height, infos[0].fps
    if any((i.width, i.height) != (width, height) for i in infos):
        raise ValueError("every clip of a reel must have the same frame size")
    durations = [video_seconds(s) for s in sources]
    total = max(1, math.floor(reel_duration(durations, transition) * fps + 1e-6))
    with_audio = audio and all(i.has_audio for i in infos)
    sound = reel_audio([str(s) for s in sources], durations, transition) if with_audio else None
    encoder = Encoder(ffmpeg, out_path, width, height, fps, quality=quality, audio=sound)
    pictures = _reel_pictures([str(s) for s in sources], durations, transition, fps, total)
    device = default_device(device)
    written = pipeline.run(  # it owns `pictures` from here and closes it
        pictures, encoder, lambda batch, times: batch, total=total, batch_size=batch_size, device=device,
        on_progress=on_progress, should_cancel=should_cancel,
    )  # fmt: skip
    return RenderResult(
        Path(out_path), written, width, height, fps, written / float(fps), device, with_audio, encoder.codec
    )


def _reel_pictures(
    sources: list[str], durations: list[float], transition: dict, fps: Fraction, total: int
) -> Iterator[tuple[float, np.ndarray]]:
    cursors: dict[int, NearestFrame] = {}
    try:
        for k in range(total):
            time = k / float(fps)
            layers = layers_at(time, durations, transition)
            picture = None
            for layer in layers:
                if layer.clip not in cursors:
                    cursors[layer.clip] = NearestFrame(sources[layer.clip], fps)
                weighted = cursors[layer.clip].at(layer.time).astype(np.float32) * layer.weight
                picture = weighted if picture is None else picture + weighted
            for done in [clip for clip in cursors if clip < layers[0].clip]:  # clips already over
                cursors.pop(done).close()
            yield time, picture
    finally:
        for cursor in cursors.values():
            cursor.close()

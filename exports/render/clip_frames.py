"""A clip's frames for the player tracker: decoded once, at a reduced size, as
packed YUV 4:2:0 (what the tracker reads), frame i at i / fps seconds of the clip.

A cut clip's file may start a little before the clip (`lead_in` seconds: a stream
copy starts at the keyframe before the marked start), so frame i is the decoded
frame nearest file time lead_in + i / fps, as the renderer picks them
(exports/render/onepass.py). The tracker reads the frames forward from the click
and then backward, so they are all kept in memory; the analysis size shrinks
below `analysis_height` when a long, fast clip would not fit in `memory_budget`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from exports.render.pipeline import Cancelled
from exports.render.video_io import source_info

MIN_ANALYSIS_HEIGHT = 120  # the budget shrinks frames no further: a player would be a few pixels


@dataclass
class ClipFrames:
    """`frames[i]`: packed YUV (height * 3 / 2 x width) of clip frame i at the
    analysis size; `source_size` the file's picture size (what boxes are measured in)."""

    frames: np.ndarray
    fps: float
    source_size: tuple[int, int]

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def size(self) -> tuple[int, int]:
        return self.frames.shape[2], self.frames.shape[1] * 2 // 3

    @property
    def scale(self) -> tuple[float, float]:
        """Analysis pixels -> source pixels, (x, y)."""
        width, height = self.size
        return self.source_size[0] / width, self.source_size[1] / height


def analysis_size(
    source_size: tuple[int, int], count: int, analysis_height: int, memory_budget: int
) -> tuple[int, int]:
    """Even (width, height) at most `analysis_height` high (never above the source)
    whose `count` packed frames fit in `memory_budget` bytes."""
    width, height = source_size
    aspect = width / height
    fitting = math.sqrt(memory_budget / (max(count, 1) * 1.5 * aspect))
    target = min(analysis_height, height, max(MIN_ANALYSIS_HEIGHT, fitting))
    out_height = max(2, int(target) // 2 * 2)
    out_width = max(2, round(out_height * aspect / 2) * 2)
    return out_width, out_height


def read_clip(
    path: str | Path,
    *,
    lead_in: float,
    duration: float,
    analysis_height: int = 360,
    memory_budget: int = 512 * 2**20,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ClipFrames:
    """Decode the clip's `duration` seconds that start `lead_in` seconds into the
    file. Raises Cancelled when `should_cancel()` says so (checked every frame)."""
    info = source_info(path)
    fps = float(info.fps)
    count = max(1, math.floor(duration * fps + 1e-6))
    width, height = analysis_size((info.width, info.height), count, analysis_height, memory_budget)
    frames = np.empty((count, height * 3 // 2, width), dtype=np.uint8)
    wanted = lead_in + np.arange(count) / fps  # file time of each clip frame
    half = 0.5 / fps
    filled = 0
    previous: np.ndarray | None = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if should_cancel is not None and should_cancel():
                raise Cancelled
            time = float(frame.time or 0.0)
            if time < wanted[filled] - half - 1e-9:
                continue  # the lead-in, before the clip's first frame
            picture = frame.reformat(width=width, height=height, format="yuv420p").to_ndarray()
            # Frames of the clip this picture is the nearest to (a tie goes to the later
            # picture); a clip frame before it that is still empty takes the previous one.
            while filled < count and wanted[filled] < time - half - 1e-9:
                frames[filled] = picture if previous is None else previous
                filled += 1
            while filled < count and wanted[filled] < time + half - 1e-9:
                frames[filled] = picture
                filled += 1
            previous = picture
            if on_progress is not None:
                on_progress(filled, count)
            if filled == count:
                break
    if previous is None:
        raise ValueError(f"{Path(path).name} has no video frames in the clip's time.")
    frames[filled:] = previous  # a file a frame short of the clip: hold the last picture
    return ClipFrames(frames, fps, (info.width, info.height))

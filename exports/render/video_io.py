"""Reading frames (PyAV) and writing H.264 (an ffmpeg process fed raw frames).

Rates are kept as exact fractions from the source (30000/1001 stays
30000/1001); nothing here assumes a frame rate.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import numpy as np


@dataclass(frozen=True)
class SourceInfo:
    width: int
    height: int
    fps: Fraction
    duration: float
    has_audio: bool


def source_info(path: str | Path) -> SourceInfo:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        rate = video.average_rate or video.guessed_rate
        if container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = float(video.duration * video.time_base)
        return SourceInfo(
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=Fraction(rate),
            duration=float(duration),
            has_audio=bool(container.streams.audio),
        )


def frames(path: str | Path) -> Iterator[tuple[float, np.ndarray]]:
    """(presentation time in seconds, RGB frame H x W x 3) in order."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        for frame in container.decode(video):
            yield float(frame.time or 0.0), frame.to_ndarray(format="rgb24")


# Encoder settings by name. "quality" for final videos, "fast" for previews and
# working videos that are rendered again later.
PRESETS = {
    "quality": {
        "libx264": ["-preset", "medium", "-crf", "18"],
        "h264_nvenc": ["-preset", "p6", "-rc", "vbr", "-cq", "19", "-b:v", "0"],
    },
    "fast": {
        "libx264": ["-preset", "veryfast", "-crf", "21"],
        "h264_nvenc": ["-preset", "p3", "-rc", "vbr", "-cq", "22", "-b:v", "0"],
    },
}


@lru_cache(maxsize=4)
def video_encoder(ffmpeg: str) -> str:
    """h264_nvenc when a GPU is here and NVENC really encodes (a one-frame trial),
    else libx264."""
    import torch

    if not torch.cuda.is_available():
        return "libx264"
    trial = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "color=s=256x256:d=0.04",
         "-c:v", "h264_nvenc", "-f", "null", "-"],
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return "h264_nvenc" if trial.returncode == 0 else "libx264"


def video_seconds(path: str | Path) -> float:
    """How long the pictures last (frames x frame time), which can differ from the container's duration."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = stream.frames or sum(1 for _ in container.demux(stream) if _.size)
        return count / float(stream.average_rate)


def even(value: float) -> int:
    """Encoders for yuv420p need even sizes."""
    return max(2, round(value / 2) * 2)


@dataclass(frozen=True)
class AudioPlan:
    """Audio for the encoder: files (ffmpeg inputs 1, 2, ...) and a filter graph
    over their audio that ends in the label [aout]."""

    sources: tuple[str, ...]
    filter_graph: str


class Encoder:
    """An ffmpeg process that turns raw yuv420p frames on its stdin (the renderer's
    packed frames, yuv.py) into H.264 (+faststart), with AAC audio when given an
    AudioPlan and chapters when given an ffmetadata file (chapters.ffmetadata()).
    Use close() to finish; abort() kills it and removes the partial output."""

    def __init__(
        self, ffmpeg: str, out_path: str | Path, width: int, height: int, fps: Fraction,
        quality: str = "fast", audio: AudioPlan | None = None, codec: str | None = None,
        chapters: str | Path | None = None,
    ) -> None:  # fmt: skip
        if width % 2 or height % 2:
            raise ValueError(f"output size {width}x{height} must be even")
        self.out_path = Path(out_path)
        self.width, self.height = width, height
        command = [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
            "-r", f"{fps.numerator}/{fps.denominator}", "-i", "pipe:0",
        ]  # fmt: skip
        sources = audio.sources if audio is not None else ()
        for path in sources:
            command += ["-i", path]
        if chapters is not None:
            # The last input: no streams, only the chapters (input options go before the outputs').
            command += ["-f", "ffmetadata", "-i", str(chapters), "-map_chapters", str(1 + len(sources))]
            if audio is None:
                command += ["-map", "0:v"]
        if audio is not None:
            command += ["-filter_complex", audio.filter_graph, "-map", "0:v", "-map", "[aout]"]
            command += ["-c:a", "aac", "-b:a", "160k"]
        self.codec = codec or video_encoder(ffmpeg)
        command += ["-c:v", self.codec, *PRESETS[quality][self.codec]]
        command += ["-pix_fmt", "yuv420p", "-movflags", "+faststart", str(self.out_path)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def write(self, frame: np.ndarray) -> None:
        """One packed yuv420p frame, (H * 3 / 2) x W uint8 (no copy on the way to the pipe)."""
        assert frame.shape == (self.height * 3 // 2, self.width), frame.shape
        self.process.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))

    def close(self) -> None:
        self.process.stdin.close()
        error = self.process.stderr.read().decode(errors="replace")
        if self.process.wait() != 0:
            raise RuntimeError(f"the encoder failed: {error.strip()[-500:]}")

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stderr):
            with contextlib.suppress(Exception):
                stream.close()
        self.out_path.unlink(missing_ok=True)

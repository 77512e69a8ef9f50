"""Planning and running a clip's cut with FFmpeg: plain paths and URLs in, a file
out, no ORM (games/extraction.py runs it as a durable job).

Copy or re-encode
-----------------
Stream copy (`-c copy`) is fast and lossless, but a copied video can only start
at a keyframe. We find the last keyframe at or before the clip's start:

- if it lies at most MAX_LEAD_IN seconds before the start, we copy from that
  keyframe (`-ss keyframe` before `-i`, so no frame before it is needed) and
  record `file_lead_in`: where the marked start lies in the file. It is the
  distance from the keyframe plus wherever the muxer placed the keyframe
  (`-avoid_negative_ts make_zero` moves it later by the B-frame decode delay,
  usually a frame or two), measured by decoding the file's first frame, never
  assumed from a frame rate;
- otherwise copying would add up to a whole GOP (cameras use 1 to 10 s) before
  the start, so we re-encode from the exact start: ffmpeg decodes from the
  keyframe and drops frames before the start, the file starts at the marked
  start and `file_lead_in` is 0.

A copy that FFmpeg cannot write (a codec MP4 does not carry) falls back to a
re-encode.
"""

from __future__ import annotations

import logging
import math
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import av
from django.conf import settings

from games.probe import NotAVideo, probe

log = logging.getLogger(__name__)

# Copy only when the file would start at most this long before the marked start.
MAX_LEAD_IN = 0.5
FFMPEG_TIMEOUT = 15 * 60  # seconds for one cut; a 60 s clip takes a fraction of that
READ_TIMEOUT = 30  # seconds without an answer from storage before giving up


class ExtractionError(Exception):
    """The clip cannot be cut; the message is a sentence for the user."""


@dataclass(frozen=True)
class Cut:
    """How to cut one clip: seek to `seek` seconds of the game and write `duration`."""

    copy: bool
    seek: float
    duration: float
    lead_in: float  # seconds from the keyframe to the marked start (copy only)
    codec: str = ""


def keyframe_before(source: str, time: float) -> tuple[float | None, str]:
    """(seconds of the last video keyframe at or before `time`, the video codec).
    Seconds count from the file's start, as FFmpeg's -ss does. Reads the index and
    a packet or two: a few range requests over http."""
    try:
        with av.open(source, timeout=READ_TIMEOUT) as container:
            if not container.streams.video:
                raise ExtractionError("The game video has no video stream to cut this clip from.")
            video = container.streams.video[0]
            origin = (container.start_time or 0) / av.time_base
            container.seek(int((time + origin) / video.time_base), stream=video, backward=True)
            for packet in container.demux(video):
                if packet.pts is None:
                    continue
                at = float(packet.pts * video.time_base) - origin
                if packet.is_keyframe:
                    return (at if at <= time else None), video.codec_context.name
                if at > time:
                    break
            return None, video.codec_context.name
    except av.error.FFmpegError as exc:
        raise ExtractionError(f"The game video could not be read ({exc.strerror or exc}).") from None


def plan_cut(source: str, start: float, end: float) -> Cut:
    """Copy from the keyframe before `start` when it is close enough, else re-encode."""
    keyframe, codec = keyframe_before(source, start)
    if keyframe is not None and 0 <= start - keyframe <= MAX_LEAD_IN:
        return Cut(copy=True, seek=keyframe, duration=end - keyframe, lead_in=start - keyframe, codec=codec)
    return reencode_cut(start, end)


def reencode_cut(start: float, end: float) -> Cut:
    return Cut(copy=False, seek=start, duration=end - start, lead_in=0.0)


def _seconds(value: float, up: bool = False) -> str:
    """Microseconds, as FFmpeg parses them. A keyframe's time rounds up, so the
    backward seek lands on that keyframe and not on the one before."""
    micro = math.ceil(value * 1_000_000) if up else round(value * 1_000_000)
    return f"{micro / 1_000_000:.6f}"


def ffmpeg_command(source: str, cut: Cut, target: Path) -> list[str]:
    command = [settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    if source.startswith(("http://", "https://")):
        command += ["-rw_timeout", str(READ_TIMEOUT * 1_000_000)]
    command += ["-ss", _seconds(cut.seek, up=cut.copy), "-i", source, "-t", _seconds(cut.duration)]
    # The first video and audio streams only: cameras add data tracks MP4 players choke on.
    command += ["-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn"]
    if cut.copy:
        command += ["-c", "copy", "-avoid_negative_ts", "make_zero"]
        if cut.codec == "hevc":
            command += ["-tag:v", "hvc1"]  # Apple players refuse HEVC tagged hev1
    else:
        command += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
        command += ["-c:a", "aac"]
    return [*command, "-movflags", "+faststart", "-progress", "pipe:1", str(target)]


def run_ffmpeg(command: list[str], folder: Path, on_progress) -> None:
    """Run FFmpeg, calling on_progress(seconds written) as it reports; raise
    ExtractionError with its last error line if it fails or runs too long."""
    errors_path = folder / "ffmpeg.log"
    with open(errors_path, "w+b") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        expired = threading.Event()

        def expire() -> None:  # a stalled read or a runaway encode: stop it
            expired.set()
            process.kill()

        timer = threading.Timer(FFMPEG_TIMEOUT, expire)
        timer.start()
        try:
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    on_progress(int(value) / 1_000_000)
            code = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        if expired.is_set():
            raise ExtractionError(
                f"Cutting this clip took longer than {FFMPEG_TIMEOUT // 60} minutes, so it was stopped."
            )
        if code != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            detail = lines[-1].strip() if lines else f"exit status {code}"
            # Never show a presigned URL or a server path to the user.
            detail = detail.replace(command[command.index("-i") + 1], "the game video")
            raise ExtractionError(f"FFmpeg could not cut this clip from the game video ({detail}).")


def first_frame_time(path: Path) -> float:
    """Seconds from the file's start to its first video frame."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        origin = (container.start_time or 0) / av.time_base
        for frame in container.decode(video):
            if frame.time is not None:
                return max(0.0, frame.time - origin)
    return 0.0


def cut_file(
    source: str,
    start: float,
    end: float,
    target: Path,
    folder: Path,
    on_progress: Callable[[float, float], None],
) -> float:
    """Write `start`..`end` of the game video `source` to `target` (a copy from the
    keyframe before it when that is close, else a re-encode; a copy FFmpeg cannot
    write falls back to a re-encode), calling on_progress(duration, seconds written).
    Returns the file's lead-in: where the marked start lies in the file."""
    cut = plan_cut(source, start, end)
    report = partial(on_progress, cut.duration)
    try:
        run_ffmpeg(ffmpeg_command(source, cut, target), folder, report)
    except ExtractionError:
        if not cut.copy:
            raise
        log.warning("Stream copy of %.3f-%.3f s failed; re-encoding it", start, end, exc_info=True)
        cut = reencode_cut(start, end)
        run_ffmpeg(ffmpeg_command(source, cut, target), folder, report)
    try:
        probe(str(target))
        first_frame = first_frame_time(target)
    except NotAVideo as exc:
        raise ExtractionError(f"The cut clip came out unreadable: {exc}") from None
    except av.error.FFmpegError as exc:
        raise ExtractionError(f"The cut clip came out unreadable ({exc.strerror}).") from None
    report(cut.duration)  # the final 100 % always goes out
    return cut.lead_in + first_frame if cut.copy else 0.0

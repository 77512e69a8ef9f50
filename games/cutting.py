"""Planning and running a clip's cut with FFmpeg: plain paths and URLs in, a file
out, no ORM (games/extraction.py runs it as a durable job).

Copy or re-encode
-----------------
Stream copy (`-c copy`) is fast and lossless, but a copied video can only start
at a keyframe: the last keyframe at or before the clip's start.

- if it lies at most MAX_LEAD_IN seconds before the start, the copy stands and we
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

FFmpeg finds the keyframe
-------------------------
Looking the keyframe up ourselves before FFmpeg copies meant opening the game
twice, and opening an MP4 parses its whole sample index (about 30 ms for a
90-minute game). So the copy starts at once, asked to seek to the marked start:
FFmpeg seeks to the keyframe at or before it and copies from there, and its first
lines of output say which keyframe that was (a second output: the first copied
video packet as `framecrc`, with its time and codec). A close keyframe: the copy
stands. Else FFmpeg is stopped there and then, and the clip re-encoded. Copies
keep the game's timestamps (`-copyts -start_at_zero`), so the reported time
counts from the file's start as `-ss` does and `-to end` ends the copy at the
clip's end, whichever keyframe it began at.

MP4 and MOV seek by their keyframe index, so FFmpeg starts at the keyframe the
PyAV lookup that came first found, and the file is the one that lookup's cut made
(the same packets; times may differ by one tick of rounding). Other containers
seek as FFmpeg can, and its report is the truth either way: MPEG-TS lands after
the start (as the lookup did: such clips are re-encoded), and in MKV with B-frames
FFmpeg seeks 0.13 s early, often to the keyframe before, which the lookup did not
know (its copies started a GOP before the lead-in it recorded).
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import IO

import av
from django.conf import settings

from games.probe import NotAVideo, probe

log = logging.getLogger(__name__)

# Copy only when the file would start at most this long before the marked start.
MAX_LEAD_IN = 0.5
FFMPEG_TIMEOUT = 15 * 60  # seconds for one cut; a 60 s clip takes a fraction of that
READ_TIMEOUT = 30  # seconds without an answer from storage before giving up
NO_PTS = -(2**63)  # AV_NOPTS_VALUE, as framecrc prints a packet without a time


class ExtractionError(Exception):
    """The clip cannot be cut; the message is a sentence for the user."""


@dataclass(frozen=True)
class Cut:
    """How the clip `start`..`end` is cut: FFmpeg seeks to `start` and copies from the
    keyframe at or before it (`lead_in` seconds before it, once FFmpeg has said), or
    re-encodes from `start` exactly."""

    start: float
    end: float
    copy: bool
    lead_in: float = 0.0  # seconds from the keyframe to the marked start (copy only)
    codec: str = ""

    @property
    def length(self) -> float:
        """Seconds the file lasts: from the keyframe (copy) or the marked start to the end."""
        return self.end - self.start + self.lead_in


def check_readable(source: str) -> None:
    """Raise ExtractionError, a sentence, when the game video cannot be read or has no
    video stream (FFmpeg's own error says less)."""
    try:
        with av.open(source, timeout=READ_TIMEOUT) as container:
            if not container.streams.video:
                raise ExtractionError("The game video has no video stream to cut this clip from.")
    except av.error.FFmpegError as exc:
        raise ExtractionError(f"The game video could not be read ({exc.strerror or exc}).") from None


def _seconds(value: float) -> str:
    """Microseconds, as FFmpeg parses them."""
    return f"{round(value * 1_000_000) / 1_000_000:.6f}"


def ffmpeg_command(source: str, cut: Cut, target: Path) -> list[str]:
    command = [settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    if source.startswith(("http://", "https://")):
        command += ["-rw_timeout", str(READ_TIMEOUT * 1_000_000)]
    if cut.copy:
        # The game's timestamps: the report below says where the copy starts in the game,
        # and `-to` ends it at the clip's end whichever keyframe the seek found.
        command += ["-copyts", "-start_at_zero", "-ss", _seconds(cut.start), "-i", source]
        # The report on stdout, read by FFmpeg.first_packet: the first copied video packet.
        command += ["-map", "0:v:0", "-c", "copy", "-frames:v", "1", "-avoid_negative_ts", "disabled"]
        command += ["-f", "framecrc", "pipe:1", "-to", _seconds(cut.end)]
    else:
        command += ["-ss", _seconds(cut.start), "-i", source, "-t", _seconds(cut.end - cut.start)]
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


class FFmpeg:
    """One FFmpeg run, started by `start_ffmpeg`. `finish()` waits for it, calling
    on_progress(seconds written) as it reports, and raises ExtractionError with its last
    error line if it fails or runs too long."""

    def __init__(self, command: list[str], process: subprocess.Popen, errors: IO[bytes]) -> None:
        self.command, self.process, self.errors = command, process, errors
        self.expired = threading.Event()
        self.timer = threading.Timer(FFMPEG_TIMEOUT, self._expire)

    def _expire(self) -> None:  # a stalled read or a runaway encode: stop it
        self.expired.set()
        self.process.kill()

    def stop(self) -> None:
        self.timer.cancel()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def first_packet(self) -> tuple[float | None, str]:
        """(seconds from the game's start, codec) of the first video packet a copy writes,
        read from its framecrc report; (None, codec) when it wrote none. Progress lines
        read meanwhile are dropped: they come before anything is written."""
        time_base, codec = None, ""
        for line in self.process.stdout:
            if line.startswith("#tb 0:"):
                time_base = Fraction(line.partition(":")[2].strip())
            elif line.startswith("#codec_id 0:"):
                codec = line.partition(":")[2].strip()
            elif line.startswith("0,"):  # stream, dts, pts, duration, size, checksum
                pts = int(line.split(",")[2])
                return (float(pts * time_base) if time_base and pts != NO_PTS else None), codec
        return None, codec

    def finish(self, on_progress: Callable[[float], None]) -> None:
        try:
            for line in self.process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    on_progress(int(value) / 1_000_000)
            code = self.process.wait()
        finally:
            self.stop()
        if self.expired.is_set():
            raise ExtractionError(
                f"Cutting this clip took longer than {FFMPEG_TIMEOUT // 60} minutes, so it was stopped."
            )
        if code != 0:
            self.errors.seek(0)
            lines = self.errors.read().decode(errors="replace").strip().splitlines()
            detail = lines[-1].strip() if lines else f"exit status {code}"
            # Never show a presigned URL or a server path to the user.
            detail = detail.replace(self.command[self.command.index("-i") + 1], "the game video")
            raise ExtractionError(f"FFmpeg could not cut this clip from the game video ({detail}).")


@contextmanager
def start_ffmpeg(command: list[str], folder: Path) -> Iterator[FFmpeg]:
    """Start FFmpeg now; leaving the block stops it if it still runs."""
    with tempfile.TemporaryFile(dir=folder) as errors:  # nameless: nothing left to clean up
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        ffmpeg = FFmpeg(command, process, errors)
        ffmpeg.timer.start()
        try:
            yield ffmpeg
        finally:
            ffmpeg.stop()
            process.stdout.close()


def run_ffmpeg(command: list[str], folder: Path, on_progress: Callable[[float], None]) -> None:
    with start_ffmpeg(command, folder) as ffmpeg:
        ffmpeg.finish(on_progress)


def cut_file(
    source: str,
    start: float,
    end: float,
    target: Path,
    folder: Path,
    on_progress: Callable[[float, float], None],
    *,
    codec: str = "",
) -> float:
    """Write `start`..`end` of the game video `source` to `target` (a copy from the
    keyframe before it when that is close, else a re-encode; a copy FFmpeg cannot
    write falls back to a re-encode), calling on_progress(file length, seconds written).
    `codec`, the game's video codec when known, spares an HEVC game a second start.
    Returns the file's lead-in: where the marked start lies in the file. Whatever
    fails, nothing is left in `folder`."""
    try:
        cut = _write(source, start, end, target, folder, on_progress, codec)
        try:
            first_frame = probe(str(target)).first_frame
        except NotAVideo as exc:
            raise ExtractionError(f"The cut clip came out unreadable: {exc}") from None
        except av.error.FFmpegError as exc:
            raise ExtractionError(f"The cut clip came out unreadable ({exc.strerror}).") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    on_progress(cut.length, cut.length)  # the final 100 % always goes out
    return cut.lead_in + first_frame if cut.copy else 0.0


def _write(
    source: str,
    start: float,
    end: float,
    target: Path,
    folder: Path,
    on_progress: Callable[[float, float], None],
    codec: str,
) -> Cut:
    """Copy from the keyframe FFmpeg finds for `start` when it is close, else re-encode.
    Returns the cut written."""
    try:
        cut = _copy(source, start, end, codec, target, folder, on_progress)
    except ExtractionError:
        check_readable(source)
        log.warning("Stream copy of %.3f-%.3f s failed; re-encoding it", start, end, exc_info=True)
        cut = None
    if cut is None:
        cut = Cut(start, end, copy=False)
        run_ffmpeg(ffmpeg_command(source, cut, target), folder, partial(on_progress, cut.length))
    return cut


def _copy(
    source: str,
    start: float,
    end: float,
    codec: str,
    target: Path,
    folder: Path,
    on_progress: Callable[[float, float], None],
) -> Cut | None:
    """Copy from the keyframe FFmpeg's seek to `start` finds: the cut, or None (FFmpeg
    stopped at its first report) when that keyframe is not within MAX_LEAD_IN before it."""
    command = ffmpeg_command(source, Cut(start, end, copy=True, codec=codec), target)
    with start_ffmpeg(command, folder) as ffmpeg:
        keyframe, found_codec = ffmpeg.first_packet()
        if keyframe is None:
            ffmpeg.finish(lambda done: None)  # raises FFmpeg's error, if that is why
            return None
        if not 0 <= start - keyframe <= MAX_LEAD_IN:
            return None
        if found_codec != codec and "hevc" in (found_codec, codec):
            ffmpeg.stop()  # the HEVC tag must be set (or not) from the start
            return _copy(source, start, end, found_codec, target, folder, on_progress)
        cut = Cut(start, end, copy=True, lead_in=start - keyframe, codec=found_codec)
        ffmpeg.finish(partial(on_progress, cut.length))
        return cut

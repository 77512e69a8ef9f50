"""Measuring a video: duration, size, frame rate, codec, audio.

Uses PyAV (FFmpeg's libraries), which opens local paths and http(s) URLs alike,
so an object in S3 is probed through a presigned GET URL by reading only the
container header, never by downloading the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av


class NotAVideo(ValueError):
    """The file is not a video we can read; the message is a sentence for the user."""


@dataclass(frozen=True)
class VideoInfo:
    duration: float
    width: int
    height: int
    fps: float
    codec: str
    has_audio: bool
    # The first video frame's time as decoders report it (PyAV's frame.time, what the
    # renderer and the tracker read): not counted from the container's start, which a
    # file without sound puts at that frame, B-frame delay and all.
    first_frame: float = 0.0


def probe(source: str, timeout: float = 30.0) -> VideoInfo:
    try:
        container = av.open(source, timeout=timeout)
    except av.error.FFmpegError as exc:
        raise NotAVideo(f"This file is not a video we can read ({exc.strerror or exc}).") from None
    with container:
        if not container.streams.video:
            raise NotAVideo("This file is not a video we can read (it has no video stream).")
        video = container.streams.video[0]
        rate = video.average_rate or video.guessed_rate or video.base_rate
        if container.duration is not None:
            duration = container.duration / av.time_base
        elif video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        else:
            duration = 0.0
        if not rate or duration <= 0 or not video.codec_context.width:
            raise NotAVideo(
                "This video has no readable duration, frame rate or frame size; it may be truncated."
            )
        first_frame = _check_decodes_to_the_end(container, video, duration)
        return VideoInfo(
            duration=round(float(duration), 3),
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=round(float(Fraction(rate)), 3),
            codec=video.codec_context.name,
            has_audio=bool(container.streams.audio),
            first_frame=first_frame,
        )


def _check_decodes_to_the_end(container, video, duration: float) -> float:
    """Decode the first frame, then walk the packets of the last second. A file cut
    short keeps its header (faststart puts the index first), so only the tail shows
    it. Seeking costs a range request or two; demuxing the tail decodes nothing.
    Returns the first frame's time."""
    try:
        first = next(container.decode(video), None)
        if first is None:
            raise NotAVideo("This video has no frames we can decode.")
        first_frame = max(0.0, first.time) if first.time is not None else 0.0
        end = float(video.duration * video.time_base) if video.duration else duration
        container.seek(int(max(0.0, end - 1.0) / video.time_base), stream=video, backward=True)
        last = 0.0
        for packet in container.demux(video):
            if packet.pts is not None and packet.size:
                last = max(last, float(packet.pts * packet.time_base))
    except av.error.FFmpegError as exc:
        raise NotAVideo(
            f"This video cannot be read to its end; it may be truncated ({exc.strerror or exc})."
        ) from None
    frame_time = 1 / float(video.average_rate or 25)
    if last < end - max(0.5, 3 * frame_time):
        raise NotAVideo(
            f"This video stops early (its frames end at {last:.1f} s of {end:.1f} s); it may be truncated."
        )
    return first_frame

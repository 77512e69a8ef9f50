"""Chapters: one per clip of a reel or per piece of a joined video, written into the
MP4 (FFmpeg's ffmetadata) so players and `ffprobe -show_chapters` list them.

Where a clip sits comes from reel.starts()/reel_duration(), the renderer's own
rule. A chapter begins where its clip takes over: after a cut or a fade where the
clip starts (a fade's black midpoint), in a dissolve at the middle of the overlap.

Times are kept in whole milliseconds (the ffmetadata timebase) and every boundary
is rounded once, so the chapters tile the video: each end is the next start and
the last end is the video's duration.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from exports.render.reel import reel_duration, starts

TITLE_LENGTH = 200  # players show a line; a longer title is cut


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float  # seconds
    end: float


def reel_chapters(titles: list[str], durations: list[float], transition: dict) -> list[Chapter]:
    """One chapter per clip of a reel whose clips last `durations` seconds, joined by
    `transition` ({"type": "cut" | "fade" | "dissolve", "duration": seconds})."""
    _check(titles, durations)
    overlap = transition["duration"] if transition["type"] == "dissolve" else 0.0
    # The incoming clip starts `overlap` before the outgoing one ends: the middle is half of it later.
    joins = [start + overlap / 2 for start in starts(durations, transition)[1:]]
    return _tile(titles, [0.0, *joins, reel_duration(durations, transition)])


def sequence_chapters(titles: list[str], durations: list[float]) -> list[Chapter]:
    """One chapter per piece of pieces played back to back."""
    _check(titles, durations)
    bounds = [0.0]
    for duration in durations:
        bounds.append(bounds[-1] + duration)
    return _tile(titles, bounds)


def fit(chapters: list[Chapter], duration: float) -> list[Chapter]:
    """The chapters of a video that came out `duration` seconds long (a renderer
    rounds to whole frames): the last one ends there, none starts past it."""
    end = _ms(duration)
    kept = [c for c in chapters if _ms(c.start) < end] or chapters[:1]
    return [*kept[:-1], Chapter(kept[-1].title, kept[-1].start, end / 1000)] if kept else []


def ffmetadata(chapters: list[Chapter]) -> str:
    """The chapters as an FFMETADATA1 file (an ffmpeg input for -map_chapters)."""
    lines = [";FFMETADATA1"]
    for chapter in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={_ms(chapter.start)}",
            f"END={_ms(chapter.end)}",
            f"title={escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


def escape(value: str) -> str:
    """FFmpeg's ffmetadata escaping: a backslash before = ; # \\ and a newline."""
    return re.sub(r"([=;#\\\n])", r"\\\1", value)


def as_json(chapters: list[Chapter]) -> list[dict]:
    """For the models' `chapters` field: [{"title", "start", "end"}] in seconds (ms precision)."""
    return [{"title": c.title, "start": _ms(c.start) / 1000, "end": _ms(c.end) / 1000} for c in chapters]


def clean_title(title: str | None, number: int) -> str:
    """A one-line title: control characters out, spaces collapsed, never empty ("Clip 3")."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in title or "")
    text = " ".join(text.split())[:TITLE_LENGTH].rstrip()
    return text or f"Clip {number}"


def _check(titles: list[str], durations: list[float]) -> None:
    if not durations:
        raise ValueError("chapters need at least one clip")
    if len(titles) != len(durations):
        raise ValueError(f"{len(titles)} titles for {len(durations)} clips")
    if any(not d > 0 for d in durations):
        raise ValueError("every clip of a chapter list lasts more than 0 seconds")


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _tile(titles: list[str], bounds: list[float]) -> list[Chapter]:
    """Chapters between consecutive bounds, each bound rounded to ms once (never
    going back, never past the end), so ends and starts agree exactly."""
    last = _ms(bounds[-1])
    marks = [0]
    for bound in bounds[1:-1]:
        marks.append(min(max(_ms(bound), marks[-1]), last))
    marks.append(last)
    return [
        Chapter(clean_title(title, number), start / 1000, end / 1000)
        for number, (title, start, end) in enumerate(zip(titles, marks, marks[1:], strict=False), start=1)
    ]

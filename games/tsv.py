"""Clip lists as TSV, the format coaches trade in spreadsheets.

Columns: start_time (M:SS or H:MM:SS, seconds may have decimals), rating (1-5),
tags (short names, comma-separated), clip_name (empty: derived), clip_duration
(seconds, at most one decimal), notes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from games.clips import ClipError, clean
from games.models import Clip, Game

COLUMNS = ["start_time", "rating", "tags", "clip_name", "clip_duration", "notes"]
_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")


@dataclass
class LineError:
    line: int
    message: str


class TSVError(ClipError):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(400, f"{len(errors)} line(s) have problems; nothing was imported.")
        self.errors = errors


def format_time(seconds: float) -> str:
    whole = int(seconds)
    fraction = f"{seconds - whole:.1f}"[1:] if seconds - whole >= 0.05 else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}{fraction}" if hours else f"{minutes}:{secs:02d}{fraction}"


def parse_time(text: str) -> float:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"start_time {text!r} is not M:SS or H:MM:SS")
    hours, minutes, seconds = match.groups()
    if float(seconds) >= 60 or (hours and int(minutes) >= 60):
        raise ValueError(f"start_time {text!r} has more than 59 minutes or seconds")
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def export_clips(game: Game) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for clip in game.clips.order_by("start_time"):
        writer.writerow(
            [
                format_time(clip.start_time), clip.rating, ",".join(clip.tags), clip.name,
                f"{round(clip.duration, 1):g}", clip.notes,
            ]
        )  # fmt: skip
    return out.getvalue()


def parse_clips(game: Game, text: str) -> list[dict]:
    """Every line checked; all problems reported together (TSVError), or the clips."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter="\t"))
    if not rows or [c.strip().lower() for c in rows[0][: len(COLUMNS)]] != COLUMNS:
        raise TSVError(
            [LineError(1, f"The first line must be the header: {' '.join(COLUMNS)} (tab-separated).")]
        )
    errors, clips, ends = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            fields = _row(row)
            clips.append(clean(game, fields))
        except (ValueError, ClipError) as error:
            errors.append(LineError(number, getattr(error, "message", str(error)) + "."))
            continue
        end = clips[-1]["end_time"]
        if end in ends:
            errors.append(LineError(number, f"It ends at the same time as line {ends[end]}."))
        ends.setdefault(end, number)
    if errors:
        raise TSVError(errors)
    return clips


def _row(row: list[str]) -> dict:
    cells = (row + [""] * len(COLUMNS))[: len(COLUMNS)]
    start_text, rating_text, tags_text, name, duration_text, notes = (c.strip() for c in cells)
    start = parse_time(start_text)
    if not rating_text.isdigit():
        raise ValueError(f"rating {rating_text!r} is not a whole number from 1 to 5")
    if duration_text and not re.fullmatch(r"\d+(\.\d)?", duration_text):
        raise ValueError(f"clip_duration {duration_text!r} must be seconds with at most one decimal")
    duration = float(duration_text or Clip.DEFAULT_LENGTH)
    tags = [t.strip() for t in tags_text.split(",") if t.strip()]
    return {
        "start_time": start, "end_time": round(start + duration, 3), "rating": int(rating_text),
        "tags": tags, "name": name, "notes": notes,
    }  # fmt: skip

"""Clip lists as TSV, the format coaches trade in spreadsheets.

Columns: start_time (M:SS, minutes past 59 as they are: "61:01"; H:MM:SS is read
too; seconds may have decimals), rating (1-5), tags (comma-separated; written by
short name, read by short or long name in any case), clip_name (empty: derived),
clip_duration (seconds, written with one decimal: "15.0"), notes.

One clip per line, lines ending in LF, CRLF or CR; UTF-8, or UTF-16 with a BOM.
The file is written with no quoting, as the earlier version of the product wrote
it: tabs and line breaks in text become spaces. A field wholly wrapped in double
quotes (as spreadsheets and this product's first exports wrote fields holding
tabs, quotes or line breaks) is unquoted on import; any other quote is text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from games.clips import ClipError, clean
from games.models import Clip, Game
from games.tags import tag_named

COLUMNS = ["start_time", "rating", "tags", "clip_name", "clip_duration", "notes"]
MAX_REPORTED = 100  # line errors listed in one answer; a binary file would have thousands

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_QUOTED = re.compile(r'"((?:[^"]|"")*)"(?=\t|\r|\n|\Z)')
_UNQUOTED = re.compile(r"[^\t\r\n]*")
# Digits bounded so that no number is too large to be a float.
_TIME = re.compile(r"(?:(\d{1,4}):([0-5]\d)|(\d{1,6})):([0-5]\d(?:\.\d{1,6})?)", re.ASCII)
_SECONDS = re.compile(r"\d{1,6}(?:\.\d{1,6})?", re.ASCII)
_NOT_UTF8 = "This line is not UTF-8 text; save the file as tab-separated UTF-8 text and import it again."


@dataclass
class LineError:
    line: int
    message: str


class TSVError(ClipError):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(400, f"{len(errors)} line(s) have problems; nothing was imported.")
        self.errors = errors[:MAX_REPORTED]


def format_time(seconds: float) -> str:
    """M:SS, with minutes past 59 as they are ("61:01", which the earlier version
    reads) and tenths when there are any ("0:09.5")."""
    whole, tenths = divmod(round(seconds * 10), 10)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}:{secs:02d}" + (f".{tenths}" if tenths else "")


def parse_time(text: str) -> float:
    """Seconds from M:SS, MM:SS, minutes past 59 ("125:30") or H:MM:SS."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"start_time {text!r} is not M:SS or H:MM:SS (like 1:05, 61:01 or 1:01:05).")
    hours, hour_minutes, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(hour_minutes or minutes) * 60 + float(seconds)


def one_line(text: str) -> str:
    """Tabs and line breaks as spaces, so a clip stays one line of the file."""
    return re.sub(r"\r\n|[\t\r\n]", " ", text)


def _field(text: str) -> str:
    # Quote only what the import would otherwise unquote, so every text comes back as it was.
    text = one_line(text)
    return '"' + text.replace('"', '""') + '"' if _QUOTED.fullmatch(text) else text


def export_clips(game: Game) -> str:
    lines = ["\t".join(COLUMNS)]
    for clip in game.clips.order_by("start_time"):
        cells = [
            format_time(clip.start_time), str(clip.rating), ",".join(clip.tags), _field(clip.name),
            f"{clip.duration:.1f}", _field(clip.notes),
        ]  # fmt: skip
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def decode(body: bytes) -> str:
    """An uploaded file as text, or TSVError naming each line that is not UTF-8."""
    try:
        if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return body.decode("utf-16")  # Excel's "Unicode Text": tab-separated UTF-16
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    errors = []
    for number, line in enumerate(re.split(_LINE_BREAK.pattern.encode(), body), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(LineError(number, _NOT_UTF8))
    raise TSVError(errors)


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(number of the line it starts on, fields) for each record of the file."""
    records, fields, line, first_line, position = [], [], 1, 1, 0
    while True:
        if field := _QUOTED.match(text, position):
            fields.append(one_line(field.group(1).replace('""', '"')))
            line += len(_LINE_BREAK.findall(field.group(1)))
        else:
            field = _UNQUOTED.match(text, position)
            fields.append(field.group())
        position = field.end()
        if text.startswith("\t", position):
            position += 1
            continue
        records.append((first_line, fields))
        if position == len(text):
            return records
        position = _LINE_BREAK.match(text, position).end()
        line += 1
        first_line, fields = line, []


def parse_clips(game: Game, text: str) -> list[dict]:
    """Every line checked; all problems reported together (TSVError), or the clips."""
    records = _records(text.removeprefix("\ufeff"))
    if [c.strip().lower() for c in records[0][1][: len(COLUMNS)]] != COLUMNS:
        raise TSVError(
            [LineError(1, f"The first line must be the header: {' '.join(COLUMNS)} (tab-separated).")]
        )
    errors, clips, ends = [], [], {}
    for number, fields in records[1:]:
        if not any(cell.strip() for cell in fields):
            continue
        try:
            clips.append(clean(game, _row(fields)))
        except ValueError as error:
            errors.append(LineError(number, str(error)))
            continue
        except ClipError as error:
            errors.append(LineError(number, error.message))
            continue
        end = clips[-1]["end_time"]
        if end in ends:
            errors.append(LineError(number, f"It ends at the same time as line {ends[end]}."))
        ends.setdefault(end, number)
    if errors:
        raise TSVError(errors)
    return clips


def _row(fields: list[str]) -> dict:
    cells = (fields + [""] * len(COLUMNS))[: len(COLUMNS)]
    start_text, rating_text, tags_text, name, duration_text = (c.strip() for c in cells[:5])
    notes = cells[5]  # as written: the earlier version kept trailing spaces
    start = parse_time(start_text)
    if rating_text not in {"1", "2", "3", "4", "5"}:
        raise ValueError(f"rating {rating_text!r} is not a whole number from 1 to 5.")
    if not duration_text:
        duration = Clip.DEFAULT_LENGTH
    elif _SECONDS.fullmatch(duration_text) and round(float(duration_text), 1) == float(duration_text):
        duration = float(duration_text)
    else:
        raise ValueError(
            f"clip_duration {duration_text!r} must be seconds with at most one decimal, like 15.0."
        )
    tags = [_short_name(t) for t in tags_text.split(",") if t.strip()]
    return {
        "start_time": start, "end_time": round(start + duration, 3),
        "rating": int(rating_text), "tags": tags, "name": name, "notes": notes,
    }  # fmt: skip


def _short_name(text: str) -> str:
    # An unknown name passes through as written, for clean() to name it.
    tag = tag_named(text)
    return tag.short if tag else text.strip()

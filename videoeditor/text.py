"""One rule for text that comes from outside (JSON, TSV, file names), wherever it
arrives: single-line fields refuse every C0/C1 control character (NUL, BEL, ESC,
CR, LF, DEL, ...); multi-line fields allow only line feeds and tabs, after
turning CRLF and lone CR into LF. PostgreSQL refuses NUL in text outright, and
the rest would reach terminals, TSV files and other people's screens."""

from __future__ import annotations

import re

_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f]")
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # \t and \n are allowed
ELLIPSIS = "…"


class TextRefused(ValueError):
    """A sentence naming the field and the character that is not allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refusal(label: str, found: str, allowed: str) -> TextRefused:
    return TextRefused(f"{label} contains a control character (U+{ord(found):04X}); {allowed}.")


def single_line(value: str, label: str) -> str:
    """`value` unchanged, or TextRefused if it holds any control character."""
    if match := _LINE_FORBIDDEN.search(value):
        raise _refusal(label, match.group(), "it must be one line of plain text")
    return value


def multi_line(value: str, label: str) -> str:
    """`value` with CRLF and CR turned into LF, or TextRefused if it holds any
    other control character than a line feed or a tab."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if match := _TEXT_FORBIDDEN.search(value):
        raise _refusal(label, match.group(), "only line breaks and tabs are allowed")
    return value


def ellipsize(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in … when shortened."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS

"""The API's JSON parser: the standard one, after a cheap check that the document
is not nested deeper than MAX_JSON_DEPTH. Python's json module recurses once
per level, so ~1,000 levels in a 2 KB body would raise RecursionError (a 500)."""

from __future__ import annotations

import io
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 64
# Strings are skipped whole, so brackets inside them do not count. Bytes are
# scanned as they are: in UTF-8 no byte of a multi-byte character is ASCII.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_BYTE_TOKENS = re.compile(_TOKENS.pattern.encode(), re.DOTALL)


class TooDeep(ValueError):
    pass


def check_json_depth(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise TooDeep if `text` opens more than `limit` arrays/objects at once. It
    only counts brackets; malformed JSON is left for the parser to refuse."""
    tokens, opening, closing = (
        (_BYTE_TOKENS, (b"[", b"{"), (b"]", b"}"))
        if isinstance(text, bytes)
        else (_TOKENS, ("[", "{"), ("]", "}"))
    )
    if text.count(opening[0]) + text.count(opening[1]) <= limit:  # the usual case: nothing to scan
        return
    depth = 0
    for token in tokens.finditer(text):
        bracket = token.group()
        if bracket in opening:
            depth += 1
            if depth > limit:
                raise TooDeep(
                    f"The JSON is nested more than {limit} levels deep; the API takes at most {limit}."
                )
        elif bracket in closing:
            depth -= 1


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        body = stream.read()
        try:
            check_json_depth(body)
        except TooDeep as error:
            raise ParseError(str(error)) from None
        return super().parse(io.BytesIO(body), media_type, parser_context)

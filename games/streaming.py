"""Serving a local video file with HTTP Range support, so the browser's video
element can seek anywhere in a multi-gigabyte match without reading it all."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from videoeditor.errors import UserFacingError

CHUNK = 1024 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _read(path: str, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def ranged_file_response(request: HttpRequest, path: str, content_type: str) -> HttpResponse:
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        # The row outlived its file (deleted by hand, a restored database): say so.
        raise UserFacingError(404, "The video file is missing from storage.") from None
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "").strip()
    if header:
        match = _RANGE.match(header)
        if not match or (not match.group(1) and not match.group(2)):
            return _unsatisfiable(size)
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # "bytes=-N": the last N bytes
            start = max(0, size - int(match.group(2)))
        if start >= size or start > end:
            return _unsatisfiable(size)
        status = 206
    length = end - start + 1
    response = StreamingHttpResponse(_read(path, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response

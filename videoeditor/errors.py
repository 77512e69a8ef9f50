"""Errors that reach users: an HTTP status and a sentence, raised by domain code
(uploads, clips, exports) without knowing about HTTP frameworks."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import exception_handler


class UserFacingError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def api_exception_handler(exc, context):
    if isinstance(exc, UserFacingError):
        body = {"detail": exc.message}
        if hasattr(exc, "current"):
            body["current"] = exc.current
        return Response(body, status=exc.status)
    return exception_handler(exc, context)

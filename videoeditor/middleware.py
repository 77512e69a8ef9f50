"""Project-wide middleware."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NeverCacheAPIMiddleware:
    """API answers are per user and change under the reader's feet: no browser or
    proxy may keep them, unless the view chose its own Cache-Control (the
    vocabulary, which changes only with a deploy; pictures)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class JSONBodyLimitMiddleware:
    """Refuse oversized JSON bodies before anything parses them (DRF reads the
    stream itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE). Uploads are not JSON.

    A chunked body (Transfer-Encoding: chunked, no Content-Length) would look
    empty to DRF, which reads nothing without a length: it is read here, at most
    one byte past the limit, and its length declared."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "application/json":
            limit = settings.API_JSON_MAX_BYTES
            declared = request.META.get("CONTENT_LENGTH")
            if declared:
                try:
                    length = int(declared)
                except ValueError:
                    length = 0
            else:
                body = request.read(limit + 1)
                length = len(body)
                if length <= limit:
                    # What HttpRequest.body itself does after reading: later readers see it all.
                    request._body = body
                    request._stream = io.BytesIO(body)
                    request.META["CONTENT_LENGTH"] = str(length)
            if length > limit:
                size = f"{length / 2**20:.1f} MB" if declared else "over that size"
                return JsonResponse(
                    {"detail": f"JSON requests are limited to {limit / 2**20:.0f} MB; this one is {size}."},
                    status=413,
                )
        return self.get_response(request)

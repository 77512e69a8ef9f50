"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NeverCacheAPIMiddleware:
    """API answers are per user and change under the reader's feet: no browser or
    proxy may keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class JSONBodyLimitMiddleware:
    """Refuse oversized JSON bodies before anything parses them (DRF reads the
    stream itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE). Uploads are not JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "application/json":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.API_JSON_MAX_BYTES
            if length > limit:
                return JsonResponse(
                    {
                        "detail": f"The request is {length / 2**20:.1f} MB; JSON requests are limited to "
                        f"{limit / 2**20:.0f} MB."
                    },
                    status=413,
                )
        return self.get_response(request)

"""Django's last-resort error pages, in JSON under /api/: an API client gets
{"detail": sentence} whatever went wrong, a person in a browser gets the page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": f"There is no API address {request.path}; see /api/docs/."}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # The traceback goes to the log (django.request), never to the client.
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side; it has been logged. Please try again later."},
            status=500,
        )
    return defaults.server_error(request)

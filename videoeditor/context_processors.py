"""What every page's shell shows."""

from __future__ import annotations

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    from exports.models import FinalVideo

    # Lazy: only pages that render the header run the count query.
    return {"gallery_count": lambda: FinalVideo.objects.filter(project__owner=request.user).count()}

"""What every page's shell shows."""

from __future__ import annotations

from django.http import HttpRequest

from videoeditor.vocabulary import vocabulary


def shell(request: HttpRequest) -> dict:
    # Lazy: built only when a template renders it (base.html, for static/js/vocabulary.js).
    context = {"vocabulary": vocabulary}
    if not request.user.is_authenticated:
        return context
    from exports.models import FinalVideo

    # Lazy: only pages that render the header run the count query.
    context["gallery_count"] = lambda: FinalVideo.objects.filter(project__owner=request.user).count()
    return context

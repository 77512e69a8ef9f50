"""Pages about games: a new game with its upload, and the annotate page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from games.models import Game, GameType
from games.objects import object_store


@login_required
def game_new(request: HttpRequest) -> HttpResponse:
    # Files up to this size go up in one PUT; larger ones in resumable parts.
    page_data = {"upload_single_max_bytes": settings.UPLOAD_SINGLE_MAX_BYTES, "direct": object_store().direct}
    return render(request, "games/new.html", {"page_data": page_data})


@login_required
def game_annotate(request: HttpRequest, game_id: int) -> HttpResponse:
    game = get_object_or_404(Game, pk=game_id, owner=request.user)
    # "Replace video" starts an upload on this page: the same single/multipart threshold.
    page_data = {"game_id": game.pk, "upload_single_max_bytes": settings.UPLOAD_SINGLE_MAX_BYTES}
    context = {"game": game, "page_data": page_data, "game_types": GameType.choices}
    return render(request, "games/annotate.html", context)

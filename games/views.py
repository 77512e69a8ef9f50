"""Pages about games: a new game with its upload, and the annotate page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from games.models import Game


@login_required
def game_new(request: HttpRequest) -> HttpResponse:
    return render(request, "games/new.html", {"page_data": {}})


@login_required
def game_annotate(request: HttpRequest, game_id: int) -> HttpResponse:
    game = get_object_or_404(Game, pk=game_id, owner=request.user)
    return render(request, "games/annotate.html", {"game": game, "page_data": {"game_id": game.pk}})

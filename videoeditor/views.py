"""Server-rendered pages of the shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from games.models import Game


@login_required
def home(request: HttpRequest) -> HttpResponse:
    games = Game.objects.filter(owner=request.user).order_by("-created_at")[:20]
    return render(request, "home.html", {"games": games})

"""Pages about projects: making one from clips, the framing and overlay editors, the gallery."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from exports.models import Project


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    game = request.GET.get("game", "")
    return render(
        request, "exports/new.html", {"page_data": {"game_id": int(game) if game.isdigit() else None}}
    )


@login_required
def project_framing(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id, owner=request.user)
    return render(
        request, "exports/framing.html", {"project": project, "page_data": {"project_id": project.pk}}
    )


@login_required
def project_overlay(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id, owner=request.user)
    return render(
        request, "exports/overlay.html", {"project": project, "page_data": {"project_id": project.pk}}
    )


@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    return render(request, "exports/gallery.html", {"page_data": {}})

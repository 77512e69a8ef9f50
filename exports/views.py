"""Pages about projects: making one from clips, the framing and overlay editors, the gallery."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from exports.models import Project, ProjectMode


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    game = request.GET.get("game", "")
    return render(
        request,
        "exports/new.html",
        {"page_data": {"game_id": int(game) if game.isascii() and game.isdigit() else None}},
    )


@login_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's own page: its clips (add, remove, reorder), name, shape, delete."""
    project = get_object_or_404(Project, pk=project_id, owner=request.user)
    return render(request, "exports/edit.html", {"project": project, "page_data": {"project_id": project.pk}})


def opened_in(project: Project, mode: str) -> None:
    """Remember the editor last used: the home card reopens the project in it. UI
    state, not an edit (no version change)."""
    if project.mode != mode:
        Project.objects.filter(pk=project.pk).update(mode=mode)


@login_required
def project_framing(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id, owner=request.user)
    opened_in(project, ProjectMode.FRAMING)
    clip = request.GET.get("clip", "")
    page_data = {"project_id": project.pk, "clip": int(clip) if clip.isascii() and clip.isdigit() else None}
    return render(request, "exports/framing.html", {"project": project, "page_data": page_data})


@login_required
def project_overlay(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id, owner=request.user)
    opened_in(project, ProjectMode.OVERLAY)
    return render(
        request, "exports/overlay.html", {"project": project, "page_data": {"project_id": project.pk}}
    )


@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    return render(request, "exports/gallery.html", {"page_data": {}})

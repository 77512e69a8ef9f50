"""Server-rendered pages of the shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Games and projects; the lists come from the REST API and refresh over the socket."""
    return render(request, "home.html", {"page_data": {"tab": request.GET.get("tab", "games")}})

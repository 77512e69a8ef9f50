"""Game reviews and before/after videos: making them (export jobs) and the list of
them the gallery shows."""

from __future__ import annotations

urlpatterns: list = []

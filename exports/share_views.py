"""The public side of share links: the page, the video and its download."""

from __future__ import annotations

urlpatterns: list = []

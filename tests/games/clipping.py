"""Helpers for clip tests."""

from __future__ import annotations


def add(api, game, **fields):
    """POST a clip (100-115 s unless told otherwise)."""
    return api.post(
        f"/api/games/{game.id}/clips", {"start_time": 100, "end_time": 115, **fields}, format="json"
    )

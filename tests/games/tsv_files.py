"""Helpers for TSV import tests."""

from __future__ import annotations

HEADER = "start_time\trating\ttags\tclip_name\tclip_duration\tnotes"


def upload(api, game, body: bytes | str):
    """POST a file's bytes (or text, as UTF-8) to the game's TSV import."""
    data = body.encode() if isinstance(body, str) else body
    return api.generic(
        "POST", f"/api/games/{game.id}/clips.tsv", data, content_type="text/tab-separated-values"
    )

"""django-q2 entry points of the games app."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from games import extraction
from games.sweeper import sweep_extractions
from games.uploads import abort_abandoned


def cleanup_abandoned_uploads() -> int:
    """Scheduled hourly (see migration 0003)."""
    return abort_abandoned(timedelta(hours=settings.UPLOAD_ABANDONED_HOURS))


def extract_clip(clip_id: int, start_time: float, end_time: float) -> str | None:
    """Queued by games.extraction.request_extraction; the times are those it claimed."""
    return extraction.extract_clip(clip_id, start_time, end_time)


def sweep_stale_extractions() -> list[str]:
    """Scheduled every minute (see migration 0006)."""
    return sweep_extractions()


def make_pictures(source: dict, kinds: list[str]) -> int:
    """Queued by games.pictures.request_pictures: a video's poster and filmstrip."""
    from games import pictures

    return len(pictures.make_pictures(pictures.Source(**source), kinds))

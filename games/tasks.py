"""django-q2 entry points of the games app."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from games.uploads import abort_abandoned


def cleanup_abandoned_uploads() -> int:
    """Scheduled hourly (see migration 0003)."""
    return abort_abandoned(timedelta(hours=settings.UPLOAD_ABANDONED_HOURS))

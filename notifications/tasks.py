"""django-q2 entry points of the notifications app."""

from __future__ import annotations

import logging

from django.conf import settings

from notifications.service import purge_older_than

log = logging.getLogger(__name__)


def purge_old_notifications() -> int:
    """Scheduled hourly (see migration 0002): drop notifications past retention."""
    deleted = purge_older_than(settings.NOTIFICATIONS_RETENTION_HOURS)
    log.info("Purged %d notifications older than %d h", deleted, settings.NOTIFICATIONS_RETENTION_HOURS)
    return deleted

"""Stored notifications: the history a user sees and what a reconnecting socket replays."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationType(models.TextChoices):
    EXTRACTION_STARTED = "extraction_started"
    EXTRACTION_PROGRESS = "extraction_progress"
    EXTRACTION_COMPLETE = "extraction_complete"
    EXTRACTION_FAILED = "extraction_failed"
    EXPORT_STARTED = "export_started"
    EXPORT_PROGRESS = "export_progress"
    EXPORT_COMPLETE = "export_complete"
    EXPORT_FAILED = "export_failed"
    UPLOAD_STARTED = "upload_started"
    UPLOAD_PROGRESS = "upload_progress"
    UPLOAD_COMPLETE = "upload_complete"
    UPLOAD_FAILED = "upload_failed"
    TRACKING_PROGRESS = "tracking_progress"
    TRACKING_COMPLETE = "tracking_complete"
    TRACKING_FAILED = "tracking_failed"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def is_progress(self) -> bool:
        return self.value.endswith("_progress")

    @property
    def is_routine(self) -> bool:
        """Work starting, and a clip's cut ending: the status bar shows these as they
        happen, so they never pop up as toasts and are stored already read (the
        history keeps them; the badge counts what needs attention)."""
        return self in ROUTINE_TYPES

    @property
    def default_auto_dismiss_ms(self) -> int | None:
        """Good news fades by itself; failures and errors stay until dismissed."""
        if self.value.endswith(("_failed", "_progress")) or self == NotificationType.ERROR:
            return None
        if self == NotificationType.WARNING:
            return 10_000
        return 5_000


ROUTINE_TYPES = frozenset(
    {
        NotificationType.EXTRACTION_STARTED,
        NotificationType.EXTRACTION_COMPLETE,
        NotificationType.UPLOAD_STARTED,
        NotificationType.EXPORT_STARTED,
    }
)


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Per-user, increasing in commit order (see service.next_seq); replay is "after seq N".
    seq = models.BigIntegerField()
    type = models.CharField(max_length=32, choices=NotificationType.choices)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(null=True, blank=True)
    dismissible = models.BooleanField(default=True)
    auto_dismiss_ms = models.PositiveIntegerField(null=True, blank=True)
    actions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-seq"]
        constraints = [models.UniqueConstraint(fields=["owner", "seq"], name="notification_owner_seq_unique")]
        indexes = [
            # Unread count: only unread rows are in this index, so it stays small.
            models.Index(fields=["owner"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def to_message(self) -> dict[str, Any]:
        """The JSON a client receives (socket and REST share it)."""
        return {
            "id": str(self.id),
            "seq": self.seq,
            "type": self.type,
            "timestamp": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "title": self.title,
            "message": self.message,
            "data": self.data,
            "progress": self.progress,
            "dismissible": self.dismissible,
            "auto_dismiss_ms": self.auto_dismiss_ms,
            "actions": self.actions,
            # False for routine work (NotificationType.is_routine): history only, no toast.
            "toast": not NotificationType(self.type).is_routine,
        }


class NotificationSequence(models.Model):
    """The last seq handed out to a user. Incrementing it locks the row until the
    transaction commits, so one user's notifications commit in seq order and a
    client that saw seq N has seen every earlier one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seq}"

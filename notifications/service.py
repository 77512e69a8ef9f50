"""Sending notifications: the one way any part of the product tells a user something.

- notify(): stores a Notification, then pushes it to the user's sockets once the
  surrounding transaction commits (a rolled-back change notifies nobody).
- broadcast(): the same for every active user; stored once per user, so each
  user has their own read state, seq and replay.
- send_progress(): ephemeral progress (never stored, seq null), throttled per
  task to PROGRESS_MIN_INTERVAL; the final 100 % always goes out.

All are plain sync functions, callable from views and django-q2 workers; async
code awaits anotify() / abroadcast() / asend_progress().
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Notification, NotificationSequence, NotificationType
from videoeditor.text import ellipsize

log = logging.getLogger(__name__)

PROGRESS_MIN_INTERVAL = 0.25  # seconds: at most ~4 progress messages a second per task
TITLE_MAX = Notification._meta.get_field("title").max_length
_DEFAULT = object()


def user_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


class InvalidNotification(ValueError):
    pass


def _validated(
    type: str, title: str, message: str, data: Any, actions: Any, progress: float | None
) -> NotificationType:
    try:
        kind = NotificationType(type)
    except ValueError:
        raise InvalidNotification(f"{type!r} is not a notification type.") from None
    if not title:
        raise InvalidNotification("A notification needs a title.")
    if not isinstance(message, str):
        raise InvalidNotification("A notification's message must be text.")
    if not isinstance(data, dict):
        raise InvalidNotification("A notification's data must be an object.")
    if not isinstance(actions, list) or not all(
        isinstance(a, dict) and isinstance(a.get("label"), str) and isinstance(a.get("action"), str)
        for a in actions
    ):
        raise InvalidNotification("Each action needs a label and an action name.")
    if progress is not None and not 0 <= progress <= 100:
        raise InvalidNotification("Progress must be between 0 and 100.")
    return kind


def next_seq(user_id: int) -> int:
    """Increment and return the user's seq in one statement (an upsert that both
    SQLite >= 3.35 and PostgreSQL run); the row stays locked until commit."""
    table = NotificationSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, last_seq) VALUES (%s, 1) "
            f"ON CONFLICT (user_id) DO UPDATE SET last_seq = {table}.last_seq + 1 RETURNING last_seq",
            [user_id],
        )
        return cursor.fetchone()[0]


class _PushLoop:
    """One long-lived event loop thread per process for sends to the channel layer.

    async_to_sync would make a thread, an event loop and a Redis connection per
    message (channels-redis pools connections per loop); this keeps one loop and
    its pool. A forked worker process starts its own loop (threads do not survive
    a fork).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self.lock:
            if self.pid != os.getpid() or self.loop is None or self.loop.is_closed():
                self.loop = asyncio.new_event_loop()
                threading.Thread(target=self.loop.run_forever, name="notification-push", daemon=True).start()
                self.pid = os.getpid()
            return self.loop

    def group_send(self, group: str, event: dict[str, Any], timeout: float = 10.0) -> None:
        coroutine = get_channel_layer().group_send(group, event)
        asyncio.run_coroutine_threadsafe(coroutine, self._running_loop()).result(timeout)


push_loop = _PushLoop()


def _push(user_id: int, message: dict[str, Any]) -> None:
    """Deliver to the user's connected sockets. A failure here loses nothing that
    was stored: the client replays it when it reconnects."""
    try:
        push_loop.group_send(user_group(user_id), {"type": "notification.message", "message": message})
    except Exception:
        log.exception("Could not push a notification to user %s; it will be replayed", user_id)


def _store(user_id: int, kind: NotificationType, **fields: Any) -> Notification:
    return Notification.objects.create(owner_id=user_id, seq=next_seq(user_id), type=kind, **fields)


def notify(
    user,
    type: str,
    title: str,
    message: str = "",
    *,
    data: dict | None = None,
    actions: list[dict] | None = None,
    progress: float | None = None,
    dismissible: bool = True,
    auto_dismiss_ms: int | object | None = _DEFAULT,
) -> Notification | None:
    """Store a notification for `user` and push it after the transaction commits.

    Titles often carry user text (file names, project names): they are shortened
    to fit, never refused. A notification that cannot be stored is logged and
    None returned: it reports an action, it must never undo or fail one (callers
    often notify after their own transaction has committed). Invalid arguments
    are a bug in the caller and still raise."""
    data, actions = data or {}, actions or []
    title = ellipsize(title, TITLE_MAX)
    kind = _validated(type, title, message, data, actions, progress)
    if kind.is_progress:
        raise InvalidNotification("Progress is ephemeral: use send_progress().")
    user_id = getattr(user, "pk", user)
    fields = {
        "title": title,
        "message": message,
        "data": data,
        "actions": actions,
        "progress": progress,
        "dismissible": dismissible,
        "auto_dismiss_ms": kind.default_auto_dismiss_ms if auto_dismiss_ms is _DEFAULT else auto_dismiss_ms,
        "read_at": timezone.now() if kind.is_routine else None,
    }
    try:
        # A savepoint inside the caller's transaction: a failure here leaves it usable.
        with transaction.atomic():
            notification = _store(user_id, kind, **fields)
            transaction.on_commit(partial(_push, user_id, notification.to_message()))
    except Exception:
        log.exception("Could not store a notification for user %s: %s", user_id, title)
        return None
    return notification


def broadcast(
    type: str,
    title: str,
    message: str = "",
    *,
    data: dict | None = None,
    actions: list[dict] | None = None,
    users: Iterable | None = None,
    auto_dismiss_ms: int | object | None = _DEFAULT,
) -> list[Notification | None]:
    """Notify every active user (or `users`): one stored row per user, so each
    has their own seq, read state and replay."""
    recipients = users if users is not None else get_user_model().objects.filter(is_active=True)
    with transaction.atomic():
        return [
            notify(u, type, title, message, data=data, actions=actions, auto_dismiss_ms=auto_dismiss_ms)
            for u in recipients
        ]


class _ProgressThrottle:
    """Remembers when each task last sent progress (per process: a task reports
    from the one worker process that runs it)."""

    def __init__(self, interval: float, capacity: int = 10_000) -> None:
        self.interval = interval
        self.capacity = capacity
        self.last_sent: OrderedDict[str, float] = OrderedDict()
        self.lock = threading.Lock()

    def allow(self, task_id: str, final: bool) -> bool:
        now = time.monotonic()
        with self.lock:
            if final:
                self.last_sent.pop(task_id, None)
                return True
            previous = self.last_sent.get(task_id)
            if previous is not None and now - previous < self.interval:
                return False
            self.last_sent[task_id] = now
            self.last_sent.move_to_end(task_id)
            while len(self.last_sent) > self.capacity:
                self.last_sent.popitem(last=False)
            return True


progress_throttle = _ProgressThrottle(PROGRESS_MIN_INTERVAL)


def progress_message(
    task_id: str, progress: float, message: str, type: str, title: str, data: dict | None
) -> dict[str, Any]:
    title = ellipsize(title or "Working", TITLE_MAX)
    kind = _validated(type, title, message, data or {}, [], progress)
    if not kind.is_progress:
        raise InvalidNotification(f"{type!r} is not a progress type.")
    return {
        "id": str(uuid.uuid4()),
        "seq": None,
        "type": kind.value,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "title": title,
        "message": message,
        "data": {**(data or {}), "task_id": task_id},
        "progress": round(float(progress), 1),
        "dismissible": False,
        "auto_dismiss_ms": None,
        "actions": [],
        "toast": False,  # the status bar shows progress
    }


def send_progress(
    user,
    task_id: str,
    progress: float,
    message: str = "",
    type: str = NotificationType.EXPORT_PROGRESS,
    *,
    title: str = "",
    data: dict | None = None,
) -> bool:
    """Send ephemeral progress for `task_id`; returns False when throttled."""
    payload = progress_message(task_id, progress, message, type, title, data)
    if not progress_throttle.allow(task_id, final=payload["progress"] >= 100):
        return False
    _push(getattr(user, "pk", user), payload)
    return True


def send_change(user, resource: str, object_id: Any, action: str) -> None:
    """Tell the user's open pages that one of their resources was created, updated
    or deleted, once the transaction commits. Ephemeral (never stored): a page
    re-reads the resource over REST, and a page opened later reads it anyway."""
    if action not in ("created", "updated", "deleted"):
        raise InvalidNotification(f"{action!r} is not a change.")
    message = {"type": "changed", "seq": None, "resource": resource, "id": object_id, "action": action}
    transaction.on_commit(partial(_push, getattr(user, "pk", user), message))


anotify = sync_to_async(notify)
abroadcast = sync_to_async(broadcast)
asend_progress = sync_to_async(send_progress)


# --- Reading and housekeeping (REST and the consumer use these) -------------------------


def unread_count(user) -> int:
    return Notification.objects.filter(owner=user, read_at__isnull=True).count()


def push_unread_count(user) -> None:
    """Tell every tab of the user the new unread count (after a mark-read in one)."""
    user_id = getattr(user, "pk", user)
    transaction.on_commit(
        partial(_push, user_id, {"type": "unread_count", "unread_count": unread_count(user_id)})
    )


def mark_read(user, notification_id: uuid.UUID) -> Notification:
    notification = Notification.objects.get(owner=user, id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        push_unread_count(user)
    return notification


def mark_all_read(user) -> int:
    marked = Notification.objects.filter(owner=user, read_at__isnull=True).update(read_at=timezone.now())
    if marked:
        push_unread_count(user)
    return marked


def clear_history(user) -> int:
    deleted, _ = Notification.objects.filter(owner=user).delete()
    push_unread_count(user)
    return deleted


def purge_older_than(hours: float) -> int:
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = Notification.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def notifications_after(user_id: int, last_seq: int, limit: int) -> list[dict[str, Any]]:
    rows = Notification.objects.filter(owner_id=user_id, seq__gt=last_seq).order_by("seq")[:limit]
    return [row.to_message() for row in rows]


def latest_seq(user_id: int) -> int:
    return (
        NotificationSequence.objects.filter(user_id=user_id).values_list("last_seq", flat=True).first() or 0
    )

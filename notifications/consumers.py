"""/ws/notifications: the one socket each client holds.

Client → server: {"type": "hello", "last_seq": N | null}, {"type": "ping"}.
Server → client: notifications (see Notification.to_message) and control
messages: {"type": "ready", "last_seq", "unread_count"} after a hello (and its
replay), {"type": "resync"} when more than REPLAY_CAP were missed,
{"type": "pong"}, {"type": "heartbeat"}, {"type": "unread_count", "unread_count"}.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from notifications import service

REPLAY_CAP = 200
CLOSE_UNAUTHENTICATED = 4401
CLOSE_IDLE = 4408
CLOSE_BAD_MESSAGE = 4400


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close code can only be sent on an open socket, and the
            # client needs 4401 to tell "log in again" from "network trouble".
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.group = service.user_group(self.user_id)
        self.replayed_up_to = 0
        self.last_heard = time.monotonic()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.heartbeat = asyncio.create_task(self.keep_alive())

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "heartbeat"):
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat  # finished before the consumer goes, never left dangling
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def keep_alive(self) -> None:
        """Drop sockets whose client went silent; keep live ones in their group
        (Redis forgets group members after the channel layer's group expiry)."""
        interval = settings.NOTIFICATIONS_HEARTBEAT_SECONDS
        timeout = settings.NOTIFICATIONS_IDLE_TIMEOUT_SECONDS
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(interval)
                if time.monotonic() - self.last_heard > timeout:
                    await self.close(code=CLOSE_IDLE)
                    return
                await self.send_json({"type": "heartbeat"})
                await self.channel_layer.group_add(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs) -> None:
        self.last_heard = time.monotonic()
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "hello":
            await self.hello(content.get("last_seq"))
        else:
            await self.send_json({"type": "error", "message": "Unknown message; expected hello or ping."})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except ValueError:  # not JSON
            await self.close(code=CLOSE_BAD_MESSAGE)

    async def hello(self, last_seq: Any) -> None:
        if last_seq is not None and (
            not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0
        ):
            await self.send_json({"type": "error", "message": "last_seq must be a whole number or null."})
            return
        latest, unread = await database_sync_to_async(self.state)()
        if last_seq is None:
            # A first visit: history is in the panel, not replayed as toasts.
            await self.send_json({"type": "ready", "last_seq": latest, "unread_count": unread})
            return
        missed = await database_sync_to_async(service.notifications_after)(
            self.user_id, last_seq, REPLAY_CAP + 1
        )
        if len(missed) > REPLAY_CAP:
            await self.send_json({"type": "resync"})
            up_to = latest
        else:
            for message in missed:
                await self.send_json(message)
            up_to = max([last_seq] + [m["seq"] for m in missed])
        # Live messages queued while replaying (we joined the group first) are
        # not sent twice.
        self.replayed_up_to = up_to
        await self.send_json({"type": "ready", "last_seq": up_to, "unread_count": unread})

    def state(self) -> tuple[int, int]:
        return service.latest_seq(self.user_id), service.unread_count(self.user_id)

    async def notification_message(self, event: dict[str, Any]) -> None:
        message = event["message"]
        seq = message.get("seq")
        if seq is not None and seq <= self.replayed_up_to:
            return
        await self.send_json(message)

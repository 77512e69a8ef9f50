"""/ws/notifications: the one socket each client holds.

Client → server: {"type": "hello", "last_seq": N | null}, {"type": "ping"}.
Server → client: notifications (see Notification.to_message) and control
messages: {"type": "ready", "last_seq", "unread_count"} after a hello (and its
replay), {"type": "resync"} when more than REPLAY_CAP were missed or last_seq
is ahead of the server's, {"type": "pong"}, {"type": "heartbeat"},
{"type": "unread_count", "unread_count"}.

Close codes: 4401 not logged in, 4408 silent too long, 4400 not JSON (or nested
too deep), 1009 a frame over MAX_FRAME_CHARS, 4429 more messages than the
per-socket limit (a burst of MESSAGE_BURST, then MESSAGES_PER_SECOND; a hello
costs HELLO_COST, since it may replay up to REPLAY_CAP notifications).
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
from videoeditor.parsers import check_json_depth

REPLAY_CAP = 200
CLOSE_UNAUTHENTICATED = 4401
CLOSE_IDLE = 4408
CLOSE_BAD_MESSAGE = 4400
CLOSE_TOO_BIG = 1009  # RFC 6455: "message too big"
CLOSE_TOO_FAST = 4429
MAX_FRAME_CHARS = 4096  # a hello is about 40
MESSAGE_BURST = 20
MESSAGES_PER_SECOND = 2  # a browser pings every 20 s and says hello once per connection
HELLO_COST = 5


class TokenBucket:
    """`burst` tokens, refilled at `rate` a second; take() spends them."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.capacity = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self, cost: float) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    closing = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close code can only be sent on an open socket, and the
            # client needs 4401 to tell "log in again" from "network trouble".
            await self.accept()
            await self.shut(CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.group = service.user_group(self.user_id)
        self.replayed_up_to = 0
        self.last_heard = time.monotonic()
        self.budget = TokenBucket(MESSAGES_PER_SECOND, MESSAGE_BURST)
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
                    await self.shut(CLOSE_IDLE)
                    return
                await self.send_json({"type": "heartbeat"})
                await self.channel_layer.group_add(self.group, self.channel_name)

    async def shut(self, code: int) -> None:
        """Close, and from now on ignore what the client still sends and stop the
        heartbeat (the server's disconnect may come later, or never)."""
        self.closing = True
        if hasattr(self, "heartbeat") and self.heartbeat is not asyncio.current_task():
            self.heartbeat.cancel()
        await self.close(code=code)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        check_json_depth(text_data)  # json.loads recurses once per level; TooDeep is a ValueError
        return await super().decode_json(text_data)

    async def receive_json(self, content: Any, **kwargs) -> None:
        self.last_heard = time.monotonic()
        kind = content.get("type") if isinstance(content, dict) else None
        if not self.budget.take(HELLO_COST if kind == "hello" else 1):
            await self.shut(CLOSE_TOO_FAST)
            return
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "hello":
            await self.hello(content.get("last_seq"))
        else:
            await self.send_json({"type": "error", "message": "Unknown message; expected hello or ping."})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if self.closing:
            return
        if len(text_data or bytes_data or "") > MAX_FRAME_CHARS:
            await self.shut(CLOSE_TOO_BIG)
            return
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except ValueError:  # not JSON, or nested too deep
            await self.shut(CLOSE_BAD_MESSAGE)

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
        missed = None
        if last_seq <= latest:
            missed = await database_sync_to_async(service.notifications_after)(
                self.user_id, last_seq, REPLAY_CAP + 1
            )
        # Ahead of the server (a restored database, another deployment on the same
        # origin): replaying from there would drop every live message until our seq
        # caught up, so the client starts again from ours.
        if missed is None or len(missed) > REPLAY_CAP:
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
        if self.closing or (seq is not None and seq <= self.replayed_up_to):
            return
        await self.send_json(message)

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The user signed out everywhere (accounts.sessions.end_all): this socket's
        session is gone, so it closes as a signed-out one would."""
        if not self.closing:
            await self.shut(CLOSE_UNAUTHENTICATED)

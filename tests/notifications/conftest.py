from __future__ import annotations

import asyncio
import threading

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from notifications import service
from videoeditor.asgi import application


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket(cookie: str | None = None, origin: str = "http://localhost") -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode())]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications", headers=headers)


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test gets its own channel layer object: pytest-asyncio gives every
    test a new event loop, and a layer keeps per-loop receive state that must not
    leak from one test's (closed) loop into the next."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def alice_cookie(alice) -> str:
    return session_cookie(alice)


@pytest.fixture
def bob_cookie(bob) -> str:
    return session_cookie(bob)


class GroupListener:
    """A channel in a user's group on the real channel layer, as a socket would be.

    It has its own layer instance and event loop (in a thread): a channel's
    receive buffer belongs to one loop, and the code under test sends from others.
    """

    def __init__(self, user) -> None:
        self.layer = channel_layers.make_backend("default")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel = self.run(self.layer.new_channel())
        self.run(self.layer.group_add(service.user_group(user.pk), self.channel))

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def drain(self, wait: float = 0.5) -> list[dict]:
        """Everything that arrives until `wait` seconds pass with nothing new."""

        async def collect() -> list[dict]:
            messages = []
            while True:
                try:
                    event = await asyncio.wait_for(self.layer.receive(self.channel), wait)
                except TimeoutError:
                    return messages
                messages.append(event["message"])

        return self.run(collect())

    def close(self) -> None:
        self.run(self.layer.close_pools())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def listen():
    listeners: list[GroupListener] = []

    def make(user) -> GroupListener:
        listeners.append(GroupListener(user))
        return listeners[-1]

    yield make
    for listener in listeners:
        listener.close()

"""/ws/notifications against hostile or confused clients: deep JSON, oversized
frames, floods of messages, and a last_seq from somewhere else."""

from __future__ import annotations

import json

import pytest

from notifications.consumers import (
    CLOSE_BAD_MESSAGE,
    CLOSE_TOO_BIG,
    CLOSE_TOO_FAST,
    HELLO_COST,
    MESSAGE_BURST,
)
from notifications.service import anotify
from tests.notifications.conftest import socket
from tests.notifications.test_socket import hello

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def everything_until_closed(ws) -> tuple[list[dict], int | None]:
    """Messages received, and the close code that ended them (None: still open)."""
    received = []
    while True:
        if await ws.receive_nothing(timeout=1):
            return received, None
        output = await ws.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            return received, output.get("code")
        received.append(json.loads(output["text"]))


async def test_deeply_nested_json_closes_the_socket_with_4400_and_stops_the_heartbeat(alice_cookie, settings):
    settings.NOTIFICATIONS_HEARTBEAT_SECONDS = 0.05
    ws = socket(alice_cookie)
    await ws.connect()

    await ws.send_to(text_data="[" * 1000 + "]" * 1000)

    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": CLOSE_BAD_MESSAGE}
    assert await ws.receive_nothing(timeout=0.3)  # no heartbeat on a closed socket
    await ws.disconnect()


async def test_an_oversized_frame_is_refused(alice_cookie):
    ws = socket(alice_cookie)
    await ws.connect()

    await ws.send_json_to({"type": "ping", "padding": "x" * 10_000})

    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": CLOSE_TOO_BIG}
    await ws.disconnect()


async def test_a_flood_of_hellos_is_cut_off_after_the_burst(alice, alice_cookie):
    # given ten stored notifications, which every hello from 0 would replay
    for n in range(10):
        await anotify(alice, "info", f"note {n}")
    ws = socket(alice_cookie)
    await ws.connect()

    # when the client sends 200 hellos at once
    for _ in range(200):
        await ws.send_json_to({"type": "hello", "last_seq": 0})
    received, code = await everything_until_closed(ws)

    # then a few are answered and the socket is closed for going too fast
    answered = MESSAGE_BURST // HELLO_COST
    assert code == CLOSE_TOO_FAST
    assert sum(m["type"] == "ready" for m in received) == answered
    assert len(received) == answered * 11
    await ws.disconnect()


async def test_a_flood_of_pings_is_cut_off(alice_cookie):
    ws = socket(alice_cookie)
    await ws.connect()

    for _ in range(100):
        await ws.send_json_to({"type": "ping"})
    received, code = await everything_until_closed(ws)

    assert code == CLOSE_TOO_FAST
    assert MESSAGE_BURST <= len(received) <= MESSAGE_BURST + 2  # the bucket refills as they are answered


async def test_a_client_within_the_limits_is_served(alice_cookie):
    ws = socket(alice_cookie)
    await ws.connect()

    await hello(ws, None)
    for _ in range(5):
        await ws.send_json_to({"type": "ping"})
    received, code = await everything_until_closed(ws)

    assert code is None
    assert received == [{"type": "pong"}] * 5
    await ws.disconnect()


async def test_a_hello_ahead_of_the_server_gets_a_resync_and_live_messages_still_arrive(alice, alice_cookie):
    # given a server whose latest seq is 2, and a client that remembers 50
    await anotify(alice, "info", "one")
    await anotify(alice, "info", "two")
    ws = socket(alice_cookie)
    await ws.connect()

    answer = await hello(ws, 50)
    live = await anotify(alice, "info", "three")

    assert [m["type"] for m in answer] == ["resync", "ready"]
    assert answer[-1]["last_seq"] == 2
    message = await ws.receive_json_from(timeout=5)
    assert (message["title"], message["seq"]) == ("three", live.seq)
    await ws.disconnect()

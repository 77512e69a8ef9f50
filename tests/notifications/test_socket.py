"""/ws/notifications: login, origin, ping, isolation, replay, heartbeat."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from notifications.consumers import REPLAY_CAP
from notifications.service import anotify
from tests.notifications.conftest import socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def hello(ws, last_seq) -> list[dict]:
    """Say hello; return what arrives up to and including `ready`."""
    await ws.send_json_to({"type": "hello", "last_seq": last_seq})
    received = []
    while True:
        message = await ws.receive_json_from(timeout=5)
        received.append(message)
        if message["type"] == "ready":
            return received


async def test_anonymous_sockets_are_closed_with_4401():
    ws = socket()

    connected, _ = await ws.connect()

    assert connected
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    await ws.disconnect()


async def test_a_foreign_origin_is_refused(alice_cookie):
    ws = socket(alice_cookie, origin="https://evil.example.com")

    connected, _ = await ws.connect()

    assert not connected
    await ws.disconnect()


async def test_ping_gets_pong(alice_cookie):
    ws = socket(alice_cookie)
    assert (await ws.connect())[0]

    await ws.send_json_to({"type": "ping"})

    assert await ws.receive_json_from(timeout=2) == {"type": "pong"}
    await ws.disconnect()


async def test_a_live_notification_arrives_in_the_message_format(alice, alice_cookie):
    ws = socket(alice_cookie)
    await ws.connect()
    await hello(ws, None)

    open_action = {"label": "Open Project", "action": "open_project", "payload": {"id": 45}}
    stored = await anotify(
        alice,
        "export_complete",
        "Export finished",
        "Your reel is ready.",
        data={"project_id": 45},
        actions=[open_action],
    )
    message = await ws.receive_json_from(timeout=5)

    assert message == {
        "id": str(stored.id),
        "seq": stored.seq,
        "type": "export_complete",
        "timestamp": message["timestamp"],
        "title": "Export finished",
        "message": "Your reel is ready.",
        "data": {"project_id": 45},
        "progress": None,
        "dismissible": True,
        "auto_dismiss_ms": 5000,
        "actions": [open_action],
        "toast": True,
    }
    assert message["timestamp"].endswith("Z")
    await ws.disconnect()


async def test_alice_never_receives_bobs_notifications(alice, bob, alice_cookie, bob_cookie):
    alice_ws, bob_ws = socket(alice_cookie), socket(bob_cookie)
    await alice_ws.connect()
    await bob_ws.connect()

    await anotify(bob, "info", "For Bob only")
    await anotify(alice, "info", "For Alice")

    assert (await bob_ws.receive_json_from(timeout=5))["title"] == "For Bob only"
    assert (await alice_ws.receive_json_from(timeout=5))["title"] == "For Alice"
    assert await alice_ws.receive_nothing(timeout=0.3)
    await alice_ws.disconnect()
    await bob_ws.disconnect()


async def test_a_reconnecting_client_gets_exactly_what_it_missed_in_order(alice, alice_cookie):
    # given a client that saw two notifications
    ws = socket(alice_cookie)
    await ws.connect()
    await hello(ws, None)
    await anotify(alice, "info", "one")
    await anotify(alice, "info", "two")
    seen = [await ws.receive_json_from(timeout=5) for _ in range(2)]
    last_seq = seen[-1]["seq"]
    await ws.disconnect()

    # when three more are created while it is away
    for title in ("three", "four", "five"):
        await anotify(alice, "info", title)
    ws = socket(alice_cookie)
    await ws.connect()
    received = await hello(ws, last_seq)

    # then it gets exactly those three, in order, then ready
    assert [m["title"] for m in received[:-1]] == ["three", "four", "five"]
    assert [m["seq"] for m in received[:-1]] == [last_seq + 1, last_seq + 2, last_seq + 3]
    assert received[-1] == {"type": "ready", "last_seq": last_seq + 3, "unread_count": 5}
    await ws.disconnect()


async def test_a_client_that_missed_too_much_is_told_to_resync(alice, alice_cookie):
    for number in range(REPLAY_CAP + 1):
        await anotify(alice, "info", f"n{number}")
    ws = socket(alice_cookie)
    await ws.connect()

    received = await hello(ws, 0)

    assert [m["type"] for m in received] == ["resync", "ready"]
    assert received[-1]["last_seq"] == REPLAY_CAP + 1
    await ws.disconnect()


async def test_a_first_hello_replays_nothing_but_reports_the_state(alice, alice_cookie):
    await anotify(alice, "info", "old news")
    ws = socket(alice_cookie)
    await ws.connect()

    received = await hello(ws, None)

    assert received == [{"type": "ready", "last_seq": 1, "unread_count": 1}]
    await ws.disconnect()


async def test_a_bad_hello_is_answered_with_an_error(alice_cookie):
    ws = socket(alice_cookie)
    await ws.connect()

    await ws.send_json_to({"type": "hello", "last_seq": "yesterday"})

    reply = await ws.receive_json_from(timeout=2)
    assert reply["type"] == "error"
    assert "last_seq" in reply["message"]
    await ws.disconnect()


async def test_a_silent_client_is_dropped_and_a_live_one_gets_heartbeats(alice_cookie, settings):
    settings.NOTIFICATIONS_HEARTBEAT_SECONDS = 0.2
    settings.NOTIFICATIONS_IDLE_TIMEOUT_SECONDS = 0.5
    ws = socket(alice_cookie)
    await ws.connect()

    assert await ws.receive_json_from(timeout=2) == {"type": "heartbeat"}
    # nothing from the client for longer than the idle timeout
    await asyncio.sleep(0.6)
    outputs = []
    while (output := await ws.receive_output(timeout=2))["type"] != "websocket.close":
        outputs.append(output)

    assert output["code"] == 4408
    await ws.disconnect()


async def test_unread_count_changes_reach_every_tab(alice, alice_cookie):
    from notifications.service import mark_all_read

    tab = socket(alice_cookie)
    await tab.connect()
    await anotify(alice, "info", "something")
    await tab.receive_json_from(timeout=5)

    await sync_to_async(mark_all_read)(alice)

    assert await tab.receive_json_from(timeout=5) == {"type": "unread_count", "unread_count": 0}
    await tab.disconnect()


async def test_async_code_sends_progress_to_the_socket(alice, alice_cookie):
    from notifications.service import asend_progress

    ws = socket(alice_cookie)
    await ws.connect()

    sent = await asend_progress(
        alice, "upload_7", 55.55, "3.1 of 5.6 GB", type="upload_progress", title="Uploading"
    )
    message = await ws.receive_json_from(timeout=5)

    assert sent is True
    assert message["type"] == "upload_progress"
    assert message["progress"] == round(55.55, 1)
    assert message["seq"] is None
    assert message["data"] == {"task_id": "upload_7"}
    await ws.disconnect()

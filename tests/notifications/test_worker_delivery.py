"""A notification sent by a django-q2 worker process reaches a socket served by the
web process: the reason the channel layer is Redis."""

from __future__ import annotations

import json
import os

import pytest
from django.test import Client
from django_q.tasks import async_task
from websockets.sync.client import connect

from tests.servers import web_process, worker_process

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_notification_reaches_the_browser_socket(alice):
    client = Client()
    client.force_login(alice)
    cookie = client.cookies["sessionid"].value

    with web_process() as url, worker_process():
        ws_url = url.replace("http://", "ws://") + "/ws/notifications"
        with connect(ws_url, origin=url, additional_headers={"Cookie": f"sessionid={cookie}"}) as ws:
            ws.send(json.dumps({"type": "hello", "last_seq": None}))
            assert json.loads(ws.recv(timeout=10))["type"] == "ready"

            async_task("tests.notifications.worker_tasks.notify_from_worker", alice.pk, "Reel ready")
            message = json.loads(ws.recv(timeout=60))

    assert message["type"] == "export_complete"
    assert message["title"] == "Reel ready"
    assert message["seq"] == 1
    worker_pid = message["data"]["pid"]
    assert worker_pid != os.getpid()
    assert alice.notifications.get().data == {"pid": worker_pid}

"""A task the worker-delivery test enqueues; it runs inside a real qcluster process."""

from __future__ import annotations

import os

from notifications.service import notify


def notify_from_worker(user_id: int, title: str) -> int:
    notify(
        user_id, "export_complete", title, f"Sent by worker process {os.getpid()}.", data={"pid": os.getpid()}
    )
    return os.getpid()

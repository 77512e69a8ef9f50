"""The liveness of export jobs: the shared Redis heartbeat and cancel flag
(videoeditor/liveness.py) with the export heartbeat's lifetime,
EXPORT_HEARTBEAT_SECONDS."""

from __future__ import annotations

from django.conf import settings

from videoeditor import liveness as shared
from videoeditor.liveness import Throttle, alive, cancel_requested, forget, request_cancel

__all__ = ["Heartbeat", "Throttle", "alive", "beat", "cancel_requested", "forget", "request_cancel"]


def beat(job_id: str, worker_id: str, progress: float) -> bool:
    return shared.beat(job_id, worker_id, progress, settings.EXPORT_HEARTBEAT_SECONDS)


class Heartbeat(shared.Heartbeat):
    def __init__(self, job_id: str, worker_id: str) -> None:
        super().__init__(job_id, worker_id, settings.EXPORT_HEARTBEAT_SECONDS)

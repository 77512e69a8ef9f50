"""What is ephemeral about running work (an export, a clip being cut) lives in Redis,
never in its row: the worker's heartbeat with its latest progress (a key with a TTL),
and the cancel flag a user sets. Keys are named by the work's task id
("export_…", "extract_…"), unique across kinds. Redis being briefly away must never
break the work, so every call here swallows connection errors (a heartbeat missed for
a moment is harmless: the sweeper only acts on a key that stayed gone for a whole TTL)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import redis
from django.conf import settings

log = logging.getLogger(__name__)

_client: redis.Redis | None = None
_client_lock = threading.Lock()


def client() -> redis.Redis:
    global _client
    with _client_lock:
        if _client is None:
            # redis-py's pool notices a fork and reconnects, so one client serves a worker's life.
            _client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10
            )
        return _client


def worker_id() -> str:
    """This process, as heartbeats and events name it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _key(job_id: str, what: str) -> str:
    return f"{settings.REDIS_PREFIX}:work:{job_id}:{what}"


def beat(job_id: str, worker_id: str, progress: float, seconds: int) -> bool:
    """Say the work is alive (and how far it is) for `seconds`; False when Redis did not answer."""
    try:
        key = _key(job_id, "alive")
        # One round trip, and never a key without its TTL.
        pipe = client().pipeline(transaction=True)
        pipe.hset(key, mapping={"worker": worker_id, "progress": f"{progress:.1f}"})
        pipe.expire(key, seconds)
        pipe.execute()
        return True
    except redis.RedisError as exc:
        log.warning("Heartbeat of %s not written: %s", job_id, exc)
        return False


def forget(job_id: str) -> None:
    try:
        client().delete(_key(job_id, "alive"), _key(job_id, "cancel"))
    except redis.RedisError as exc:
        log.warning("Liveness keys of %s not removed: %s", job_id, exc)


def alive(job_ids: list[str]) -> dict[str, float | None] | None:
    """{job_id: progress} for the work whose worker beats; None when Redis is down
    (then nobody can tell, and the sweeper must not act)."""
    if not job_ids:
        return {}
    try:
        pipe = client().pipeline(transaction=False)
        for job_id in job_ids:
            pipe.hget(_key(job_id, "alive"), "progress")
        answers = pipe.execute()
    except redis.RedisError as exc:
        log.warning("Could not read heartbeats: %s", exc)
        return None
    return {job_id: float(value) for job_id, value in zip(job_ids, answers, strict=True) if value is not None}


def request_cancel(job_id: str) -> None:
    try:
        client().set(_key(job_id, "cancel"), "1", ex=max(settings.Q_TIMEOUT, 60))
    except redis.RedisError as exc:
        # The worker also re-reads its job row every few seconds, so the cancel still lands.
        log.warning("Cancel flag of %s not set: %s", job_id, exc)


def cancel_requested(job_id: str) -> bool:
    try:
        return bool(client().exists(_key(job_id, "cancel")))
    except redis.RedisError:
        return False


class Heartbeat:
    """A thread that keeps the work's key alive (for `seconds` at each beat) while the
    worker runs, also through long steps with no progress callbacks (downloads, uploads)."""

    def __init__(self, job_id: str, worker_id: str, seconds: int) -> None:
        self.job_id, self.worker_id, self.seconds = job_id, worker_id, seconds
        self.progress = 0.0
        self.interval = max(0.5, seconds / 6)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        beat(self.job_id, self.worker_id, self.progress, self.seconds)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            beat(self.job_id, self.worker_id, self.progress, self.seconds)

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(5)
        forget(self.job_id)


class Throttle:
    """True at most once per `interval` seconds (for checks too costly for every frame batch)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.last = float("-inf")

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.interval:
            return False
        self.last = now
        return True

"""GET /api/health: is every part this deployment needs up?

Each probe returns a Part; the endpoint answers 200 when every required part is
up and 503 naming the failing parts otherwise. Workers are reported but not
required: the web tier is healthy while a worker restarts, and a load balancer
must not pull web processes because a worker is down.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from videoeditor import media_tools

WORKER_SEEN_WITHIN = timedelta(minutes=1)


@dataclass
class Part:
    ok: bool
    required: bool
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    elapsed_ms: float = 0.0


def _probe(required: bool, probe: Callable[[], dict[str, Any]]) -> Part:
    started = time.perf_counter()
    try:
        part = Part(ok=True, required=required, detail=probe())
    except Exception as exc:  # a probe reports any failure as data, never raises
        part = Part(ok=False, required=required, error=f"{type(exc).__name__}: {exc}"[:300])
    part.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return part


def probe_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def probe_redis() -> dict[str, Any]:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2, retry_on_timeout=False
    )
    try:
        client.ping()
        info = client.info("server")
    finally:
        client.close()
    return {"embedded": settings.EMBEDDED_REDIS, "version": info.get("redis_version")}


def probe_storage() -> dict[str, Any]:
    payload = uuid.uuid4().bytes
    name = default_storage.save(f"health/probe-{uuid.uuid4().hex}.bin", ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != payload:
                raise RuntimeError("the probe object read back differently from what was written")
    finally:
        default_storage.delete(name)
    return {"backend": type(default_storage._wrapped).__name__}


def probe_workers() -> dict[str, Any]:
    from django_q.brokers import get_broker
    from django_q.status import Stat

    now = timezone.now()
    clusters = [
        {"host": getattr(stat, "host", None), "status": stat.status, "workers": len(stat.workers or [])}
        for stat in Stat.get_all(broker=get_broker())
        if now - stat.timestamp <= WORKER_SEEN_WITHIN
    ]
    if not clusters:
        raise RuntimeError("no worker cluster reported in the last minute")
    return {"clusters": clusters}


def probe_ffmpeg() -> dict[str, Any]:
    # The binary's name only: the health answer is public, paths are not its business.
    binary = settings.FFMPEG_BINARY
    return {"binary": Path(binary).name, "version": media_tools.ffmpeg_version(binary)}


@lru_cache(maxsize=1)
def probe_torch() -> dict[str, Any]:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    detail: dict[str, Any] = {"version": torch.__version__, "device": device}
    if device == "cuda":
        detail["gpu"] = torch.cuda.get_device_name(0)
    return detail


def health_report() -> tuple[bool, dict[str, Any]]:
    parts = {
        "database": _probe(True, probe_database),
        "redis": _probe(True, probe_redis),
        "storage": _probe(True, probe_storage),
        "ffmpeg": _probe(True, probe_ffmpeg),
        "torch": _probe(True, probe_torch),
        "workers": _probe(False, probe_workers),
    }
    failing = [name for name, part in parts.items() if part.required and not part.ok]
    degraded = [name for name, part in parts.items() if not part.required and not part.ok]
    status = "error" if failing else "degraded" if degraded else "ok"
    body = {
        "status": status,
        "failing": failing,
        "degraded": degraded,
        "checks": {name: asdict(part) for name, part in parts.items()},
    }
    return not failing, body

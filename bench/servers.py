"""Processes a benchmark runs against: the embedded Redis and a real daphne.

Both are context managers that stop what they started, whatever happens inside.
Everything listens on loopback only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def embedded_redis() -> Iterator[None]:
    """The embedded Redis when REDIS_URL is unset (nothing to do otherwise)."""
    if not settings.EMBEDDED_REDIS:
        yield
        return
    from videoeditor.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(settings.EMBEDDED_REDIS_SOCKET)
    server.start()
    try:
        yield
    finally:
        server.stop()


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


@contextlib.contextmanager
def daphne(port: int, log_path: Path, start_timeout: float = 60.0) -> Iterator[subprocess.Popen]:
    """`python -m daphne videoeditor.asgi:application` on 127.0.0.1:`port`, with this
    process's environment; its output goes to `log_path`."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port), "videoeditor.asgi:application"],
            cwd=BASE_DIR,
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + start_timeout
        while not _accepts(port):
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited at start (code {process.returncode}); see {log_path}.")
            if time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not listen within {start_timeout:.0f} s; see {log_path}.")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        # Whatever is left of its process group goes now.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

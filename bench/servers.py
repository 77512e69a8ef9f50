"""Processes a benchmark runs against: the embedded Redis, the real web process, and
other Django processes (a sender standing in for a web or django-q2 worker).

All are context managers that stop what they started, whatever happens inside.
Everything listens on loopback only.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from django.conf import settings

from videoeditor.stack import web_command, web_env

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
def web(port: int, log_path: Path, start_timeout: float = 60.0) -> Iterator[subprocess.Popen]:
    """The web process (videoeditor.stack.web_command) on 127.0.0.1:`port`, with this
    process's environment; its output goes to `log_path`."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            web_command(HOST, port),
            cwd=BASE_DIR,
            env=web_env(dict(os.environ)),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + start_timeout
        while not _accepts(port):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the web process exited at start (code {process.returncode}); see {log_path}."
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the web process did not listen within {start_timeout:.0f} s; see {log_path}."
                )
            time.sleep(0.1)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, a grace period, then SIGKILL for whatever is left of its group."""
    if process.poll() is None:
        process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def django_process(target: str, start_timeout: float = 60.0) -> Iterator[Connection]:
    """A fresh Python process that runs django.setup() with this process's
    environment (so the same VAR_DIR, DATABASE_URL and REDIS_URL: the same
    database and Redis), then calls `target` ("module:function") with its end of
    a Connection. Yields this end once the process is ready. On exit the
    Connection closes (the target sees EOFError), then whatever is left of the
    process goes as the web process's does."""
    ours, theirs = socket.socketpair()
    connection = Connection(ours.detach())
    main = "from bench.servers import _django_main; _django_main()"
    try:
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-c", main, str(theirs.fileno()), target],
                cwd=BASE_DIR,
                env=dict(os.environ),
                stdin=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                start_new_session=True,
            )
    except BaseException:
        connection.close()
        raise
    try:
        deadline = time.monotonic() + start_timeout
        while not connection.poll(0.1):
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited at start (code {process.returncode}).")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{target} was not ready within {start_timeout:.0f} s.")
        try:
            ready = connection.recv()
        except EOFError:
            ready = None
        if ready != "ready":
            raise RuntimeError(f"{target} did not start as expected; its error is above.")
        yield connection
    finally:
        connection.close()  # the target sees EOFError and returns by itself
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        stop(process)


def _django_main() -> None:
    """In the process django_process() starts: argv is [-c, fd, target]."""
    connection = Connection(int(sys.argv[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    import django

    django.setup()
    module, _, name = sys.argv[2].partition(":")
    function = getattr(importlib.import_module(module), name)
    try:
        connection.send("ready")
        function(connection)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the benchmark went away: nothing left to do
    finally:
        connection.close()

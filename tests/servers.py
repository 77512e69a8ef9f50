"""The product's real processes (web, worker) as subprocesses of a test, sharing
the test database and Redis, for tests that cross process boundaries."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

from django.db import connection

from tests.helpers import BASE_DIR
from videoeditor.stack import web_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """DATABASE_URL of the test database (it exists only once pytest-django made it)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1", **extra}


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait()


@contextlib.contextmanager
def web_process(port: int | None = None, **env: str) -> Iterator[str]:
    """The web process serving the product (`env`: extra environment); yields its
    base URL once it answers."""
    port = port or free_port()
    log = open(os.path.join(os.environ["VAR_DIR"], f"web-{port}.log"), "w+")  # noqa: SIM115
    process = subprocess.Popen(
        web_command("127.0.0.1", port),
        cwd=BASE_DIR, env=process_env(**env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/login/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the web process did not start:\n{log.read()}") from None
                time.sleep(0.2)
        yield url
    finally:
        _stop(process)
        log.close()


@contextlib.contextmanager
def worker_process(**env: str) -> Iterator[subprocess.Popen]:
    """A django-q2 cluster (`manage.py qcluster`; `env`: extra environment)."""
    log = open(os.path.join(os.environ["VAR_DIR"], f"qcluster-{time.monotonic_ns()}.log"), "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR, env=process_env(**env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        _stop(process)
        log.close()

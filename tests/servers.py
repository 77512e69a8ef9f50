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
from dataclasses import dataclass
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


@dataclass
class Server:
    """A started web process: its base URL, the process (its own process group) and its log."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: str


@contextlib.contextmanager
def web_server(port: int | None = None, workers: int | None = None, **env: str) -> Iterator[Server]:
    """The web process serving the product (`workers`: uvicorn worker processes,
    default WEB_CONCURRENCY; `env`: extra environment), once it answers."""
    port = port or free_port()
    log_path = os.path.join(os.environ["VAR_DIR"], f"web-{port}.log")
    log = open(log_path, "w+")  # noqa: SIM115
    process = subprocess.Popen(
        web_command("127.0.0.1", port, workers),
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
        yield Server(url, port, process, log_path)
    finally:
        _stop(process)
        log.close()


# The web process kept for the following tests, with the environment it started with;
# None where the session does not share one (see tests/browser/conftest.py).
shared: dict | None = None


def _environment() -> tuple:
    # pytest's own variables change with every test; they say nothing to the process.
    return tuple(sorted((k, v) for k, v in os.environ.items() if not k.startswith("PYTEST_")))


@contextlib.contextmanager
def web_process(port: int | None = None, workers: int | None = None, **env: str) -> Iterator[str]:
    """web_server(), yielding only its base URL. Where the session shares a web process
    (browser tests), a plain `web_process()` reuses the one the previous test used if the
    environment is the same: starting one takes seconds, and what a test needs of it
    lives in the database and Redis, not in the process. One is kept at most."""
    if shared is None or port is not None or workers is not None or env:
        with web_server(port, workers, **env) as server:
            yield server.url
        return
    key = _environment()
    server = shared.get("server")
    if server is None or shared["key"] != key or server.process.poll() is not None:
        shared["stack"].close()  # the one kept before, if any
        shared["server"] = server = shared["stack"].enter_context(web_server())
        shared["key"] = key
    yield server.url


@contextlib.contextmanager
def sharing_web_processes() -> Iterator[None]:
    """Within this block, plain web_process() calls share a process; it stops at the end."""
    global shared
    shared = {"stack": contextlib.ExitStack(), "server": None, "key": None}
    try:
        yield
    finally:
        stack, shared = shared["stack"], None
        stack.close()


@contextlib.contextmanager
def worker_process(**env: str) -> Iterator[subprocess.Popen]:
    """A django-q2 cluster (`manage.py qcluster`; `env`: extra environment). The process
    leads its own process group; `process.log_path` is where its output goes."""
    log_path = os.path.join(os.environ["VAR_DIR"], f"qcluster-{time.monotonic_ns()}.log")
    log = open(log_path, "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR, env=process_env(**env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    process.log_path = log_path
    try:
        yield process
    finally:
        _stop(process)
        log.close()

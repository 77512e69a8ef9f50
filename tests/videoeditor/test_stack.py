"""`make run`'s process stack: serves with a web worker per core (sockets, the embedded
Redis and SQLite shared by all of them), reports every part up, and Ctrl-C leaves
nothing behind."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
from websockets.sync.client import connect

from tests.bootstrap import _free_port
from tests.helpers import BASE_DIR, run_python


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


PASSWORD = "a long stack test password"

PRINT_WEB_WORKERS = """
import django
django.setup()
from videoeditor.stack import web_command
argv = web_command("127.0.0.1", 8000)
print(argv[argv.index("--workers") + 1])
"""


def test_the_web_server_runs_a_worker_per_core_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    cores = len(os.sched_getaffinity(0))

    assert run_python(PRINT_WEB_WORKERS, tmp_path).stdout.strip() == str(cores)
    assert run_python(PRINT_WEB_WORKERS, tmp_path, WEB_CONCURRENCY="3").stdout.strip() == "3"
    refused = run_python(PRINT_WEB_WORKERS, tmp_path, WEB_CONCURRENCY="all")
    assert refused.returncode != 0
    assert "WEB_CONCURRENCY='all' is not a whole number." in refused.stderr


@pytest.fixture
def stack_env(tmp_path):
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        # Two web workers whatever this machine's cores: what a multi-core host runs.
        "WEB_CONCURRENCY": "2",
    }
    for command in (
        ["migrate", "--noinput"],
        ["createsuperuser", "--noinput", "--username", "coach", "--email", "coach@example.com"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
        )
    return env


def post_json(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def session_cookie(base: str) -> str:
    """Log in with the login page, as a browser does; return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"login": "coach", "password": PASSWORD, "csrfmiddlewaretoken": csrf})
    opener.open(f"{base}/accounts/login/", form.encode(), timeout=10)
    return next(f"sessionid={c.value}" for c in jar if c.name == "sessionid")


def check_several_web_workers_share_sockets_redis_and_sqlite(base: str, web: psutil.Process) -> None:
    # one uvicorn supervisor with two worker processes (beside multiprocessing's tracker)
    workers = [p for p in web.children() if "spawn_main" in " ".join(p.cmdline())]
    assert len(workers) == 2, [p.cmdline() for p in web.children()]

    ws_url = base.replace("http://", "ws://") + "/ws/notifications"
    with connect(ws_url, additional_headers={"Cookie": session_cookie(base), "Origin": base}) as socket:
        socket.send(json.dumps({"type": "hello", "last_seq": None}))
        assert json.loads(socket.recv(timeout=10))["type"] == "ready"

        # when games are created at once, on fresh connections any worker may take
        status, body = post_json(f"{base}/api/auth/token", {"username": "coach", "password": PASSWORD})
        assert status == 200, body
        create = lambda n: post_json(f"{base}/api/games", {"name": f"Game {n}"}, body["token"])  # noqa: E731
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(create, range(12)))

        # then every write landed (SQLite shared by both processes) and the socket,
        # held by one worker, heard of each through Redis
        assert [status for status, _ in answers] == [201] * 12, answers
        created = {game["id"] for _, game in answers}
        heard = set()
        while heard != created:
            message = json.loads(socket.recv(timeout=10))
            if message.get("type") == "changed" and message.get("resource") == "game":
                heard.add(message["id"])


def test_the_stack_serves_and_stops_cleanly_on_ctrl_c(stack_env):
    port = _free_port()
    stack = subprocess.Popen(
        [sys.executable, "-m", "videoeditor.stack", "--port", str(port)],
        cwd=BASE_DIR,
        env=stack_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    descendants: list[psutil.Process] = []
    try:
        # wait until the web process answers and a worker cluster has reported in
        deadline = time.monotonic() + 90
        health = {}
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/api/health")
                health = json.loads(body)
                if status == 200 and health["status"] == "ok":
                    break
            except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
                pass
            assert stack.poll() is None, stack.stdout.read()
            time.sleep(0.5)
        assert health.get("status") == "ok", health
        assert health["checks"]["workers"]["ok"] is True
        assert get(f"http://127.0.0.1:{port}/accounts/login/")[0] == 200
        web = next(p for p in psutil.Process(stack.pid).children() if "uvicorn" in " ".join(p.cmdline()))
        check_several_web_workers_share_sockets_redis_and_sqlite(f"http://127.0.0.1:{port}", web)
        descendants = psutil.Process(stack.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in descendants)
        assert "uvicorn" in names
        assert "qcluster" in names

        # when the user presses Ctrl-C
        stack.send_signal(signal.SIGINT)
        code = stack.wait(timeout=30)
    finally:
        if stack.poll() is None:
            # A failed check: its children run in their own sessions, so a kill of
            # the stack alone would leave the web server, workers and Redis running.
            leftovers = psutil.Process(stack.pid).children(recursive=True)
            stack.kill()
            for process in leftovers:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()

    assert code == 0
    assert "Stopped." in stack.stdout.read()
    _, alive = psutil.wait_procs(descendants, timeout=5)
    assert alive == [], [p.cmdline() for p in alive]


def test_a_web_process_sent_sigterm_waits_a_bounded_time_for_requests_in_flight():
    """A draining web process (a deploy, a scale-in) closes its sockets at once and gives
    requests in flight a bounded time: a stuck one cannot keep it alive forever."""
    from videoeditor.stack import WEB_GRACEFUL_SHUTDOWN_SECONDS, web_command

    argv = web_command("127.0.0.1", 8000, workers=1)

    assert argv[argv.index("--timeout-graceful-shutdown") + 1] == str(WEB_GRACEFUL_SHUTDOWN_SECONDS)
    assert 0 < WEB_GRACEFUL_SHUTDOWN_SECONDS <= 30

"""`make run`'s process stack: serves, reports every part up, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest

from tests.bootstrap import _free_port
from tests.helpers import BASE_DIR


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def stack_env(tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


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
        assert get(f"http://127.0.0.1:{port}/login/")[0] == 200
        descendants = psutil.Process(stack.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in descendants)
        assert "uvicorn" in names
        assert "qcluster" in names

        # when the user presses Ctrl-C
        stack.send_signal(signal.SIGINT)
        code = stack.wait(timeout=30)
    finally:
        if stack.poll() is None:
            stack.kill()

    assert code == 0
    assert "Stopped." in stack.stdout.read()
    _, alive = psutil.wait_procs(descendants, timeout=5)
    assert alive == [], [p.cmdline() for p in alive]

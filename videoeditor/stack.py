"""`make run`: the whole product on one machine, stopped together on Ctrl-C.

    python -m videoeditor.stack [--host 127.0.0.1] [--port 8000]

Starts the embedded Redis (unless REDIS_URL is set), one web server
(`uvicorn videoeditor.asgi:application` with WEB_CONCURRENCY worker processes,
one per core by default) and one worker cluster
(`manage.py qcluster`). Each child runs in its own process group, so stopping
one also stops what it spawned (qcluster's worker processes, ffmpeg). If any
child dies, the rest are stopped too: a half-running stack is worse than none.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from videoeditor.clusters import stop_cluster

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 10
# A web process sent SIGTERM stops accepting, closes its sockets with 1012 ("service
# restart": browsers reconnect, to another web process) and waits this long for the
# requests in flight; a stuck one cannot hold a draining process forever.
WEB_GRACEFUL_SHUTDOWN_SECONDS = 20


def web_command(host: str, port: int, workers: int | None = None) -> list[str]:
    """The web process. uvicorn, because it streams request bodies with flow
    control: a multi-gigabyte fallback upload never sits in the process's memory
    (daphne queues the whole body in memory before the app reads it).

    `workers` processes (default: settings.WEB_CONCURRENCY, one per core) share the
    port: Django runs sync views one at a time per process, so a single process
    leaves every other core idle. They share nothing but the database and Redis."""
    from django.conf import settings

    from notifications.consumers import MAX_FRAME_CHARS

    # A socket frame is refused while it is read, not after 16 MiB (uvicorn's
    # default) has been buffered; four bytes a character is UTF-8's worst case.
    ws_max_size = 4 * MAX_FRAME_CHARS
    return [
        sys.executable, "-m", "uvicorn", "videoeditor.asgi:application",
        "--host", host, "--port", str(port), "--ws", "websockets", "--lifespan", "off",
        "--ws-max-size", str(ws_max_size), "--workers", str(workers or settings.WEB_CONCURRENCY),
        "--timeout-graceful-shutdown", str(WEB_GRACEFUL_SHUTDOWN_SECONDS),
    ]  # fmt: skip


def web_env(env: dict[str, str]) -> dict[str, str]:
    """The web processes' environment: a database connection pool in each (PostgreSQL;
    SQLite ignores it) unless DATABASE_POOL says otherwise. Only web processes: task
    workers fork, and pooled connections must not cross a fork."""
    return {"DATABASE_POOL": "true", **env}


class Stack:
    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.children[name] = subprocess.Popen(argv, cwd=BASE_DIR, env=env, start_new_session=True)

    def stop(self) -> None:
        self.stopping = True
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        clusters = [child for child in self.children.values() if "qcluster" in child.args]
        # Web processes: SIGTERM, uvicorn's graceful shutdown.
        for child in self.children.values():
            if child.poll() is None and child not in clusters:
                child.terminate()
        # Worker clusters in order, as the systemd unit stops them (videoeditor/clusters.py):
        # the jobs they run go back to the queue instead of being killed below.
        for child in clusters:
            if child.poll() is None:
                stop_cluster(
                    child.pid, max(0.1, deadline - time.monotonic()), lambda c=child: c.poll() is None
                )
        for child in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.1, deadline - time.monotonic()))
            # Whatever is left of the group (a stuck worker, an ffmpeg) goes now.
            _signal_group(child, signal.SIGKILL)
            child.wait()

    def wait(self) -> int:
        """Block until a child exits or stop() is called; return an exit status."""
        while not self.stopping:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    print(f"\n{name} exited with status {code}; stopping the rest.", file=sys.stderr)
                    return 1
            time.sleep(0.3)
        return 0


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, sig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    import django

    django.setup()
    from django.conf import settings

    from videoeditor.embedded_redis import EmbeddedRedis

    redis_server = None
    if settings.EMBEDDED_REDIS:
        redis_server = EmbeddedRedis(settings.EMBEDDED_REDIS_SOCKET)
        redis_server.start()

    env = dict(os.environ)
    stack = Stack()

    def request_stop(signum, frame) -> None:
        stack.stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start("web", web_command(args.host, args.port), web_env(env))
        stack.start("worker", [sys.executable, "manage.py", "qcluster"], env)
        host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
        print(
            f"\n  Soccer Highlight Editor: http://{host}:{args.port}/   (Ctrl-C stops everything)\n",
            flush=True,
        )
        status = stack.wait()
    finally:
        stack.stop()
        if redis_server is not None:
            redis_server.stop()
    print("Stopped.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

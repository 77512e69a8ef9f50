"""The web tier under 20 concurrent clients: GET /api/games and GET /api/projects of a
realistic account (25 games, 50 projects, 300 clips), token-authenticated, against
the web server as production runs it (uvicorn, WEB_CONCURRENCY workers: one per
core by default).

The baseline, measured in the same run with the same clients, is GET /api/me: an
authenticated request through the same middleware and authentication that lists
nothing, so the ratio is what the two lists cost on top of serving any request.
(/api/health is no fair baseline: it probes ffmpeg, torch and the workers.)

Load comes from Debian's `wrk` when installed (C, so the clients take little of the
CPU the server needs); otherwise from threads in this process, which compete with the
server for the cores and understate it (the line says which).

Targets (issue 12, a 2-core machine): at least 150 req/s, p99 under 250 ms.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections, transaction
from rest_framework.authtoken.models import Token

from bench import servers

CLIENTS = int(os.environ.get("BENCH_WEB_CLIENTS", "20"))
SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "10"))
GAMES, PROJECTS, CLIPS = 25, 50, 300
TARGET_RPS, TARGET_P99_MS = 150.0, 250.0
LIST_PATHS = ("/api/games", "/api/projects")
BASELINE_PATHS = ("/api/me",)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU the web processes spent per request: steadier than req/s on a busy machine.
    server_cpu_ms: float = 0.0


@dataclass
class WebResult:
    name: str
    ours: Load
    baseline: Load
    tool: str

    def line(self) -> str:
        ours, base = self.ours, self.baseline
        met = ours.rps >= TARGET_RPS and ours.p99_ms < TARGET_P99_MS and not ours.errors
        return (
            f"{self.name:<44} {ours.rps:>7.1f}/s {base.rps:>8.1f}/s {ours.rps / base.rps:>6.2f}x\n"
            f"{'  latency p50 / p99 (baseline)':<44} {ours.p50_ms:.0f} / {ours.p99_ms:.0f} ms "
            f"({base.p50_ms:.0f} / {base.p99_ms:.0f} ms), errors {ours.errors}, {self.tool}\n"
            f"{'  web CPU per request (baseline)':<44} {ours.server_cpu_ms:.1f} ms "
            f"({base.server_cpu_ms:.1f} ms)\n"
            f"{'  target >= 150 req/s, p99 < 250 ms':<44} {'met' if met else 'MISSED'}"
        )


def create_account() -> str:
    """A coach's account: 25 games of 12 clips each, 50 projects of 6 clips. Returns a token."""
    from exports import projects
    from games.models import Clip, Game

    user = get_user_model().objects.create_user("bench-web", password=None)
    per_game = CLIPS // GAMES
    with transaction.atomic():
        games = [
            Game.objects.create(
                owner=user, opponent_name=f"Team {n}", video_status="ready", video_key=f"bench/{n}.mp4",
                video_size=10**9, video_duration=5400.0, video_width=1920, video_height=1080,
                video_fps=30.0, video_codec="h264", clip_count=per_game, clips_rated_3=per_game,
            )
            for n in range(GAMES)
        ]  # fmt: skip
        clips = Clip.objects.bulk_create(
            # Already cut, as most of an account's clips are (and no cut gets queued).
            Clip(
                game=game,
                start_time=60.0 * c,
                end_time=60.0 * c + 15,
                rating=3,
                tags=["Goal"],
                extraction_status="ready",
                file_key=f"clips/{game.pk}-{c}.mp4",
            )
            for game in games
            for c in range(per_game)
        )
        by_game: dict[int, list] = {}
        for clip in clips:
            by_game.setdefault(clip.game_id, []).append(clip)
        for n in range(PROJECTS):
            game_clips = by_game[games[n % GAMES].pk]
            half = len(game_clips) // 2
            chosen = game_clips[:half] if n < GAMES else game_clips[half:]
            projects.create_project(user, f"Reel {n}", "9:16", chosen)
    return Token.objects.create(user=user).key


def delete_account() -> None:
    get_user_model().objects.filter(username="bench-web").delete()


# --- load generators -----------------------------------------------------------------

_WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], {["Authorization"] = "Token %s"})
end
response = function(status, headers, body)
  if status ~= 200 then errors = (errors or 0) + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def wrk_load(port: int, token: str, paths: tuple[str, ...], seconds: float = SECONDS) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), token))
    try:
        output = subprocess.run(
            [
                "wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds:g}s", "--timeout", "10s",
                "-s", script.name, f"http://{servers.HOST}:{port}",
            ],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    match = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", output)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    count, duration, p50, p99, errors = match.groups()
    return Load(int(count) / float(duration), float(p50), float(p99), int(errors))


def thread_load(port: int, token: str, paths: tuple[str, ...], seconds: float = SECONDS) -> Load:
    """CLIENTS keep-alive connections, each in a thread, for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(servers.HOST, port, timeout=10)
        n = offset
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", paths[n % len(paths)], headers={"Authorization": f"Token {token}"})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors[0] += 1
            n += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Load(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, errors[0])


def with_server_cpu(web: subprocess.Popen, measure: Callable[[], Load]) -> Load:
    """`measure`'s Load, with the CPU time the web server's processes spent per request."""
    processes = [psutil.Process(web.pid), *psutil.Process(web.pid).children(recursive=True)]

    def cpu() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in processes)

    before, started = cpu(), time.monotonic()
    load = measure()
    requests = load.rps * (time.monotonic() - started)
    load.server_cpu_ms = (cpu() - before) / requests * 1000 if requests else 0.0
    return load


def run() -> list:
    call_command("migrate", verbosity=0)
    port = servers.free_port()
    log_path = Path(settings.VAR_DIR) / f"bench-web-{port}.log"
    load, tool = (wrk_load, "wrk") if shutil.which("wrk") else (thread_load, "Python threads (no wrk)")
    with servers.embedded_redis():  # first: creating the account sends change notifications
        delete_account()
        token = create_account()
        connections.close_all()  # the web workers open their own
        try:
            with servers.web(port, log_path) as web:
                # Warm every worker (imports, first queries) before timing.
                with contextlib.suppress(Exception):
                    load(port, token, LIST_PATHS, seconds=2)
                baseline = with_server_cpu(web, lambda: load(port, token, BASELINE_PATHS))
                ours = with_server_cpu(web, lambda: load(port, token, LIST_PATHS))
        finally:
            delete_account()
            connections.close_all()
    name = f"web lists, {CLIENTS} clients, {settings.WEB_CONCURRENCY} workers (vs /api/me)"
    return [WebResult(name, ours, baseline, tool)]

"""The fallback upload: a 1 GiB video PUT through the real web process (uvicorn) to
storage. Prints throughput against a plain file copy of the same bytes (the
baseline, same run) and the web process's peak RSS growth while it streams.

Target: RSS growth under 100 MB (the body is streamed, never held in memory).
BENCH_UPLOAD_MIB sets the size (default 1024).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from bench import servers
from bench.timing import Result
from games.models import Game
from games.objects import object_store

SIZE_MIB = int(os.environ.get("BENCH_UPLOAD_MIB", "1024"))
RSS_TARGET_MB = 100


@dataclass
class MemoryResult:
    name: str
    peak_growth_mb: float
    target_mb: float

    def line(self) -> str:
        verdict = "met" if self.peak_growth_mb < self.target_mb else "MISSED"
        return f"{self.name:<44} {self.peak_growth_mb:>8.1f}MB  target < {self.target_mb:.0f} MB: {verdict}"


def make_big_video(path: Path, mib: int) -> None:
    """Lossless noise is about 12 MiB a second at 640x360: a real, probe-able video."""
    seconds = max(2, round(mib / 12.3))
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-vf", "noise=alls=100:allf=t",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path),
        ],
        check=True,
        timeout=600,
    )  # fmt: skip


class PeakRSS(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


def run() -> list:
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-upload")
    token, _ = Token.objects.get_or_create(user=user)
    game = Game.objects.create(owner=user, opponent_name="Bench United")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "match.mp4"
        make_big_video(source, SIZE_MIB)
        size = source.stat().st_size

        started = time.perf_counter()
        shutil.copyfile(source, Path(tmp) / "copy.mp4")
        baseline_s = time.perf_counter() - started
        os.unlink(Path(tmp) / "copy.mp4")

        port = servers.free_port()
        with (
            servers.embedded_redis(),
            servers.web(port, Path(settings.VAR_DIR) / "bench-upload.log") as web,
        ):
            # One small request first, so the measured growth is the upload's alone.
            requests.get(f"http://{servers.HOST}:{port}/api/health", timeout=60)
            memory = PeakRSS(web.pid)
            memory.start()
            started = time.perf_counter()
            with source.open("rb") as body:
                response = requests.put(
                    f"http://{servers.HOST}:{port}/api/games/{game.pk}/video?filename=match.mp4",
                    data=body,
                    headers={"Authorization": f"Token {token.key}", "Content-Type": "video/mp4"},
                    timeout=900,
                )
            upload_s = time.perf_counter() - started
            memory.done.set()
            memory.join()
        if response.status_code != 200:
            raise RuntimeError(f"the upload failed: {response.status_code} {response.text[:300]}")
    game.refresh_from_db()
    mib_s = size / 2**20 / upload_s
    name = f"fallback upload {size / 2**30:.2f} GiB ({mib_s:.0f} MiB/s)"
    object_store().delete(game.video_key)
    game.delete()
    return [
        Result(f"{name} vs copy", upload_s, baseline_s),
        MemoryResult("web process peak RSS growth", memory.growth_mb, RSS_TARGET_MB),
    ]

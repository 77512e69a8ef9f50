"""Test media made with ffmpeg on demand (never downloaded), cached per session."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from django.conf import settings


def make_video(
    folder: Path,
    *,
    fps: float = 25,
    seconds: float = 3,
    size: str = "320x180",
    audio: bool = True,
    noisy: bool = False,
    container: str = "mp4",
) -> Path:
    """testsrc2 (plus a sine tone); `noisy` makes a big lossless file for multipart tests."""
    name = f"v-{fps}-{seconds}-{size}-{int(audio)}-{int(noisy)}.{container}"
    path = folder / name
    if path.exists():
        return path
    video = f"testsrc2=size={size}:rate={fps}"
    command = [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    if noisy:
        command += ["-vf", "noise=alls=100:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0"]
    else:
        command += ["-c:v", "libx264", "-preset", "veryfast", "-g", str(int(fps))]
    command += ["-pix_fmt", "yuv420p", "-t", str(seconds)]
    if audio:
        command += ["-c:a", "aac"]
    command += ["-movflags", "+faststart", str(path)]
    subprocess.run(command, check=True, timeout=120)
    return path


def sha256(path_or_bytes) -> str:
    if isinstance(path_or_bytes, bytes):
        return hashlib.sha256(path_or_bytes).hexdigest()
    digest = hashlib.sha256()
    with open(path_or_bytes, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

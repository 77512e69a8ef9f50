"""Locating the ffmpeg binary.

A system ffmpeg wins when there is one (it may have NVENC); otherwise the static
build inside the imageio-ffmpeg wheel, so a fresh machine with only Python works.
Probing uses PyAV (FFmpeg's libraries in a wheel), so no ffprobe binary is needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache


def find_ffmpeg() -> str:
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@lru_cache(maxsize=4)
def ffmpeg_version(binary: str) -> str:
    """The version word of `ffmpeg -version`, e.g. '7.1' or 'n7.0.2'."""
    out = subprocess.run(
        [binary, "-hide_banner", "-version"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    match = re.match(r"ffmpeg version (\S+)", out)
    if not match:
        raise RuntimeError(f"{binary} did not report an ffmpeg version.")
    return match.group(1)

"""Cutting a clip stays cheap, whatever the game's length.

A 15 s clip cut from a 10-minute and from a 90-minute game (generated cheaply: a
small picture, a 2 s GOP as cameras use, low bitrate, ultrafast; the 90-minute
one is the 10-minute one joined nine times by stream copy) through our cut
(games.cutting.cut_file: one FFmpeg copy, the probe and the first-frame read),
against one bare `ffmpeg -ss -t -c copy` of the same span.
Target: ratio <= 1.2, and the two games' times alike (independent of length).

What our cut does beyond the bare copy: FFmpeg itself finds the keyframe (it seeks
to the clip's start and reports the first packet it copies, with its time and
codec, on a second output), so the game is opened once, as the bare copy opens it.
The keyframe lookup that opened it first, with PyAV, cost 1.23x-1.37x and 1.57x-1.66x
(opening an MP4 parses its whole sample index: about 30 ms for 90 minutes, 8 ms
for 10). What remains: `-movflags +faststart` (about 1 ms) and the probe of the 15 s
result (about 2 ms; it decodes the first frame, whose time gives the lead-in): 3
to 5 ms a cut, whatever the game's length. Measured on 2 cores shared with other
work (load average 4 to 6): 0.94x to 1.11x for the 10-minute game and 0.85x to
0.98x for the 90-minute one.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from bench.timing import Result, best_of
from games.cutting import cut_file

TEN_MINUTES = 600
START, LENGTH = 1234.5, 15.0  # in the 90-minute game; the 10-minute one cuts at START % 600


def ffmpeg(*args: str) -> None:
    subprocess.run([settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_games(folder: Path) -> dict[str, Path]:
    ten = folder / "ten.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={TEN_MINUTES}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={TEN_MINUTES}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-b:v", "150k",
        "-c:a", "aac", "-b:a", "32k", str(ten),
    )  # fmt: skip
    listing = folder / "parts.txt"
    listing.write_text(f"file '{ten}'\n" * 9)
    ninety = folder / "ninety.mp4"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(ninety))
    return {"10-minute game": ten, "90-minute game": ninety}


def run() -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-cut-") as name:
        folder = Path(name)
        for label, game in make_games(folder).items():
            start = START if "90" in label else START % TEN_MINUTES
            ours_target, bare_target = folder / "ours.mp4", folder / "bare.mp4"

            def ours(game=game, start=start, target=ours_target) -> None:
                cut_file(str(game), start, start + LENGTH, target, folder, lambda duration, done: None)

            def bare(game=game, start=start, target=bare_target) -> None:
                ffmpeg("-ss", str(start), "-i", str(game), "-t", str(LENGTH), "-c", "copy", str(target))

            results.append(
                Result(f"cut 15 s from a {label} (target <= 1.2x)", best_of(ours, 5), best_of(bare, 5))
            )
    return results

"""Clips for tracking jobs: a game with a clip whose cut file is a generated match
scene (exports/render/scenes.Scene, with its ground truth), or a clip with a file
key only (for requests that never reach a worker)."""

from __future__ import annotations

import subprocess
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings

from exports.render.scenes import Scene
from games.models import Clip, Game
from tests.exports.exporting import store_file

SIZE = {"width": 640, "height": 360, "seconds": 4.0}  # as tests/render/test_tracking.py


@cache
def scene(seed: int, occlusion: bool = False) -> Scene:
    return Scene(seed, occlusion=occlusion, **SIZE)


def frame(shot: Scene, i: int, hidden: tuple[int, int] | None) -> np.ndarray:
    """Frame i of the scene; in the `hidden` frames (first, last) the target is painted
    over with the picture's median colour, as if it had left the picture."""
    picture = shot[i]
    if hidden is not None and hidden[0] <= i <= hidden[1]:
        x, y, w, h = (round(v) for v in shot.target_box(i))
        picture[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = np.median(picture, axis=(0, 1))
    return picture


def scene_file(
    folder: Path, seed: int, occlusion: bool = False, hidden: tuple[int, int] | None = None
) -> Path:
    """The scene as H.264 (a keyframe a second), made once per folder."""
    shot = scene(seed, occlusion)
    path = folder / f"scene-{seed}-{int(occlusion)}-{hidden and '-'.join(map(str, hidden))}.mp4"
    if not path.exists():
        command = [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{shot.width}x{shot.height}", "-r", f"{shot.fps:g}",
            "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-g", f"{shot.fps:g}", str(path),
        ]  # fmt: skip
        frames = b"".join(frame(shot, i, hidden).tobytes() for i in range(len(shot)))
        subprocess.run(command, input=frames, check=True, timeout=120)
    return path


def tracking_game(owner) -> Game:
    return Game.objects.create(
        owner=owner, opponent_name="Rovers", game_date=date(2025, 10, 4), video_status="ready",
        video_key=f"users/{owner.pk}/game.mp4", video_duration=600.0, video_width=SIZE["width"],
        video_height=SIZE["height"], video_fps=25.0,
    )  # fmt: skip


def scene_clip(
    owner,
    folder: Path,
    seed: int,
    *,
    occlusion: bool = False,
    hidden: tuple[int, int] | None = None,
    lead_in: float = 0.0,
) -> Clip:
    """A cut clip whose file is the scene (see scene_file); with `lead_in` the file
    starts that many seconds before the clip (as a stream copy from an earlier keyframe does)."""
    game = tracking_game(owner)
    seconds = SIZE["seconds"] - lead_in
    clip = Clip.objects.create(game=game, start_time=100.0, end_time=100.0 + seconds, rating=4)
    key = store_file(
        scene_file(folder, seed, occlusion, hidden), f"users/{owner.pk}/clips/{clip.pk}-scene.mp4"
    )
    Clip.objects.filter(pk=clip.pk).update(file_key=key, file_lead_in=lead_in, extraction_status="ready")
    clip.refresh_from_db()
    return clip


def keyed_clip(owner, seconds: float = 4.0) -> Clip:
    """A clip said to be cut (its file is never read)."""
    game = tracking_game(owner)
    clip = Clip.objects.create(game=game, start_time=50.0, end_time=50.0 + seconds, rating=3)
    Clip.objects.filter(pk=clip.pk).update(
        file_key=f"users/{owner.pk}/clips/{clip.pk}.mp4", extraction_status="ready"
    )
    clip.refresh_from_db()
    return clip

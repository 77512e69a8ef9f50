"""A game whose video is a generated match scene (exports/render/scenes.Scene), with
the scene's ground truth, for tests that follow a player end to end.

The scene is encoded once per session folder with ffmpeg (H.264, a keyframe every
second, so a clip starting on a whole second is a stream copy from that keyframe:
its lead-in is only the muxer's B-frame delay), stored as a game's video and probed
like an upload; `cut_clip` cuts a clip out of it with the extraction a worker runs.
`target_box(scene, clip, t)` is where the target player is at clip time `t`, in the
clip's source pixels.

For tracking jobs without a game video: `scene_clip` makes a clip whose cut file is
a short scene (optionally with the target painted out for some frames, or a lead-in
before the clip), `keyed_clip` a clip with a file key only (for requests that never
reach a worker).
"""

from __future__ import annotations

import subprocess
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings

from exports.render.scenes import Scene
from games.extraction import extract_clip
from games.models import Clip, ExtractionStatus, Game
from games.objects import object_store
from games.probe import probe
from tests.exports.exporting import store_file

SEED = 3  # a scene without occlusion whose target the tracker keeps from the clip's start to its end
SIZE = (640, 360)
FPS = 25
TRACK_SECONDS = 4.0  # the tracking clips' scenes: as tests/render/test_tracking.py


@cache
def match_scene(
    seed: int = SEED,
    seconds: float = 6.0,
    size: tuple[int, int] = SIZE,
    fps: int = FPS,
    occlusion: bool = False,
) -> Scene:
    """The scene (deterministic per arguments), built once per process."""
    return Scene(seed, occlusion=occlusion, width=size[0], height=size[1], fps=fps, seconds=seconds)


def scene_video(folder: Path, seed: int = SEED) -> Path:
    """The scene's frames as an H.264 file (no sound), made once per folder."""
    scene = match_scene(seed)
    path = folder / f"scene-{seed}-{scene.width}x{scene.height}-{scene.fps:g}-{len(scene)}.mp4"
    if path.exists():
        return path
    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{scene.width}x{scene.height}", "-r", f"{scene.fps:g}",
        "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
        "-g", f"{scene.fps:g}", "-keyint_min", f"{scene.fps:g}", "-sc_threshold", "0",
        "-movflags", "+faststart", str(path),
    ]  # fmt: skip
    frames = b"".join(scene[i].tobytes() for i in range(len(scene)))
    subprocess.run(command, input=frames, check=True, timeout=120)
    return path


def scene_game(owner, video: Path, opponent: str = "Rovers") -> Game:
    """A game whose stored video is `video`, with the values an upload's probe records."""
    game = Game.objects.create(owner=owner, opponent_name=opponent, game_date=date(2025, 10, 4))
    key = store_file(video, f"users/{owner.pk}/games/{game.pk}/video.mp4")
    info = probe(object_store().read_location(key))
    Game.objects.filter(pk=game.pk).update(
        video_key=key, video_status="ready", video_size=video.stat().st_size, video_duration=info.duration,
        video_width=info.width, video_height=info.height, video_fps=info.fps, video_codec=info.codec,
        video_has_audio=info.has_audio,
    )  # fmt: skip
    game.refresh_from_db()
    return game


def cut_clip(game: Game, start: float, end: float, **fields) -> Clip:
    """A clip of the game, cut by the extraction a worker runs (its file is the cut)."""
    clip = Clip.objects.create(
        game=game, start_time=start, end_time=end, extraction_status=ExtractionStatus.EXTRACTING, **fields
    )
    assert extract_clip(clip.pk, start, end), "the scene's clip could not be cut"
    clip.refresh_from_db()
    assert clip.extraction_status == ExtractionStatus.READY
    assert clip.file_lead_in < 0.1  # cut on a keyframe: only the muxer's B-frame delay comes before it
    return clip


def frame_index(scene: Scene, clip: Clip, clip_time: float) -> int:
    """The scene's frame shown at `clip_time` of the clip."""
    return min(len(scene) - 1, round((clip.start_time + clip_time) * scene.fps))


def target_box(scene: Scene, clip: Clip, clip_time: float) -> tuple[float, float, float, float]:
    """The target player's box (x, y, width, height; source pixels) at `clip_time`."""
    return scene.target_box(frame_index(scene, clip, clip_time))


def target_centre(scene: Scene, clip: Clip, clip_time: float) -> tuple[float, float]:
    x, y, width, height = target_box(scene, clip, clip_time)
    return x + width / 2, y + height / 2


# --- clips for tracking jobs, without a game video ---------------------------------------


def track_scene(seed: int, occlusion: bool = False) -> Scene:
    """The scene a tracking clip's file shows."""
    return match_scene(seed, seconds=TRACK_SECONDS, occlusion=occlusion)


def painted_frame(shot: Scene, i: int, hidden: tuple[int, int] | None) -> np.ndarray:
    """Frame i of the scene; in the `hidden` frames (first, last) the target is painted
    over with the picture's median colour, as if it had left the picture."""
    picture = shot[i]
    if hidden is not None and hidden[0] <= i <= hidden[1]:
        x, y, w, h = (round(v) for v in shot.target_box(i))
        picture[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = np.median(picture, axis=(0, 1))
    return picture


def track_scene_file(
    folder: Path, seed: int, occlusion: bool = False, hidden: tuple[int, int] | None = None
) -> Path:
    """The tracking scene as H.264 (a keyframe a second), made once per folder."""
    shot = track_scene(seed, occlusion)
    path = folder / f"track-scene-{seed}-{int(occlusion)}-{hidden and '-'.join(map(str, hidden))}.mp4"
    if not path.exists():
        command = [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{shot.width}x{shot.height}", "-r", f"{shot.fps:g}",
            "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-g", f"{shot.fps:g}", str(path),
        ]  # fmt: skip
        frames = b"".join(painted_frame(shot, i, hidden).tobytes() for i in range(len(shot)))
        subprocess.run(command, input=frames, check=True, timeout=120)
    return path


def tracking_game(owner) -> Game:
    """A game said to have a video of the scenes' size (its file is never read)."""
    return Game.objects.create(
        owner=owner, opponent_name="Rovers", game_date=date(2025, 10, 4), video_status="ready",
        video_key=f"users/{owner.pk}/game.mp4", video_duration=600.0, video_width=SIZE[0],
        video_height=SIZE[1], video_fps=float(FPS),
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
    """A cut clip whose file is the tracking scene (see track_scene_file); with
    `lead_in` the file starts that many seconds before the clip (as a stream copy
    from an earlier keyframe does)."""
    game = tracking_game(owner)
    seconds = TRACK_SECONDS - lead_in
    clip = Clip.objects.create(game=game, start_time=100.0, end_time=100.0 + seconds, rating=4)
    key = store_file(
        track_scene_file(folder, seed, occlusion, hidden), f"users/{owner.pk}/clips/{clip.pk}-scene.mp4"
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

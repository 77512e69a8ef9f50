"""Projects whose clips have real (generated) files, for export jobs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings

from exports import edits
from exports.models import Overlay, Project, ProjectClip
from games.models import Clip, Game
from games.objects import object_store
from tests.media import make_video

SMALL_SHORT_SIDE = 120  # exports in tests: 120x214 for 9:16 keeps a render to a second or two


def small_output_sizes() -> dict[str, tuple[int, int]]:
    scale = SMALL_SHORT_SIDE / 1080
    return {
        ratio: (2 * round(w * scale / 2), 2 * round(h * scale / 2))
        for ratio, (w, h) in settings.OUTPUT_SIZES.items()
    }


def store_file(path: Path, key: str) -> str:
    with open(path, "rb") as stream:
        object_store().save_stream(key, stream, path.stat().st_size)
    return key


def ready_clip(game: Game, media: Path, start: float, seconds: float, rating: int = 4) -> Clip:
    """A clip whose file is already cut (a generated video of the clip's length)."""
    clip = Clip.objects.create(
        game=game, start_time=start, end_time=start + seconds, rating=rating, tags=["Goal"]
    )
    source = make_video(media, seconds=seconds, size=f"{game.video_width}x{game.video_height}")
    clip.file_key = store_file(source, f"users/{game.owner_id}/clips/{clip.pk}.mp4")
    clip.extraction_status = "ready"
    clip.save(update_fields=["file_key", "extraction_status"])
    return clip


def ready_project(
    owner, media: Path, seconds: list[float], aspect: str = "9:16", name: str = "Reel"
) -> Project:
    game = Game.objects.create(
        owner=owner, opponent_name="Rovers", game_date=date(2025, 10, 4), video_status="ready",
        video_key=f"users/{owner.pk}/game.mp4", video_duration=600.0, video_width=320, video_height=180,
        video_fps=25.0,
    )  # fmt: skip
    project = Project.objects.create(owner=owner, name=name, aspect_ratio=aspect)
    Overlay.objects.create(project=project)
    start = 10.0
    for position, length in enumerate(seconds, start=1):
        clip = ready_clip(game, media, start, length)
        start += length + 5
        ProjectClip.objects.create(
            project=project, clip=clip, position=position,
            crop_keyframes=edits.default_crop(320, 180, aspect), segments=edits.default_segments(length),
        )  # fmt: skip
    return project

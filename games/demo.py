"""The demo account and game that `make run` creates on a fresh install."""

from __future__ import annotations

import secrets
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from games.models import Game, GameType, VideoStatus
from games.objects import object_store
from games.probe import probe

DEMO_USERNAME = "demo"


@dataclass
class DemoLogin:
    user: object
    password: str
    created: bool


def ensure_demo_user(password_file: Path) -> DemoLogin:
    """The demo user, with a random password kept in var/ so it can be shown
    again on every start (and never a password known to the world)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=DEMO_USERNAME)
    password = password_file.read_text().strip() if password_file.exists() else ""
    if created or not password or not user.check_password(password):
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save()
        password_file.write_text(password)
        password_file.chmod(0o600)
    return DemoLogin(user, password, created)


def generate_match_video(path: Path, seconds: float = 40, size: str = "1280x720", fps: int = 25) -> None:
    """A stand-in match: ffmpeg's moving test pattern with a tone."""
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", str(fps * 2),
            "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart",
            str(path),
        ],
        check=True,
        timeout=300,
    )  # fmt: skip


def ensure_demo_game(owner, seconds: float = 40) -> tuple[Game, bool]:
    existing = Game.objects.filter(owner=owner, opponent_name="Demo United").first()
    if existing and existing.video_status == VideoStatus.READY:
        return existing, False
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "demo.mp4"
        generate_match_video(local, seconds=seconds)
        with transaction.atomic():
            game = existing or Game.objects.create(
                owner=owner,
                opponent_name="Demo United",
                game_type=GameType.HOME,
                game_date=date.today(),
            )
            with local.open("rb") as handle:
                key = default_storage.save(
                    f"users/{owner.pk}/games/{game.pk}/{uuid.uuid4().hex}.mp4", File(handle)
                )
            try:
                info = probe(object_store().read_location(key))
            except Exception:
                default_storage.delete(key)
                raise
            game.video_key = key
            game.video_status = VideoStatus.READY
            game.video_size = default_storage.size(key)
            game.video_duration = info.duration
            game.video_width, game.video_height = info.width, info.height
            game.video_fps = info.fps
            game.video_codec = info.codec
            game.video_has_audio = info.has_audio
            game.save()
    return game, True

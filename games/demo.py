"""The demo account and game that `make run` creates on a fresh install."""

from __future__ import annotations

import logging
import secrets
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from games.extraction import cut_again
from games.models import Game, GameType, VideoStatus
from games.objects import PartTooLarge, object_store
from games.probe import probe
from games.uploads import announce_video, new_key, replaced_sentence
from notifications.models import NotificationType
from notifications.service import notify

log = logging.getLogger(__name__)

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
        if existing:
            return attach_local_video(existing, local), True
        game = create_game_from_file(
            owner, local, opponent_name="Demo United", game_type=GameType.HOME, game_date=date.today()
        )
    return game, True


# --- A game from a local file (the demo and `manage.py import_game`) ----------------------


class FileChanged(ValueError):
    """The local file grew or shrank while it was copied; the message is a sentence."""


def create_game_from_file(owner, path: Path, **fields) -> Game:
    """A new game of `owner` whose video is the local file at `path`: shown as
    uploading while the bytes are copied, ready once they are probed. On any failure
    (not a video, Ctrl-C) the game and the stored copy are removed again."""
    game = Game.objects.create(owner=owner, video_status=VideoStatus.UPLOADING, **fields)
    try:
        return attach_local_video(game, path)
    except BaseException:
        game.delete()
        raise


def attach_local_video(game: Game, path: Path) -> Game:
    """Copy a local video into storage in chunks (memory stays flat, the same key
    layout as an upload), probe the stored copy and make it the game's video as
    finish_upload() does. The copy is deleted again when anything fails, and the
    game keeps its earlier video. Raises NotAVideo or FileChanged with a sentence,
    OSError when the file cannot be read."""
    store = object_store()
    key = new_key(game, path.name)
    size = path.stat().st_size
    try:
        with path.open("rb") as stream:
            try:
                written = store.save_stream(key, stream, size)
            except PartTooLarge:
                written = None
        if written != size:
            raise FileChanged(
                f"{path.name} changed while it was being copied; import it again once it is complete."
            )
        info = probe(store.read_location(key))
        with transaction.atomic():
            game = Game.objects.select_for_update().get(pk=game.pk)
            replaced = game.video_key
            game.video_key = key
            game.video_status = VideoStatus.READY
            game.video_size = size
            game.video_duration, game.video_width, game.video_height = info.duration, info.width, info.height
            game.video_fps, game.video_codec, game.video_has_audio = info.fps, info.codec, info.has_audio
            game.version += 1
            game.save()
            transaction.on_commit(partial(announce_video, game, first=not replaced))
            if replaced:  # as finish_upload(): clips cut from the old video are cut again
                message = replaced_sentence(game, cut_again(game.pk))
                notify(
                    game.owner_id, NotificationType.INFO, "Video replaced", message, data={"game_id": game.pk}
                )
    except BaseException:
        _delete_quietly(store, key)
        raise
    if replaced and replaced != key:
        _delete_quietly(store, replaced)
    return game


def _delete_quietly(store, key: str) -> None:
    # A failed clean-up must not hide the error that caused it.
    try:
        store.delete(key)
    except Exception:
        log.exception("Could not delete %s from storage", key)

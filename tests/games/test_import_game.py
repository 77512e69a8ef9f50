"""`manage.py import_game`: a game from a local file, measured from the stored copy;
a failure leaves neither a game nor a stored object behind."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from games.models import Game, VideoStatus
from games.objects import object_store
from games.probe import probe
from tests.media import make_video, sha256

pytestmark = pytest.mark.django_db


def stored_files(folder: str = "users") -> set[str]:
    """Every object under `folder` (local folders or S3 prefixes alike)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return set()
    found = {f"{folder}/{name}" for name in files}
    for name in folders:
        found |= stored_files(f"{folder}/{name}")
    return found


def import_game(*args: str) -> str:
    out = StringIO()
    call_command("import_game", *args, stdout=out)
    return out.getvalue()


def test_an_imported_game_is_ready_with_its_measured_video(alice, media_dir):
    source = make_video(media_dir, seconds=2, size="320x180")

    output = import_game(str(source), "--user", "alice", "--name", "Rovers", "--date", "2025-10-04")

    game = Game.objects.get(owner=alice)
    assert f"Imported game {game.pk} (Vs Rovers Oct 4): 2.00 s, 320x180 at 25 fps" in output
    assert game.video_status == VideoStatus.READY
    assert (game.opponent_name, game.game_date, game.game_type) == ("Rovers", date(2025, 10, 4), "home")
    assert game.video_duration == pytest.approx(2.0, abs=0.1)
    assert (game.video_width, game.video_height, game.video_fps) == (320, 180, 25)
    assert (game.video_codec, game.video_has_audio) == ("h264", True)
    assert game.video_key.startswith(f"users/{alice.pk}/games/{game.pk}/")
    assert game.video_key.endswith(".mp4")
    # The stored object is a byte-for-byte copy that probes like the original.
    assert object_store().size(game.video_key) == source.stat().st_size == game.video_size
    with default_storage.open(game.video_key, "rb") as stored:
        assert sha256(stored.read()) == sha256(source)
    assert probe(object_store().read_location(game.video_key)).duration == game.video_duration


def test_the_user_may_be_given_by_email_and_the_name_defaults_to_the_file_stem(alice, media_dir):
    source = make_video(media_dir, seconds=2, size="320x180")

    import_game(str(source), "--user", "ALICE@example.com", "--type", "away")

    game = Game.objects.get(owner=alice)
    assert (game.opponent_name, game.game_type, game.game_date) == (source.stem, "away", None)
    assert game.video_status == VideoStatus.READY


def test_a_file_that_is_not_a_video_leaves_no_game_and_no_stored_object(alice, tmp_path):
    notes = tmp_path / "notes.mp4"
    notes.write_bytes(b"this is a shopping list, not a match\n" * 100)
    before = stored_files()

    with pytest.raises(CommandError, match=r"^This file is not a video we can read \(.+\)\.$"):
        import_game(str(notes), "--user", "alice")

    assert not Game.objects.exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--user", "nobody"], "There is no user with the username or email 'nobody'."),
        (["--user", "alice", "--date", "4/10/2025"], "--date must be a date written YYYY-MM-DD"),
        (["--user", "alice", "--name", "  "], "--name must not be empty."),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(alice, media_dir, args, sentence):
    source = make_video(media_dir, seconds=2, size="320x180")
    before = stored_files()

    with pytest.raises(CommandError) as refused:
        import_game(str(source), *args)

    assert str(refused.value).startswith(sentence)
    assert not Game.objects.exists()
    assert stored_files() == before


def test_a_missing_file_is_named(alice, tmp_path):
    missing = tmp_path / "match.mp4"

    with pytest.raises(CommandError, match=f"^{re.escape(f'There is no file at {missing}.')}$"):
        import_game(str(missing), "--user", "alice")

    assert not Game.objects.exists()

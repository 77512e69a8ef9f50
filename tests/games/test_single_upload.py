"""A single upload (presigned PUT to S3, or the fallback endpoint locally) becomes
the game's video only if it is a playable video of the announced size."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from games.models import Game, UploadSession
from games.objects import object_store
from notifications.models import Notification
from tests.games.uploading import announce, read, upload_single
from tests.media import make_video, sha256

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fps", [25, 30, 60])
def test_a_video_is_probed_and_becomes_ready(alice_api, game, media_dir, fps):
    source = make_video(media_dir, fps=fps)

    response = upload_single(alice_api, game, read(source))

    assert response.status_code == 200, response.json()
    video = response.json()["video"]
    assert video["status"] == "ready"
    assert video["fps"] == fps
    assert (video["width"], video["height"]) == (320, 180)
    assert video["duration"] == pytest.approx(3, abs=0.1)
    assert video["has_audio"] is True
    assert video["codec"] == "h264"
    assert video["size"] == source.stat().st_size
    game.refresh_from_db()
    assert game.video_key.startswith(f"users/{game.owner_id}/games/{game.id}/")
    with default_storage.open(game.video_key, "rb") as stored:
        assert sha256(stored.read()) == sha256(source)
    assert Notification.objects.filter(owner=game.owner, type="upload_complete").count() == 1


def test_the_client_file_name_never_becomes_the_key(alice_api, game, video):
    upload_single(alice_api, game, read(video), filename="Final vs Rovers (HD).MOV")

    game.refresh_from_db()
    assert "Rovers" not in game.video_key
    assert game.video_key.endswith(".mov")
    assert UploadSession.objects.get(game=game).filename == "Final vs Rovers (HD).MOV"


def test_a_file_that_is_not_a_video_is_refused_and_deleted(alice_api, game):
    response = upload_single(alice_api, game, b"these are my notes, not a match" * 100)

    assert response.status_code == 422
    assert "not a video we can read" in response.json()["detail"]
    session = UploadSession.objects.get(game=game)
    assert object_store().size(session.key) is None
    assert Game.objects.get(pk=game.pk).video_status == "invalid"
    failed = Notification.objects.get(owner=game.owner, type="upload_failed")
    assert "not a video" in failed.message


def test_a_truncated_video_is_refused(alice_api, game, media_dir):
    whole = read(make_video(media_dir, seconds=4, size="640x360"))

    response = upload_single(alice_api, game, whole[: len(whole) * 6 // 10])

    assert response.status_code == 422
    assert "truncated" in response.json()["detail"]
    assert Game.objects.get(pk=game.pk).video_status == "invalid"


def test_an_audio_only_file_has_no_video_stream(alice_api, game, media_dir, settings):
    import subprocess

    audio = media_dir / "tone.m4a"
    subprocess.run(
        [
            settings.FFMPEG_BINARY,
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "2",
            str(audio),
        ],
        check=True,
    )

    response = upload_single(alice_api, game, read(audio), filename="tone.mp4")

    assert response.status_code == 422
    assert "no video stream" in response.json()["detail"]


def test_a_zero_byte_file_is_refused(alice_api, game):
    response = announce(alice_api, game, "empty.mp4", 0)

    assert response.status_code == 400
    assert response.json()["detail"] == "The file is empty."
    assert not UploadSession.objects.exists()


def test_a_size_that_does_not_match_the_announcement_is_refused(alice_api, game, video):
    body = read(video)

    response = upload_single(alice_api, game, body, size=len(body) + 1000)

    assert response.status_code in (400, 422)
    assert "announced" in response.json()["detail"]
    session = UploadSession.objects.get(game=game)
    assert object_store().size(session.key) is None
    assert Game.objects.get(pk=game.pk).video_key == ""


def test_an_announced_size_over_the_limit_is_refused(alice_api, game):
    response = announce(alice_api, game, "huge.mp4", 6 * 2**40)

    assert response.status_code == 413
    assert "the most this upload takes" in response.json()["detail"]


def test_a_direct_single_upload_is_limited_to_the_configured_size(alice_api, game, settings):
    settings.UPLOAD_SINGLE_MAX_BYTES = 1000
    response = announce(alice_api, game, "match.mp4", 5000)

    if object_store().direct:
        assert response.status_code == 413
    else:  # the fallback streams through the server and has no single-request limit
        assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/pdf", ""])
def test_only_video_types_are_accepted(alice_api, game, content_type):
    response = announce(alice_api, game, "match.mp4", 1000, content_type)

    assert response.status_code in (400, 415)
    assert "video" in str(response.json())


@pytest.mark.parametrize(
    "filename", ["../../etc/passwd.mp4", "a/b.mp4", "evil\x00.mp4", "..", "back\\slash.mp4"]
)
def test_file_names_that_are_paths_are_refused(alice_api, game, filename):
    response = announce(alice_api, game, filename, 1000)

    assert response.status_code == 400
    assert not UploadSession.objects.exists()


def test_a_second_upload_to_the_same_game_is_a_409(alice_api, game):
    assert announce(alice_api, game, "one.mp4", 1000).status_code == 200

    response = announce(alice_api, game, "two.mp4", 1000)

    assert response.status_code == 409
    assert "already has an upload in progress" in response.json()["detail"]


def test_confirming_a_key_that_was_not_announced_is_refused(alice_api, game):
    announce(alice_api, game, "one.mp4", 1000)

    response = alice_api.post(
        f"/api/games/{game.id}/confirm-video",
        {"video_filename": "users/999/games/1/other.mp4"},
        format="json",
    )

    assert response.status_code in (400, 404)


def test_another_users_game_cannot_be_uploaded_to(bob_api, game):
    assert announce(bob_api, game, "match.mp4", 1000).status_code == 404
    assert not UploadSession.objects.exists()

"""The fallback: PUT /api/games/{id}/video with a raw body or a multipart form,
streamed to storage, then the same checks as every other upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from games.models import Game, UploadSession
from games.objects import object_store
from tests.games.uploading import read
from tests.media import make_video

pytestmark = pytest.mark.django_db


def test_a_raw_body_becomes_the_video(alice_api, game, media_dir):
    source = make_video(media_dir, fps=30)

    response = alice_api.generic(
        "PUT", f"/api/games/{game.id}/video?filename=match.mp4", read(source), content_type="video/mp4"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["video"]["fps"] == 30
    assert UploadSession.objects.get(game=game).mode == "backend"


def test_a_multipart_form_becomes_the_video(alice_api, game, media_dir):
    source = make_video(media_dir, fps=25, audio=False)
    upload = SimpleUploadedFile("clip.mp4", read(source), content_type="video/mp4")

    response = alice_api.put(f"/api/games/{game.id}/video", {"file": upload}, format="multipart")

    assert response.status_code == 200, response.json()
    video = response.json()["video"]
    assert video["has_audio"] is False
    assert video["size"] == source.stat().st_size


def test_a_form_without_the_file_is_refused(alice_api, game):
    response = alice_api.put(f"/api/games/{game.id}/video", {"note": "forgot the file"}, format="multipart")

    assert response.status_code == 400
    assert "form field named 'file'" in response.json()["detail"]


def test_a_raw_body_that_is_not_a_video_is_refused_and_removed(alice_api, game):
    response = alice_api.generic(
        "PUT", f"/api/games/{game.id}/video?filename=match.mp4", b"\x00" * 50_000, content_type="video/mp4"
    )

    assert response.status_code == 422
    session = UploadSession.objects.get(game=game)
    assert object_store().size(session.key) is None
    assert Game.objects.get(pk=game.pk).video_status == "invalid"


def test_a_raw_body_needs_a_file_name(alice_api, game, video):
    response = alice_api.generic("PUT", f"/api/games/{game.id}/video", read(video), content_type="video/mp4")

    assert response.status_code == 400
    assert "needs a name" in response.json()["detail"]


@pytest.mark.parametrize("name", ["bell\x07.mp4", "esc\x1b[31m.mp4", "del\x7f.mp4", "c1\x85.mp4"])
def test_a_raw_body_with_a_control_character_in_its_name_is_refused(alice_api, game, video, name):
    # The same text rule as every other name: no control character, C0, DEL or C1.
    response = alice_api.generic(
        "PUT", f"/api/games/{game.id}/video", read(video), content_type="video/mp4", HTTP_X_FILENAME=name
    )

    assert response.status_code == 400
    control = next(c for c in name if not c.isprintable())
    assert f"U+{ord(control):04X}" in response.json()["detail"]
    assert not UploadSession.objects.filter(game=game).exists()


def test_a_second_video_replaces_the_first_and_deletes_it(alice_api, game, media_dir):
    first = make_video(media_dir, fps=25)
    alice_api.generic(
        "PUT", f"/api/games/{game.id}/video?filename=a.mp4", read(first), content_type="video/mp4"
    )
    game.refresh_from_db()
    old_key = game.video_key

    response = alice_api.generic(
        "PUT",
        f"/api/games/{game.id}/video?filename=b.mp4",
        read(make_video(media_dir, fps=60)),
        content_type="video/mp4",
    )

    assert response.json()["video"]["fps"] == 60
    assert object_store().size(old_key) is None


def test_a_failed_replacement_keeps_the_earlier_video(alice_api, game, video):
    alice_api.generic(
        "PUT", f"/api/games/{game.id}/video?filename=a.mp4", read(video), content_type="video/mp4"
    )
    game.refresh_from_db()

    response = alice_api.generic(
        "PUT", f"/api/games/{game.id}/video?filename=b.mp4", b"not a video" * 100, content_type="video/mp4"
    )

    assert response.status_code == 422
    kept = Game.objects.get(pk=game.pk)
    assert kept.video_status == "ready"
    assert kept.video_key == game.video_key
    assert object_store().size(kept.video_key) == video.stat().st_size

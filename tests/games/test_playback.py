"""GET /api/games/{id}/video: seekable playback (Range locally, presigned on S3)."""

from __future__ import annotations

import pytest
import requests

from games.objects import object_store
from tests.games.uploading import read, upload_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_game(alice_api, game, video):
    assert upload_single(alice_api, game, read(video)).status_code == 200
    return game


def fetch(api, game, range_header=None):
    """Follow the API's answer the way a video element would; returns (status, headers, body)."""
    headers = {"HTTP_RANGE": range_header} if range_header else {}
    response = api.get(f"/api/games/{game.id}/video", **headers)
    if response.status_code == 302:
        assert object_store().direct
        followed = requests.get(
            response["Location"], headers={"Range": range_header} if range_header else {}, timeout=30
        )
        return followed.status_code, followed.headers, followed.content
    body = b"".join(response.streaming_content) if response.status_code in (200, 206) else b""
    return response.status_code, response, body


def test_the_whole_video_plays(alice_api, ready_game, video):
    status, headers, body = fetch(alice_api, ready_game)

    assert status == 200
    assert body == read(video)
    assert headers["Accept-Ranges"] == "bytes"


def test_a_range_request_seeks(alice_api, ready_game, video):
    status, headers, body = fetch(alice_api, ready_game, "bytes=1000-1999")

    assert status == 206
    assert body == read(video)[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{video.stat().st_size}"


def test_a_suffix_range_reads_the_end(alice_api, ready_game, video):
    status, _, body = fetch(alice_api, ready_game, "bytes=-500")

    assert status == 206
    assert body == read(video)[-500:]


def test_a_range_past_the_end_is_a_416(alice_api, ready_game, video):
    status, _, _ = fetch(alice_api, ready_game, f"bytes={video.stat().st_size + 10}-")

    assert status == 416


def test_a_game_without_video_is_a_404(alice_api, game):
    assert alice_api.get(f"/api/games/{game.id}/video").status_code == 404


def test_another_users_video_is_a_404(bob_api, ready_game):
    assert bob_api.get(f"/api/games/{ready_game.id}/video").status_code == 404


def test_a_video_whose_file_is_gone_is_a_404(alice_api, ready_game):
    # given: the row outlived its file (deleted by hand, a database restored over newer media)
    ready_game.refresh_from_db()
    object_store().delete(ready_game.video_key)

    # when: played as a video element would (following S3's presigned redirect)
    status, _, _ = fetch(alice_api, ready_game)

    # then: a 404, from us with a sentence locally, from the bucket on S3
    assert status == 404
    if not object_store().direct:
        response = alice_api.get(f"/api/games/{ready_game.id}/video")
        assert response.json()["detail"] == "The video file is missing from storage."

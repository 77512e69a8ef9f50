"""Games: create, list, read, edit with a version, delete; owner-scoped."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from games.models import Clip, Game, UploadMode, UploadSession

pytestmark = pytest.mark.django_db


def test_a_user_creates_a_game_and_sees_its_display_name(alice_api):
    response = alice_api.post(
        "/api/games",
        {
            "opponent_name": "Rovers",
            "game_date": "2026-03-07",
            "game_type": "tournament",
            "tournament_name": "Spring Cup",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["display_name"] == "Spring Cup: Vs Rovers Mar 7"
    assert body["version"] == 1
    assert body["video"]["status"] == "none"
    assert body["clips"] == {"count": 0, "by_rating": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, "score": 0}
    assert body["upload"] is None


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"game_type": "home"}, "name or an opponent"),
        ({"opponent_name": "Rovers", "game_type": "tournament"}, "tournament's name"),
        ({"opponent_name": "Rovers", "game_type": "friendly"}, "not a valid choice"),
        ({"opponent_name": "Rovers", "game_date": "yesterday"}, "Date has wrong format"),
    ],
)
def test_bad_game_details_are_refused_with_a_sentence(alice_api, payload, words):
    response = alice_api.post("/api/games", payload, format="json")

    assert response.status_code == 400
    assert words in str(response.json())
    assert not Game.objects.exists()


def test_the_list_holds_only_the_users_games(alice_api, game, bobs_game):
    body = alice_api.get("/api/games").json()

    assert [g["id"] for g in body["results"]] == [game.id]


def test_another_users_game_is_a_404(alice_api, bobs_game):
    assert alice_api.get(f"/api/games/{bobs_game.id}").status_code == 404
    assert alice_api.patch(f"/api/games/{bobs_game.id}", {"version": 1}, format="json").status_code == 404
    assert alice_api.delete(f"/api/games/{bobs_game.id}").status_code == 404
    assert Game.objects.filter(pk=bobs_game.pk).exists()


def test_an_edit_with_the_current_version_bumps_it(alice_api, game):
    response = alice_api.patch(
        f"/api/games/{game.id}", {"version": 1, "opponent_name": "United"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["display_name"].startswith("Vs United")
    assert response.json()["version"] == 2


def test_a_stale_edit_is_a_409_with_the_current_game(alice_api, game):
    alice_api.patch(f"/api/games/{game.id}", {"version": 1, "opponent_name": "From tab one"}, format="json")

    response = alice_api.patch(
        f"/api/games/{game.id}", {"version": 1, "opponent_name": "From tab two"}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert "changed elsewhere" in body["detail"]
    assert body["current"]["opponent_name"] == "From tab one"
    assert body["current"]["version"] == 2
    assert Game.objects.get(pk=game.pk).opponent_name == "From tab one"


def test_an_edit_without_a_version_is_refused(alice_api, game):
    response = alice_api.patch(f"/api/games/{game.id}", {"opponent_name": "United"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()


def test_video_fields_cannot_be_edited(alice_api, game):
    alice_api.patch(f"/api/games/{game.id}", {"version": 1, "video": {"status": "ready"}}, format="json")

    assert Game.objects.get(pk=game.pk).video_status == "none"


def test_tournament_names_are_distinct_and_sorted(alice_api, alice, bob):
    for name in ("Spring Cup", "Autumn Open", "Spring Cup"):
        Game.objects.create(owner=alice, opponent_name="x", game_type="tournament", tournament_name=name)
    Game.objects.create(owner=bob, opponent_name="x", game_type="tournament", tournament_name="Bob's Cup")

    assert alice_api.get("/api/games/tournaments").json() == {"tournaments": ["Autumn Open", "Spring Cup"]}


def test_deleting_a_game_deletes_its_video_and_clip_files(
    alice_api, game, django_capture_on_commit_callbacks
):
    key = default_storage.save(f"users/{game.owner_id}/games/{game.id}/v.mp4", ContentFile(b"video bytes"))
    clip_key = default_storage.save(
        f"users/{game.owner_id}/games/{game.id}/clips/c.mp4", ContentFile(b"clip")
    )
    Game.objects.filter(pk=game.pk).update(video_key=key, video_status="ready", video_duration=100)
    Clip.objects.create(game=game, start_time=1, end_time=5, file_key=clip_key, extraction_status="ready")

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.delete(f"/api/games/{game.id}")

    assert response.status_code == 204
    assert not Game.objects.filter(pk=game.pk).exists()
    assert not default_storage.exists(key)
    assert not default_storage.exists(clip_key)


def test_a_game_cannot_be_deleted_while_its_video_uploads(alice_api, game):
    UploadSession.objects.create(
        game=game, owner=game.owner, mode=UploadMode.MULTIPART, key="k", filename="m.mp4",
        content_type="video/mp4", size=10, part_size=10, part_count=1,
    )  # fmt: skip

    response = alice_api.delete(f"/api/games/{game.id}")

    assert response.status_code == 409
    assert "still uploading" in response.json()["detail"]
    assert Game.objects.filter(pk=game.pk).exists()

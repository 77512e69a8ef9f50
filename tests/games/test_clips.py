"""Clips: marking moments on a game, with the rules, names and aggregates."""

from __future__ import annotations

import pytest

from games.models import Clip
from tests.games.clipping import add

pytestmark = pytest.mark.django_db


def test_a_clip_gets_a_derived_name_and_counts_on_the_game(alice_api, match):
    response = add(alice_api, match, rating=4, tags=["Dribble", "Pass", "Tackle"])

    assert response.status_code == 201, response.json()
    clip = response.json()
    assert clip["name"] == "Good Dribble, Pass and Tackle"
    assert clip["name_is_derived"] is True
    assert clip["duration"] == 15
    assert clip["extraction_status"] == "pending"
    game = alice_api.get(f"/api/games/{match.id}").json()
    assert game["clips"] == {"count": 1, "by_rating": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}, "score": 5}


@pytest.mark.parametrize(
    ("rating", "tags", "name"),
    [
        (3, [], ""),
        (5, ["Goal"], "Brilliant Goal"),
        (2, ["Pass", "Save"], "Unfortunate Pass and Save"),
        (1, ["Tackle"], "Bad Tackle"),
    ],
)
def test_names_follow_rating_and_tags(alice_api, match, rating, tags, name):
    assert add(alice_api, match, rating=rating, tags=tags).json()["name"] == name


def test_a_typed_name_wins_but_the_derived_one_is_not_stored(alice_api, match):
    typed = add(alice_api, match, rating=4, tags=["Goal"], name="Top corner!").json()
    same = add(
        alice_api, match, start_time=200, end_time=210, rating=4, tags=["Goal"], name="Good Goal"
    ).json()

    assert typed["name"] == "Top corner!"
    assert typed["name_is_derived"] is False
    assert same["name_is_derived"] is True
    assert Clip.objects.get(pk=same["id"]).name == ""


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"start_time": 120, "end_time": 110}, "must end after it starts"),
        ({"start_time": 110, "end_time": 110}, "must end after it starts"),
        ({"start_time": 100, "end_time": 161}, "1 to 60 seconds"),
        ({"start_time": 100, "end_time": 100.5}, "1 to 60 seconds"),
        ({"start_time": 590, "end_time": 605}, "only 600 s long"),
        ({"start_time": -2, "end_time": 10}, "before the video"),
        ({"rating": 0}, "1 to 5"),
        ({"rating": 6}, "1 to 5"),
        ({"tags": ["Header"]}, "Unknown tag(s): Header"),
        ({"notes": "x" * 281}, "at most 280"),
    ],
)
def test_bad_clips_are_refused_with_a_sentence(alice_api, match, fields, words):
    response = add(alice_api, match, **fields)

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not Clip.objects.exists()


def test_two_clips_cannot_end_at_the_same_time(alice_api, match):
    add(alice_api, match)

    response = add(alice_api, match, start_time=105)

    assert response.status_code == 400
    assert "already has a clip ending at 115 s" in response.json()["detail"]


def test_an_edit_with_the_current_version_applies(alice_api, match):
    clip = add(alice_api, match).json()

    response = alice_api.patch(
        f"/api/clips/{clip['id']}", {"version": 1, "rating": 5, "tags": ["Goal"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Brilliant Goal"
    assert response.json()["version"] == 2


def test_a_stale_edit_is_a_409_and_writes_nothing(alice_api, match):
    clip = add(alice_api, match).json()
    alice_api.patch(f"/api/clips/{clip['id']}", {"version": 1, "notes": "first tab"}, format="json")

    response = alice_api.patch(
        f"/api/clips/{clip['id']}", {"version": 1, "notes": "second tab"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["current"]["notes"] == "first tab"
    assert Clip.objects.get(pk=clip["id"]).notes == "first tab"


def test_if_match_carries_the_version(alice_api, match):
    clip = add(alice_api, match).json()

    ok = alice_api.patch(f"/api/clips/{clip['id']}", {"rating": 2}, format="json", HTTP_IF_MATCH='"1"')
    stale = alice_api.patch(f"/api/clips/{clip['id']}", {"rating": 4}, format="json", HTTP_IF_MATCH='"1"')

    assert ok.status_code == 200
    assert stale.status_code == 409


def test_moving_a_clip_invalidates_its_file(alice_api, match):
    clip = add(alice_api, match).json()
    Clip.objects.filter(pk=clip["id"]).update(extraction_status="ready", file_key="users/x/clips/c.mp4")

    alice_api.patch(f"/api/clips/{clip['id']}", {"version": 1, "rating": 4}, format="json")
    assert Clip.objects.get(pk=clip["id"]).extraction_status == "ready"  # a rating change keeps the file

    alice_api.patch(f"/api/clips/{clip['id']}", {"version": 2, "start_time": 101}, format="json")
    moved = Clip.objects.get(pk=clip["id"])
    assert (moved.extraction_status, moved.file_key) == ("pending", "")


def test_deleting_a_clip_updates_the_aggregates(alice_api, match):
    clip = add(alice_api, match, rating=5).json()

    assert alice_api.delete(f"/api/clips/{clip['id']}").status_code == 204

    match.refresh_from_db()
    assert (match.clip_count, match.clips_rated_5, match.aggregate_score) == (0, 0, 0)


def test_a_bulk_replace_matches_clips_by_end_time(alice_api, match):
    kept = add(alice_api, match, start_time=100, end_time=115).json()
    add(alice_api, match, start_time=200, end_time=215)

    response = alice_api.put(
        f"/api/games/{match.id}/clips",
        [
            {"start_time": 101, "end_time": 115, "rating": 4, "tags": ["Pass"]},
            {"start_time": 300, "end_time": 320, "rating": 1},
        ],
        format="json",
    )

    assert response.status_code == 200, response.json()
    clips = response.json()
    assert [(c["start_time"], c["end_time"]) for c in clips] == [(101, 115), (300, 320)]
    assert clips[0]["id"] == kept["id"]
    assert clips[0]["name"] == "Good Pass"
    match.refresh_from_db()
    assert (match.clip_count, match.clips_rated_4, match.clips_rated_1) == (2, 1, 1)


def test_a_bulk_replace_with_one_bad_clip_writes_nothing(alice_api, match):
    add(alice_api, match)

    response = alice_api.put(
        f"/api/games/{match.id}/clips",
        [{"start_time": 10, "end_time": 20}, {"start_time": 50, "end_time": 40}],
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Clip 2:")
    assert list(Clip.objects.values_list("end_time", flat=True)) == [115]


def test_another_users_clips_are_404(bob_api, alice_api, match):
    clip = add(alice_api, match).json()

    assert bob_api.get(f"/api/clips/{clip['id']}").status_code == 404
    assert bob_api.patch(f"/api/clips/{clip['id']}", {"version": 1}, format="json").status_code == 404
    assert bob_api.delete(f"/api/clips/{clip['id']}").status_code == 404
    assert bob_api.get(f"/api/games/{match.id}/clips").status_code == 404
    assert add(bob_api, match, start_time=1, end_time=5).status_code == 404


def test_the_tag_vocabulary_is_grouped_by_position(alice_api):
    body = alice_api.get("/api/tags").json()

    positions = {p["position"]: [t["short"] for t in p["tags"]] for p in body["positions"]}
    assert positions["Attacker"] == ["Goal", "Assist", "Dribble", "Movement"]
    assert positions["Goalie"] == ["Save", "Command", "Distribution", "1v1 Save"]
    assert body["ratings"][0] == {"rating": 5, "adjective": "Brilliant", "symbol": "!!"}

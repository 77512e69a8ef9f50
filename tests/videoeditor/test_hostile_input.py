"""Inputs an outsider sends: deep JSON, huge ids and limits, control characters.
Each gets a 4xx with a sentence and leaves nothing behind."""

from __future__ import annotations

import pytest

from exports.models import Project
from games.models import Clip, Game
from tests.exports.conftest import make_game

pytestmark = pytest.mark.django_db
HUGE = 2**63
TSV_HEADER = "start_time\trating\ttags\tclip_name\tclip_duration\tnotes\n"


@pytest.fixture
def match(alice) -> Game:
    return make_game(alice)


@pytest.fixture
def clip(match) -> Clip:
    return Clip.objects.create(game=match, start_time=100, end_time=115, rating=4, tags=["Goal"])


def post_raw(api, path: str, body: str):
    return api.generic("POST", path, body.encode(), content_type="application/json")


# --- deeply nested JSON --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/games", "/api/projects", "/api/projects/preview-clips"])
def test_deeply_nested_json_is_refused_with_a_sentence(alice_api, path):
    body = "[" * 1000 + "]" * 1000

    response = post_raw(alice_api, path, body)

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not Game.objects.exists()
    assert not Project.objects.exists()


def test_nesting_inside_strings_does_not_count(alice_api):
    response = post_raw(alice_api, "/api/games", '{"opponent_name": "' + "[{" * 90 + '"}')

    assert response.status_code == 201, response.json()


def test_reasonable_nesting_is_accepted(alice_api):
    body = '{"opponent_name": "Rovers", "ignored": ' + "[" * 50 + "]" * 50 + "}"

    response = post_raw(alice_api, "/api/games", body)

    assert response.status_code == 201, response.json()


# --- huge ids and limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/projects", {"name": "Reel", "clip_ids": [HUGE]}),
        ("/api/projects/from-clips", {"clip_ids": [HUGE]}),
        ("/api/projects/from-clips", {"game_ids": [HUGE]}),
        ("/api/projects/preview-clips", {"game_ids": [HUGE]}),
        ("/api/projects/preview-clips", {"game_ids": [-1]}),
    ],
)
def test_ids_out_of_range_in_lists_are_refused(alice_api, path, body):
    response = alice_api.post(path, body, format="json")

    assert response.status_code == 400
    assert response.json()
    assert not Project.objects.exists()


def test_huge_clip_ids_added_to_a_project_are_refused(alice_api, clip):
    project = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clip.pk]}, format="json").json()

    response = alice_api.post(f"/api/projects/{project['id']}/clips", {"clip_ids": [HUGE]}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize("name", ["game", "project"])
@pytest.mark.parametrize("value", [str(HUGE), "99999999999999999999999", "0", "-3", "x"])
def test_download_filters_out_of_range_are_refused(alice_api, name, value):
    response = alice_api.get("/api/downloads", {name: value})

    assert response.status_code == 400
    assert name in response.json()["detail"]


@pytest.mark.parametrize("query", [{"limit": HUGE}, {"limit": "10" * 30}, {"offset": HUGE}, {"limit": "x"}])
def test_huge_or_garbage_paging_is_harmless(alice_api, match, query):
    response = alice_api.get("/api/games", query)

    assert response.status_code == 200
    assert len(response.json()["results"]) <= 200


def test_the_page_size_has_a_ceiling(alice_api, alice):
    Game.objects.bulk_create([Game(owner=alice, opponent_name=f"Team {n}") for n in range(205)])

    response = alice_api.get("/api/games", {"limit": 1000})

    assert len(response.json()["results"]) == 200


@pytest.mark.parametrize(
    "path",
    ["/api/games/99999999999999999999", f"/api/games/{HUGE}", f"/api/clips/{HUGE}", f"/api/projects/{HUGE}"],
)
def test_huge_path_ids_are_404(alice_api, path):
    response = alice_api.get(path)

    assert response.status_code == 404
    assert response.json()["detail"]


# --- control characters --------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\r", "\n", "\x7f", "\x85", "\x9b"])
def test_control_characters_in_a_game_name_are_refused(alice_api, bad):
    response = alice_api.post("/api/games", {"opponent_name": f"Rovers{bad}FC"}, format="json")

    assert response.status_code == 400
    assert "opponent" in str(response.json()).lower()
    assert not Game.objects.exists()


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\r"])
def test_control_characters_in_a_project_name_are_refused(alice_api, clip, bad):
    created = alice_api.post("/api/projects", {"name": f"Reel{bad}", "clip_ids": [clip.pk]}, format="json")
    renamed_from = alice_api.post("/api/projects/from-clips", {"name": f"Reel{bad}"}, format="json")

    assert created.status_code == 400
    assert renamed_from.status_code == 400
    assert "name" in str(created.json()).lower()
    assert not Project.objects.exists()


def test_a_project_rename_with_control_characters_is_refused(alice_api, clip):
    project = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clip.pk]}, format="json").json()

    response = alice_api.patch(
        f"/api/projects/{project['id']}", {"version": 1, "name": "A\x1bB"}, format="json"
    )

    assert response.status_code == 400
    assert Project.objects.get().name == "Reel"


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\r", "\n"])
def test_control_characters_in_a_clip_name_are_refused(alice_api, match, bad):
    response = alice_api.post(
        f"/api/games/{match.id}/clips",
        {"start_time": 1, "end_time": 5, "name": f"Top{bad}corner"},
        format="json",
    )

    assert response.status_code == 400
    assert "name" in str(response.json()).lower()
    assert not Clip.objects.exists()


def test_notes_keep_newlines_and_tabs_and_normalise_carriage_returns(alice_api, match):
    response = alice_api.post(
        f"/api/games/{match.id}/clips",
        {"start_time": 1, "end_time": 5, "notes": "one\r\ntwo\rthree\n\tfour "},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert Clip.objects.get().notes == "one\ntwo\nthree\n\tfour "


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\x7f"])
def test_other_control_characters_in_notes_are_refused(alice_api, match, bad):
    response = alice_api.post(
        f"/api/games/{match.id}/clips", {"start_time": 1, "end_time": 5, "notes": f"a{bad}b"}, format="json"
    )

    assert response.status_code == 400
    assert "notes" in str(response.json()).lower()


def test_a_nul_in_a_tsv_clip_name_is_refused_and_nothing_is_written(alice_api, match):
    text = TSV_HEADER + "0:10\t4\t\tGood\t5\t\n" + "0:30\t4\t\tBad\x00name\t5\t\n"

    response = alice_api.generic(
        "POST", f"/api/games/{match.id}/clips.tsv", text.encode(), content_type="text/tab-separated-values"
    )

    assert response.status_code == 400
    assert "name" in str(response.json()).lower()
    assert not Clip.objects.exists()


def test_a_bell_in_tsv_notes_is_refused(alice_api, match):
    text = TSV_HEADER + "0:10\t4\t\t\t5\tring\x07ring\n"

    response = alice_api.generic(
        "POST", f"/api/games/{match.id}/clips.tsv", text.encode(), content_type="text/tab-separated-values"
    )

    assert response.status_code == 400
    assert not Clip.objects.exists()

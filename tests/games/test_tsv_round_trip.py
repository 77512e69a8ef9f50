"""TSV files written by the earlier version of the product and by this one import,
export and import again into the same clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from games.models import Clip, Game
from tests.games.tsv_files import upload

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
FIELDS = ("start_time", "end_time", "rating", "tags", "name", "notes")


def clips_of(game: Game) -> list[tuple]:
    return [
        tuple(getattr(c, f) for f in FIELDS) for c in Clip.objects.filter(game=game).order_by("start_time")
    ]


@pytest.fixture
def new_game(alice):
    """A fresh game with two hours of probed video, so clips past an hour fit."""

    def make() -> Game:
        return Game.objects.create(
            owner=alice, opponent_name="Rovers", video_status="ready", video_key="users/x/v.mp4",
            video_duration=7200.0, video_width=1920, video_height=1080, video_fps=25.0,
        )  # fmt: skip

    return make


@pytest.mark.parametrize("name", ["earlier_version.tsv", "this_version.tsv"])
def test_a_file_imports_exports_and_imports_again_into_the_same_clips(alice_api, new_game, name):
    # given
    first, second = new_game(), new_game()
    assert upload(alice_api, first, (DATA / name).read_bytes()).status_code == 200

    # when
    exported = alice_api.get(f"/api/games/{first.id}/clips.tsv").content
    response = upload(alice_api, second, exported)

    # then
    assert response.status_code == 200, response.json()
    assert clips_of(second) == clips_of(first)
    assert alice_api.get(f"/api/games/{second.id}/clips.tsv").content == exported


def test_the_earlier_versions_file_is_read_as_it_was_meant(alice_api, new_game):
    game = new_game()
    body = (DATA / "earlier_version.tsv").read_bytes()
    assert body.count(b"\r\n") == 6, "the fixture must keep its CRLF line endings"

    response = upload(alice_api, game, body)

    assert response.status_code == 200, response.json()
    assert clips_of(game) == [
        (42, 57, 4, ["Pass", "Possession"], "", "switch of play to the left wing"),
        (725, 737, 5, ["Goal"], "Top corner", '"Top bins" - coach said it twice   '),
        (3661, 3676, 3, ["Save", "Command"], "", ""),
        (4530, 4538.5, 2, ["Tackle"], "", "late, booked  "),
        (6119, 6139, 4, ["1v1 Save", "Distribution"], "", "quick throw to the full back"),
    ]


def test_this_versions_file_exports_byte_for_byte_as_it_was(alice_api, new_game):
    game = new_game()
    body = (DATA / "this_version.tsv").read_bytes()
    assert upload(alice_api, game, body).status_code == 200

    assert alice_api.get(f"/api/games/{game.id}/clips.tsv").content == body

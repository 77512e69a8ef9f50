"""A project's group label names its games when none has a date, as the earlier
version of the product did (an empty label grouped such projects under nothing)."""

from __future__ import annotations

from datetime import date

import pytest

from exports.projects import group_label
from games.models import Clip, Game

pytestmark = pytest.mark.django_db


def test_two_undated_games_are_named():
    games = [Game(opponent_name="Alpha"), Game(opponent_name="Bravo")]

    assert group_label(games) == "Vs Alpha / Vs Bravo"


def test_past_two_undated_games_the_label_ends_in_dots():
    games = [Game(opponent_name=name) for name in ("Alpha", "Bravo", "Charlie")]

    assert group_label(games) == "Vs Alpha / Vs Bravo / ..."


def test_one_dated_game_among_undated_ones_still_gives_the_season():
    games = [Game(opponent_name="Alpha"), Game(opponent_name="Bravo", game_date=date(2025, 10, 4))]

    assert group_label(games) == "Fall 2025"


def undated_game(owner, opponent: str) -> Game:
    return Game.objects.create(
        owner=owner, opponent_name=opponent, video_status="ready", video_key=f"{opponent}.mp4",
        video_duration=600.0, video_width=1920, video_height=1080, video_fps=25.0,
    )  # fmt: skip


def test_the_projects_list_shows_the_names_of_undated_games(alice, alice_api):
    games = [undated_game(alice, name) for name in ("Alpha", "Bravo", "Charlie")]
    clips = [Clip.objects.create(game=game, start_time=10, end_time=25) for game in games]
    response = alice_api.post(
        "/api/projects",
        {"name": "Reel", "aspect_ratio": "9:16", "clip_ids": [c.pk for c in clips]},
        format="json",
    )
    assert response.status_code == 201, response.json()

    listed = alice_api.get("/api/projects").json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert items[0]["group_label"] == "Vs Alpha / Vs Bravo / ..."

"""A game's display name follows home / away / tournament."""

from __future__ import annotations

from datetime import date

import pytest

from games.models import Game


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"opponent_name": "Rovers", "game_type": "home"}, "Vs Rovers Mar 7"),
        ({"opponent_name": "Rovers", "game_type": "away"}, "At Rovers Mar 7"),
        (
            {"opponent_name": "Rovers", "game_type": "tournament", "tournament_name": "Spring Cup"},
            "Spring Cup: Vs Rovers Mar 7",
        ),
        ({"name": "Scrimmage", "game_type": "home"}, "Scrimmage"),
    ],
)
def test_display_name(fields, expected):
    assert Game(game_date=date(2026, 3, 7), **fields).display_name == expected


def test_a_clip_without_a_name_yet_is_called_by_where_it_starts():
    from games.models import Clip

    assert Clip(start_time=75.4, rating=5, tags=[]).label == "The clip at 1:15"
    assert Clip(start_time=75.4, rating=4, tags=["Goal"]).label == "Good Goal"

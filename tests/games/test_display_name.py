"""A game's display name follows home / away / tournament."""

from __future__ import annotations

from datetime import date

import pytest

from games.models import Game


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"opponent_name": "Rovers", "game_type": "home"}, "Vs Rovers Mar 7"),
        ({"opponent_name": "Rovers", "game_type": "away"}, "at Rovers Mar 7"),
        (
            {"opponent_name": "Rovers", "game_type": "tournament", "tournament_name": "Spring Cup"},
            "Spring Cup: Vs Rovers Mar 7",
        ),
        ({"name": "Scrimmage", "game_type": "home"}, "Scrimmage"),
    ],
)
def test_display_name(fields, expected):
    assert Game(game_date=date(2026, 3, 7), **fields).display_name == expected

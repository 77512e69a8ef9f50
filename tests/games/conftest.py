from __future__ import annotations

import pytest

from games.models import Game
from tests.media import make_video


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def video(media_dir):
    """A 3 s, 25 fps, 320x180 H.264 + AAC video."""
    return make_video(media_dir)


@pytest.fixture
def game(alice) -> Game:
    return Game.objects.create(owner=alice, opponent_name="Rovers", game_type="home")


@pytest.fixture
def bobs_game(bob) -> Game:
    return Game.objects.create(owner=bob, opponent_name="Wanderers")

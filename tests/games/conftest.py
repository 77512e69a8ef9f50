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


@pytest.fixture
def match(alice) -> Game:
    """A game whose (already probed) video is ten minutes of 1080p."""
    return Game.objects.create(
        owner=alice,
        opponent_name="Rovers",
        video_status="ready",
        video_key="users/x/v.mp4",
        video_duration=600.0,
        video_width=1920,
        video_height=1080,
        video_fps=29.97,
    )


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    """What clip extraction hands to django-q2, instead of a broker."""
    from games import extraction

    calls: list[tuple] = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: calls.append(args))
    return calls

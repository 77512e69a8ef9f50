"""`make run` creates a demo login and a demo game whose video is measured, not assumed."""

from __future__ import annotations

import av
import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage

from games.demo import ensure_demo_game, ensure_demo_user
from games.models import VideoStatus
from games.objects import object_store
from games.probe import NotAVideo, probe

pytestmark = pytest.mark.django_db


def test_the_demo_user_gets_a_random_password_that_is_shown_again(tmp_path):
    first = ensure_demo_user(tmp_path / "demo-password")
    second = ensure_demo_user(tmp_path / "demo-password")

    assert first.created
    assert not second.created
    assert first.password == second.password
    assert len(first.password) >= 12
    assert authenticate(username="demo", password=first.password) == first.user


def test_the_demo_game_has_a_probed_playable_video(tmp_path):
    user = ensure_demo_user(tmp_path / "demo-password").user

    game, created = ensure_demo_game(user, seconds=3)

    assert created
    assert game.video_status == VideoStatus.READY
    assert game.video_key.startswith(f"users/{user.pk}/games/{game.pk}/")
    assert default_storage.size(game.video_key) == game.video_size > 0
    assert (game.video_width, game.video_height) == (1280, 720)
    assert game.video_fps == 25
    assert game.video_duration == pytest.approx(3, abs=0.1)
    assert game.video_has_audio is True
    assert game.video_codec == "h264"
    # The stored object decodes into the moving test pattern, not a blank frame.
    with av.open(object_store().read_location(game.video_key)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert frame.shape == (720, 1280, 3)
    assert np.std(frame) > 30

    again, created_again = ensure_demo_game(user, seconds=3)
    assert (again.pk, created_again) == (game.pk, False)


def test_probing_a_file_that_is_not_a_video_says_so(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("this is a shopping list, not a match")

    with pytest.raises(NotAVideo, match="not a video we can read"):
        probe(str(text))

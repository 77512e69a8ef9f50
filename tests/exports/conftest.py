from __future__ import annotations

from datetime import date

import pytest

from games.models import Clip, Game


def make_game(owner, opponent="Rovers", when=date(2025, 10, 4), **fields) -> Game:
    return Game.objects.create(
        owner=owner,
        opponent_name=opponent,
        game_date=when,
        video_status="ready",
        video_key=f"users/{owner.pk}/v.mp4",
        video_duration=1800.0,
        video_width=1920,
        video_height=1080,
        video_fps=25.0,
        **fields,
    )


@pytest.fixture
def match(alice) -> Game:
    return make_game(alice)


@pytest.fixture
def clips(match) -> list[Clip]:
    """Four clips: ratings 5, 4, 3, 2 with different tags."""
    specs = [(60, 5, ["Goal"]), (200, 4, ["Dribble", "Pass"]), (400, 3, ["Pass"]), (600, 2, ["Tackle"])]
    return [
        Clip.objects.create(game=match, start_time=end - 15, end_time=end, rating=rating, tags=tags)
        for end, rating, tags in specs
    ]


@pytest.fixture
def project(alice_api, clips) -> dict:
    response = alice_api.post(
        "/api/projects",
        {"name": "Rovers reel", "aspect_ratio": "9:16", "clip_ids": [clips[1].pk, clips[2].pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("export-media")


@pytest.fixture
def small_exports(settings):
    """Exports rendered at a small size (the same code path, a fraction of the pixels)."""
    from tests.exports.exporting import small_output_sizes

    settings.OUTPUT_SIZES = small_output_sizes()
    return settings.OUTPUT_SIZES

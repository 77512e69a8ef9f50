"""Replacing a game's video cuts its clips again: the cuts of the old video are
deleted, the clips are cut from the new one (the decoded frames show the new
footage), the owner is told once, and no export renders an old cut."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings

from exports import jobs
from exports.projects import create_project
from games import extraction
from games.extraction import extract_clip, request_extraction
from games.models import Clip, ExtractionEvent, Game
from games.objects import object_store
from notifications.models import Notification
from tests.games.uploading import read, upload_single
from tests.media import make_video

pytestmark = pytest.mark.django_db(transaction=True)

RED = (255, 0, 0)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("replace-media")


@pytest.fixture(scope="module")
def pattern(media):
    """The first video: 8 s of ffmpeg's moving test pattern."""
    return make_video(media, seconds=8)


def red_video(folder: Path) -> Path:
    """8 s of solid red at 320x180, with sound: a replacement that tells itself apart."""
    path = folder / "red.mp4"
    if not path.exists():
        subprocess.run(
            [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", "color=c=red:size=320x180:rate=25",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p", "-t", "8",
             "-c:a", "aac", "-movflags", "+faststart", str(path)],
            check=True, timeout=120,
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def red(media):
    return red_video(media)


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    """What would wake a worker: clip cuts and exports, kept instead of sent to a broker."""
    calls: list[tuple] = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(extraction, "send_progress", lambda *args, **kwargs: None)
    return calls


@pytest.fixture
def game(alice, alice_api, pattern):
    game = Game.objects.create(owner=alice, opponent_name="Rovers", game_type="home")
    answer = upload_single(alice_api, game, read(pattern))
    assert answer.status_code == 200, answer.content
    game.refresh_from_db()
    yield game
    store = object_store()
    for key in [game.video_key, *Clip.objects.filter(game_id=game.pk).values_list("file_key", flat=True)]:
        if key:
            store.delete(key)


def run_cuts(queued: list[tuple]) -> list[str]:
    """Run the queued cuts as a worker would; returns their keys."""
    cuts = [call for call in queued if call[0] == "games.tasks.extract_clip"]
    queued.clear()
    return [extract_clip(*call[1:]) for call in cuts]


def mean_rgb(key: str, at: float) -> np.ndarray:
    """The average colour of the clip file's frame nearest `at` seconds."""
    with av.open(object_store().read_location(key)) as container:
        video = container.streams.video[0]
        origin = (container.start_time or 0) / av.time_base
        frames = [
            (abs(frame.time - origin - at), frame.to_ndarray(format="rgb24"))
            for frame in container.decode(video)
        ]
    return min(frames, key=lambda pair: pair[0])[1].reshape(-1, 3).mean(axis=0)


def is_red(colour: np.ndarray) -> bool:
    return float(np.abs(colour - np.array(RED)).max()) < 40


def test_replacing_the_video_cuts_its_clips_again_from_the_new_video(alice, alice_api, game, red, queued):
    # given: two clips cut from the test pattern, and one nobody asked to cut
    cut = [Clip.objects.create(game=game, start_time=s, end_time=e) for s, e in [(2.0, 4.0), (5.2, 6.5)]]
    never = Clip.objects.create(game=game, start_time=0.5, end_time=1.5)
    for clip in cut:
        assert request_extraction(clip)
    old_keys = run_cuts(queued)
    assert all(old_keys)
    assert not any(is_red(mean_rgb(key, 0.5)) for key in old_keys)
    old_video = game.video_key
    before = set(Notification.objects.filter(owner=alice).values_list("pk", flat=True))

    # when: the video is replaced by an upload of solid red
    answer = upload_single(alice_api, game, read(red), filename="replacement.mp4")

    # then: the old cuts and the old video are gone; the cut clips wait for a new cut
    assert answer.status_code == 200, answer.content
    store = object_store()
    assert [store.size(key) for key in [*old_keys, old_video]] == [None, None, None]
    for clip in cut:
        clip.refresh_from_db()
        assert (clip.extraction_status, clip.file_key) == ("extracting", "")
    never.refresh_from_db()
    assert never.extraction_status == "pending"
    assert sorted(call[1] for call in queued) == sorted(clip.pk for clip in cut)
    reasons = list(
        ExtractionEvent.objects.filter(clip=cut[0]).order_by("pk").values_list("reason", flat=True)
    )
    assert reasons[-2:] == ["the game's video was replaced", "cut again from the game's new video"]

    # and the owner is told once, in one sentence
    told = Notification.objects.filter(owner=alice).exclude(pk__in=before)
    assert sorted(told.values_list("type", flat=True)) == ["upload_complete", "upload_started"]
    complete = told.get(type="upload_complete")
    assert (complete.title, complete.message) == (
        "Video replaced",
        "Replaced the video of Vs Rovers; cutting its 2 clips again.",
    )

    # when: a worker cuts them; then: their frames come from the new video
    new_keys = run_cuts(queued)
    assert all(new_keys)
    assert not set(new_keys) & set(old_keys)
    for clip, key in zip(cut, new_keys, strict=True):
        clip.refresh_from_db()
        assert (clip.extraction_status, clip.file_key) == ("ready", key)
        assert is_red(mean_rgb(key, clip.file_lead_in + 0.5)), mean_rgb(key, clip.file_lead_in + 0.5)


def test_a_cut_under_way_when_the_video_is_replaced_is_thrown_away(alice_api, game, red, queued, monkeypatch):
    clip = Clip.objects.create(game=game, start_time=2.0, end_time=4.0)
    assert request_extraction(clip)
    (call,) = queued
    queued.clear()
    stored = []
    store = extraction._store

    # The worker has cut the old video; the replacement lands before it records the file.
    def replaced_meanwhile(clip, path):
        key = store(clip, path)
        stored.append(key)
        assert upload_single(alice_api, game, read(red), filename="replacement.mp4").status_code == 200
        return key

    monkeypatch.setattr(extraction, "_store", replaced_meanwhile)
    assert extract_clip(*call[1:]) is None
    monkeypatch.setattr(extraction, "_store", store)

    assert object_store().size(stored[0]) is None  # the old video's cut was not kept
    clip.refresh_from_db()
    assert (clip.extraction_status, clip.file_key) == ("extracting", "")
    (key,) = run_cuts(queued)
    assert is_red(mean_rgb(key, clip.file_lead_in + 0.5))


def test_an_export_of_the_old_cuts_is_stopped_and_a_new_one_waits_for_the_new_cuts(
    alice, alice_api, game, red, queued
):
    clip = Clip.objects.create(game=game, start_time=2.0, end_time=4.0)
    project = create_project(alice, "Rovers reel", "9:16", [clip])
    run_cuts(queued)
    running = jobs.submit(alice, project, "framing")
    assert running.status == "pending"

    assert upload_single(alice_api, game, read(red), filename="replacement.mp4").status_code == 200

    running.refresh_from_db()
    assert running.status == "error"
    assert running.error == "The game's video was replaced; export again once its clips are cut again."
    with pytest.raises(jobs.ExportError) as refused:
        jobs.submit(alice, project, "framing")
    assert refused.value.status == 409
    assert "still being cut from the game video" in refused.value.message
    run_cuts(queued)
    assert jobs.submit(alice, project, "framing").status == "pending"

"""Clip cuts against real faults: a real `qcluster` subprocess cutting for real, killed
mid-cut, and a broker that was down when the cut was asked for.

The cut here is sized to take a few seconds (12 s of a 960x540 game video with a
single keyframe, so it is re-encoded), long enough to kill its worker mid-cut."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path

import av
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from games import extraction
from games.extraction import request_extraction, task_id
from games.models import Clip, Game
from games.objects import object_store
from games.sweeper import sweep_extractions
from tests.helpers import eventually
from tests.servers import worker_process
from videoeditor import liveness

pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT = 2  # seconds; the sweeper may act once a dead worker's key is this old
WORKER_ENV = {"EXTRACTION_HEARTBEAT_SECONDS": str(HEARTBEAT), "Q_WORKERS": "1"}
START, END = 3.3, 15.3


@pytest.fixture(scope="session")
def slow_to_cut(tmp_path_factory):
    """16 s of 960x540 with one keyframe, at 0 s: a clip from 3.3 s is re-encoded."""
    path = tmp_path_factory.mktemp("cut-faults") / "one-keyframe.mp4"
    subprocess.run(
        [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=960x540:rate=25",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "1000", "-sc_threshold", "0",
         "-pix_fmt", "yuv420p", "-t", "16", "-movflags", "+faststart", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


@pytest.fixture
def clip(alice, slow_to_cut, settings) -> Iterator[Clip]:
    settings.EXTRACTION_HEARTBEAT_SECONDS = HEARTBEAT
    settings.EXTRACTION_MAX_ATTEMPTS = 2
    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    key = f"users/{alice.pk}/games/{game.pk}/{uuid.uuid4().hex}.mp4"
    with open(slow_to_cut, "rb") as stream:
        object_store().save_stream(key, stream, slow_to_cut.stat().st_size)
    Game.objects.filter(pk=game.pk).update(
        video_key=key, video_status="ready", video_duration=16.0, video_width=960, video_height=540
    )
    clip = Clip.objects.create(game=game, start_time=START, end_time=END)
    yield clip
    # A killed last attempt leaves its folder (a next attempt on this host would remove it).
    for left in Path(tempfile.gettempdir()).glob(f"{task_id(clip.pk)}-*"):
        shutil.rmtree(left, ignore_errors=True)


def current(clip: Clip) -> Clip:
    return Clip.objects.get(pk=clip.pk)


def cutting(clip: Clip, attempt: int = 1) -> Clip | None:
    """The clip once its worker has written frames in this attempt."""
    now = current(clip)
    if now.extraction_worker == "" or now.extraction_attempts != attempt:
        return None
    return now if (liveness.alive([task_id(clip.pk)]) or {}).get(task_id(clip.pk), 0) > 0 else None


def kill_worker(claimed: Clip) -> None:
    os.kill(int(claimed.extraction_worker.rsplit(":", 1)[1]), signal.SIGKILL)
    eventually(
        lambda: not liveness.alive([task_id(claimed.pk)]),
        timeout=HEARTBEAT * 3,
        what="the heartbeat to expire",
    )
    time.sleep(0.2)  # extraction_started_at is then older than the heartbeat too


def ended(clip: Clip) -> Clip | None:
    now = current(clip)
    return now if now.extraction_status in ("ready", "failed") else None


def seconds_of(key: str) -> float:
    with av.open(object_store().read_location(key)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream)) / float(stream.average_rate)


def test_a_worker_killed_mid_cut_is_replaced_and_the_cut_completes(clip):
    with worker_process(**WORKER_ENV):
        assert request_extraction(clip)
        first = eventually(lambda: cutting(clip), timeout=120, what="the first attempt to cut")
        kill_worker(first)
        report = StringIO()
        call_command("cleanup_stale_extractions", stdout=report)
        assert "queued again (attempt 1 of 2)" in report.getvalue(), report.getvalue()
        done = eventually(lambda: ended(clip), timeout=120, what="the cut to end")

    assert done.extraction_status == "ready", done.extraction_error
    assert done.extraction_attempts == 2
    assert done.extraction_worker != first.extraction_worker
    assert seconds_of(done.file_key) == pytest.approx(END - START, abs=0.1)
    steps = [(e.from_status, e.to_status) for e in done.extraction_events.all()]
    assert steps == [
        ("pending", "extracting"), ("extracting", "extracting"), ("extracting", "extracting"),
        ("extracting", "extracting"), ("extracting", "ready"),
    ]  # fmt: skip
    reasons = [e.reason for e in done.extraction_events.all()]
    assert "stopped beating" in reasons[2]
    assert reasons[3].startswith("claimed by")


def test_a_cut_whose_worker_dies_on_every_attempt_fails_with_a_sentence(clip, alice):
    with worker_process(**WORKER_ENV):
        assert request_extraction(clip)
        kill_worker(eventually(lambda: cutting(clip, attempt=1), timeout=120, what="attempt 1"))
        sweep_extractions()
        kill_worker(eventually(lambda: cutting(clip, attempt=2), timeout=120, what="attempt 2"))
        sweep_extractions()
        failed = current(clip)

    assert failed.extraction_status == "failed"
    assert failed.extraction_error == "The worker stopped while cutting this clip (attempt 2 of 2)."
    assert failed.file_key == ""
    assert alice.notifications.get(type="extraction_failed").message == failed.extraction_error


def test_a_cut_asked_for_while_the_broker_was_down_is_queued_by_the_sweeper(clip, monkeypatch):
    real = extraction.async_task

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(extraction, "async_task", down)
    assert request_extraction(clip)  # answered; the cut waits
    monkeypatch.setattr(extraction, "async_task", real)
    stale = settings.EXTRACTION_STALE_MINUTES
    Clip.objects.filter(pk=clip.pk).update(extraction_queued_at=timezone.now() - timedelta(minutes=stale + 1))
    with worker_process(**WORKER_ENV):
        lines = sweep_extractions()
        assert lines == [f"clip {clip.pk}: no worker took its cut on in {stale} min; queued again"]
        done = eventually(lambda: ended(clip), timeout=120, what="the cut to end")

    assert done.extraction_status == "ready", done.extraction_error
    assert (done.extraction_attempts, done.extraction_requeues) == (1, 1)
    assert seconds_of(done.file_key) == pytest.approx(END - START, abs=0.1)


def test_a_worker_sent_sigterm_mid_cut_gives_the_cut_back_and_another_finishes_it(clip):
    with worker_process(**WORKER_ENV):
        assert request_extraction(clip)
        first = eventually(lambda: cutting(clip), timeout=120, what="the cut to start")
        os.kill(int(first.extraction_worker.rsplit(":", 1)[1]), signal.SIGTERM)
        # django-q2 starts a new worker process in place of the one that stopped; it takes the cut.
        done = eventually(lambda: ended(clip), timeout=120, what="the cut to end")

    assert done.extraction_status == "ready", done.extraction_error
    assert done.extraction_attempts == 1  # the interrupted attempt was given back, not counted
    assert done.extraction_worker != first.extraction_worker
    assert any("was asked to stop" in e.reason for e in done.extraction_events.all())
    assert seconds_of(done.file_key) == pytest.approx(END - START, abs=0.1)

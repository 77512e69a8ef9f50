"""A clip's cut is a durable job: declared steps, each recorded; a worker claims it
once; a cut whose worker vanished, or that no worker took on, is queued again by the
sweeper and failed with a sentence after its attempts run out."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from games import extraction
from games.extraction import CUT_STEPS, CUTS, claim, request_extraction
from games.models import Clip, ExtractionStatus
from games.sweeper import sweep_extractions
from videoeditor import liveness
from videoeditor.pipeline import IllegalTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def sweeper_settings(settings):
    settings.EXTRACTION_MAX_ATTEMPTS = 2
    settings.EXTRACTION_HEARTBEAT_SECONDS = 2
    settings.EXTRACTION_STALE_MINUTES = 10
    return settings


def requested(game, django_capture_on_commit_callbacks, start: float = 10, end: float = 25) -> Clip:
    clip = Clip.objects.create(game=game, start_time=start, end_time=end)
    with django_capture_on_commit_callbacks(execute=True):
        assert request_extraction(clip)
    return Clip.objects.get(pk=clip.pk)


def orphan(clip: Clip, worker: str = "gone:1") -> Clip:
    """The clip as a worker killed mid-cut leaves it: claimed, and its heartbeat long expired."""
    assert claim(clip.pk, clip.start_time, clip.end_time, worker)
    Clip.objects.filter(pk=clip.pk).update(extraction_started_at=timezone.now() - timedelta(minutes=5))
    return Clip.objects.get(pk=clip.pk)


def steps(clip: Clip) -> list[tuple[str, str]]:
    return [(e.from_status, e.to_status) for e in clip.extraction_events.all()]


def sweep(capture) -> list[str]:
    with capture(execute=True):
        return sweep_extractions()


def test_every_declared_step_works_and_an_undeclared_one_raises(game):
    clip = Clip.objects.create(game=game, start_time=10, end_time=25)
    for source, targets in CUT_STEPS.items():
        for target in sorted(targets):
            Clip.objects.filter(pk=clip.pk).update(extraction_status=source)
            assert CUTS.transition(clip.pk, target, source=[source], reason="test")
            assert Clip.objects.get(pk=clip.pk).extraction_status == target
        for target in set(ExtractionStatus.values) - targets:
            with pytest.raises(IllegalTransition):
                CUTS.transition(clip.pk, target, source=[source], reason="test")
    assert clip.extraction_events.count() == sum(len(t) for t in CUT_STEPS.values())


def test_a_cut_is_claimed_by_one_worker_and_each_step_is_recorded(
    game, enqueued, django_capture_on_commit_callbacks
):
    clip = requested(game, django_capture_on_commit_callbacks)

    first = claim(clip.pk, 10, 25, "host:1")
    second = claim(clip.pk, 10, 25, "host:2")

    assert first is not None
    assert second is None
    clip.refresh_from_db()
    assert (clip.extraction_worker, clip.extraction_attempts) == ("host:1", 1)
    assert steps(clip) == [("pending", "extracting"), ("extracting", "extracting")]
    assert clip.extraction_events.last().worker_id == "host:1"


def test_a_cut_whose_worker_stopped_beating_is_queued_again_and_its_attempts_counted(
    game, enqueued, sweeper_settings, django_capture_on_commit_callbacks
):
    clip = orphan(requested(game, django_capture_on_commit_callbacks))
    enqueued.clear()

    report = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup_stale_extractions", stdout=report)

    assert "worker gone:1 stopped beating; queued again (attempt 1 of 2)" in report.getvalue()
    clip.refresh_from_db()
    assert (clip.extraction_status, clip.extraction_worker, clip.extraction_attempts) == ("extracting", "", 1)
    assert enqueued == [("games.tasks.extract_clip", clip.pk, 10.0, 25.0)]
    assert "stopped beating" in clip.extraction_events.last().reason
    # the next worker claims it: its attempt is the second
    assert claim(clip.pk, 10, 25, "host:2").extraction_attempts == 2


def test_a_cut_whose_worker_died_on_every_attempt_fails_with_a_sentence(
    game, alice, enqueued, sweeper_settings, django_capture_on_commit_callbacks
):
    clip = orphan(requested(game, django_capture_on_commit_callbacks))
    sweep(django_capture_on_commit_callbacks)
    clip = orphan(Clip.objects.get(pk=clip.pk), worker="gone:2")

    sweep(django_capture_on_commit_callbacks)

    clip.refresh_from_db()
    assert clip.extraction_status == "failed"
    assert clip.extraction_error == "The worker stopped while cutting this clip (attempt 2 of 2)."
    notice = alice.notifications.get(type="extraction_failed")
    assert notice.message == clip.extraction_error
    assert notice.data["clip_id"] == clip.pk


def test_a_cut_whose_worker_beats_is_left_alone(
    game, enqueued, sweeper_settings, django_capture_on_commit_callbacks
):
    clip = orphan(requested(game, django_capture_on_commit_callbacks))
    liveness.beat(extraction.task_id(clip.pk), "gone:1", 10.0, 30)
    try:
        assert sweep(django_capture_on_commit_callbacks) == []
    finally:
        liveness.forget(extraction.task_id(clip.pk))
    assert Clip.objects.get(pk=clip.pk).extraction_worker == "gone:1"


def test_a_broker_down_at_request_leaves_the_cut_waiting_and_the_sweeper_queues_it(
    game, alice, monkeypatch, sweeper_settings, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(extraction, "async_task", down)
    clip = requested(game, django_capture_on_commit_callbacks)  # the request itself does not fail
    assert clip.extraction_status == "extracting"
    assert sweep(django_capture_on_commit_callbacks) == []  # not stale yet

    queued: list[tuple] = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: queued.append(args))
    Clip.objects.filter(pk=clip.pk).update(extraction_queued_at=timezone.now() - timedelta(minutes=11))
    lines = sweep(django_capture_on_commit_callbacks)

    assert lines == [f"clip {clip.pk}: no worker took its cut on in 10 min; queued again"]
    assert queued == [("games.tasks.extract_clip", clip.pk, 10.0, 25.0)]
    assert Clip.objects.get(pk=clip.pk).extraction_requeues == 1

    # still nobody: the second time it fails with a sentence
    Clip.objects.filter(pk=clip.pk).update(extraction_queued_at=timezone.now() - timedelta(minutes=11))
    sweep(django_capture_on_commit_callbacks)
    clip.refresh_from_db()
    assert clip.extraction_status == "failed"
    assert clip.extraction_error == "No worker took this clip's cut on within 20 minutes; try again later."
    assert alice.notifications.filter(type="extraction_failed").count() == 1


def test_a_dry_run_changes_nothing(game, enqueued, sweeper_settings, django_capture_on_commit_callbacks):
    clip = orphan(requested(game, django_capture_on_commit_callbacks))
    enqueued.clear()
    report = StringIO()

    call_command("cleanup_stale_extractions", "--dry-run", stdout=report)

    assert "[dry run] would: clip" in report.getvalue()
    assert Clip.objects.get(pk=clip.pk).extraction_worker == "gone:1"
    assert enqueued == []


def test_an_edit_during_a_cut_outranks_the_sweeper(
    game, enqueued, sweeper_settings, django_capture_on_commit_callbacks
):
    clip = orphan(requested(game, django_capture_on_commit_callbacks))
    extraction.invalidate_file(clip)  # its times changed: the cut is no longer wanted

    assert sweep(django_capture_on_commit_callbacks) == []
    assert Clip.objects.get(pk=clip.pk).extraction_status == "pending"
    assert steps(clip)[-1] == ("extracting", "pending")

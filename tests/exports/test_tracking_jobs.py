"""Tracking jobs in one process: the worker follows the player in a generated match
scene (measured against its ground truth), a second click merges into the track,
cancel stops it, failures are sentences, and the sweeper rescues jobs whose worker
vanished."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import liveness, tasks, tracking_jobs, tracking_worker
from exports.models import JobStatus, TrackingJob
from exports.render.tracking import MAX_COAST_SECONDS
from games.objects import object_store
from notifications.models import Notification
from tests.scene_media import SIZE, keyed_clip, scene_clip, track_scene
from videoeditor.pipeline import IllegalTransition

pytestmark = pytest.mark.django_db(transaction=False)

FPS = 25


def follow(api, clip, time: float, box, resume: bool = False):
    x, y, w, h = box
    body = {"time": time, "box": {"x": x, "y": y, "width": w, "height": h}, "resume": resume}
    return api.post(f"/api/clips/{clip.pk}/tracks", body, format="json")


def centre_error(box, truth) -> float:
    """Distance between the centres, in % of the frame height."""
    centre = np.array(box[:2]) + np.array(box[2:]) / 2
    true_centre = np.array(truth[:2]) + np.array(truth[2:]) / 2
    return float(np.linalg.norm(centre - true_centre)) / SIZE[1] * 100


def job_writes(queries) -> list[str]:
    pattern = re.compile(r'^\s*(UPDATE|INSERT INTO)\s+"exports_trackingjob"\s', re.IGNORECASE)
    return [q["sql"] for q in queries if pattern.match(q["sql"])]


# --- the worker ---------------------------------------------------------------------------


def test_the_worker_follows_the_player_past_the_clips_lead_in(alice, alice_api, media_dir):
    # given: the clip's file starts 0.4 s (10 frames) before the clip, so clip frame i is scene frame i + 10
    shot = track_scene(1)
    clip = scene_clip(alice, media_dir, 1, lead_in=0.4)
    response = follow(alice_api, clip, 23 / FPS, shot.target_box(33))
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]

    # when
    sent = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            tracking_worker, "send_progress", lambda user, task, percent, *a, **k: sent.append(percent)
        )
        with CaptureQueriesContext(connection) as queries:
            found = tracking_worker.run_tracking(job_id)

    # then: the row written twice (claim, finish), progress rising to 100
    assert found == 1.0
    assert len(job_writes(queries.captured_queries)) == 2, job_writes(queries.captured_queries)
    assert len(sent) >= 10
    assert sent == sorted(sent)
    assert sent[-1] == 100
    job = TrackingJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETE
    assert [(e.from_status, e.to_status) for e in job.events.all()] == [
        ("", "pending"), ("pending", "processing"), ("processing", "complete"),
    ]  # fmt: skip
    track = job.track
    assert (track["fps"], track["frame_count"]) == (FPS, 90)
    errors = [centre_error(box, shot.target_box(i + 10)) for i, box in enumerate(track["boxes"])]
    assert np.mean(errors) < 2
    assert np.mean(np.array(errors) < 3) >= 0.95
    assert track["boxes"][23] == pytest.approx(list(shot.target_box(33)), abs=0.1)
    done = Notification.objects.get(owner=alice, type="tracking_complete")
    assert done.message == f"{clip.label}: the player was found in 100 % of the clip."
    assert done.data["job_id"] == job_id

    answer = alice_api.get(f"/api/tracks/{job_id}").json()
    assert (answer["status"], answer["progress"], answer["found_share"], answer["lost_spans"]) == (
        "complete", 1.0, 1.0, [],
    )  # fmt: skip


def test_a_second_click_in_the_lost_span_merges_into_the_track(alice, alice_api, media_dir):
    # given: the player is out of the picture in frames 40-85, longer than the tracker
    # coasts on a player's velocity; the first track stops there
    shot, hidden = track_scene(1), (40, 85)
    assert (hidden[1] - hidden[0]) / FPS > MAX_COAST_SECONDS
    clip = scene_clip(alice, media_dir, 1, hidden=hidden)
    first = follow(alice_api, clip, 20 / FPS, shot.target_box(20)).json()["id"]
    tracking_worker.run_tracking(first)
    before = alice_api.get(f"/api/clips/{clip.pk}/track").json()
    assert before["job_id"] == first
    assert before["lost_spans"] == [{"start_time": hidden[0] / FPS, "end_time": len(shot) / FPS}]
    message = Notification.objects.get(owner=alice, type="tracking_complete").message
    assert message == (
        f"{clip.label}: the player was found in 40 % of the clip; "
        "lost 1.6\u20134.0 s — click the player again there."
    )

    # when: the user clicks the player again inside the lost span, once it is back
    again = 90
    response = follow(alice_api, clip, again / FPS, shot.target_box(again), resume=True)
    assert response.status_code == 202, response.json()
    assert response.json()["config"]["resume_of"] == first
    tracking_worker.run_tracking(response.json()["id"])

    # then: the merged track keeps what was found and fills the span back to where it reappeared
    after = alice_api.get(f"/api/clips/{clip.pk}/track").json()
    assert after["job_id"] == response.json()["id"]
    assert after["boxes"][: hidden[0]] == before["boxes"][: hidden[0]]
    (lost,) = after["lost_spans"]
    assert lost["start_time"] == hidden[0] / FPS
    assert (hidden[1] + 1) / FPS <= lost["end_time"] <= (hidden[1] + 3) / FPS  # picked up within 2 frames
    assert all(box is not None for box in after["boxes"][round(lost["end_time"] * FPS) :])
    for i, box in enumerate(after["boxes"]):
        if box is not None:
            assert centre_error(box, shot.target_box(i)) < 3, i


def test_a_cancel_while_tracking_stops_it_and_stores_no_track(alice, alice_api, media_dir):
    shot = track_scene(1)
    clip = scene_clip(alice, media_dir, 1)
    job_id = follow(alice_api, clip, 33 / FPS, shot.target_box(33)).json()["id"]
    seen, after = [], []

    def cancel_midway(job, fraction):
        if seen and seen[-1] > tracking_worker.DECODE_SHARE + 0.05:
            after.append(fraction)  # reports after the cancel
        elif fraction > tracking_worker.DECODE_SHARE + 0.05:  # a few frames into tracking
            assert alice_api.delete(f"/api/tracks/{job_id}").json()["status"] == "cancelled"
        seen.append(fraction)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tracking_worker, "FLAG_CHECK_SECONDS", 0)
        patch.setattr(tracking_worker.Progress, "report", cancel_midway)
        assert tracking_worker.run_tracking(job_id) is None

    assert len(after) <= 1  # it stopped at the next frame
    assert seen[-1] < 0.5
    job = TrackingJob.objects.get(pk=job_id)
    assert (job.status, job.track) == ("cancelled", None)
    assert not Notification.objects.filter(owner=alice, type="tracking_complete").exists()


def test_a_clip_file_gone_fails_the_job_with_a_sentence(alice, alice_api, media_dir):
    clip = scene_clip(alice, media_dir, 1)
    job_id = follow(alice_api, clip, 1.0, (100, 100, 30, 60)).json()["id"]
    object_store().delete(clip.file_key)

    tracking_worker.run_tracking(job_id)

    job = TrackingJob.objects.get(pk=job_id)
    assert job.status == "error"
    assert job.error == "The clip's file is gone (it was cut again meanwhile); follow the player again."
    failed = Notification.objects.get(owner=alice, type="tracking_failed")
    assert failed.message == f"{clip.label}: {job.error}"


def test_sigterm_while_tracking_gives_the_job_back_without_counting_the_attempt(
    alice, alice_api, media_dir, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tracking_jobs, "async_task", lambda *args, **kwargs: queued.append(args))
    delivered = []
    monkeypatch.setattr(tracking_worker.StopSignal, "deliver", lambda self: delivered.append(True))
    clip = scene_clip(alice, media_dir, 1)
    job_id = follow(alice_api, clip, 1.0, (100, 100, 30, 60)).json()["id"]

    def signalled(job, fraction):
        import os
        import signal

        os.kill(os.getpid(), signal.SIGTERM)  # the handler only sets a flag while a job runs

    monkeypatch.setattr(tracking_worker.Progress, "report", signalled)
    with django_capture_on_commit_callbacks(execute=True):
        tracking_worker.run_tracking(job_id)

    job = TrackingJob.objects.get(pk=job_id)
    assert (job.status, job.attempts, job.track) == ("pending", 0, None)
    assert queued == [("exports.tasks.run_tracking", job_id)]
    assert delivered == [True]
    assert "asked to stop" in job.events.last().reason


def test_a_worker_that_loses_the_claim_leaves_quietly(alice):
    job = TrackingJob.objects.create(owner=alice, clip=keyed_clip(alice), status="processing")

    assert tasks.run_tracking(job.pk) is None

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("processing", 0)
    assert not job.events.exists()


def test_every_declared_step_works_and_an_undeclared_one_raises(alice):
    job = TrackingJob.objects.create(owner=alice, clip=keyed_clip(alice))
    for source, targets in tracking_jobs.TRACKS.steps.items():
        for target in sorted(targets):
            TrackingJob.objects.filter(pk=job.pk).update(status=source)
            assert tracking_jobs.transition(job.pk, target, source=[source], reason="test")
        for target in set(JobStatus.values) - targets:
            with pytest.raises(IllegalTransition):
                tracking_jobs.transition(job.pk, target, source=[source], reason="test")


# --- the sweeper ----------------------------------------------------------------------------


def orphan(owner, attempts: int, worker_id: str = "gone:1") -> TrackingJob:
    return TrackingJob.objects.create(
        owner=owner, clip=keyed_clip(owner), status="processing", attempts=attempts, worker_id=worker_id,
        started_at=timezone.now() - timedelta(minutes=5), config={"time": 0.0, "box": [0, 0, 10, 10]},
    )  # fmt: skip


def test_the_sweeper_requeues_a_job_whose_heartbeat_vanished_then_fails_it(
    alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EXPORT_MAX_ATTEMPTS = 2
    queued = []
    monkeypatch.setattr(tracking_jobs, "async_task", lambda *args, **kwargs: queued.append(args))
    job = orphan(alice, attempts=1)
    beating = orphan(alice, attempts=1, worker_id="here:2")
    liveness.beat(beating.pk, "here:2", 40.0)

    assert tracking_jobs.sweep(dry_run=True)
    assert TrackingJob.objects.get(pk=job.pk).status == "processing"
    with django_capture_on_commit_callbacks(execute=True):
        report = tasks.sweep_stale_exports()  # the scheduled sweep covers tracking jobs

    assert any(job.pk in line and "queued again (attempt 1 of 2)" in line for line in report)
    assert TrackingJob.objects.get(pk=job.pk).status == "pending"
    assert queued == [("exports.tasks.run_tracking", job.pk)]
    assert TrackingJob.objects.get(pk=beating.pk).status == "processing"  # its worker beats

    TrackingJob.objects.filter(pk=job.pk).update(
        status="processing", attempts=2, started_at=timezone.now() - timedelta(minutes=5)
    )
    tracking_jobs.sweep()
    job.refresh_from_db()
    assert job.status == "error"
    assert job.error == "The worker stopped while following the player (attempt 2 of 2)."
    assert Notification.objects.filter(owner=alice, type="tracking_failed").count() == 1
    liveness.forget(beating.pk)


def test_the_sweeper_requeues_a_pending_job_nobody_took_once_then_fails_it(alice, monkeypatch):
    monkeypatch.setattr(tracking_jobs, "async_task", lambda *args, **kwargs: None)
    job = TrackingJob.objects.create(owner=alice, clip=keyed_clip(alice))
    TrackingJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=16))
    tracking_jobs.sweep()
    job.refresh_from_db()
    assert (job.status, job.requeues) == ("pending", 1)

    TrackingJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=16))
    tracking_jobs.sweep()
    job.refresh_from_db()
    assert job.status == "error"
    assert job.error == "No worker took this on within 30 minutes; try again later."


def test_the_cleanup_command_sweeps_tracking_jobs_too(alice):
    job = orphan(alice, attempts=1)
    out = StringIO()

    call_command("cleanup_stale_exports", "--dry-run", stdout=out)

    assert job.pk in out.getvalue()
    assert "dry run" in out.getvalue().lower()
    assert TrackingJob.objects.get(pk=job.pk).status == "processing"


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_lists_tracking_jobs_shows_their_history_and_cancels(alice, alice_api, admin_client):
    from django.contrib.admin.utils import quote
    from django.urls import reverse

    clip = keyed_clip(alice)
    job_id = follow(alice_api, clip, 1.0, (100, 100, 30, 60)).json()["id"]
    changelist = "/admin/exports/trackingjob/"

    listed = admin_client.get(changelist, {"status__exact": "pending"})
    page = admin_client.get(reverse("admin:exports_trackingjob_change", args=[quote(job_id)]))
    cancelled = admin_client.post(changelist, {"action": "cancel_selected", "_selected_action": [job_id]})

    assert job_id in listed.content.decode()
    assert f"submitted by {alice}" in page.content.decode()
    assert cancelled.status_code == 302
    assert TrackingJob.objects.get(pk=job_id).status == "cancelled"
    assert "cancelled by admin" in TrackingJob.objects.get(pk=job_id).events.last().reason

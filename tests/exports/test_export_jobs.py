"""Export jobs in one process: submission rules, the state machine, the worker's
happy path (decoded and measured), cancel, and the sweeper's decisions."""

from __future__ import annotations

import re
from datetime import timedelta

import av
import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import jobs, liveness, worker
from exports.highlights import from_project
from exports.models import ExportEvent, ExportJob, FinalVideo, JobStatus, Project, WorkingVideo
from exports.projects import record_working_video
from notifications.models import Notification
from tests.exports.exporting import ready_project, store_file
from tests.media import make_video

pytestmark = pytest.mark.django_db(transaction=False)


def submit(api, project, kind="framing", **extra):
    return api.post("/api/exports", {"project_id": project.pk, "type": kind, **extra}, format="json")


def decoded(key: str) -> tuple[list[np.ndarray], float, bool]:
    from games.objects import object_store

    with av.open(object_store().read_location(key)) as container:
        has_audio = bool(container.streams.audio)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        rate = float(container.streams.video[0].average_rate)
    return frames, len(frames) / rate, has_audio


def served_bytes(api, url: str) -> int:
    """The size of the file behind a video URL: served here, or a presigned S3 redirect."""
    response = api.get(url)
    if response.status_code == 302:
        import requests

        fetched = requests.get(response["Location"], timeout=30)
        assert fetched.status_code == 200
        return len(fetched.content)
    assert response.status_code == 200
    return len(b"".join(response.streaming_content))


def job_writes(queries) -> list[str]:
    pattern = re.compile(r'^\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"exports_exportjob"\s', re.IGNORECASE)
    return [q["sql"] for q in queries if pattern.match(q["sql"])]


# --- the happy path ---------------------------------------------------------------------


def test_a_framing_export_follows_the_crop_and_writes_the_job_row_exactly_twice(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [2.0])
    project_clip = project.project_clips.get()
    # A 9:16 crop on the right edge of the 320x180 source.
    project_clip.crop_keyframes = [{"time": 0.0, "x": 218.0, "y": 0.0, "width": 101.25, "height": 180.0}]
    project_clip.save()

    response = submit(alice_api, project)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["job_id"].startswith("export_")

    sent = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "send_progress", lambda user, task, percent, *a, **k: sent.append(percent))
        with CaptureQueriesContext(connection) as queries:
            key = worker.run_export(body["job_id"])
    assert len(job_writes(queries.captured_queries)) == 2, job_writes(queries.captured_queries)
    assert len(sent) >= 3
    assert sent == sorted(sent)
    assert sent[0] < 50
    assert sent[-1] == 100

    job = ExportJob.objects.get(pk=body["job_id"])
    assert job.status == JobStatus.COMPLETE
    assert job.attempts == 1
    assert job.error == ""
    assert job.upscaler == "bicubic"
    assert job.working_video.file_key == key
    assert [(e.from_status, e.to_status) for e in job.events.all()] == [
        ("", "pending"), ("pending", "processing"), ("processing", "complete"),
    ]  # fmt: skip
    frames, seconds, has_audio = decoded(key)
    assert frames[0].shape == (214, 120, 3)
    assert seconds == pytest.approx(2.0, abs=0.05)
    assert has_audio
    # The picture is the right edge of the source, not its centre or left.
    source, *_ = decoded(project_clip.clip.file_key)
    scaled = {
        name: np.asarray(
            av.VideoFrame.from_ndarray(np.ascontiguousarray(source[0][:, x : x + 101]), format="rgb24")
            .reformat(width=120, height=214).to_ndarray(format="rgb24"), dtype=float
        )
        for name, x in (("right", 218), ("left", 0))
    }  # fmt: skip
    error = {name: np.abs(picture - frames[0]).mean() for name, picture in scaled.items()}
    assert error["right"] < 12 < error["left"], error

    kinds = list(Notification.objects.filter(owner=alice).values_list("type", flat=True).order_by("seq"))
    assert kinds == ["export_started", "export_complete"]
    done = Notification.objects.get(owner=alice, type="export_complete")
    assert done.actions[0]["label"] == "Open"
    assert done.data["job_id"] == job.pk

    answer = alice_api.get(f"/api/exports/{job.pk}").json()
    assert answer["status"] == "complete"
    assert answer["progress"] == 100
    assert answer["output"]["kind"] == "working_video"
    assert answer["output"]["width"] == 120
    assert served_bytes(alice_api, answer["output"]["url"]) == job.working_video.size


def test_a_multi_clip_export_joins_the_clips_and_an_overlay_export_makes_the_final_video(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [1.0, 1.5])
    Project.objects.filter(pk=project.pk).update(transition={"type": "cut", "duration": 0.5})
    job_id = submit(alice_api, project, "multi_clip").json()["job_id"]
    worker.run_export(job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "complete", job.error
    _, seconds, _ = decoded(job.working_video.file_key)
    assert seconds == pytest.approx(2.5, abs=0.08)

    project.refresh_from_db()
    from_project(
        project,
        [
        {
            "id": "r1", "start_time": 0.0, "end_time": 2.0, "enabled": True,
            "keyframes": [{"time": 0.0, "x": 60, "y": 107, "radius_x": 30, "radius_y": 40, "opacity": 1.0,
                           "color": "#FFFF00"}],
        }
        ],
    )  # fmt: skip
    response = submit(alice_api, project, "overlay")
    assert response.status_code == 202, response.json()
    worker.run_export(response.json()["job_id"])
    final = ExportJob.objects.get(pk=response.json()["job_id"])
    assert final.status == "complete"
    assert final.final_video is not None
    frames, seconds, _ = decoded(final.final_video.file_key)
    assert seconds == pytest.approx(2.5, abs=0.08)
    centre = frames[10][100:114, 55:65].astype(float).mean(axis=(0, 1))
    assert min(centre[0], centre[1]) > 200, centre  # yellow at full opacity
    assert centre[2] < 80, centre
    gallery = alice_api.get("/api/downloads").json()
    assert [v["id"] for v in gallery["results"]] == [final.final_video.pk]


# --- submission rules -------------------------------------------------------------------


def test_a_project_without_clips_is_refused_with_a_sentence_and_nothing_is_queued(alice, alice_api):
    project = Project.objects.create(owner=alice, name="Empty")
    response = submit(alice_api, project)
    assert response.status_code == 400
    assert response.json()["detail"] == "This project has no clips to export; add clips first."
    assert not ExportJob.objects.exists()


def test_a_clip_still_being_cut_is_refused(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    clip = project.project_clips.get().clip
    clip.extraction_status, clip.file_key = "extracting", ""
    clip.save()
    response = submit(alice_api, project)
    assert response.status_code == 409
    assert "still being cut from the game video" in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_a_clip_not_yet_cut_is_refused_and_starts_being_cut(
    alice, alice_api, media_dir, small_exports, monkeypatch, django_capture_on_commit_callbacks
):
    from games import extraction

    queued = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: queued.append(args))
    project = ready_project(alice, media_dir, [1.0])
    clip = project.project_clips.get().clip
    clip.extraction_status, clip.file_key = "pending", ""
    clip.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(alice_api, project)
    assert response.status_code == 409
    assert "still being cut from the game video" in response.json()["detail"]
    clip.refresh_from_db()
    assert clip.extraction_status == "extracting"  # the refusal did not roll the request back
    assert queued[0][:2] == ("games.tasks.extract_clip", clip.pk)
    assert not ExportJob.objects.exists()


def test_invalid_crop_data_is_refused_naming_the_clip(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    ProjectClip = project.project_clips.model
    ProjectClip.objects.filter(project=project).update(
        crop_keyframes=[{"time": 0, "x": 300, "y": 0, "width": 101.25, "height": 180}]
    )
    response = submit(alice_api, project)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Clip 1 (")
    assert not ExportJob.objects.exists()


def test_another_users_project_is_not_found(alice, bob_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    assert submit(bob_api, project).status_code == 404
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"type": "zoom"}, 400, "type"),
        ({"type": "framing", "config": {"speed": 2}}, 400, "Unknown export setting(s): speed"),
        ({"type": "framing", "config": {"quality": "best"}}, 400, "quality is one of fast, quality"),
        ({"type": "framing", "config": [1]}, 400, "config must be an object"),
        ({"type": "framing", "config": {"audio": "no"}}, 400, "audio must be true (keep the sound) or false"),
        ({"type": "multi_clip"}, 400, "at least two clips"),
        ({"type": "overlay"}, 409, "Export the framing first"),
    ],
)
def test_bad_submissions_get_a_sentence(alice, alice_api, media_dir, small_exports, payload, status, words):
    project = ready_project(alice, media_dir, [1.0])
    response = alice_api.post("/api/exports", {"project_id": project.pk, **payload}, format="json")
    assert response.status_code == status
    assert words in str(response.json())
    assert not ExportJob.objects.exists()


def test_the_chosen_quality_and_sound_are_recorded_in_the_job(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])

    response = submit(alice_api, project, config={"quality": "quality", "audio": False})

    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert (job.config["quality"], job.config["audio"]) == ("quality", False)


def test_sound_is_kept_unless_asked(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])

    assert submit(alice_api, project).status_code == 202
    assert ExportJob.objects.get().config["audio"] is True


def test_an_export_without_sound_has_no_audio_stream(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0, 1.0])
    job_id = submit(alice_api, project, "multi_clip", config={"audio": False}).json()["job_id"]
    worker.run_export(job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "complete", job.error
    assert not decoded(job.working_video.file_key)[2]

    response = submit(alice_api, project, "overlay", config={"audio": True})
    worker.run_export(response.json()["job_id"])
    final = ExportJob.objects.get(pk=response.json()["job_id"])
    assert final.status == "complete", final.error
    # The final video is rendered from the clips, so it has their sound whatever the working video had.
    assert decoded(final.final_video.file_key)[2]


def test_an_overlay_export_without_sound_drops_the_framed_videos_sound(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [1.0])
    worker.run_export(submit(alice_api, project).json()["job_id"])
    project.refresh_from_db()
    assert decoded(project.working_video.file_key)[2]

    response = submit(alice_api, project, "overlay", config={"audio": False})
    worker.run_export(response.json()["job_id"])
    final = ExportJob.objects.get(pk=response.json()["job_id"])
    assert final.status == "complete", final.error
    assert not decoded(final.final_video.file_key)[2]


def test_two_active_exports_of_one_project_and_type_are_refused(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    assert submit(alice_api, project).status_code == 202
    second = submit(alice_api, project)
    assert second.status_code == 409
    assert "already exporting" in second.json()["detail"]
    assert ExportJob.objects.count() == 1


def test_the_config_is_a_snapshot_later_edits_do_not_change(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    job_id = submit(alice_api, project).json()["job_id"]
    before = ExportJob.objects.get(pk=job_id).config["clips"][0]["crop_keyframes"]
    project.project_clips.update(crop_keyframes=[{"time": 0, "x": 0, "y": 0, "width": 101.25, "height": 180}])
    assert ExportJob.objects.get(pk=job_id).config["clips"][0]["crop_keyframes"] == before


def test_submitting_enqueues_on_commit_on_the_routed_cluster(
    alice, alice_api, media_dir, small_exports, settings, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: calls.append((args, kwargs)))
    project = ready_project(alice, media_dir, [1.0])
    # The default crop (the whole 180-pixel height) has more pixels than the 120-wide output:
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(alice_api, project).json()
    assert calls[-1][1]["cluster"] == "cpu"
    assert first["cluster"] == "cpu"
    jobs.cancel(ExportJob.objects.get(pk=first["job_id"]), "test")

    settings.EXPORT_GPU_CLUSTER = "gpu"
    project.project_clips.update(crop_keyframes=[{"time": 0, "x": 0, "y": 0, "width": 50.625, "height": 90}])
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(alice_api, project).json()
    # The working video is a proxy, resampled without the network: the CPU cluster renders it.
    assert calls[-1][0] == ("exports.tasks.run_export", second["job_id"])
    assert (calls[-1][1]["cluster"], second["cluster"]) == ("cpu", "cpu")
    worker.run_export(second["job_id"])
    # The final video is the one the upscaler improves: the GPU cluster renders it.
    with django_capture_on_commit_callbacks(execute=True):
        final = submit(alice_api, project, "overlay").json()
    assert calls[-1][0] == ("exports.tasks.run_export", final["job_id"])
    assert (calls[-1][1]["cluster"], final["cluster"]) == ("gpu", "gpu")


# --- the state machine ------------------------------------------------------------------


def test_every_declared_step_works_and_an_undeclared_one_raises(alice, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    job = ExportJob.objects.create(owner=alice, project=project, type="framing")
    for source, targets in jobs.PIPELINE.items():
        for target in sorted(targets):
            ExportJob.objects.filter(pk=job.pk).update(status=source)
            assert jobs.transition(job.pk, target, source=[source], reason="test")
            assert ExportJob.objects.get(pk=job.pk).status == target
        for target in set(JobStatus.values) - targets:
            with pytest.raises(jobs.IllegalTransition):
                jobs.transition(job.pk, target, source=[source], reason="test")
    # A legal step from a state the row is not in changes nothing.
    ExportJob.objects.filter(pk=job.pk).update(status="complete")
    assert not jobs.transition(job.pk, "processing", source=["pending"], reason="late claim")
    assert ExportJob.objects.get(pk=job.pk).status == "complete"


def test_a_worker_that_loses_the_claim_leaves_quietly(alice, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    job = ExportJob.objects.create(owner=alice, project=project, type="framing", status="processing")
    assert worker.run_export(job.pk) is None
    job.refresh_from_db()
    assert job.status == "processing"
    assert job.attempts == 0
    assert not job.events.exists()


# --- cancel -----------------------------------------------------------------------------


def test_cancelling_a_pending_export_is_immediate_and_a_finished_one_is_409(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [1.0])
    job_id = submit(alice_api, project).json()["job_id"]
    response = alice_api.delete(f"/api/exports/{job_id}")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert worker.run_export(job_id) is None  # the queued task finds nothing to do
    again = alice_api.delete(f"/api/exports/{job_id}")
    assert again.status_code == 409
    assert again.json()["detail"] == "This export already ended (cancelled); there is nothing to cancel."


def test_a_cancel_during_the_render_stops_it_and_leaves_no_output(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [2.0])
    job_id = submit(alice_api, project).json()["job_id"]
    seen = []

    def cancel_midway(done, total):
        seen.append(done)
        if len(seen) == 2:
            assert alice_api.delete(f"/api/exports/{job_id}").json()["status"] == "cancelled"

    original = worker.Progress.of

    def reporting(self, phase):
        report = original(self, phase)
        return lambda done, total: (report(done, total), cancel_midway(done, total))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker.Progress, "of", reporting)
        patch.setattr(worker, "FLAG_CHECK_SECONDS", 0)
        assert worker.run_export(job_id) is None
    assert seen[-1] < 50  # it stopped early: 2 s at 25 fps is 50 frames
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "cancelled"
    assert job.working_video is None
    assert not WorkingVideo.objects.exists()


def test_a_render_that_fails_ends_the_job_with_a_sentence(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    clip = project.project_clips.get().clip
    job_id = submit(alice_api, project).json()["job_id"]
    from games.objects import object_store

    object_store().delete(clip.file_key)
    worker.run_export(job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "error"
    assert job.error.startswith("A file this export reads is missing")
    failed = Notification.objects.get(owner=alice, type="export_failed")
    assert job.error in failed.message


def test_sigterm_during_the_render_gives_the_job_back_without_counting_the_attempt(
    alice, alice_api, media_dir, small_exports, monkeypatch, django_capture_on_commit_callbacks
):
    requeued = []
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: requeued.append(args))
    delivered = []
    monkeypatch.setattr(worker.StopSignal, "deliver", lambda self: delivered.append(True))
    project = ready_project(alice, media_dir, [2.0])
    job_id = submit(alice_api, project).json()["job_id"]
    original = worker.Progress.of

    def signalled(self, phase):
        report = original(self, phase)

        def after(done, total):
            report(done, total)
            import os
            import signal

            os.kill(os.getpid(), signal.SIGTERM)  # the handler only sets a flag while rendering

        return after

    monkeypatch.setattr(worker.Progress, "of", signalled)
    with django_capture_on_commit_callbacks(execute=True):
        worker.run_export(job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "pending"
    assert job.attempts == 0
    assert job.working_video is None
    assert requeued[-1] == ("exports.tasks.run_export", job_id)
    assert delivered == [True]
    assert "asked to stop" in job.events.last().reason


# --- the sweeper ------------------------------------------------------------------------


def orphan(alice, project, attempts: int, worker_id="gone:1") -> ExportJob:
    return ExportJob.objects.create(
        owner=alice, project=project, type="framing", status="processing", attempts=attempts,
        worker_id=worker_id, started_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip


def test_the_sweeper_requeues_an_orphan_then_fails_it_after_the_last_attempt(
    alice, media_dir, small_exports, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EXPORT_MAX_ATTEMPTS = 2
    queued = []
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: queued.append(args))
    project = ready_project(alice, media_dir, [1.0])
    job = orphan(alice, project, attempts=1)
    alive = orphan(alice, ready_project(alice, media_dir, [1.0]), attempts=1, worker_id="here:2")
    liveness.beat(alive.pk, "here:2", 40.0)

    assert jobs.sweep(dry_run=True)
    assert ExportJob.objects.get(pk=job.pk).status == "processing"
    with django_capture_on_commit_callbacks(execute=True):
        report = jobs.sweep()
    assert any("queued again (attempt 1 of 2)" in line for line in report)
    job.refresh_from_db()
    assert job.status == "pending"
    assert queued == [("exports.tasks.run_export", job.pk)]
    assert ExportJob.objects.get(pk=alive.pk).status == "processing"  # its worker beats

    ExportJob.objects.filter(pk=job.pk).update(
        status="processing", attempts=2, started_at=timezone.now() - timedelta(minutes=5)
    )
    jobs.sweep()
    job.refresh_from_db()
    assert job.status == "error"
    assert job.error == "The worker stopped while rendering this export (attempt 2 of 2)."
    assert Notification.objects.filter(owner=alice, type="export_failed").count() == 1
    liveness.forget(alive.pk)


def test_the_sweeper_requeues_a_pending_job_nobody_took_once_then_fails_it(
    alice, media_dir, small_exports, settings, monkeypatch
):
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: None)
    project = ready_project(alice, media_dir, [1.0])
    job = ExportJob.objects.create(owner=alice, project=project, type="framing", cluster="gpu")
    ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=16))
    jobs.sweep()
    job.refresh_from_db()
    assert job.status == "pending"
    assert job.requeues == 1
    ExportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=16))
    jobs.sweep()
    job.refresh_from_db()
    assert job.status == "error"
    assert job.error == "No worker took this export on within 30 minutes; try again later."
    assert "gpu" in job.events.last().reason


def test_a_finish_after_the_sweeper_took_the_job_over_records_no_output(alice, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    job = ExportJob.objects.create(owner=alice, project=project, type="framing")
    job = worker.claim(job.pk, "slow:1")
    # The sweeper gave the job to another worker meanwhile.
    ExportJob.objects.filter(pk=job.pk).update(status="processing", attempts=2, worker_id="other:2")
    path = make_video(media_dir, seconds=1.0)
    key = store_file(path, "exports/test/late.mp4")
    result = type(
        "R", (), {"path": path, "duration": 1.0, "width": 320, "height": 180, "fps": 25, "device": "cpu"}
    )
    with pytest.raises(worker.Lost):
        worker.finish(job, "slow:1", key, result, "bicubic")
    assert not WorkingVideo.objects.exists()
    assert ExportJob.objects.get(pk=job.pk).status == "processing"


def test_cleanup_stale_exports_command_reports_and_dry_run_changes_nothing(alice, media_dir, small_exports):
    from io import StringIO

    from django.core.management import call_command

    project = ready_project(alice, media_dir, [1.0])
    job = orphan(alice, project, attempts=1)
    out = StringIO()
    call_command("cleanup_stale_exports", "--dry-run", stdout=out)
    assert job.pk in out.getvalue()
    assert "dry run" in out.getvalue().lower()
    assert ExportJob.objects.get(pk=job.pk).status == "processing"


def test_lists_of_exports(alice, alice_api, bob_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    job_id = submit(alice_api, project).json()["job_id"]
    old = ExportJob.objects.create(owner=alice, project=project, type="overlay", status="complete")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=30))
    assert [j["job_id"] for j in alice_api.get("/api/exports/active").json()] == [job_id]
    assert [j["job_id"] for j in alice_api.get("/api/exports/recent").json()] == [job_id]
    assert len(alice_api.get("/api/exports/recent?hours=48").json()) == 2
    assert alice_api.get("/api/exports/recent?hours=0").status_code == 400
    assert alice_api.get("/api/exports/recent?hours=169").status_code == 400
    assert len(alice_api.get(f"/api/projects/{project.pk}/exports").json()) == 2
    assert bob_api.get(f"/api/exports/{job_id}").status_code == 404
    assert bob_api.get("/api/exports/active").json() == []
    assert bob_api.delete(f"/api/exports/{job_id}").status_code == 404
    # A GET never changes state.
    assert ExportJob.objects.get(pk=job_id).status == "pending"
    assert ExportEvent.objects.count() == 1
    assert not FinalVideo.objects.exists()


def test_a_working_video_file_is_served_to_its_owner_only(
    alice, alice_api, bob_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [1.0])
    assert alice_api.get(f"/api/projects/{project.pk}/working-video/file").status_code == 404
    key = store_file(make_video(media_dir, seconds=1.0), "exports/test/w.mp4")
    record_working_video(project, file_key=key, size=1, duration=1.0, width=320, height=180, fps=25)
    assert served_bytes(alice_api, f"/api/projects/{project.pk}/working-video/file") > 1000
    assert bob_api.get(f"/api/projects/{project.pk}/working-video/file").status_code == 404


def test_a_game_whose_clips_an_export_reads_cannot_be_deleted_until_it_ends(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [1.0])
    game = project.project_clips.get().clip.game
    job_id = submit(alice_api, project).json()["job_id"]
    refused = alice_api.delete(f"/api/games/{game.pk}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "An export of Reel uses this game's clips; wait for it to finish or cancel it first."
    )
    alice_api.delete(f"/api/exports/{job_id}")
    assert alice_api.delete(f"/api/games/{game.pk}").status_code == 204


def test_an_export_past_the_task_timeout_fails_with_a_sentence(
    alice, alice_api, media_dir, small_exports, settings
):
    from django_q.exceptions import TimeoutException

    settings.Q_TIMEOUT = 1800
    project = ready_project(alice, media_dir, [1.0])
    job_id = submit(alice_api, project).json()["job_id"]

    def too_slow(*args, **kwargs):
        raise TimeoutException("Task exceeded maximum timeout value (1800 seconds)")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "render", too_slow)
        with pytest.raises(TimeoutException):
            worker.run_export(job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "error"
    assert job.error == "This export ran longer than the 30 minutes one export may take and was stopped."


def test_a_retried_export_is_not_stopped_by_the_cancel_of_its_last_life(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [1.0])
    job_id = submit(alice_api, project).json()["job_id"]
    alice_api.delete(f"/api/exports/{job_id}")
    assert liveness.cancel_requested(job_id)
    jobs.retry(ExportJob.objects.get(pk=job_id), "admin")
    assert not liveness.cancel_requested(job_id)
    worker.run_export(job_id)
    assert ExportJob.objects.get(pk=job_id).status == "complete"


def test_a_broker_that_is_down_leaves_the_job_pending_for_the_sweeper(
    alice, alice_api, media_dir, small_exports, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(jobs, "async_task", down)
    project = ready_project(alice, media_dir, [1.0])
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(alice_api, project)
    assert response.status_code == 202
    assert ExportJob.objects.get(pk=response.json()["job_id"]).status == "pending"

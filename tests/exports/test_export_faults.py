"""Export jobs against real faults: real `qcluster` subprocesses rendering for real,
killed, raced, cancelled, and a real Redis server restarted under them.

The renders here are sized to take a few seconds (a 6 s clip in 0.25x slow motion
at 720x1280), long enough to act on a job mid-render."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from io import StringIO
from pathlib import Path

import av
import psutil
import pytest
import requests
from django.core.management import call_command
from django.test import Client
from django_q.models import Task
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from exports import jobs, liveness
from exports.models import ExportJob, WorkingVideo
from games.objects import object_store
from tests.exports.exporting import ready_project
from tests.helpers import eventually
from tests.servers import web_process, worker_process
from videoeditor.embedded_redis import EmbeddedRedis

pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT = 2  # seconds; the sweeper may act once a dead worker's key is this old
WORKER_ENV = {"EXPORT_HEARTBEAT_SECONDS": str(HEARTBEAT), "Q_WORKERS": "1"}
SLOW_MOTION = {"trim_start": 0.0, "trim_end": 6.0, "splits": [], "speeds": [0.25]}  # 24 s of output


@pytest.fixture
def long_render(settings, media_dir):
    """A project whose framing export renders for several seconds."""
    settings.OUTPUT_SIZES = {**settings.OUTPUT_SIZES, "9:16": (720, 1280)}
    settings.EXPORT_HEARTBEAT_SECONDS = HEARTBEAT
    settings.EXPORT_MAX_ATTEMPTS = 2

    def make(owner):
        project = ready_project(owner, media_dir, [6.0])
        project.project_clips.update(segments=SLOW_MOTION)
        # repeated frames: these tests need a render of a few seconds, not in-between frames
        project.slow_motion = "repeat"
        project.save(update_fields=["slow_motion"])
        return project

    return make


def job(job_id: str) -> ExportJob:
    return ExportJob.objects.get(pk=job_id)


def rendering(job_id: str, attempt: int = 1) -> ExportJob | None:
    """The job once its worker has written frames in this attempt."""
    current = job(job_id)
    if current.status != "processing" or current.attempts != attempt:
        return None
    return current if (liveness.alive([job_id]) or {}).get(job_id, 0) > 0 else None


def ffmpeg_of(job_id: str) -> list[psutil.Process]:
    """ffmpeg processes working in one of the job's temporary folders."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if "ffmpeg" in (process.info["name"] or "") and any(
                f"{job_id}-" in arg for arg in process.info["cmdline"] or []
            ):
                found.append(process)
        except psutil.Error:
            continue
    return found


def temp_folders(job_id: str) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{job_id}-*"))


def kill_worker(current: ExportJob) -> None:
    os.kill(int(current.worker_id.rsplit(":", 1)[1]), signal.SIGKILL)
    eventually(
        lambda: not liveness.alive([current.pk]), timeout=HEARTBEAT * 3, what="the heartbeat to expire"
    )
    time.sleep(0.2)  # started_at is then older than the heartbeat too


def output_seconds(key: str) -> float:
    with av.open(object_store().read_location(key)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream)) / float(stream.average_rate)


def test_a_worker_killed_mid_render_is_replaced_and_the_job_completes_exactly_once(alice, long_render):
    project = long_render(alice)
    with worker_process(**WORKER_ENV):
        job_id = jobs.submit(alice, project, "framing").pk
        first = eventually(lambda: rendering(job_id), what="the first attempt to render")
        kill_worker(first)
        report = StringIO()
        call_command("cleanup_stale_exports", stdout=report)
        assert "queued again (attempt 1 of 2)" in report.getvalue(), report.getvalue()
        done = eventually(lambda: job(job_id).status in ("complete", "error") and job(job_id), timeout=120)

    assert done.status == "complete", done.error
    assert done.attempts == 2
    assert done.worker_id != first.worker_id
    assert WorkingVideo.objects.filter(project=project).count() == 1
    assert done.working_video.version == 1
    assert output_seconds(done.working_video.file_key) == pytest.approx(24.0, abs=0.1)
    steps = [(e.from_status, e.to_status) for e in done.events.all()]
    assert steps == [
        ("", "pending"), ("pending", "processing"), ("processing", "pending"),
        ("pending", "processing"), ("processing", "complete"),
    ]  # fmt: skip
    assert "stopped beating" in done.events.all()[2].reason
    eventually(lambda: not ffmpeg_of(job_id), timeout=10, what="the killed attempt's ffmpeg to end")
    assert temp_folders(job_id) == []  # the second attempt removed the first one's folder


def test_a_job_whose_worker_dies_on_every_attempt_ends_in_error_with_a_sentence(alice, long_render):
    project = long_render(alice)
    with worker_process(**WORKER_ENV):
        job_id = jobs.submit(alice, project, "framing").pk
        kill_worker(eventually(lambda: rendering(job_id, attempt=1), what="attempt 1"))
        jobs.sweep()
        kill_worker(eventually(lambda: rendering(job_id, attempt=2), what="attempt 2"))
        jobs.sweep()
        failed = job(job_id)

    assert failed.status == "error"
    assert failed.error == "The worker stopped while rendering this export (attempt 2 of 2)."
    assert not WorkingVideo.objects.exists()
    notice = alice.notifications.get(type="export_failed")
    assert failed.error in notice.message
    eventually(lambda: not ffmpeg_of(job_id), timeout=10, what="the killed attempts' ffmpeg to end")


def test_a_worker_sent_sigterm_mid_render_gives_the_job_back_and_another_finishes_it(alice, long_render):
    project = long_render(alice)
    with worker_process(**WORKER_ENV):
        job_id = jobs.submit(alice, project, "framing").pk
        first = eventually(lambda: rendering(job_id), what="the render to start")
        os.kill(int(first.worker_id.rsplit(":", 1)[1]), signal.SIGTERM)
        # django-q2 starts a new worker process in place of the one that stopped; it takes the job.
        done = eventually(lambda: job(job_id).status in ("complete", "error") and job(job_id), timeout=120)

    assert done.status == "complete", done.error
    assert done.attempts == 1  # the interrupted attempt was given back, not counted
    assert done.worker_id != first.worker_id
    assert any("asked to stop" in e.reason for e in done.events.all())
    assert WorkingVideo.objects.count() == 1
    assert output_seconds(done.working_video.file_key) == pytest.approx(24.0, abs=0.1)


def test_two_workers_racing_for_one_job_render_it_once(alice, settings, media_dir):
    settings.OUTPUT_SIZES = {**settings.OUTPUT_SIZES, "9:16": (360, 640)}
    project = ready_project(alice, media_dir, [2.0])
    with worker_process(**WORKER_ENV), worker_process(**WORKER_ENV):
        job_id = jobs.submit(alice, project, "framing").pk
        jobs.enqueue(job(job_id))  # a second wake-up for the same job: both clusters get one
        eventually(
            lambda: Task.objects.filter(name=job_id).count() == 2, timeout=90, what="both tasks to end"
        )

    done = job(job_id)
    assert done.status == "complete"
    assert done.attempts == 1
    assert done.events.filter(to_status="processing").count() == 1
    assert WorkingVideo.objects.count() == 1
    results = sorted(str(t.result) for t in Task.objects.filter(name=job_id))
    assert results == sorted(["None", done.working_video.file_key])  # the loser rendered nothing
    assert all(t.success for t in Task.objects.filter(name=job_id))


def test_cancel_while_processing_stops_ffmpeg_within_two_seconds_and_leaves_no_output(
    alice, alice_api, long_render
):
    project = long_render(alice)
    with worker_process(**WORKER_ENV):
        job_id = jobs.submit(alice, project, "framing").pk
        eventually(lambda: rendering(job_id), what="the render to start")
        assert ffmpeg_of(job_id), "the render should have an ffmpeg child"
        asked = time.monotonic()
        response = alice_api.delete(f"/api/exports/{job_id}")
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        eventually(lambda: not ffmpeg_of(job_id) and not temp_folders(job_id), timeout=5, what="the stop")
        stopped = time.monotonic() - asked
        eventually(lambda: Task.objects.filter(name=job_id).exists(), timeout=10, what="the task to end")

    assert stopped < 2.0, f"the render took {stopped:.2f} s to stop"
    cancelled = job(job_id)
    assert cancelled.status == "cancelled"
    assert cancelled.working_video is None
    assert not WorkingVideo.objects.exists()
    assert Task.objects.get(name=job_id).result is None


def test_a_redis_restart_during_a_render_loses_nothing(alice, long_render, tmp_path):
    """A Redis server of its own (so restarting it disturbs no other test), used by
    the web process, the worker and the channel layer alike."""
    project = long_render(alice)
    redis_server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="r-")) / "redis.sock")
    redis_server.start()
    env = {**WORKER_ENV, "REDIS_URL": redis_server.url}
    token = Token.objects.create(user=alice).key
    browser = Client()
    browser.force_login(alice)
    cookie = browser.cookies["sessionid"].value
    try:
        with web_process(**env) as url, worker_process(**env):
            api = requests.Session()
            api.headers["Authorization"] = f"Token {token}"
            response = api.post(f"{url}/api/exports", json={"project_id": project.pk, "type": "framing"})
            assert response.status_code == 202, response.text
            job_id = response.json()["job_id"]
            eventually(
                lambda: (api.get(f"{url}/api/exports/{job_id}").json().get("progress") or 0) > 0,
                what="the render to report progress",
            )
            redis_server.stop()
            time.sleep(1.0)
            redis_server.start()
            done = eventually(
                lambda: job(job_id).status in ("complete", "error") and job(job_id), timeout=120
            )
            assert done.status == "complete", done.error
            assert done.attempts == 1  # the same worker finished it: nothing was re-run

            ws_url = url.replace("http://", "ws://") + "/ws/notifications"
            with connect(ws_url, origin=url, additional_headers={"Cookie": f"sessionid={cookie}"}) as ws:
                ws.send(json.dumps({"type": "hello", "last_seq": 0}))
                replayed = []
                while (message := json.loads(ws.recv(timeout=10)))["type"] != "ready":
                    replayed.append(message)
    finally:
        redis_server.stop()

    assert [m["type"] for m in replayed] == ["export_started", "export_complete"]
    assert replayed[1]["data"]["job_id"] == job_id
    assert WorkingVideo.objects.count() == 1
    assert output_seconds(done.working_video.file_key) == pytest.approx(24.0, abs=0.1)

"""Stopping a worker cluster as production does (`python -m videoeditor.serve stop-cluster
PID`, the systemd worker unit's ExecStop; `make run` stops its cluster the same way): a
render in progress goes back to the queue, its attempt not counted, and the cluster
exits within seconds instead of being killed at the unit's stop timeout."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from exports import jobs
from exports.models import WorkingVideo
from tests.exports import test_export_faults as faults
from tests.exports.test_export_faults import WORKER_ENV, ffmpeg_of, job, output_seconds, rendering
from tests.helpers import BASE_DIR, eventually
from tests.servers import worker_process

pytestmark = pytest.mark.django_db(transaction=True)

long_render = faults.long_render  # the fixture: a project whose export renders for several seconds

# Two workers: the one rendering gets SIGTERM, the idle one must be left to read its STOP pill.
CLUSTER_ENV = {**WORKER_ENV, "Q_WORKERS": "2"}


def stop_cluster(pid: int, timeout: float = 20) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "videoeditor.serve", "stop-cluster", str(pid), "--timeout", str(timeout)],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout + 30, check=False,
    )  # fmt: skip
    return result, time.monotonic() - started


def running(cluster: subprocess.Popen) -> bool:
    return "running." in Path(cluster.log_path).read_text()


def test_stopping_a_cluster_mid_render_gives_the_job_back_and_another_cluster_finishes_it(alice, long_render):
    project = long_render(alice)
    with worker_process(**CLUSTER_ENV) as cluster:
        job_id = jobs.submit(alice, project, "framing").pk
        first = eventually(lambda: rendering(job_id), what="the render to start")
        assert ffmpeg_of(job_id), "the render should have an ffmpeg child"

        result, took = stop_cluster(cluster.pid)

        assert result.returncode == 0, result.stdout + result.stderr
        assert took < 10, f"the cluster took {took:.1f} s to stop"
        assert cluster.wait(timeout=1) == 0  # the leader itself exited, cleanly
        log = Path(cluster.log_path).read_text()
    given_back = job(job_id)
    assert given_back.status == "pending"
    assert given_back.attempts == 0  # the interrupted attempt does not count
    assert given_back.worker_id == ""
    assert "asked to stop" in given_back.events.last().reason
    assert ffmpeg_of(job_id) == []
    assert "reincarnated" not in log  # no worker was started in place of the stopped one

    with worker_process(**WORKER_ENV):
        done = eventually(lambda: job(job_id).status in ("complete", "error") and job(job_id), timeout=120)

    assert done.status == "complete", done.error
    assert done.attempts == 1
    assert done.worker_id != first.worker_id
    steps = [(e.from_status, e.to_status) for e in done.events.all()]
    assert steps == [
        ("", "pending"), ("pending", "processing"), ("processing", "pending"),
        ("pending", "processing"), ("processing", "complete"),
    ]  # fmt: skip
    assert WorkingVideo.objects.filter(project=project).count() == 1
    assert output_seconds(done.working_video.file_key) == pytest.approx(24.0, abs=0.1)


def test_stopping_an_idle_cluster_is_quick():
    with worker_process(**CLUSTER_ENV) as cluster:
        eventually(lambda: running(cluster), timeout=30, what="the cluster to start")

        result, took = stop_cluster(cluster.pid)

        assert result.returncode == 0, result.stdout + result.stderr
        assert cluster.wait(timeout=1) == 0
    assert took < 5, f"an idle cluster took {took:.1f} s to stop"
    assert "has stopped" in result.stdout


def test_stop_cluster_refuses_a_pid_that_is_not_a_running_cluster():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    other = subprocess.Popen(["sleep", "30"])
    try:
        gone, _ = stop_cluster(ended.pid)
        not_ours, _ = stop_cluster(other.pid)
        assert other.poll() is None  # it was not signalled
    finally:
        other.kill()
        other.wait()

    assert gone.returncode == 1
    assert f"No process with PID {ended.pid} is running" in gone.stderr
    assert not_ours.returncode == 1
    assert f"Process {other.pid} is not a qcluster leader" in not_ours.stderr

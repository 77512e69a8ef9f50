"""`manage.py export_project`: submission as the project's owner, and --wait following
the export on the progress events the browser gets, ending with the job row."""

from __future__ import annotations

import _thread
import asyncio
import re
import threading
import time
from io import StringIO

import pytest
from channels.layers import channel_layers
from django.core.management import CommandError, call_command
from django.db import connections

from exports import jobs, worker
from exports.management.commands.export_project import progress_bar, progress_of
from exports.models import ExportJob, JobStatus, Project
from games.objects import object_store
from notifications.service import user_group
from tests.exports.exporting import ready_project

PERCENT = re.compile(r"\] +(\d+)%  export_")


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    """Jobs the command queued (no task broker round trip: the test plays the worker)."""
    calls: list[tuple] = []
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: calls.append(args))
    return calls


class CommandThread(threading.Thread):
    """call_command in a thread, keeping its stdout and whatever it raised."""

    def __init__(self, *args: str) -> None:
        super().__init__(daemon=True)
        self.args, self.out, self.error = args, StringIO(), None

    def run(self) -> None:
        try:
            call_command(*self.args, stdout=self.out)
        except Exception as exc:
            self.error = exc
        finally:
            connections.close_all()

    def wait_for_output(self, pattern: str, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not re.search(pattern, self.out.getvalue()):
            assert self.is_alive() or re.search(pattern, self.out.getvalue()), (
                self.error,
                self.out.getvalue(),
            )
            assert time.monotonic() < deadline, f"no {pattern!r} in {self.out.getvalue()!r}"
            time.sleep(0.02)


def group_size(user) -> int:
    """How many channels are in the user's group in Redis (a peek at channels-redis's keys)."""
    layer = channel_layers.make_backend("default")
    group = user_group(user.pk)

    async def count() -> int:
        try:
            return await layer.connection(layer.consistent_hash(group)).zcard(layer._group_key(group))
        finally:
            await layer.close_pools()

    return asyncio.run(count())


def test_the_bar_shows_only_this_jobs_progress():
    job_id = "export_ab12cd34ef56"
    assert progress_bar(45, job_id) == "[#########-----------]  45%  export_ab12…"
    assert progress_bar(99.9, job_id, "rendering") == "[###################-]  99%  export_ab12…  rendering"
    mine = {"type": "export_progress", "progress": 37.5, "data": {"job_id": job_id}}
    assert progress_of(mine, job_id) == 37.5
    assert progress_of({**mine, "data": {"job_id": "export_other"}}, job_id) is None
    assert progress_of({**mine, "type": "upload_progress"}, job_id) is None


@pytest.mark.django_db
def test_without_wait_the_job_is_submitted_as_the_owner_and_left_pending(alice, media_dir, small_exports):
    project = ready_project(alice, media_dir, [1.0])
    out = StringIO()

    call_command("export_project", str(project.pk), "--type", "framing", "--quality", "quality", stdout=out)

    job = ExportJob.objects.get(project=project)
    assert (job.owner, job.type, job.status, job.config["quality"]) == (
        alice,
        "framing",
        "pending",
        "quality",
    )
    assert out.getvalue() == (
        f"Submitted export {job.pk} (framing of project {project.pk}, quality); it runs in the background.\n"
    )


@pytest.mark.django_db
def test_a_refused_submission_is_the_sentence_and_no_job(alice):
    project = Project.objects.create(owner=alice, name="Empty", aspect_ratio="9:16")

    with pytest.raises(CommandError, match=r"^This project has no clips to export; add clips first\.$"):
        call_command("export_project", str(project.pk), "--type", "framing")
    with pytest.raises(CommandError, match=r"^There is no project with id 999999\.$"):
        call_command("export_project", "999999", "--type", "framing")
    assert not ExportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_waiting_shows_the_workers_progress_and_exits_when_complete(alice, media_dir, small_exports, queued):
    project = ready_project(alice, media_dir, [1.0])
    groups_before = group_size(alice)
    command = CommandThread("export_project", str(project.pk), "--type", "framing", "--wait")
    command.start()
    command.wait_for_output(r"\]   0%  export_")  # in the owner's group, listening

    job_id = ExportJob.objects.get(project=project).pk
    assert queued == [("exports.tasks.run_export", job_id)]
    worker.run_export(job_id)
    command.join(30)

    assert not command.is_alive()
    assert command.error is None, command.error
    output = command.out.getvalue()
    shown = [int(p) for p in PERCENT.findall(output)]
    assert any(0 < p < 100 for p in shown), output  # a live progress event from the worker
    assert shown[-1] == 100
    assert shown == sorted(shown)
    job = ExportJob.objects.get(pk=job_id)
    video = job.working_video
    assert output.endswith(
        f"Export {job_id} is complete: framed video v1, {video.width}x{video.height}, "
        f"{video.duration:.2f} s, {video.size:,} bytes ({video.file_key}).\n"
    )
    assert video.duration == pytest.approx(1.0, abs=0.1)
    assert group_size(alice) == groups_before  # the command left the group


@pytest.mark.django_db(transaction=True)
def test_waiting_on_an_export_that_fails_raises_the_jobs_sentence(alice, media_dir, small_exports, queued):
    project = ready_project(alice, media_dir, [1.0])
    command = CommandThread("export_project", str(project.pk), "--type", "framing", "--wait")
    command.start()
    command.wait_for_output(r"%  export_")
    job_id = ExportJob.objects.get(project=project).pk
    object_store().delete(project.project_clips.get().clip.file_key)

    worker.run_export(job_id)
    command.join(30)

    assert not command.is_alive()
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == JobStatus.ERROR
    assert isinstance(command.error, CommandError)
    assert str(command.error) == f"Export {job_id} failed: {job.error}"
    assert "A file this export reads is missing" in job.error


@pytest.mark.django_db(transaction=True)
def test_waiting_gives_up_after_the_timeout_and_the_job_goes_on(alice, media_dir, small_exports, queued):
    project = ready_project(alice, media_dir, [1.0])
    started = time.monotonic()

    with pytest.raises(CommandError, match=r"did not end within 0\.5 s; it continues in the background\.$"):
        call_command("export_project", str(project.pk), "--type", "framing", "--wait", "--timeout", "0.5")

    assert time.monotonic() - started < 5
    assert ExportJob.objects.get(project=project).status == JobStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_while_waiting_leaves_the_group_and_the_export_running(
    alice, media_dir, small_exports, queued
):
    project = ready_project(alice, media_dir, [1.0])
    groups_before = group_size(alice)
    out = StringIO()

    def interrupt_once_listening() -> None:
        # SIGINT only once the bar is drawn: asyncio.run handles it from then on.
        deadline = time.monotonic() + 20
        while "%  export_" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_listening, daemon=True).start()
    with pytest.raises(CommandError) as stopped:
        call_command("export_project", str(project.pk), "--type", "framing", "--wait", stdout=out)

    job = ExportJob.objects.get(project=project)
    assert stopped.value.returncode == 130
    assert str(stopped.value) == f"Stopped waiting; export {job.pk} continues in the background."
    assert job.status == JobStatus.PENDING
    assert group_size(alice) == groups_before

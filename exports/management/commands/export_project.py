"""`manage.py export_project PROJECT_ID --type T`: submit an export as the project's
owner; with --wait, follow it on the same progress events the browser gets.

Progress is ephemeral (a message sent while nobody listens is gone), so the job
row, re-read every couple of seconds, is what says the export ended.
"""

from __future__ import annotations

import asyncio

from channels import DEFAULT_CHANNEL_LAYER
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from exports import jobs
from exports.models import FINISHED_STATUSES, ExportJob, JobStatus, JobType, Project
from notifications.models import NotificationType
from notifications.service import user_group

POLL_SECONDS = 2.0
BAR_WIDTH = 20
STATUS_NOTES = {JobStatus.PENDING: "waiting for a worker", JobStatus.PROCESSING: "rendering"}


class WaitTimedOut(Exception):
    pass


def short_id(job_id: str) -> str:
    return job_id[:11] + "…" if len(job_id) > 12 else job_id


def progress_bar(percent: float, job_id: str, note: str = "", width: int = BAR_WIDTH) -> str:
    """One line, e.g. `[#########-----------]  45%  export_ab12…  rendering`."""
    percent = max(0.0, min(100.0, percent))
    filled = int(width * percent / 100)
    # Rounded down: the bar says 100 % only once the export is complete.
    line = f"[{'#' * filled}{'-' * (width - filled)}] {int(percent):3d}%  {short_id(job_id)}"
    return f"{line}  {note}" if note else line


def is_about(message: dict, job_id: str) -> bool:
    data = message.get("data")
    return isinstance(data, dict) and data.get("job_id") == job_id


def progress_of(message: dict, job_id: str) -> float | None:
    """The percent a pushed message reports for this job; None for anything else."""
    if message.get("type") != NotificationType.EXPORT_PROGRESS or not is_about(message, job_id):
        return None
    try:
        return float(message["progress"])
    except (KeyError, TypeError, ValueError):
        return None


class ProgressLine:
    """The bar, redrawn in place with a carriage return (only when it changes)."""

    def __init__(self, stdout, job_id: str) -> None:
        self.stdout, self.job_id = stdout, job_id
        self.percent, self.note, self.drawn = 0.0, "", ""

    def progress(self, percent: float) -> None:
        self.percent = max(self.percent, percent)  # messages may arrive out of order
        self.draw()

    def status(self, status: str) -> None:
        self.note = STATUS_NOTES.get(status, "")
        self.draw()

    def draw(self) -> None:
        line = progress_bar(self.percent, self.job_id, self.note)
        if line != self.drawn:
            # Spaces cover the rest of a longer line drawn before.
            self.stdout.write("\r" + line.ljust(len(self.drawn)), ending="")
            self.stdout.flush()
            self.drawn = line

    def ended(self, status: str) -> None:
        """The last drawing: full once complete (the final 100 % event may come after the
        row says so), without a note, then the line is ended."""
        if status == JobStatus.COMPLETE:
            self.percent = 100.0
        self.note = ""
        self.draw()
        self.end()

    def end(self) -> None:
        if self.drawn:
            self.stdout.write("")
            self.drawn = ""


@database_sync_to_async
def read_job(job_id: str) -> ExportJob:
    job = ExportJob.objects.select_related("working_video", "final_video").filter(pk=job_id).first()
    if job is None:
        raise CommandError(f"Export {job_id} no longer exists; its project may have been deleted.")
    return job


async def stop(task: asyncio.Task) -> None:
    """Cancel `task` until it ends. On Python 3.11 a cancel that lands as redis-py
    finishes sending a command is swallowed (asyncio.wait_for, which redis-py sends
    through when socket_timeout is set), and the receive goes on waiting."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.5)


async def follow(job_id: str, owner_id: int, line: ProgressLine, timeout: float | None = None) -> ExportJob:
    """Listen on the owner's group, showing this job's progress, until the job row
    says it ended; returns the ended job. Raises WaitTimedOut after `timeout` seconds."""
    # A layer of our own: closing its pools at the end must not close the ones the
    # process-wide layer pushes notifications through from another event loop.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    group, channel = user_group(owner_id), await layer.new_channel()
    messages: asyncio.Queue[dict] = asyncio.Queue()

    async def receive() -> None:
        # One receive loop for the whole wait, stopped at the end (not a receive cancelled per wait).
        while True:
            event = await layer.receive(channel)
            messages.put_nowait(event.get("message") or {})

    async def show_messages_until(until: float) -> None:
        """Draw this job's progress until `until`, or until a stored notification
        about the job (started, complete, failed) says the row is worth reading now."""
        while (left := until - loop.time()) > 0:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a Ctrl-C.
                async with asyncio.timeout(left):
                    message = await messages.get()
            except TimeoutError:
                return
            percent = progress_of(message, job_id)
            if percent is not None:
                line.progress(percent)
            elif is_about(message, job_id):
                return

    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    await layer.group_add(group, channel)
    receiver = asyncio.create_task(receive())
    try:
        line.draw()
        while True:
            job = await read_job(job_id)
            if job.status in FINISHED_STATUSES:
                return job
            line.status(job.status)
            if deadline is not None and loop.time() >= deadline:
                raise WaitTimedOut()
            await show_messages_until(min(loop.time() + POLL_SECONDS, deadline or float("inf")))
    finally:
        await stop(receiver)
        await layer.group_discard(group, channel)
        await layer.close_pools()


def describe_output(job: ExportJob) -> str:
    video = job.output
    what = "final video" if job.type == JobType.OVERLAY else "framed video"
    if video is None:  # the output was deleted since
        return f"Export {job.pk} is complete; its {what} has since been deleted."
    return (
        f"Export {job.pk} is complete: {what} v{video.version}, {video.width}x{video.height}, "
        f"{video.duration:.2f} s, {video.size:,} bytes ({video.file_key})."
    )


def ended_badly(job: ExportJob) -> str:
    if job.status == JobStatus.CANCELLED:
        return f"Export {job.pk} was cancelled" + (f": {job.error}" if job.error else ".")
    return f"Export {job.pk} failed: {job.error or 'no reason was recorded.'}"


class Command(BaseCommand):
    help = (
        "Submit an export of a project as its owner; with --wait, show its progress until it ends "
        "(exit 0 when complete)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project_id", type=int)
        parser.add_argument("--type", required=True, choices=JobType.values, dest="job_type")
        parser.add_argument("--quality", choices=jobs.QUALITIES, help="default: fast")
        parser.add_argument("--wait", action="store_true", help="follow the export until it ends")
        parser.add_argument(
            "--timeout", type=float, metavar="SECONDS", help="with --wait: give up waiting after SECONDS"
        )

    def handle(self, *args, project_id: int, job_type: str, quality, wait: bool, timeout, **options):
        if timeout is not None and (not wait or timeout <= 0):
            raise CommandError("--timeout needs --wait and a positive number of seconds.")
        project = Project.objects.select_related("owner").filter(pk=project_id).first()
        if project is None:
            raise CommandError(f"There is no project with id {project_id}.")
        try:
            job = jobs.submit(project.owner, project, job_type, {"quality": quality} if quality else None)
        except jobs.ExportError as error:
            raise CommandError(error.message) from None
        except RedisError as error:  # the task queue, told once the job row is committed
            raise CommandError(
                f"Redis did not answer while the export was queued ({error}); if it was saved as pending, "
                "the stale-export sweeper queues it again."
            ) from None
        if not wait:
            self.stdout.write(
                f"Submitted export {job.pk} ({job.get_type_display().lower()} of project {project.pk}, "
                f"{job.config['quality']}); it runs in the background."
            )
            return
        line = ProgressLine(self.stdout, job.pk)
        try:
            job = asyncio.run(follow(job.pk, project.owner_id, line, timeout))
        except KeyboardInterrupt:
            line.end()
            raise CommandError(
                f"Stopped waiting; export {job.pk} continues in the background.", returncode=130
            ) from None
        except WaitTimedOut:
            line.end()
            raise CommandError(
                f"Export {job.pk} did not end within {timeout:g} s; it continues in the background."
            ) from None
        except RedisError as error:
            line.end()
            raise CommandError(
                f"The channel layer's Redis did not answer ({error}), so export {job.pk} cannot be followed "
                "here; it continues in the background."
            ) from None
        line.ended(job.status)
        if job.status != JobStatus.COMPLETE:
            raise CommandError(ended_badly(job))
        self.stdout.write(describe_output(job))

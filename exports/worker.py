"""The worker side of an export: claim the job, render its config snapshot with the
render library, store the video and finish the job.

The job row is written exactly twice on the happy path: the claim (one
conditional UPDATE, pending -> processing) and the finish (processing ->
complete, with the output). Everything in between is ephemeral: the heartbeat
and progress go to Redis and the owner's socket, never to the database.

A worker that loses the claim to another exits quietly. A worker whose job was
cancelled, failed by an admin or handed to another worker by the sweeper notices
within a batch of frames (the Redis cancel flag, and a re-read of the row every
few seconds), stops ffmpeg and leaves nothing behind. A worker sent SIGTERM stops
the same way, puts the job back in the queue (the attempt does not count) and
then lets the signal end the process.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django_q.exceptions import TimeoutException

from exports import jobs, liveness, reviews
from exports.jobs import P, R
from exports.models import ExportJob, JobStatus, JobType, Project
from exports.projects import record_final_video, record_working_video
from exports.render.chapters import Chapter, as_json, fit, reel_chapters
from exports.render.onepass import ClipPlan
from exports.render.onepass import render as render_clips
from exports.render.pipeline import Cancelled, RenderResult, default_device
from exports.render.upscale import choose_upscaler
from games.objects import object_store
from notifications.models import NotificationType
from notifications.service import notify, send_progress
from videoeditor.liveness import worker_id
from videoeditor.stopping import StopSignal

log = logging.getLogger(__name__)

REVIEWS = (JobType.GAME_REVIEW, JobType.BEFORE_AFTER)  # rendered by exports/reviews.py
FLAG_CHECK_SECONDS = 0.25  # the Redis cancel flag: cancel lands within a batch or two
ROW_CHECK_SECONDS = 3.0  # the job row, in case the flag was lost (Redis restarted)


class Lost(Exception):
    """The job is no longer this worker's (cancelled, failed, or taken over)."""


def cluster_name() -> str:
    from django_q.conf import Conf

    return Conf.CLUSTER_NAME or jobs.default_cluster()


def take(
    transition: Callable[..., bool], table: QuerySet, job_id: str, me: str, cluster: str = "", **fields: Any
) -> Any:
    """One conditional UPDATE: the job of `table` is ours (returned, read afresh), or
    another worker's and we leave (None). Tracking jobs are claimed the same way.
    `cluster`, when given, is the cluster this worker belongs to: the row's `cluster`
    becomes it (the job was routed to one cluster; this says which one ran it) and the
    claim's event names it."""
    if cluster:
        fields["cluster"] = cluster
    claimed = transition(
        job_id, R, source=[P], reason=f"claimed by {me}" + (f" of cluster {cluster}" if cluster else ""),
        actor=me, worker_id=me, attempts=F("attempts") + 1, started_at=timezone.now(), **fields,
    )  # fmt: skip
    return table.get(pk=job_id) if claimed else None


def claim(job_id: str, me: str) -> ExportJob | None:
    return take(
        jobs.transition, ExportJob.objects.select_related("project"), job_id, me, cluster=cluster_name()
    )


def run_export(job_id: str) -> str | None:
    """The django-q2 task: render the job if we win its claim. Returns the stored key."""
    me = worker_id()
    job = claim(job_id, me)
    if job is None:
        log.info("Export %s was not pending; another worker has it or it ended", job_id)
        return None
    started = jobs.job_title(job)  # a review's title says what it is
    if job.type not in REVIEWS:
        started += f": {job.get_type_display().lower()}"
    notify(job.owner_id, NotificationType.EXPORT_STARTED, "Export started", started, data=jobs.job_data(job))
    stop = StopSignal()
    for left in Path(tempfile.gettempdir()).glob(f"{job.pk}-*"):  # an attempt killed on this host
        shutil.rmtree(left, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{job.pk}-"))
    stored_key = ""
    try:
        with stop, liveness.Heartbeat(job.pk, me) as heart:
            checks = CancelChecks(job, me, stop)
            result, upscaler = render(job, folder, Progress(job, heart), checks)
            stored_key = store(job, result.path)
            finish(job, me, stored_key, result, upscaler)
        return stored_key
    except (Cancelled, Lost):
        if stored_key:
            delete_quietly(stored_key)
        if stop.received:
            release(job, me)
        else:
            log.info("Export %s stopped: it was cancelled or is no longer this worker's", job.pk)
        return None
    except TimeoutException:
        if stored_key:
            delete_quietly(stored_key)
        minutes = max(1, settings.Q_TIMEOUT // 60)
        reason = f"This export ran longer than the {minutes} minutes one export may take and was stopped."
        jobs.fail(job, reason, actor=me, where={"attempts": job.attempts, "worker_id": me})
        raise  # django-q2 ends the worker process after a timeout
    except Exception as exc:
        if stored_key:
            delete_quietly(stored_key)
        log.exception("Export %s failed", job.pk)
        jobs.fail(job, explain(exc), actor=me, where={"attempts": job.attempts, "worker_id": me})
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if stop.received:
            stop.deliver()


def explain(exc: Exception) -> str:
    """A sentence for the owner; the details go to the log."""
    if isinstance(exc, FileNotFoundError):
        return "A file this export reads is missing; cut the clip again or export the framing again."
    return (
        "Something went wrong while rendering this export; try again, and tell an admin if it keeps failing."
    )


# --- rendering --------------------------------------------------------------------------


def render(
    job: ExportJob, folder: Path, progress: Progress, checks: CancelChecks
) -> tuple[RenderResult, str]:
    """Both export types render the clips in one pass: the framing export makes the
    working video (a proxy the overlay editor plays: resampled, never upscaled, no
    highlights), the overlay export the final video from the same clips and framing
    with the highlights and, when a crop is smaller than the output, the upscaler."""
    if job.type in REVIEWS:
        return reviews.render(job, folder, progress, checks), ""
    config = job.config
    final = job.type == JobType.OVERLAY
    device = default_device()
    upscaler, why = (None, "the crop has the pixels")
    if final and config.get("upscale_wanted"):
        upscaler, why = choose_upscaler(
            settings.SR_WEIGHTS_DIR, device, prefer=settings.SR_MODEL, allow_cpu=settings.UPSCALE_ON_CPU
        )
    if final and upscaler is None:
        log.info("Export %s renders without the AI upscaler: %s", job.pk, why)
    progress.phases([1.0])
    # Every clip first: a clip edited or deleted mid-export cannot pull its file away.
    clips = [
        ClipPlan(fetch(clip["file_key"], folder / f"clip-{index}.mp4"), clip["crop_keyframes"],
                 clip["segments"], clip["lead_in"])
        for index, clip in enumerate(config["clips"])
    ]  # fmt: skip
    checks.now()
    result = render_clips(
        clips, folder / "export.mp4", output_size=tuple(config["output_size"]), ffmpeg=settings.FFMPEG_BINARY,
        transition=config["transition"], effect=config.get("effect_type", "yellow"),
        regions=config.get("regions") if final else None, slow_motion=config.get("slow_motion", "smooth"),
        upscaler=upscaler, quality=config.get("quality", "fast"), audio=config.get("audio", True),
        device=device, on_progress=progress.of(0), should_cancel=checks,
        chapters=reel_chapters_of(config) or None,
    )  # fmt: skip
    return result, result.upscaler


def reel_chapters_of(config: dict) -> list[Chapter]:
    """A reel's chapters, one per clip named after it ("Clip N" when it has no name);
    none for a single clip."""
    clips = config.get("clips", [])
    if len(clips) < 2:
        return []
    titles = [clip.get("name") or "" for clip in clips]
    return reel_chapters(titles, [clip["output_seconds"] for clip in clips], config["transition"])


def fetch(key: str, target: Path) -> Path:
    """A local copy of a stored file: clips and framed videos are small, the render
    reads them several times, and an edit that deletes the original meanwhile
    cannot pull it from under the render."""
    with default_storage.open(key, "rb") as source, open(target, "wb") as copy:
        shutil.copyfileobj(source, copy, 4 * 2**20)
    return target


def store(job: ExportJob, path: Path) -> str:
    kind = "final" if job.type == JobType.OVERLAY else "working"
    key = f"exports/{job.owner_id}/{job.project_id}/{job.pk}-a{job.attempts}-{kind}.mp4"
    if job.type in REVIEWS:
        key = f"reviews/{job.owner_id}/{job.pk}-a{job.attempts}.mp4"
    size = path.stat().st_size
    with open(path, "rb") as stream:
        object_store().save_stream(key, stream, size)
    return key


def delete_quietly(key: str) -> None:
    try:
        object_store().delete(key)
    except Exception:
        log.exception("Could not delete %s", key)


def finish(job: ExportJob, me: str, key: str, result: RenderResult, upscaler: str) -> None:
    """Record the output and complete the job in one transaction, only while the
    job is still this worker's attempt: a cancelled or taken-over job gets no output."""
    if job.type in REVIEWS:
        finish_review(job, me, key, result)
        return
    video = {
        "file_key": key, "size": result.path.stat().st_size, "duration": result.duration,
        "width": result.width, "height": result.height, "fps": float(result.fps),
        "chapters": as_json(fit(reel_chapters_of(job.config), result.duration)),  # as written in the file
    }  # fmt: skip
    mine = {"attempts": job.attempts, "worker_id": me}
    with transaction.atomic():
        # Lock the row (a read, not a write) so the output and the finish go together.
        if not ExportJob.objects.select_for_update().filter(pk=job.pk, status=R, **mine).exists():
            raise Lost()
        project = Project.objects.get(pk=job.project_id)
        if job.type == JobType.OVERLAY:
            output = {"final_video": record_final_video(project, **video)}
        else:
            output = {"working_video": record_working_video(project, framing=job.config, **video)}
        if not jobs.transition(
            job.pk, JobStatus.COMPLETE, source=[R], where=mine, actor=me,
            reason=f"rendered {result.width}x{result.height}, {result.duration:.2f} s on {result.device}"
            + (f" with {upscaler}" if upscaler else ""),
            completed_at=timezone.now(), upscaler=upscaler[:64], **output,
        ):  # fmt: skip
            raise Lost()
        video_row = next(iter(output.values()))
        notify(
            job.owner_id, NotificationType.EXPORT_COMPLETE, "Export ready",
            f"{jobs.job_title(job)}: "
            f"{'final video' if job.type == JobType.OVERLAY else 'framed video'} v{video_row.version}",
            data={**jobs.job_data(job), "video_id": video_row.pk, "version": video_row.version},
            actions=[{"label": "Open", "action": "open_url", "payload": {"url": f"/projects/{project.pk}/"}}],
        )  # fmt: skip
    send_progress(job.owner_id, job.pk, 100, "Done", title="Exporting", data=jobs.job_data(job))


def finish_review(job: ExportJob, me: str, key: str, result: reviews.ReviewResult) -> None:
    """finish() of a game review or before/after: the ReviewVideo, the job's end and
    the owner's notification in one transaction, only while the job is this worker's."""
    mine = {"attempts": job.attempts, "worker_id": me}
    with transaction.atomic():
        if not ExportJob.objects.select_for_update().filter(pk=job.pk, status=R, **mine).exists():
            raise Lost()
        review = reviews.record_review_video(job, key, result)
        if not jobs.transition(
            job.pk, JobStatus.COMPLETE, source=[R], where=mine, actor=me,
            reason=f"rendered {result.width}x{result.height}, {result.duration:.2f} s on {result.device}",
            completed_at=timezone.now(), review_video=review,
        ):  # fmt: skip
            raise Lost()
        ready = "Game review ready" if job.type == JobType.GAME_REVIEW else "Before / after ready"
        notify(
            job.owner_id, NotificationType.EXPORT_COMPLETE, ready, f"{review.title} v{review.version}",
            data={**jobs.job_data(job), "review_id": review.pk, "version": review.version},
            actions=[{"label": "Open", "action": "open_url", "payload": {"url": "/gallery/"}}],
        )  # fmt: skip
    send_progress(job.owner_id, job.pk, 100, "Done", title="Exporting", data=jobs.job_data(job))


def release(job: ExportJob, me: str) -> None:
    """The worker is stopping: give the job back to the queue; this attempt does not count."""
    with transaction.atomic():
        if jobs.transition(
            job.pk, P, source=[R], where={"attempts": job.attempts, "worker_id": me}, actor=me,
            reason=f"worker {me} was asked to stop; queued again",
            attempts=F("attempts") - 1, worker_id="", started_at=None, queued_at=timezone.now(),
        ):  # fmt: skip
            job.refresh_from_db()
            jobs.enqueue(job)


# --- what a render asks while it runs ---------------------------------------------------


class Progress:
    """Turns each phase's (done, total) frames into the job's percent, for the
    owner's socket (throttled by send_progress) and the heartbeat."""

    def __init__(self, job: ExportJob, heart: liveness.Heartbeat) -> None:
        self.job, self.heart = job, heart
        self.weights: list[float] = [1.0]

    def phases(self, weights: list[float]) -> None:
        total = sum(weights) or 1.0
        self.weights = [w / total for w in weights]

    def of(self, phase: int) -> Callable[[int, int], None]:
        before = sum(self.weights[:phase])

        def report(done: int, total: int) -> None:
            percent = 100.0 * (before + self.weights[phase] * done / max(total, 1))
            percent = min(percent, 99.0)  # 100 is said once the video is stored
            self.heart.progress = percent
            send_progress(
                self.job.owner_id, self.job.pk, percent,
                jobs.job_title(self.job), title="Exporting", data=jobs.job_data(self.job),
            )  # fmt: skip

        return report


class CancelChecks:
    """The render's should_cancel: a stop signal, the Redis cancel flag (cheap,
    checked often) and the job row (checked every few seconds)."""

    def __init__(self, job: ExportJob, me: str, stop: StopSignal) -> None:
        self.job, self.me, self.stop = job, me, stop
        self.flag_due = liveness.Throttle(FLAG_CHECK_SECONDS)
        self.row_due = liveness.Throttle(ROW_CHECK_SECONDS)

    def __call__(self) -> bool:
        if self.stop.received:
            return True
        if self.flag_due() and liveness.cancel_requested(self.job.pk):
            return True
        if self.row_due():
            mine = ExportJob.objects.filter(
                pk=self.job.pk, status=R, attempts=self.job.attempts, worker_id=self.me
            ).exists()
            return not mine
        return False

    def now(self) -> None:
        """Between phases: stop here if a render would."""
        if self():
            raise Cancelled()

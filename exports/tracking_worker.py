"""The worker side of a tracking job: claim it, decode the clip at the analysis size,
follow the player (exports/render/tracking.py) and store the track.

As with exports (exports/worker.py), the row is written twice on the happy path
(claim, finish); the heartbeat and the progress go to Redis and the owner's socket.
A cancel, a failure by the sweeper or a takeover is noticed within a few frames (the
Redis flag, and a re-read of the row every few seconds); SIGTERM gives the job back.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.exceptions import TimeoutException

from exports import liveness, tracking_jobs
from exports.models import TrackingJob
from exports.render.clip_frames import ClipFrames, read_clip
from exports.render.pipeline import Cancelled
from exports.render.tracking import Track, resume, track
from exports.tracking_jobs import P, R
from exports.worker import FLAG_CHECK_SECONDS, ROW_CHECK_SECONDS, Lost, fetch, take
from notifications.models import NotificationType
from notifications.service import notify, send_progress
from videoeditor.liveness import worker_id
from videoeditor.stopping import StopSignal

log = logging.getLogger(__name__)

DECODE_SHARE = 0.3  # of the progress bar: decoding, then tracking takes the rest


def claim(job_id: str, me: str) -> TrackingJob | None:
    return take(tracking_jobs.transition, TrackingJob.objects.select_related("clip__game"), job_id, me)


def run_tracking(job_id: str) -> float | None:
    """The django-q2 task: track if we win the claim. Returns the share of frames found."""
    me = worker_id()
    job = claim(job_id, me)
    if job is None:
        log.info("Tracking %s was not pending; another worker has it or it ended", job_id)
        return None
    mine = {"attempts": job.attempts, "worker_id": me}
    stop = StopSignal()
    for left in Path(tempfile.gettempdir()).glob(f"{job.pk}-*"):  # an attempt killed on this host
        shutil.rmtree(left, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{job.pk}-"))
    try:
        with stop, liveness.Heartbeat(job.pk, me) as heart:
            checks = CancelChecks(job, me, stop)
            result = follow(job, folder, Progress(job, heart), checks)
            finish(job, me, result)
        return tracking_jobs.found_share(result)
    except (Cancelled, Lost):
        if stop.received:
            release(job, me)
        else:
            log.info("Tracking %s stopped: it was cancelled or is no longer this worker's", job.pk)
        return None
    except TimeoutException:
        minutes = max(1, settings.Q_TIMEOUT // 60)
        reason = f"Following the player ran longer than the {minutes} minutes a job may take and was stopped."
        tracking_jobs.fail(job, reason, actor=me, where=mine)
        raise  # django-q2 ends the worker process after a timeout
    except Exception as exc:
        log.exception("Tracking %s failed", job.pk)
        tracking_jobs.fail(job, explain(exc), actor=me, where=mine)
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if stop.received:
            stop.deliver()


def explain(exc: Exception) -> str:
    """A sentence for the owner; the details go to the log."""
    if isinstance(exc, FileNotFoundError):
        return "The clip's file is gone (it was cut again meanwhile); follow the player again."
    return (
        "Something went wrong while following the player; try again, and tell an admin if it keeps failing."
    )


def follow(job: TrackingJob, folder: Path, progress: Progress, checks: CancelChecks) -> dict:
    """Decode the clip the job was submitted for and track the player: the track as
    stored, in source pixels, frame i at i / fps seconds of the clip."""
    clip = job.clip
    path = fetch(job.clip_file_key, folder / "clip.mp4")
    checks.now()
    frames = read_clip(
        path, lead_in=clip.file_lead_in, duration=clip.duration,
        on_progress=progress.decoding, should_cancel=checks,
    )  # fmt: skip
    sx, sy = frames.scale
    x, y, w, h = job.config["box"]
    box = (x / sx, y / sy, w / sx, h / sy)
    index = min(len(frames) - 1, round(job.config["time"] * frames.fps))
    options = {
        "count": len(frames), "fps": frames.fps, "analysis_height": frames.size[1],
        "on_progress": progress.tracking, "should_cancel": checks,
    }  # fmt: skip
    if resume_of := job.config.get("resume_of"):
        previous = TrackingJob.objects.get(pk=resume_of).track
        existing = in_analysis_pixels(previous, frames)
        result = resume(existing, frames.frames, index, box, **options)
    else:
        result = track(frames.frames, index, box, **options)
    return {
        "fps": frames.fps,
        "frame_count": len(frames),
        "boxes": [None if b is None else [round(b[0] * sx, 1), round(b[1] * sy, 1), round(b[2] * sx, 1),
                                          round(b[3] * sy, 1)] for b in result.boxes],
        "confidence": [round(c, 3) for c in result.confidence],
    }  # fmt: skip


def in_analysis_pixels(stored: dict, frames: ClipFrames) -> Track:
    """A stored track (source pixels) as the tracker sees the frames."""
    if stored["frame_count"] != len(frames):
        raise ValueError(f"The track has {stored['frame_count']} frames, the clip {len(frames)}.")
    sx, sy = frames.scale
    boxes = [None if b is None else (b[0] / sx, b[1] / sy, b[2] / sx, b[3] / sy) for b in stored["boxes"]]
    return Track(boxes, list(stored["confidence"]))


def finish(job: TrackingJob, me: str, result: dict) -> None:
    """Store the track and complete the job, only while it is still this worker's."""
    mine = {"attempts": job.attempts, "worker_id": me}
    spans, share = tracking_jobs.lost_spans(result), tracking_jobs.found_share(result)
    with transaction.atomic():
        if not tracking_jobs.transition(
            job.pk, tracking_jobs.C, source=[R], where=mine, actor=me,
            reason=f"tracked {result['frame_count']} frames: found in {share:.0%}, "
            f"{len(spans)} lost span(s)",
            track=result, completed_at=timezone.now(),
        ):  # fmt: skip
            raise Lost()
        notify(
            job.owner_id, NotificationType.TRACKING_COMPLETE, "Tracking finished",
            tracking_jobs.outcome(job.clip.label, result),
            data={**tracking_jobs.job_data(job), "found_share": share,
                  "lost_spans": spans},
        )  # fmt: skip
    send_progress(
        job.owner_id, job.pk, 100, job.clip.label, NotificationType.TRACKING_PROGRESS,
        title="Following the player", data=tracking_jobs.job_data(job),
    )  # fmt: skip


def release(job: TrackingJob, me: str) -> None:
    """The worker is stopping: give the job back to the queue; this attempt does not count."""
    with transaction.atomic():
        if tracking_jobs.transition(
            job.pk, P, source=[R], where={"attempts": job.attempts, "worker_id": me}, actor=me,
            reason=f"worker {me} was asked to stop; queued again",
            attempts=F("attempts") - 1, worker_id="", started_at=None, queued_at=timezone.now(),
        ):  # fmt: skip
            tracking_jobs.enqueue(job)


class Progress:
    """Decoding and tracking frames as the job's percent, for the heartbeat and the
    owner's socket (send_progress throttles it)."""

    def __init__(self, job: TrackingJob, heart: liveness.Heartbeat) -> None:
        self.job, self.heart = job, heart

    def report(self, fraction: float) -> None:
        percent = min(99.0, 100.0 * fraction)  # 100 is said once the track is stored
        self.heart.progress = percent
        send_progress(
            self.job.owner_id, self.job.pk, percent, self.job.clip.label, NotificationType.TRACKING_PROGRESS,
            title="Following the player", data=tracking_jobs.job_data(self.job),
        )  # fmt: skip

    def decoding(self, done: int, total: int) -> None:
        self.report(DECODE_SHARE * done / max(total, 1))

    def tracking(self, done: int, total: int) -> None:
        self.report(DECODE_SHARE + (1 - DECODE_SHARE) * done / max(total, 1))


class CancelChecks:
    """should_cancel: a stop signal, the Redis cancel flag (cheap, checked often) and
    the job row (every few seconds, in case the flag was lost)."""

    def __init__(self, job: TrackingJob, me: str, stop: StopSignal) -> None:
        self.job, self.me, self.stop = job, me, stop
        self.flag_due = liveness.Throttle(FLAG_CHECK_SECONDS)
        self.row_due = liveness.Throttle(ROW_CHECK_SECONDS)

    def __call__(self) -> bool:
        if self.stop.received:
            return True
        if self.flag_due() and liveness.cancel_requested(self.job.pk):
            return True
        if self.row_due():
            return not TrackingJob.objects.filter(
                pk=self.job.pk, status=R, attempts=self.job.attempts, worker_id=self.me
            ).exists()
        return False

    def now(self) -> None:
        if self():
            raise Cancelled()

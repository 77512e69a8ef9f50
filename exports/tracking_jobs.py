"""Tracking jobs: following one player through a clip, as a durable job with the
same steps as an export (exports/jobs.py has the diagram): submission (validation
and the config), cancel, failure, the sweeper, and reading a clip's track.

    pending ──claim──> processing ──> complete
       │                  │  ╲
       └──> cancelled     │   └──> error | cancelled
                          └──> pending   (worker died or was stopped: queued again)

The worker (exports/tracking_worker.py) claims the row with one conditional UPDATE,
beats in Redis while it decodes and tracks, and finishes only while the job is
still its own. Liveness (heartbeat, cancel flag) is exports.liveness, keyed by the
job id ("track_…").
"""

from __future__ import annotations

import math
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from exports import liveness
from exports import sweep as sweeper
from exports.jobs import PIPELINE, default_cluster
from exports.models import ACTIVE_STATUSES, JobStatus, TrackingEvent, TrackingJob
from games.extraction import CLAIMABLE, request_extraction
from games.models import Clip, ExtractionStatus
from notifications.models import NotificationType
from notifications.service import notify
from videoeditor.errors import UserFacingError
from videoeditor.pipeline import Pipeline, wake_after_commit

P, R, C, E, X = (
    JobStatus.PENDING,
    JobStatus.PROCESSING,
    JobStatus.COMPLETE,
    JobStatus.ERROR,
    JobStatus.CANCELLED,
)
TRACKS = Pipeline(TrackingJob, PIPELINE, event=TrackingEvent, owner="job", noun="A tracking job")
transition = TRACKS.transition
MIN_BOX = 8  # source pixels: a smaller box holds too little of a player to follow


class TrackingError(UserFacingError):
    pass


# --- submission -------------------------------------------------------------------------


def enqueue(job: TrackingJob) -> None:
    job_id = job.pk
    wake_after_commit(
        lambda: async_task(
            "exports.tasks.run_tracking",
            job_id,
            cluster=default_cluster(),
            group="tracking",
            task_name=job_id,
        ),
        f"tracking {job_id}",
    )


def clean_start(clip: Clip, time: float, box: tuple[float, float, float, float]) -> list[float]:
    """The box the user drew at clip time `time`, checked against the clip and its
    picture; returned as [x, y, width, height]."""
    if not all(math.isfinite(v) for v in (time, *box)):
        raise TrackingError(400, "time and the box's x, y, width and height must be finite numbers.")
    if not 0 <= time <= clip.duration:
        raise TrackingError(
            400, f"time {time:g} s is outside the clip, which runs from 0 to {clip.duration:.2f} s."
        )
    x, y, width, height = box
    if width < MIN_BOX or height < MIN_BOX:
        raise TrackingError(
            400, f"The box is {width:g}x{height:g} pixels; draw it around the player, at least "
            f"{MIN_BOX}x{MIN_BOX} pixels.",
        )  # fmt: skip
    frame_width, frame_height = clip.game.video_width, clip.game.video_height
    if x < 0 or y < 0 or x + width > frame_width or y + height > frame_height:
        raise TrackingError(
            400, f"The box must lie inside the {frame_width}x{frame_height} picture; "
            "draw it around the player.",
        )  # fmt: skip
    return [float(x), float(y), float(width), float(height)]


def submit(
    owner, clip: Clip, time: float, box: tuple[float, float, float, float], resume: bool
) -> TrackingJob:
    """Validate and queue tracking of the player in `box` (source pixels) at clip time
    `time`; `resume` continues the clip's latest track from a second click."""
    start = clean_start(clip, time, box)
    if clip.extraction_status != ExtractionStatus.READY or not clip.file_key:
        if clip.extraction_status in CLAIMABLE:
            request_extraction(clip, reason="following a player needs the clip's file")
        raise TrackingError(409, "The clip is still being cut; try again in a moment.")
    previous = latest_track(clip) if resume else None
    if resume and previous is None:
        raise TrackingError(
            409, "This clip has no finished track to continue; follow the player first (resume: false)."
        )
    with transaction.atomic():
        if running := clip.tracking_jobs.filter(status__in=ACTIVE_STATUSES).first():
            raise TrackingError(
                409, f"A player is already being followed in this clip ({running.status}); "
                "wait for it or cancel it.",
            )  # fmt: skip
        try:
            with transaction.atomic():
                job = TrackingJob.objects.create(
                    owner=owner,
                    clip=clip,
                    clip_file_key=clip.file_key,
                    config={
                        "time": float(time),
                        "box": start,
                        "resume_of": previous.pk if previous else None,
                    },
                )
        except IntegrityError:
            raise TrackingError(
                409, "A player is already being followed in this clip; wait for it or cancel it."
            ) from None
        TRACKS.record(
            job.pk, P, f"submitted by {owner}" + (f", continuing {previous.pk}" if previous else "")
        )
        enqueue(job)
    return job


# --- cancel and fail --------------------------------------------------------------------


def cancel(job: TrackingJob, by: str) -> TrackingJob:
    """A pending job is cancelled at once; a processing one too, and its worker
    (told through Redis and its re-reads of the row) stops within a few frames."""
    ended = "This tracking already ended ({}); there is nothing to cancel."
    if job.status not in ACTIVE_STATUSES:
        raise TrackingError(409, ended.format(job.status))
    if not transition(
        job.pk, X, source=ACTIVE_STATUSES, reason=f"cancelled by {by}", completed_at=timezone.now()
    ):
        job.refresh_from_db()
        raise TrackingError(409, ended.format(job.status))
    liveness.request_cancel(job.pk)
    job.refresh_from_db()
    return job


def fail(job: TrackingJob, reason: str, *, by: str = "", actor: str = "", where: dict | None = None) -> bool:
    """End an active job with `reason` (a sentence the owner reads) and tell the owner;
    `by` names who ended it, in the event only."""
    return sweeper.fail_job(
        transition, job, reason, by=by, actor=actor, where=where,
        tell=lambda said: notify(
            job.owner_id, NotificationType.TRACKING_FAILED, "Tracking failed",
            f"{job.clip.label}: {said}", data=job_data(job),
        ),
    )  # fmt: skip


def job_data(job: TrackingJob) -> dict[str, Any]:
    return {"job_id": job.pk, "clip_id": job.clip_id, "task_id": job.pk}


# --- the sweeper ------------------------------------------------------------------------


TRACKING = sweeper.JobTable(
    jobs=TrackingJob.objects.select_related("clip"), transition=transition, enqueue=enqueue, fail=fail,
    running="tracking jobs", work="following the player", thing="this",
)  # fmt: skip


def sweep(dry_run: bool = False) -> list[str]:
    """Rescue tracking jobs whose worker vanished and jobs nobody took on (the rules
    and settings of export jobs, exports/sweep.py); returns what it did (or would do),
    a line each."""
    return sweeper.sweep(TRACKING, dry_run=dry_run)


# --- reading ------------------------------------------------------------------------------


def jobs_of(owner):
    return TrackingJob.objects.filter(owner=owner).select_related("clip")


def latest_track(clip: Clip) -> TrackingJob | None:
    """The clip's newest complete tracking job of its current file (a track of an
    earlier cut has other times)."""
    if not clip.file_key:
        return None
    return (
        clip.tracking_jobs.filter(status=C, clip_file_key=clip.file_key, track__isnull=False)
        .order_by("-completed_at", "-created_at")
        .first()
    )


def lost_spans(track: dict) -> list[dict[str, float]]:
    """The runs of frames where the player is lost, in clip seconds (end exclusive)."""
    fps, spans, first = track["fps"], [], None
    for i, box in enumerate([*track["boxes"], [0, 0, 0, 0]]):
        if box is None and first is None:
            first = i
        elif box is not None and first is not None:
            spans.append({"start_time": round(first / fps, 3), "end_time": round(i / fps, 3)})
            first = None
    return spans


def found_share(track: dict) -> float:
    boxes = track["boxes"]
    return round(sum(box is not None for box in boxes) / max(len(boxes), 1), 4)


def outcome(clip_label: str, track: dict) -> str:
    """The sentence the owner reads when tracking finishes."""
    spans = lost_spans(track)
    share = found_share(track) * 100
    found = f"{clip_label}: the player was found in {share:.0f} % of the clip"
    if not spans:
        return found + "."
    shown = [f"{span['start_time']:.1f}\u2013{span['end_time']:.1f} s" for span in spans[:3]]
    more = f" and {len(spans) - 3} more" if len(spans) > 3 else ""
    return f"{found}; lost {', '.join(shown)}{more} — click the player again there."

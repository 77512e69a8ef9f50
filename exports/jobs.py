"""Export jobs: the declared steps of a job and the one function that takes them,
submission (validation and the config snapshot), cancel, admin retry and failure,
and the sweeper that rescues jobs whose worker vanished.

    pending ──claim──> processing ──> complete
       │  ╲               │  ╲
       │   ╲              │   └──> error | cancelled
       │    └> cancelled  └──> pending   (worker died or was stopped: queued again)
       └──> pending (queued again unclaimed) | error (nobody took it on)
    error | cancelled ──> pending         (an admin's retry)

Every change of status is one conditional UPDATE (`WHERE status IN (...)`) made by
`transition()` (the shared videoeditor.pipeline helper, with the PIPELINE below), which
refuses steps the pipeline does not declare and records each step it takes, with its
reason, as an ExportEvent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from exports import edits, liveness
from exports import sweep as sweeper
from exports.exported_framing import framing_snapshot
from exports.highlights import to_project
from exports.models import (
    ACTIVE_STATUSES,
    ExportEvent,
    ExportJob,
    JobStatus,
    JobType,
    Project,
)
from exports.render.segments import output_duration
from games.extraction import CLAIMABLE, request_extraction
from games.models import Clip, ExtractionStatus
from notifications.models import NotificationType
from notifications.service import notify
from videoeditor.errors import UserFacingError
from videoeditor.pipeline import IllegalTransition, Pipeline, wake_after_commit  # noqa: F401 (jobs.IllegalTransition is what callers catch)

log = logging.getLogger(__name__)

P, R, C, E, X = (
    JobStatus.PENDING,
    JobStatus.PROCESSING,
    JobStatus.COMPLETE,
    JobStatus.ERROR,
    JobStatus.CANCELLED,
)
# status -> the statuses it may become
PIPELINE: dict[str, frozenset[str]] = {
    P: frozenset({R, X, E, P}),
    R: frozenset({C, E, X, P}),
    C: frozenset(),
    E: frozenset({P}),
    X: frozenset({P}),
}
JOBS = Pipeline(ExportJob, PIPELINE, event=ExportEvent, owner="job", noun="An export")
transition = JOBS.transition
ERROR_MAX = 500  # ExportJob.error's length
QUALITIES = ("fast", "quality")
USER_SETTINGS = ("quality", "audio")
# What POST /api/exports makes from a project; reviews have their own endpoints (exports/review_api.py).
PROJECT_EXPORTS = (JobType.FRAMING, JobType.MULTI_CLIP, JobType.OVERLAY)
ELSEWHERE = (
    "Game reviews are made with POST /api/games/{id}/reviews and before/after videos with "
    "POST /api/downloads/{id}/before-after."
)


class ExportError(UserFacingError):
    pass


# --- submission -------------------------------------------------------------------------


def default_cluster() -> str:
    return settings.Q_CLUSTER.get("cluster_name") or settings.Q_CLUSTER["name"]


def route(job_type: str, config: dict) -> str:
    """The cluster to run on: the GPU cluster for final videos the AI upscaler would
    improve (a crop with fewer pixels than the output), when one is configured. The
    working video is a proxy for the overlay editor, resampled without the network."""
    if settings.EXPORT_GPU_CLUSTER and job_type == JobType.OVERLAY and config.get("upscale_wanted"):
        return settings.EXPORT_GPU_CLUSTER
    return default_cluster()


def enqueue(job: ExportJob) -> None:
    """Wake a worker of the job's cluster once the transaction commits."""
    job_id, cluster = job.pk, job.cluster
    wake_after_commit(
        lambda: async_task(
            "exports.tasks.run_export", job_id, cluster=cluster, group="export", task_name=job_id
        ),
        f"export {job_id}",
    )


def clean_settings(raw: Any) -> dict:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ExportError(400, 'config must be an object of export settings, such as {"quality": "fast"}.')
    if unknown := sorted(set(raw) - set(USER_SETTINGS)):
        raise ExportError(
            400,
            f"Unknown export setting(s): {', '.join(unknown)}. The settings are {', '.join(USER_SETTINGS)}.",
        )
    quality = raw.get("quality", "fast")
    if quality not in QUALITIES:
        raise ExportError(400, f"quality is one of {', '.join(QUALITIES)}.")
    audio = raw.get("audio", True)
    if not isinstance(audio, bool):
        raise ExportError(400, "audio must be true (keep the sound) or false (a silent video).")
    return {"quality": quality, "audio": audio}


def framing_config(project: Project, job_type: str) -> dict:
    """The snapshot a framing or multi-clip job renders: every clip's file and edits,
    re-validated (what is stored may predate a rule or a re-probed video)."""
    project_clips = list(project.project_clips.select_related("clip__game").order_by("position"))
    if not project_clips:
        raise ExportError(400, "This project has no clips to export; add clips first.")
    if job_type == JobType.FRAMING and len(project_clips) > 1:
        raise ExportError(
            400, f"This project has {len(project_clips)} clips: export it as multi_clip to join them."
        )
    if job_type == JobType.MULTI_CLIP and len(project_clips) < 2:
        raise ExportError(400, "A multi-clip export needs at least two clips; export one clip as framing.")
    width, height = settings.OUTPUT_SIZES[project.aspect_ratio]
    clips, waiting, failed = [], [], []
    for number, project_clip in enumerate(project_clips, start=1):
        clip, game = project_clip.clip, project_clip.clip.game
        label = f"Clip {number} ({clip.display_name or f'{clip.start_time:.0f} s'})"
        if clip.extraction_status == ExtractionStatus.FAILED:
            failed.append(
                f"{label} could not be cut ({(clip.extraction_error or 'unknown error').rstrip('.')})"
            )
            continue
        if clip.extraction_status != ExtractionStatus.READY or not clip.file_key:
            waiting.append(label)
            continue
        try:
            crop = edits.clean_crop_keyframes(
                project_clip.crop_keyframes,
                clip_duration=clip.duration,
                source_width=game.video_width,
                source_height=game.video_height,
                aspect_ratio=project.aspect_ratio,
            )
            segments = edits.clean_segments(project_clip.segments, clip_duration=clip.duration)
        except edits.EditError as error:
            raise ExportError(400, f"{label}: {error.message}") from None
        clips.append(
            {
                "project_clip_id": project_clip.pk,
                "clip_id": clip.pk,
                "name": clip.display_name,
                "file_key": clip.file_key,
                "lead_in": clip.file_lead_in,
                "source_size": [game.video_width, game.video_height],
                "duration": clip.duration,
                "output_seconds": output_duration(segments),
                "crop_keyframes": crop,
                "segments": segments,
            }
        )
    if failed:
        raise ExportError(409, "; ".join(failed) + ". Fix or remove them, then export again.")
    if waiting:
        what = ", ".join(waiting)
        raise ExportError(
            409, f"{what} {'is' if len(waiting) == 1 else 'are'} still being cut from the game video; "
            "export again when the clips are ready.",
        )  # fmt: skip
    return {
        "aspect_ratio": project.aspect_ratio,
        "output_size": [width, height],
        "transition": edits.clean_transition(project.transition),
        "clips": clips,
        "upscale_wanted": any(min(k["width"] for k in c["crop_keyframes"]) < width for c in clips),
        "slow_motion": project.slow_motion,
    }


# What the final video takes over from the framing export's snapshot.
FRAMING_KEYS = ("aspect_ratio", "output_size", "transition", "clips", "upscale_wanted")


def overlay_config(project: Project) -> dict:
    """The final video's snapshot: the framing its working video was rendered from
    (the clips' files and edits, the transition, the size), and the highlights,
    the clips' highlights re-projected into that video's coordinates and times. The final video is rendered
    from the clips in one pass; the working video is not read."""
    working = project.working_video
    if working is None:
        raise ExportError(409, "Export the framing first: the highlights are drawn on the framed video.")
    framing = framing_snapshot(working.pk)
    if framing is None:
        raise ExportError(
            409, "The framed video was made by an older version of the editor; export the framing again."
        )
    current = dict(
        Clip.objects.filter(pk__in=[c["clip_id"] for c in framing["clips"]]).values_list("pk", "file_key")
    )
    for number, clip in enumerate(framing["clips"], start=1):
        if current.get(clip["clip_id"]) != clip["file_key"]:
            raise ExportError(
                409, f"Clip {number} ({clip['name'] or 'unnamed'}) was cut again or removed since the "
                "framing was exported; export the framing again, then the final video.",
            )  # fmt: skip
    overlay = project.overlay
    try:
        regions = edits.clean_regions(
            to_project(project)[0], width=working.width, height=working.height, duration=working.duration
        )
    except edits.EditError as error:
        raise ExportError(400, f"Highlights: {error.message}") from None
    return {
        "working_video_id": working.pk,
        "working_video_version": working.version,
        "size": [working.width, working.height],
        "duration": working.duration,
        "effect_type": overlay.effect_type,
        "regions": regions,
        **{key: framing[key] for key in FRAMING_KEYS},
        "slow_motion": project.slow_motion,
    }


def submit(owner, project: Project, job_type: str, raw_settings: Any = None) -> ExportJob:
    """Validate, snapshot and queue an export; the work happens in a worker."""
    if job_type in (JobType.GAME_REVIEW, JobType.BEFORE_AFTER):
        raise ExportError(400, ELSEWHERE)
    if job_type not in PROJECT_EXPORTS:
        raise ExportError(400, f"The export type is one of {', '.join(PROJECT_EXPORTS)}.")
    chosen = clean_settings(raw_settings)
    if job_type != JobType.OVERLAY:
        # Before the transaction below, whose refusal would roll the claims back: a clip
        # nobody has asked to cut yet, or whose cut failed (its worker died, the queue
        # lost it), starts being cut now, so "export again" soon works.
        for project_clip in project.project_clips.select_related("clip").filter(
            clip__extraction_status__in=CLAIMABLE
        ):
            request_extraction(project_clip.clip)
    with transaction.atomic():
        # Locks the project (PostgreSQL) so two submissions cannot both pass the check below.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        config = overlay_config(project) if job_type == JobType.OVERLAY else framing_config(project, job_type)
        config.update(chosen, project_name=project.name)
        same_output = (
            [JobType.OVERLAY] if job_type == JobType.OVERLAY else [JobType.FRAMING, JobType.MULTI_CLIP]
        )
        running = project.export_jobs.filter(status__in=ACTIVE_STATUSES, type__in=same_output).first()
        if running:
            raise ExportError(
                409, f"This project is already exporting ({running.get_type_display().lower()}, "
                f"{running.status}); wait for it or cancel it.",
            )  # fmt: skip
        job = create_and_queue(
            owner, "This project is already exporting; wait for it or cancel it.",
            project=project, type=job_type, config=config,
        )  # fmt: skip
    return job


def create_and_queue(owner, busy: str, **fields: Any) -> ExportJob:
    """The job row, its first step and a worker woken after commit; inside the caller's
    transaction. The database's one-active-job rules are the backstop of the caller's
    check: a submission that loses the race is a 409 saying `busy`."""
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                owner=owner, cluster=route(fields["type"], fields["config"]), **fields
            )
    except IntegrityError:
        raise ExportError(409, busy) from None
    JOBS.record(job.pk, P, f"submitted by {owner}")
    enqueue(job)
    return job


# --- cancel, retry, fail ----------------------------------------------------------------


def cancel(job: ExportJob, by: str) -> ExportJob:
    """A pending job is cancelled at once; a processing one too, and its worker,
    told through Redis and its own re-reads of the row, stops within a batch."""
    if job.status not in ACTIVE_STATUSES:
        raise ExportError(409, f"This export already ended ({job.status}); there is nothing to cancel.")
    if not transition(
        job.pk, X, source=ACTIVE_STATUSES, reason=f"cancelled by {by}", completed_at=timezone.now()
    ):
        job.refresh_from_db()
        raise ExportError(409, f"This export already ended ({job.status}); there is nothing to cancel.")
    liveness.request_cancel(job.pk)
    job.refresh_from_db()
    return job


def retry(job: ExportJob, by: str) -> ExportJob:
    """An admin's new attempt at an ended job (the attempt counts start again)."""
    if job.status not in (E, X):
        raise ExportError(409, f"Only failed or cancelled exports can be retried; this one is {job.status}.")
    try:
        with transaction.atomic():
            moved = transition(
                job.pk, P, source=[job.status], reason=f"retried by {by} after {job.attempts} attempt(s)",
                attempts=0, requeues=0, error="", worker_id="", started_at=None, completed_at=None,
                queued_at=timezone.now(),
            )  # fmt: skip
            if moved:
                liveness.forget(job.pk)  # the cancel flag of its last life must not stop the new one
                job.refresh_from_db()
                enqueue(job)
    except IntegrityError:
        raise ExportError(
            409, "Another export of this project and type is running; retry after it."
        ) from None
    if not moved:
        raise ExportError(409, "This export changed meanwhile; reload and try again.")
    return job


def fail(job: ExportJob, reason: str, *, by: str = "", actor: str = "", where: dict | None = None) -> bool:
    """End an active job with `reason` (a sentence the owner reads) and tell the owner."""
    return sweeper.fail_job(
        transition, job, reason, by=by, actor=actor, where=where,
        tell=lambda said: notify(
            job.owner_id, NotificationType.EXPORT_FAILED, "Export failed",
            f"{job_title(job)}: {said}", data=job_data(job),
        ),
    )  # fmt: skip


def job_data(job: ExportJob) -> dict[str, Any]:
    return {
        "job_id": job.pk, "project_id": job.project_id, "game_id": job.game_id, "export_type": job.type,
        "task_id": job.pk,
    }  # fmt: skip


def job_title(job: ExportJob) -> str:
    """What messages call the job: a review's title, else its project's name (as submitted)."""
    return job.config.get("title") or job.config.get("project_name") or "A project"


# --- the sweeper ------------------------------------------------------------------------


EXPORTS = sweeper.JobTable(
    jobs=ExportJob.objects.all(), transition=transition, enqueue=enqueue, fail=fail,
    running="processing jobs", work="rendering this export", thing="this export",
    nobody=lambda job: f"no worker of cluster {job.cluster!r}",
)  # fmt: skip


def sweep(dry_run: bool = False) -> list[str]:
    """Rescue export jobs whose worker vanished and jobs nobody took on (exports/sweep.py);
    returns what it did (or would do), a line each."""
    return sweeper.sweep(EXPORTS, dry_run=dry_run)


# --- reading ------------------------------------------------------------------------------


def jobs_of(owner):
    return ExportJob.objects.filter(owner=owner).select_related(
        "project", "working_video", "final_video", "review_video"
    )


def active_of(owner):
    return jobs_of(owner).filter(status__in=ACTIVE_STATUSES)


def recent_of(owner, hours: int):
    return jobs_of(owner).filter(created_at__gte=timezone.now() - timedelta(hours=hours))

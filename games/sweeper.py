"""The sweeper of clip cuts: it rescues cuts whose worker vanished (killed mid-cut:
its Redis heartbeat expired) and cuts no worker took on (the broker was down when
they were queued, or the queue lost them), as the export sweeper does for exports.
Run every minute by a django-q2 schedule and by `manage.py cleanup_stale_extractions`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from games.extraction import CUTS, EXTRACTING, enqueue, fail, task_id
from games.models import Clip
from videoeditor import liveness


def sweep_extractions(dry_run: bool = False) -> list[str]:
    """Queue again, or fail after EXTRACTION_MAX_ATTEMPTS, the cuts that stalled;
    returns what it did (or would do), a line each."""
    now = timezone.now()
    done: list[str] = []
    waiting = Clip.objects.filter(extraction_status=EXTRACTING).select_related("game")

    grace = timedelta(seconds=settings.EXTRACTION_HEARTBEAT_SECONDS)
    cutting = list(waiting.exclude(extraction_worker="").filter(extraction_started_at__lt=now - grace))
    beating = liveness.alive([task_id(clip.pk) for clip in cutting])
    if beating is None:
        done.append(
            "Redis did not answer, so no worker's heartbeat could be read; cuts under way left alone."
        )
        cutting = []
    limit = settings.EXTRACTION_MAX_ATTEMPTS
    for clip in cutting:
        if task_id(clip.pk) in beating:
            continue
        worker, attempt = clip.extraction_worker, clip.extraction_attempts
        where = {"extraction_attempts": attempt, "extraction_worker": worker}
        if attempt < limit:
            stopped = f"worker {worker} stopped beating"
            done.append(f"clip {clip.pk}: {stopped}; queued again (attempt {attempt} of {limit})")
            if not dry_run:
                queue_again(
                    clip, where=where, actor=worker,
                    reason=f"{stopped} during attempt {attempt} of {limit}; queued again",
                    extraction_worker="", extraction_started_at=None, extraction_queued_at=now,
                )  # fmt: skip
        else:
            message = f"The worker stopped while cutting this clip (attempt {attempt} of {limit})."
            done.append(f"clip {clip.pk}: {message}")
            if not dry_run:
                fail(clip, message, where=where, actor=worker)

    minutes = settings.EXTRACTION_STALE_MINUTES
    # No queued_at: requested before cuts were durable jobs, and long since lost.
    stale = Q(extraction_queued_at__lt=now - timedelta(minutes=minutes)) | Q(extraction_queued_at=None)
    for clip in waiting.filter(stale, extraction_worker=""):
        unclaimed = {"extraction_worker": "", "extraction_requeues": clip.extraction_requeues}
        if clip.extraction_requeues == 0:
            done.append(f"clip {clip.pk}: no worker took its cut on in {minutes} min; queued again")
            if not dry_run:
                queue_again(
                    clip, where={**unclaimed, "extraction_queued_at": clip.extraction_queued_at},
                    reason=f"no worker took it on within {minutes} minutes; queued again",
                    extraction_requeues=F("extraction_requeues") + 1, extraction_queued_at=now,
                )  # fmt: skip
        else:
            message = f"No worker took this clip's cut on within {2 * minutes} minutes; try again later."
            done.append(f"clip {clip.pk}: {message}")
            if not dry_run:
                fail(clip, message, where=unclaimed)
    return done


def queue_again(clip: Clip, *, where: dict, reason: str, actor: str = "", **fields) -> None:
    """Put the cut back in the queue while `where` still holds (a worker that claimed
    it, or an edit, meanwhile wins) and wake a worker for it."""
    with transaction.atomic():
        if CUTS.transition(
            clip.pk, EXTRACTING, source=[EXTRACTING], where=where, actor=actor, reason=reason, **fields
        ):
            enqueue(clip.pk, clip.start_time, clip.end_time)

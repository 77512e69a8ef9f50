"""The sweeper's rules for a table of durable jobs (exports and tracking jobs share
them and their settings): a processing job whose worker stopped beating is queued
again until EXPORT_MAX_ATTEMPTS, then failed; a pending job no worker took on within
EXPORT_STALE_MINUTES is queued again once, then failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from exports import liveness
from exports.models import ACTIVE_STATUSES, JobStatus
from videoeditor.pipeline import sentence

P, R = JobStatus.PENDING, JobStatus.PROCESSING


def fail_job(
    transition: Callable[..., bool], job, reason: str, *, tell: Callable[[str], Any],
    by: str = "", actor: str = "", where: dict | None = None,
) -> bool:  # fmt: skip
    """End an active job with `reason` (a sentence the owner reads; `by`, who ended it,
    goes in the event only); `tell(reason)` notifies the owner in the same transaction.
    A worker still on the job stops at its next check."""
    reason = sentence(reason)
    with transaction.atomic():
        failed = transition(
            job.pk, JobStatus.ERROR, source=ACTIVE_STATUSES,
            reason=f"{reason} ({by})" if by else reason, where=where, actor=actor,
            error=reason, completed_at=timezone.now(),
        )  # fmt: skip
        if failed:
            tell(reason)
    if failed:
        liveness.request_cancel(job.pk)
    return failed


@dataclass(frozen=True)
class JobTable:
    """What differs between the tables the sweeper rescues."""

    jobs: QuerySet  # every job of the table, with what `fail` reads selected
    transition: Callable[..., bool]  # the table's Pipeline.transition
    enqueue: Callable[[Any], None]
    fail: Callable[..., bool]  # fail(job, sentence, *, by=, actor=, where=)
    running: str  # "processing jobs": what is left alone when Redis is down
    work: str  # "rendering this export": what the vanished worker was doing
    thing: str  # "this export": what nobody took on
    # the workers a pending job waited for, named in its events ("no worker of cluster 'a'");
    # "" where any worker may take it
    nobody: Callable[[Any], str] = lambda job: ""


def sweep(table: JobTable, dry_run: bool = False) -> list[str]:
    """Rescue the table's jobs whose worker vanished and jobs nobody took on; returns
    what it did (or would do), a line each."""
    now = timezone.now()
    done: list[str] = []
    grace = timedelta(seconds=settings.EXPORT_HEARTBEAT_SECONDS)
    processing = list(table.jobs.filter(status=R, started_at__lt=now - grace))
    beating = liveness.alive([job.pk for job in processing])
    if beating is None:
        done.append(
            f"Redis did not answer, so no worker's heartbeat could be read; {table.running} left alone."
        )
        processing = []
    limit = settings.EXPORT_MAX_ATTEMPTS
    for job in processing:
        if job.pk in beating:
            continue
        where = {"attempts": job.attempts, "worker_id": job.worker_id}
        if job.attempts < limit:
            done.append(
                f"{job.pk}: worker {job.worker_id} stopped beating; "
                f"queued again (attempt {job.attempts} of {limit})"
            )
            if not dry_run:
                with transaction.atomic():
                    if table.transition(
                        job.pk, P, source=[R], where=where, actor=job.worker_id,
                        reason=f"worker {job.worker_id} stopped beating during attempt {job.attempts} of "
                        f"{limit}; queued again",
                        started_at=None, queued_at=now,
                    ):  # fmt: skip
                        table.enqueue(job)
        else:
            message = f"The worker stopped while {table.work} (attempt {job.attempts} of {limit})."
            done.append(f"{job.pk}: {message}")
            if not dry_run:
                table.fail(job, message, actor=job.worker_id, where=where)

    minutes = settings.EXPORT_STALE_MINUTES
    for job in table.jobs.filter(status=P, queued_at__lt=now - timedelta(minutes=minutes)):
        if job.requeues == 0:
            done.append(f"{job.pk}: no worker took it on in {minutes} min; queued again")
            if not dry_run:
                with transaction.atomic():
                    if table.transition(
                        job.pk, P, source=[P], where={"requeues": 0, "queued_at": job.queued_at},
                        reason=f"{table.nobody(job) or 'no worker'} took it on within {minutes} minutes; "
                        "queued again",
                        requeues=F("requeues") + 1, queued_at=now,
                    ):  # fmt: skip
                        table.enqueue(job)
        else:
            message = f"No worker took {table.thing} on within {2 * minutes} minutes; try again later."
            done.append(f"{job.pk}: {message}")
            if not dry_run:
                table.fail(job, message, by=table.nobody(job), where={"requeues": job.requeues})
    return done

"""Rescue exports, tracking jobs and account deletions whose worker vanished, and those
no worker took on (also run every minute by a django-q2 schedule, exports.tasks)."""

from __future__ import annotations

from exports import jobs, tracking_jobs
from videoeditor.sweeping import SweepCommand


def sweep(dry_run: bool = False) -> list[str]:
    from accounts import deletion  # accounts builds on exports, so imported when run

    return (
        jobs.sweep(dry_run=dry_run) + tracking_jobs.sweep(dry_run=dry_run) + deletion.sweep(dry_run=dry_run)
    )


class Command(SweepCommand):
    help = (
        "Queue again (or fail, after EXPORT_MAX_ATTEMPTS) exports, tracking jobs and account deletions "
        "whose worker stopped beating, and those pending longer than EXPORT_STALE_MINUTES; sweep again "
        "the storage of accounts deleted within a day."
    )
    nothing, noun = "No stale exports, tracking jobs or account deletions.", "job(s)"
    sweep = staticmethod(sweep)

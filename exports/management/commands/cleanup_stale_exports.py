"""Rescue exports and tracking jobs whose worker vanished, and those no worker took
on (also run every minute by a django-q2 schedule)."""

from __future__ import annotations

from exports import jobs, tracking_jobs
from videoeditor.sweeping import SweepCommand


def sweep(dry_run: bool = False) -> list[str]:
    return jobs.sweep(dry_run=dry_run) + tracking_jobs.sweep(dry_run=dry_run)


class Command(SweepCommand):
    help = (
        "Queue again (or fail, after EXPORT_MAX_ATTEMPTS) exports and tracking jobs whose worker "
        "stopped beating, and those pending longer than EXPORT_STALE_MINUTES."
    )
    nothing, noun = "No stale exports or tracking jobs.", "job(s)"
    sweep = staticmethod(sweep)

"""Rescue exports whose worker vanished, and exports no worker took on (also run
every minute by a django-q2 schedule)."""

from __future__ import annotations

from exports import jobs
from videoeditor.sweeping import SweepCommand


class Command(SweepCommand):
    help = (
        "Queue again (or fail, after EXPORT_MAX_ATTEMPTS) exports whose worker stopped beating, "
        "and exports pending longer than EXPORT_STALE_MINUTES."
    )
    nothing, noun = "No stale exports.", "export(s)"
    sweep = staticmethod(jobs.sweep)

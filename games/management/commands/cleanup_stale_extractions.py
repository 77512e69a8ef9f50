"""Rescue clip cuts whose worker vanished, and cuts no worker took on (also run every
minute by a django-q2 schedule)."""

from __future__ import annotations

from games.sweeper import sweep_extractions
from videoeditor.sweeping import SweepCommand


class Command(SweepCommand):
    help = (
        "Queue again (or fail, after EXTRACTION_MAX_ATTEMPTS) clip cuts whose worker stopped beating, "
        "and cuts waiting longer than EXTRACTION_STALE_MINUTES."
    )
    nothing, noun = "No stale clip cuts.", "cut(s)"
    sweep = staticmethod(sweep_extractions)

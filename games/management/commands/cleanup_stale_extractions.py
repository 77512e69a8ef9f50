"""Rescue clip cuts whose worker vanished, and cuts no worker took on (also run every
minute by a django-q2 schedule)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from games.sweeper import sweep_extractions


class Command(BaseCommand):
    help = (
        "Queue again (or fail, after EXTRACTION_MAX_ATTEMPTS) clip cuts whose worker stopped beating, "
        "and cuts waiting longer than EXTRACTION_STALE_MINUTES."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        lines = sweep_extractions(dry_run=dry_run)
        prefix = "[dry run] would: " if dry_run else ""
        for line in lines:
            self.stdout.write(prefix + line)
        if not lines:
            self.stdout.write("No stale clip cuts.")
        elif dry_run:
            self.stdout.write(f"Dry run: {len(lines)} cut(s) would change; nothing was changed.")

"""Rescue exports whose worker vanished, and exports no worker took on (also run
every minute by a django-q2 schedule)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exports import jobs


class Command(BaseCommand):
    help = (
        "Queue again (or fail, after EXPORT_MAX_ATTEMPTS) exports whose worker stopped beating, "
        "and exports pending longer than EXPORT_STALE_MINUTES."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        lines = jobs.sweep(dry_run=dry_run)
        prefix = "[dry run] would: " if dry_run else ""
        for line in lines:
            self.stdout.write(prefix + line)
        if not lines:
            self.stdout.write("No stale exports.")
        elif dry_run:
            self.stdout.write(f"Dry run: {len(lines)} export(s) would change; nothing was changed.")

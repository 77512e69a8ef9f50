"""The shape every sweeper command shares (exports, clip cuts): run the sweep, or
say what it would do with --dry-run, a line per rescued row."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand


class SweepCommand(BaseCommand):
    # The sweep itself (jobs.sweep, sweep_extractions): a line per rescued row.
    sweep: Callable[..., list[str]]
    nothing = "Nothing is stale."  # said when the sweep found nothing
    noun = "row(s)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        lines = self.sweep(dry_run=dry_run)
        prefix = "[dry run] would: " if dry_run else ""
        for line in lines:
            self.stdout.write(prefix + line)
        if not lines:
            self.stdout.write(self.nothing)
        elif dry_run:
            self.stdout.write(f"Dry run: {len(lines)} {self.noun} would change; nothing was changed.")

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.service import purge_older_than


class Command(BaseCommand):
    help = "Delete stored notifications older than the retention (24 h by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=settings.NOTIFICATIONS_RETENTION_HOURS,
            metavar="HOURS",
            help="delete notifications created more than HOURS ago (default: %(default)s)",
        )

    def handle(self, *args, older_than: float, **options) -> None:
        if older_than <= 0:
            raise CommandError("--older-than must be a positive number of hours.")
        deleted = purge_older_than(older_than)
        self.stdout.write(f"Deleted {deleted} notification(s) older than {older_than:g} h.")

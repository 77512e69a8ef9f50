from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from games.uploads import abort_abandoned


class Command(BaseCommand):
    help = "Abort uploads with no activity for a while (48 h by default) and delete what they stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=settings.UPLOAD_ABANDONED_HOURS,
            metavar="HOURS",
            help="abort uploads idle for more than HOURS (default: %(default)s)",
        )

    def handle(self, *args, older_than: float, **options) -> None:
        if older_than <= 0:
            raise CommandError("--older-than must be a positive number of hours.")
        aborted = abort_abandoned(timedelta(hours=older_than))
        self.stdout.write(f"Aborted {aborted} abandoned upload(s) idle for more than {older_than:g} h.")

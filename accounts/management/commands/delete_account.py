"""manage.py delete_account <username> [--yes]: an operator deletes an account and
everything stored for it, as the person's own request would, but runs the deletion
here and now (no worker needed) and prints what it removed."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import deletion
from accounts.models import AccountDeletion, DeletionStatus
from games.uploads import size_label


class Command(BaseCommand):
    help = "Delete an account, its rows and every object stored for it (sessions end at once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, username: str, yes: bool = False, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self._finish_failed(username)
            return
        counts = deletion.holdings(user.pk)
        self.stdout.write(f"{username} holds {deletion.summary(counts, stored=False)}.")
        if not yes:
            answer = input(f"Delete {username} and everything stored for it? Type the username: ")
            if answer.strip() != username:
                raise CommandError("Not confirmed; nothing was deleted.")
        try:
            started = deletion.request_deletion(user, requested_by=None, queue=False)
        except deletion.DeletionError as error:
            raise CommandError(error.message) from None
        self._run(started.pk, username)

    def _finish_failed(self, username: str) -> None:
        """The account is gone but a failed deletion left storage behind: finish it."""
        failed = AccountDeletion.objects.filter(username=username, status=DeletionStatus.FAILED).first()
        if failed is None or not deletion.run_again(failed, by="delete_account", queue=False):
            raise CommandError(f"There is no account {username!r}.")
        self.stdout.write(f"{username} is gone; finishing its failed deletion.")
        self._run(failed.pk, username)

    def _run(self, deletion_id: int, username: str) -> None:
        removed = deletion.run_deletion(deletion_id)
        done = AccountDeletion.objects.get(pk=deletion_id)
        if done.status != DeletionStatus.COMPLETE or removed is None:
            raise CommandError(f"The deletion failed: {done.error or done.status}. Run the command again.")
        self.stdout.write(
            f"Deleted {username}: {deletion.summary(removed)} ({size_label(removed.get('bytes', 0))})."
        )

"""Account deletion: a person's rows and every object stored for them, removed in the
background, with an email when it is done.

    pending ──claim──> running ──> complete
       ^                  │
       │                  └──> failed ──run again (admin)──> pending
       └── queued again by the sweeper (running with no heartbeat, or pending unclaimed)

`request_deletion` (the page, DELETE /api/me, the admin, the command) signs the person
out everywhere, makes the account inactive, stops their running work through each
job's own cancel path and queues `run_deletion` on the cpu cluster. The task claims the
row with one conditional UPDATE, waits briefly for the stopped workers to let go,
counts, deletes the user (the cascade takes every row; receivers delete some files
after commit) and then sweeps the person's storage prefixes (accounts/purge.py), so
nothing outlives the account: not a stray object nor an unfinished multipart upload.
Every step can run again: a second run after a crash, with the user already gone,
sweeps and completes. Deletions completed within a day are swept again by the
every-minute schedule (a late writer's file).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django_q.tasks import async_task

from accounts import purge
from accounts.models import AccountDeletion, DeletionStatus
from accounts.sessions import end_all
from exports import jobs as export_jobs
from exports import tracking_jobs
from exports.models import (
    ACTIVE_STATUSES,
    ExportJob,
    FinalVideo,
    Project,
    ReviewSegment,
    ReviewVideo,
    TrackingJob,
    WorkingVideo,
)
from games import extraction, uploads
from games.models import Clip, ExtractionStatus, Game, UploadSession, UploadStatus
from notifications.models import NotificationType
from notifications.service import notify
from videoeditor.errors import UserFacingError
from videoeditor.liveness import Heartbeat, alive, worker_id
from videoeditor.pipeline import sentence, wake_after_commit

log = logging.getLogger(__name__)

PENDING, RUNNING, COMPLETE, FAILED = (
    DeletionStatus.PENDING,
    DeletionStatus.RUNNING,
    DeletionStatus.COMPLETE,
    DeletionStatus.FAILED,
)
ACTIVE = (PENDING, RUNNING)
WORKERS_WAIT_SECONDS = 30  # how long a deletion waits for stopped workers to let go
POLL_SECONDS = 0.25
LATE_SWEEP = timedelta(days=1)  # completed deletions swept again this long (late writers)
EMAIL_SUBJECT = "Your Highlights account has been deleted"


class DeletionError(UserFacingError):
    pass


# --- the web side ------------------------------------------------------------------------


def refuse_if_under_way(user) -> None:
    """409 when a deletion of the account is already under way (before asking for a
    password that no longer signs in: the account is inactive from the first request)."""
    if AccountDeletion.objects.filter(user_id=user.pk, status__in=ACTIVE).exists():
        raise DeletionError(409, f"The account {user.get_username()} is already being deleted.")


def request_deletion(user, requested_by, *, queue: bool = True) -> AccountDeletion:
    """Start deleting `user`'s account (asked by `requested_by`: the user, or a staff
    member). 409 when a deletion of it is already under way. `queue=False` leaves the
    run to the caller (the management command runs it in its own process)."""
    try:
        with transaction.atomic():
            # Locked: two requests at once make one deletion.
            User = get_user_model()
            User.objects.select_for_update().filter(pk=user.pk).first()
            refuse_if_under_way(user)
            deletion = AccountDeletion.objects.create(
                user_id=user.pk, username=user.username, email=user.email, requested_by=requested_by
            )
            User.objects.filter(pk=user.pk).update(is_active=False)
            user.is_active = False
            end_all(user)
            stop_work(user.pk, by=f"the deletion of the account {user.username}")
            if queue:
                enqueue(deletion)
    except IntegrityError:  # the unique-active constraint: a request that lost the race
        raise DeletionError(409, f"The account {user.username} is already being deleted.") from None
    log.info("Deletion %s of %s requested by %s", deletion.pk, user.username, requested_by)
    return deletion


def enqueue(deletion: AccountDeletion) -> None:
    deletion_id = deletion.pk
    wake_after_commit(
        lambda: async_task(
            "accounts.deletion.run_deletion", deletion_id, cluster="cpu", group="deletion",
            task_name=task_id(deletion_id),
        ),
        f"the deletion of account {deletion.username}",
    )  # fmt: skip


def task_id(deletion_id: int) -> str:
    """The deletion's name in django-q2 and in its Redis heartbeat."""
    return f"deletion_{deletion_id}"


def run_again(deletion: AccountDeletion, by: str, *, queue: bool = True) -> bool:
    """An admin's new attempt at a failed deletion; False when it is not failed (or
    another deletion of the account is under way). `queue=False`: the caller runs it."""
    try:
        with transaction.atomic():
            moved = AccountDeletion.objects.filter(pk=deletion.pk, status=FAILED).update(
                status=PENDING, error="", started_at=timezone.now()
            )
            if moved and queue:
                enqueue(deletion)
    except IntegrityError:
        return False
    if moved:
        log.info("Deletion %s of %s run again by %s", deletion.pk, deletion.username, by)
    return bool(moved)


def stop_work(user_id: int, by: str) -> list[str]:
    """Cancel the person's exports and tracking jobs and give back their clips' cuts,
    each through its own path (the workers stop at their next check); returns the task
    ids whose workers may still be letting go."""
    for job in ExportJob.objects.filter(owner_id=user_id, status__in=ACTIVE_STATUSES):
        with contextlib.suppress(UserFacingError):  # it ended meanwhile
            export_jobs.cancel(job, by)
    for job in TrackingJob.objects.filter(owner_id=user_id, status__in=ACTIVE_STATUSES):
        with contextlib.suppress(UserFacingError):
            tracking_jobs.cancel(job, by)
    # A cut under way finds its claim gone and deletes what it stored.
    cutting = Clip.objects.filter(game__owner_id=user_id, extraction_status=ExtractionStatus.EXTRACTING)
    for clip in cutting:
        extraction.invalidate_file(clip, reason=by)
    return work_ids(user_id)


def work_ids(user_id: int) -> list[str]:
    """The heartbeat names of every piece of work of the person a worker may hold."""
    recent = Q(completed_at__isnull=True) | Q(completed_at__gte=timezone.now() - timedelta(hours=1))
    clips = Clip.objects.filter(game__owner_id=user_id).values_list("pk", flat=True)
    return [
        *ExportJob.objects.filter(recent, owner_id=user_id).values_list("pk", flat=True),
        *TrackingJob.objects.filter(recent, owner_id=user_id).values_list("pk", flat=True),
        *(extraction.task_id(pk) for pk in clips),
    ]


# --- what an account holds ---------------------------------------------------------------


def holdings(user_id: int) -> dict[str, int]:
    """What deleting the account removes, as counted from its rows; `bytes` is what the
    rows know of their files' sizes (game videos, rendered and review videos, pieces)."""
    games = Game.objects.filter(owner_id=user_id)
    finals = FinalVideo.objects.filter(project__owner_id=user_id)
    working = WorkingVideo.objects.filter(project__owner_id=user_id)
    reviews = ReviewVideo.objects.filter(owner_id=user_id)
    pieces = ReviewSegment.objects.filter(clip__game__owner_id=user_id)

    def total(query, field: str = "size") -> int:
        return query.aggregate(total=Sum(field))["total"] or 0

    return {
        "games": games.count(),
        "clips": Clip.objects.filter(game__owner_id=user_id).count(),
        "projects": Project.objects.filter(owner_id=user_id).count(),
        "final_videos": finals.count(),
        "working_videos": working.count(),
        "review_videos": reviews.count(),
        "uploads": UploadSession.objects.filter(owner_id=user_id).count(),
        "bytes": total(games, "video_size") + total(finals) + total(working) + total(reviews) + total(pieces),
    }


def videos(counts: dict) -> int:
    """The videos a person sees in their gallery: final and review videos."""
    return counts.get("final_videos", 0) + counts.get("review_videos", 0)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary(counts: dict, *, stored: bool = True) -> str:
    """ "3 games, 14 clips, 2 projects, 9 videos, 112 stored files" """
    parts = [
        plural(counts.get("games", 0), "game"),
        plural(counts.get("clips", 0), "clip"),
        plural(counts.get("projects", 0), "project"),
        plural(videos(counts), "video"),
    ]
    if stored:
        parts.append(plural(counts.get("objects", 0), "stored file"))
    return ", ".join(parts)


# --- the worker side ---------------------------------------------------------------------


def run_deletion(deletion_id: int) -> dict | None:
    """The django-q2 task: claim the deletion, delete the account and sweep its storage;
    returns what was removed, or None when the deletion was not waiting (another worker
    has it, or it is done)."""
    now = timezone.now()
    claimed = AccountDeletion.objects.filter(pk=deletion_id, status=PENDING).update(
        status=RUNNING, started_at=now, attempts=F("attempts") + 1, error=""
    )
    if not claimed:
        log.info("Deletion %s skipped: it is not pending", deletion_id)
        return None
    deletion = AccountDeletion.objects.select_related("requested_by").get(pk=deletion_id)
    me = worker_id()
    try:
        with Heartbeat(task_id(deletion.pk), me, settings.EXPORT_HEARTBEAT_SECONDS):
            removed = _delete(deletion)
    except Exception as exc:
        log.exception("Deletion %s of %s failed", deletion.pk, deletion.username)
        _failed(deletion, f"{type(exc).__name__}: {exc}")
        return None
    _tell(deletion, removed)
    return removed


def _delete(deletion: AccountDeletion) -> dict:
    user_id = deletion.user_id
    by = f"the deletion of the account {deletion.username}"
    User = get_user_model()
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        # Work started between the request and now (a request in flight) stops too.
        _wait_for_workers(stop_work(user_id, by))
        _abort_uploads(user_id, by)
        counts = holdings(user_id)
        # What the rows point at is in storage now; measured before the rows go.
        before = purge.listing(user_id)
        with transaction.atomic():
            # Counted in the same transaction as the delete: a re-run after a crash
            # (with the user gone) still reports them.
            AccountDeletion.objects.filter(pk=deletion.pk).update(
                removed={**counts, "objects": len(before), "bytes": sum(before.values())}
            )
            User.objects.filter(pk=user_id).delete()
    else:
        before = {}
    deletion.refresh_from_db(fields=["removed"])
    swept = purge.remove_all(user_id)
    removed = dict(deletion.removed)
    if "objects" not in removed:  # gone before any attempt counted: the sweep is all there is
        removed["objects"] = removed.get("objects", 0) + swept.objects
        removed["bytes"] = removed.get("bytes", 0) + swept.bytes
    removed["multipart_uploads"] = removed.get("multipart_uploads", 0) + swept.uploads
    AccountDeletion.objects.filter(pk=deletion.pk, status=RUNNING).update(
        status=COMPLETE, completed_at=timezone.now(), removed=removed, error=""
    )
    log.info("Deletion %s of %s complete: %s", deletion.pk, deletion.username, removed)
    return removed


def _wait_for_workers(task_ids: Iterable[str]) -> None:
    """Until no stopped worker beats for the person's work (bounded: the sweep after the
    delete, and the sweeps of the next day, catch what a slow worker writes late)."""
    task_ids = list(task_ids)
    deadline = time.monotonic() + WORKERS_WAIT_SECONDS
    while task_ids and time.monotonic() < deadline:
        beating = alive(task_ids)
        if not beating:  # nobody ({}), or Redis is down (None): nothing to wait for
            return
        task_ids = list(beating)
        time.sleep(POLL_SECONDS)


def _abort_uploads(user_id: int, by: str) -> None:
    for session in UploadSession.objects.filter(owner_id=user_id, status=UploadStatus.ACTIVE):
        uploads.abort(session, f"The upload was cancelled by {by}.")


def _failed(deletion: AccountDeletion, error: str, source: Iterable[str] = (RUNNING,)) -> None:
    """Failed with `error`; the person stays inactive, and the staff member who asked is told."""
    error = sentence(error)
    failed = AccountDeletion.objects.filter(pk=deletion.pk, status__in=list(source)).update(
        status=FAILED, error=error, completed_at=None
    )
    if failed and deletion.requested_by_id and deletion.requested_by_id != deletion.user_id:
        notify(
            deletion.requested_by_id,
            NotificationType.ERROR,
            f"Deleting the account {deletion.username} failed",
            f"{error} Run it again from the admin's account deletions.",
            data={"deletion_id": deletion.pk},
        )


def _tell(deletion: AccountDeletion, removed: dict) -> None:
    """The email to the person, and the staff member who asked, in the app."""
    if deletion.email:
        try:
            send_mail(
                EMAIL_SUBJECT,
                f"Hello {deletion.username},\n\n"
                f"Your account has been deleted: {summary(removed)}. Nothing of yours is "
                f"stored with us any more.\n",
                settings.DEFAULT_FROM_EMAIL,
                [deletion.email],
            )
        except Exception:
            # The deletion is done; a mail server that is down must not undo that.
            log.exception("Could not email %s about the deletion of their account", deletion.email)
    if deletion.requested_by_id and deletion.requested_by_id != deletion.user_id:
        notify(
            deletion.requested_by_id,
            NotificationType.INFO,
            f"Account {deletion.username} deleted",
            summary(removed) + ".",
            data={"deletion_id": deletion.pk},
        )


# --- the sweeper ---------------------------------------------------------------------------


def sweep(dry_run: bool = False) -> list[str]:
    """Queue again deletions whose worker vanished (running with no heartbeat) or that no
    worker took on within EXPORT_STALE_MINUTES, failing them after EXPORT_MAX_ATTEMPTS;
    and sweep once more the storage of accounts deleted within the last day (a late
    writer's file). A line each for what it did (or would do)."""
    now = timezone.now()
    done: list[str] = []
    grace = timedelta(seconds=settings.EXPORT_HEARTBEAT_SECONDS)
    stale = timedelta(minutes=settings.EXPORT_STALE_MINUTES)
    running = list(AccountDeletion.objects.filter(status=RUNNING, started_at__lt=now - grace))
    beating = alive([task_id(d.pk) for d in running])
    if beating is None:
        done.append(
            "Redis did not answer, so no worker's heartbeat could be read; running deletions left alone."
        )
        running = []
    # started_at is when the latest attempt started, or was queued again.
    waiting = AccountDeletion.objects.filter(
        Q(started_at__lt=now - stale) | Q(started_at__isnull=True, created_at__lt=now - stale), status=PENDING
    )
    for deletion in [*(d for d in running if task_id(d.pk) not in beating), *waiting]:
        done.append(_rescue(deletion, now, dry_run))
    for deletion in AccountDeletion.objects.filter(status=COMPLETE, completed_at__gte=now - LATE_SWEEP):
        if purge.anything_left(deletion.user_id):
            done.append(f"deletion {deletion.pk}: {deletion.username}'s storage holds late files; swept")
            if not dry_run:
                swept = purge.remove_all(deletion.user_id)
                log.info("Late sweep of %s removed %s object(s)", deletion.username, swept.objects)
    return done


def _rescue(deletion: AccountDeletion, now, dry_run: bool) -> str:
    limit = settings.EXPORT_MAX_ATTEMPTS
    was = deletion.status
    if deletion.attempts >= limit:
        if not dry_run:
            _failed(
                deletion, f"The deletion stopped {deletion.attempts} times without finishing.", source=[was]
            )
        return f"deletion {deletion.pk}: failed after {deletion.attempts} attempt(s)"
    if not dry_run:
        with transaction.atomic():
            if AccountDeletion.objects.filter(pk=deletion.pk, status=was, attempts=deletion.attempts).update(
                status=PENDING, started_at=now
            ):
                enqueue(deletion)
    why = "its worker stopped beating" if was == RUNNING else "no worker took it on"
    return f"deletion {deletion.pk} of {deletion.username}: {why}; queued again"

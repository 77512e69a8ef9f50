"""Deleting an account: the person's rows and every object stored for them go, in the
background (run_deletion, called here as the worker calls it), with an email; nobody
else's; refusals say why; a crash is finished by a second run; the sweeper rescues
stuck deletions and sweeps again what a late writer stored."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import deletion, purge
from accounts.models import AccountDeletion, DeletionStatus
from exports.models import ExportJob, FinalVideo, JobStatus, Project, ReviewVideo, TrackingJob
from games.models import Clip, Game, Picture
from notifications.models import Notification
from tests.accounts.holdings import account_holdings, forget_stored, left_in_storage, store
from tests.conftest import PASSWORD
from videoeditor import liveness

User = get_user_model()


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("deletion-media")


@pytest.fixture(autouse=True)
def clean_storage():
    yield
    forget_stored()


@pytest.fixture
def staff(db):
    return User.objects.create_user("coach", "coach@example.com", PASSWORD, is_staff=True)


def rows_of(user_id: int) -> dict[str, int]:
    return {
        "games": Game.objects.filter(owner_id=user_id).count(),
        "clips": Clip.objects.filter(game__owner_id=user_id).count(),
        "projects": Project.objects.filter(owner_id=user_id).count(),
        "finals": FinalVideo.objects.filter(project__owner_id=user_id).count(),
        "reviews": ReviewVideo.objects.filter(owner_id=user_id).count(),
        "pictures": Picture.objects.filter(owner_id=user_id).count(),
    }


def test_deleting_an_account_removes_its_rows_and_every_stored_object_and_nobody_elses(alice, bob, media):
    # given alice and bob, each with one of everything (and a stray object, and on S3 an
    # unfinished multipart upload)
    mine, theirs = account_holdings(alice, media), account_holdings(bob, media)
    assert left_in_storage(alice.pk) == sorted(mine.keys) + (
        [f"multipart:{mine.multipart}"] if mine.multipart else []
    )
    bob_before = left_in_storage(bob.pk)

    # when alice asks for her account's deletion and a worker runs it
    started = deletion.request_deletion(alice, requested_by=alice)
    removed = deletion.run_deletion(started.pk)

    # then her rows and objects are gone, bob's are untouched
    assert not User.objects.filter(pk=alice.pk).exists()
    assert set(rows_of(alice.pk).values()) == {0}
    assert left_in_storage(alice.pk) == []
    assert rows_of(bob.pk) == {
        "games": 1,
        "clips": 2,
        "projects": 1,
        "finals": 1,
        "reviews": 1,
        "pictures": 1,
    }
    assert left_in_storage(bob.pk) == bob_before
    assert theirs.keys[0] in bob_before
    # and the deletion records what went
    done = AccountDeletion.objects.get(pk=started.pk)
    assert done.status == DeletionStatus.COMPLETE
    assert done.completed_at is not None
    assert done.attempts == 1
    assert removed == done.removed
    assert removed["games"] == 1
    assert removed["clips"] == 2
    assert removed["projects"] == 1
    assert removed["final_videos"] == 1
    assert removed["working_videos"] == 1
    assert removed["review_videos"] == 1
    assert removed["objects"] == len(mine.keys)
    assert removed["bytes"] > 0
    assert removed["multipart_uploads"] == (1 if mine.multipart else 0)
    # and she is told by email, with the counts
    (sent,) = mail.outbox
    assert sent.to == ["alice@example.com"]
    assert sent.subject == "Your Highlights account has been deleted"
    assert f"1 game, 2 clips, 1 project, 2 videos, {len(mine.keys)} stored files" in sent.body


def test_the_counts_of_bytes_are_those_of_the_objects_removed(alice, media):
    holdings = account_holdings(alice, media)
    sizes = purge.listing(alice.pk)
    assert sorted(sizes) == sorted(holdings.keys)

    removed = deletion.run_deletion(deletion.request_deletion(alice, requested_by=alice).pk)

    assert removed["bytes"] == sum(sizes.values())


def test_the_request_signs_the_person_out_everywhere_and_makes_the_account_inactive(alice, bob):
    # given alice signed in on two browsers and with an API token, and bob signed in
    browsers, other = [Client(), Client()], Client()
    for browser, who in [(browsers[0], alice), (browsers[1], alice), (other, bob)]:
        browser.force_login(who)
        assert browser.get("/api/me").status_code == 200  # a request records the session (allauth)
    Token.objects.create(user=alice)

    started = deletion.request_deletion(alice, requested_by=alice)

    alice.refresh_from_db()
    assert not alice.is_active
    assert started.status == DeletionStatus.PENDING
    assert started.username == "alice"
    assert not Token.objects.filter(user=alice).exists()
    signed_in = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert signed_in == [str(bob.pk)]
    for browser in browsers:
        assert browser.get("/api/me").status_code in (401, 403)
    assert other.get("/api/me").status_code == 200


def test_the_persons_running_work_is_cancelled(alice, bob):
    # given alice's export, tracking job and clip cut under way, and bob's export
    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    clip = Clip.objects.create(game=game, start_time=0, end_time=5, extraction_status="extracting")
    project = Project.objects.create(owner=alice, name="Reel")
    export = ExportJob.objects.create(owner=alice, project=project, type="framing", status="processing")
    tracking = TrackingJob.objects.create(owner=alice, clip=clip, status="pending")
    bobs = ExportJob.objects.create(
        owner=bob, project=Project.objects.create(owner=bob, name="B"), type="framing", status="processing"
    )

    deletion.request_deletion(alice, requested_by=alice)

    export.refresh_from_db(), tracking.refresh_from_db(), clip.refresh_from_db(), bobs.refresh_from_db()
    assert export.status == JobStatus.CANCELLED
    assert tracking.status == JobStatus.CANCELLED
    assert liveness.cancel_requested(export.pk)
    assert liveness.cancel_requested(tracking.pk)
    assert clip.extraction_status == "pending"  # the cut under way finds its claim gone
    assert bobs.status == JobStatus.PROCESSING


def test_the_deletion_waits_for_a_stopped_worker_to_let_go(alice):
    # given an export whose worker still beats for a moment after the cancel
    project = Project.objects.create(owner=alice, name="Reel")
    export = ExportJob.objects.create(owner=alice, project=project, type="framing", status="processing")
    liveness.beat(export.pk, "worker:1", 10.0, 30)
    let_go = threading.Timer(0.6, liveness.forget, [export.pk])
    started = deletion.request_deletion(alice, requested_by=alice)

    let_go.start()
    began = time.monotonic()
    deletion.run_deletion(started.pk)

    # then the rows went only once the worker was gone
    assert time.monotonic() - began >= 0.5
    assert liveness.alive([export.pk]) == {}
    assert not ExportJob.objects.filter(pk=export.pk).exists()


def test_the_wait_for_a_worker_that_never_lets_go_is_bounded(alice, monkeypatch):
    monkeypatch.setattr(deletion, "WORKERS_WAIT_SECONDS", 0.5)
    project = Project.objects.create(owner=alice, name="Reel")
    export = ExportJob.objects.create(owner=alice, project=project, type="framing", status="processing")
    started = deletion.request_deletion(alice, requested_by=alice)
    liveness.beat(export.pk, "worker:stuck", 10.0, 30)
    began = time.monotonic()
    try:
        deletion.run_deletion(started.pk)
    finally:
        liveness.forget(export.pk)
    assert 0.4 <= time.monotonic() - began < 5
    assert AccountDeletion.objects.get(pk=started.pk).status == DeletionStatus.COMPLETE


def test_a_staff_members_deletion_notifies_them_when_done(alice, staff, media):
    account_holdings(alice, media)
    started = deletion.request_deletion(alice, requested_by=staff)

    deletion.run_deletion(started.pk)

    (told,) = Notification.objects.filter(owner=staff)
    assert told.type == "info"
    assert told.title == "Account alice deleted"
    assert told.message == "1 game, 2 clips, 1 project, 2 videos, 8 stored files."
    assert mail.outbox[0].to == ["alice@example.com"]


def test_a_second_request_while_one_is_under_way_is_refused(alice, staff):
    deletion.request_deletion(alice, requested_by=alice)
    with pytest.raises(deletion.DeletionError) as refused:
        deletion.request_deletion(alice, requested_by=staff)
    assert refused.value.status == 409
    assert refused.value.message == "The account alice is already being deleted."
    assert AccountDeletion.objects.filter(user_id=alice.pk).count() == 1


def test_a_second_run_is_a_no_op(alice, media):
    account_holdings(alice, media)
    started = deletion.request_deletion(alice, requested_by=alice)
    first = deletion.run_deletion(started.pk)

    assert deletion.run_deletion(started.pk) is None  # not pending: nothing to claim
    done = AccountDeletion.objects.get(pk=started.pk)
    assert done.status == DeletionStatus.COMPLETE
    assert done.attempts == 1
    assert done.removed == first
    assert len(mail.outbox) == 1


def test_a_crash_mid_deletion_fails_it_and_running_it_again_finishes(alice, staff, media, monkeypatch):
    # given the storage sweep crashes once, after the user's rows are gone
    holdings = account_holdings(alice, media)
    real = purge.remove_all
    monkeypatch.setattr(purge, "remove_all", lambda user_id: (_ for _ in ()).throw(OSError("disk gone")))
    started = deletion.request_deletion(alice, requested_by=staff)

    assert deletion.run_deletion(started.pk) is None

    # then the deletion failed with the error, the staff member is told, objects remain
    failed = AccountDeletion.objects.get(pk=started.pk)
    assert failed.status == DeletionStatus.FAILED
    assert failed.error == "OSError: disk gone"
    (told,) = Notification.objects.filter(owner=staff)
    assert told.type == "error"
    assert told.title == "Deleting the account alice failed"
    assert not User.objects.filter(pk=alice.pk).exists()
    assert left_in_storage(alice.pk)
    assert mail.outbox == []

    # when it is run again (the admin's action) with storage back
    monkeypatch.setattr(purge, "remove_all", real)
    assert deletion.run_again(failed, by="coach")
    removed = deletion.run_deletion(started.pk)

    # then it completes, with the counts the first attempt took before the rows went
    done = AccountDeletion.objects.get(pk=started.pk)
    assert done.status == DeletionStatus.COMPLETE
    assert done.attempts == 2
    assert done.error == ""
    assert removed["games"] == 1
    assert removed["objects"] == len(holdings.keys)
    assert left_in_storage(alice.pk) == []
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(owner=staff, type="info").count() == 1


def test_a_crash_before_the_rows_go_leaves_the_account_inactive_and_a_rerun_deletes_it(alice, monkeypatch):
    monkeypatch.setattr(deletion, "holdings", lambda user_id: 1 / 0)
    started = deletion.request_deletion(alice, requested_by=alice)
    deletion.run_deletion(started.pk)
    alice.refresh_from_db()
    assert not alice.is_active
    assert AccountDeletion.objects.get(pk=started.pk).error == "ZeroDivisionError: division by zero"

    monkeypatch.undo()
    deletion.run_again(AccountDeletion.objects.get(pk=started.pk), by="admin")
    deletion.run_deletion(started.pk)
    assert not User.objects.filter(pk=alice.pk).exists()


# --- the sweeper ---------------------------------------------------------------------------


def test_the_sweeper_queues_again_a_deletion_whose_worker_vanished(alice, settings, monkeypatch):
    started = deletion.request_deletion(alice, requested_by=alice)
    queued = []
    monkeypatch.setattr(deletion, "enqueue", queued.append)
    long_ago = timezone.now() - timedelta(hours=1)
    AccountDeletion.objects.filter(pk=started.pk).update(status="running", started_at=long_ago, attempts=1)

    lines = deletion.sweep()

    assert lines == [f"deletion {started.pk} of alice: its worker stopped beating; queued again"]
    assert AccountDeletion.objects.get(pk=started.pk).status == DeletionStatus.PENDING
    assert [d.pk for d in queued] == [started.pk]
    # and it is not queued again within EXPORT_STALE_MINUTES
    assert deletion.sweep() == []


def test_the_sweeper_leaves_a_beating_deletion_alone_and_fails_one_past_its_attempts(
    alice, bob, staff, settings
):
    beating = deletion.request_deletion(alice, requested_by=alice)
    stuck = deletion.request_deletion(bob, requested_by=staff)
    long_ago = timezone.now() - timedelta(hours=1)
    AccountDeletion.objects.filter(pk__in=[beating.pk, stuck.pk]).update(
        status="running", started_at=long_ago, attempts=settings.EXPORT_MAX_ATTEMPTS
    )
    liveness.beat(deletion.task_id(beating.pk), "worker:1", 0, 30)
    try:
        lines = deletion.sweep()
    finally:
        liveness.forget(deletion.task_id(beating.pk))
    assert lines == [f"deletion {stuck.pk}: failed after {settings.EXPORT_MAX_ATTEMPTS} attempt(s)"]
    assert AccountDeletion.objects.get(pk=beating.pk).status == DeletionStatus.RUNNING
    assert AccountDeletion.objects.get(pk=stuck.pk).status == DeletionStatus.FAILED
    assert Notification.objects.get(owner=staff).type == "error"


def test_the_sweeper_sweeps_again_what_a_late_writer_stored_after_the_deletion(alice, media):
    deletion.run_deletion(deletion.request_deletion(alice, requested_by=alice).pk)
    assert deletion.sweep() == []  # nothing there: nothing done

    late = store(f"exports/{alice.pk}/9/late-final.mp4", b"late")
    lines = deletion.sweep()

    assert lines == [f"deletion {AccountDeletion.objects.get().pk}: alice's storage holds late files; swept"]
    assert late not in left_in_storage(alice.pk)
    assert left_in_storage(alice.pk) == []


def test_the_cleanup_command_runs_the_deletion_sweep(alice, capsys):
    started = deletion.request_deletion(alice, requested_by=alice)
    AccountDeletion.objects.filter(pk=started.pk).update(created_at=timezone.now() - timedelta(hours=1))
    call_command("cleanup_stale_exports", "--dry-run")
    out = capsys.readouterr().out
    assert f"[dry run] would: deletion {started.pk} of alice: no worker took it on; queued again" in out


# --- the management command ------------------------------------------------------------------


def test_the_command_deletes_an_account_and_prints_what_it_removed(alice, bob, media, capsys):
    account_holdings(alice, media)
    call_command("delete_account", "alice", "--yes")
    out = capsys.readouterr().out
    assert "alice holds 1 game, 2 clips, 1 project, 2 videos." in out
    assert "Deleted alice: 1 game, 2 clips, 1 project, 2 videos, 8 stored files" in out
    assert not User.objects.filter(username="alice").exists()
    assert left_in_storage(alice.pk) == []
    assert User.objects.filter(username="bob").exists()


def test_the_command_refuses_an_unknown_account(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"There is no account .nobody."):
        call_command("delete_account", "nobody", "--yes")

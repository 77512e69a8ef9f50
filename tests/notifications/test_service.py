"""notify / broadcast / send_progress: stored first, pushed after commit, throttled."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from notifications import service
from notifications.models import Notification, NotificationType
from notifications.service import InvalidNotification, broadcast, notify, send_progress


@pytest.mark.django_db(transaction=True)
def test_it_stores_then_pushes_with_a_per_user_seq(alice, bob, listen):
    listener = listen(alice)

    first = notify(alice, "info", "First")
    second = notify(alice, "warning", "Second", "Careful.")
    bobs = notify(bob, "info", "Bob's")

    assert (first.seq, second.seq, bobs.seq) == (1, 2, 1)
    assert [m["title"] for m in listener.drain()] == ["First", "Second"]
    assert Notification.objects.filter(owner=alice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_notifies_nobody(alice, listen):
    listener = listen(alice)

    def export_that_fails_after_notifying() -> None:
        with transaction.atomic():
            notify(alice, "export_complete", "Export finished")
            raise RuntimeError("the export's own write failed")

    with pytest.raises(RuntimeError):
        export_that_fails_after_notifying()

    assert listener.drain() == []
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_push_waits_for_the_outer_commit(alice, listen):
    listener = listen(alice)

    with transaction.atomic():
        notify(alice, "info", "Inside")
        assert listener.drain(wait=0.2) == []

    assert [m["title"] for m in listener.drain()] == ["Inside"]


@pytest.mark.django_db
def test_defaults_follow_the_type(alice):
    assert notify(alice, "export_complete", "Done").auto_dismiss_ms == 5000
    assert notify(alice, "export_failed", "Failed").auto_dismiss_ms is None
    assert notify(alice, "error", "Broken").auto_dismiss_ms is None
    assert notify(alice, "info", "Sticky", auto_dismiss_ms=None).auto_dismiss_ms is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"type": "party", "title": "x"}, "not a notification type"),
        ({"type": "info", "title": ""}, "title"),
        ({"type": "info", "title": "x", "data": ["not", "a", "dict"]}, "data"),
        ({"type": "info", "title": "x", "actions": [{"label": "Open"}]}, "action"),
        ({"type": "info", "title": "x", "progress": 101}, "between 0 and 100"),
        ({"type": "export_progress", "title": "x"}, "send_progress"),
    ],
)
def test_bad_notifications_are_refused_and_not_stored(alice, kwargs, words):
    with pytest.raises(InvalidNotification, match=words):
        notify(alice, **kwargs)

    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_broadcast_stores_one_row_per_active_user(alice, bob, django_user_model, listen):
    django_user_model.objects.create_user("carol", is_active=False)
    notify(alice, "info", "earlier")
    bob_listener = listen(bob)

    rows = broadcast("warning", "Maintenance at 22:00", "Exports pause for ten minutes.")

    assert sorted(r.owner.username for r in rows) == ["alice", "bob"]
    assert {r.owner.username: r.seq for r in rows} == {"alice": 2, "bob": 1}
    assert [m["title"] for m in bob_listener.drain()] == ["Maintenance at 22:00"]


@pytest.mark.django_db
def test_progress_is_throttled_to_four_a_second_and_the_end_always_goes_out(alice, listen):
    listener = listen(alice)
    task = f"export_{time.monotonic_ns()}"

    sent = [send_progress(alice, task, p, "Rendering") for p in range(0, 100, 5)]  # 20 calls in a burst
    final = send_progress(alice, task, 100, "Done")

    assert sent[0] is True
    assert sent.count(True) == 1
    assert final is True
    messages = listener.drain()
    assert [m["progress"] for m in messages] == [0, 100]
    assert all(m["seq"] is None and m["type"] == "export_progress" for m in messages)
    assert messages[0]["data"] == {"task_id": task}
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_progress_flows_again_after_the_interval(alice):
    task = f"extract_{time.monotonic_ns()}"
    assert send_progress(alice, task, 10, type=NotificationType.EXTRACTION_PROGRESS)
    assert not send_progress(alice, task, 11, type=NotificationType.EXTRACTION_PROGRESS)

    time.sleep(service.PROGRESS_MIN_INTERVAL + 0.05)

    assert send_progress(alice, task, 12, type=NotificationType.EXTRACTION_PROGRESS)


@pytest.mark.django_db
def test_progress_for_another_task_is_not_held_back(alice):
    stamp = time.monotonic_ns()
    assert send_progress(alice, f"a{stamp}", 10)
    assert send_progress(alice, f"b{stamp}", 10)


def test_progress_needs_a_progress_type():
    with pytest.raises(InvalidNotification, match="not a progress type"):
        send_progress(1, "t", 10, type="info")


def test_a_change_is_pushed_after_commit_and_never_stored(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import service

    pushed = []
    monkeypatch.setattr(service, "_push", lambda user_id, message: pushed.append((user_id, message)))
    with django_capture_on_commit_callbacks(execute=True):
        service.send_change(alice, "game", 7, "deleted")
        assert pushed == []
    assert pushed == [
        (alice.pk, {"type": "changed", "seq": None, "resource": "game", "id": 7, "action": "deleted"})
    ]
    assert not alice.notifications.exists()
    with pytest.raises(service.InvalidNotification):
        service.send_change(alice, "game", 7, "renamed")

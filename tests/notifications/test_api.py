"""REST for the history: owner-scoped, never cached."""

from __future__ import annotations

import uuid

import pytest

from notifications.models import Notification
from notifications.service import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(alice, bob):
    first = notify(alice, "info", "First")
    second = notify(alice, "export_complete", "Second")
    notify(bob, "info", "Bob's own")
    return first, second


def test_it_lists_the_users_history_newest_first(alice_api, history):
    response = alice_api.get("/api/notifications")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [n["title"] for n in body["results"]] == ["Second", "First"]
    assert body["results"][0]["read_at"] is None
    assert body["results"][0]["seq"] == 2
    assert "no-store" in response["Cache-Control"]


def test_it_paginates(alice_api, alice):
    for number in range(5):
        notify(alice, "info", f"n{number}")

    body = alice_api.get("/api/notifications?limit=2&offset=2").json()

    assert body["count"] == 5
    assert [n["title"] for n in body["results"]] == ["n2", "n1"]


def test_unread_filter_and_count(alice_api, history):
    first, _ = history
    alice_api.post(f"/api/notifications/{first.id}/read")

    unread = alice_api.get("/api/notifications?unread=true").json()
    count = alice_api.get("/api/notifications/unread-count").json()

    assert [n["title"] for n in unread["results"]] == ["Second"]
    assert count == {"unread_count": 1}


def test_a_bad_unread_value_is_a_400(alice_api, history):
    response = alice_api.get("/api/notifications?unread=maybe")

    assert response.status_code == 400
    assert "unread=true" in response.json()["unread"]


def test_mark_one_read_is_idempotent(alice_api, history):
    first, _ = history

    once = alice_api.post(f"/api/notifications/{first.id}/read").json()
    twice = alice_api.post(f"/api/notifications/{first.id}/read").json()

    assert once["read_at"] is not None
    assert twice["read_at"] == once["read_at"]


def test_mark_all_read(alice_api, alice, history):
    assert alice_api.post("/api/notifications/read-all").json() == {"marked": 2}
    assert alice_api.get("/api/notifications/unread-count").json() == {"unread_count": 0}
    assert Notification.objects.filter(owner__username="bob", read_at__isnull=True).count() == 1


def test_clear_history_only_clears_the_users_own(alice_api, history):
    assert alice_api.delete("/api/notifications").json() == {"deleted": 2}
    assert alice_api.get("/api/notifications").json()["count"] == 0
    assert Notification.objects.filter(owner__username="bob").count() == 1


def test_another_users_notification_is_a_404(bob_api, history):
    first, _ = history

    response = bob_api.post(f"/api/notifications/{first.id}/read")

    assert response.status_code == 404
    assert Notification.objects.get(id=first.id).read_at is None


def test_an_unknown_id_is_a_404(alice_api, history):
    assert alice_api.post(f"/api/notifications/{uuid.uuid4()}/read").status_code == 404

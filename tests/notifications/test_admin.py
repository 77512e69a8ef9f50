"""Staff triage notifications in the admin."""

from __future__ import annotations

import pytest

from notifications.service import notify

pytestmark = pytest.mark.django_db


def test_staff_triage_notifications_in_the_admin(admin_client, alice, bob):
    notify(alice, "export_failed", "Export failed", "The source video could not be read.")
    notify(bob, "info", "Kickoff reminder")

    page = admin_client.get("/admin/notifications/notification/?type=export_failed&read=no&q=source")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Export failed" in text
    assert "Kickoff reminder" not in text

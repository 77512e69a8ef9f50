"""Retention: notifications older than 24 h go, by command and by schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from notifications.models import Notification
from notifications.service import notify
from notifications.tasks import purge_old_notifications

pytestmark = pytest.mark.django_db


def aged(user, title: str, hours: float) -> Notification:
    notification = notify(user, "info", title)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    return notification


def test_the_command_keeps_the_last_24_hours(alice, capsys):
    aged(alice, "fresh", 1)
    aged(alice, "almost a day", 23.5)
    aged(alice, "stale", 25)
    aged(alice, "ancient", 24 * 7)

    call_command("purge_notifications")

    assert sorted(Notification.objects.values_list("title", flat=True)) == ["almost a day", "fresh"]
    assert "Deleted 2 notification(s) older than 24 h" in capsys.readouterr().out


def test_the_command_takes_another_age(alice):
    aged(alice, "fresh", 1)
    aged(alice, "two hours", 2)

    call_command("purge_notifications", "--older-than", "1.5")

    assert list(Notification.objects.values_list("title", flat=True)) == ["fresh"]


def test_the_command_refuses_a_nonsense_age():
    with pytest.raises(CommandError, match="positive"):
        call_command("purge_notifications", "--older-than", "0")


def test_an_hourly_schedule_runs_the_purge_task(alice):
    schedule = Schedule.objects.get(func="notifications.tasks.purge_old_notifications")
    assert schedule.schedule_type == Schedule.HOURLY
    assert schedule.repeats == -1
    aged(alice, "stale", 30)

    assert purge_old_notifications() == 1
    assert not Notification.objects.exists()

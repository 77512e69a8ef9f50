"""Recurring django-q2 tasks, created by data migrations of the apps that own them."""

from __future__ import annotations

from django.db import migrations

DJANGO_Q_MIGRATION = ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")


def hourly(name: str, func: str) -> migrations.RunPython:
    """A migration operation that schedules `func` every hour on the cpu cluster
    (and removes the schedule when migrated backwards)."""
    return every(name, func, {"schedule_type": "H"})


def every_minute(name: str, func: str) -> migrations.RunPython:
    return every(name, func, {"schedule_type": "I", "minutes": 1})


def every(name: str, func: str, timing: dict) -> migrations.RunPython:
    def create(apps, schema_editor) -> None:
        apps.get_model("django_q", "Schedule").objects.update_or_create(
            name=name, defaults={"func": func, **timing, "repeats": -1, "cluster": "cpu"}
        )

    def delete(apps, schema_editor) -> None:
        apps.get_model("django_q", "Schedule").objects.filter(name=name).delete()

    return migrations.RunPython(create, delete)

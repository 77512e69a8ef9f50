"""Schedule the hourly clean-up of abandoned uploads."""

from django.db import migrations

NAME = "Clean up abandoned uploads"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "games.tasks.cleanup_abandoned_uploads",
            "schedule_type": "H",
            "repeats": -1,
            "cluster": "cpu",
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("games", "0002_game_clip_count_game_clips_rated_1_and_more"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]

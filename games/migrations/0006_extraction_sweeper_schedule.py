from django.db import migrations

from videoeditor.schedules import DJANGO_Q_MIGRATION, every_minute


class Migration(migrations.Migration):
    dependencies = [("games", "0005_durable_extraction_and_upload_events"), DJANGO_Q_MIGRATION]

    operations = [every_minute("Rescue stale clip cuts", "games.tasks.sweep_stale_extractions")]

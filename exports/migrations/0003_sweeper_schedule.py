from django.db import migrations

from videoeditor.schedules import DJANGO_Q_MIGRATION, every_minute


class Migration(migrations.Migration):
    dependencies = [("exports", "0002_export_jobs"), DJANGO_Q_MIGRATION]

    operations = [every_minute("Rescue stale exports", "exports.tasks.sweep_stale_exports")]

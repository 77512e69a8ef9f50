from django.db import migrations

from videoeditor.schedules import DJANGO_Q_MIGRATION, hourly


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), DJANGO_Q_MIGRATION]

    operations = [hourly("Purge old notifications", "notifications.tasks.purge_old_notifications")]

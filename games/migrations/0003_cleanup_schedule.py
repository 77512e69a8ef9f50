from django.db import migrations

from videoeditor.schedules import DJANGO_Q_MIGRATION, hourly


class Migration(migrations.Migration):
    dependencies = [("games", "0002_game_clip_count_game_clips_rated_1_and_more"), DJANGO_Q_MIGRATION]

    operations = [hourly("Clean up abandoned uploads", "games.tasks.cleanup_abandoned_uploads")]

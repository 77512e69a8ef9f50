from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_purge_schedule")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="type",
            field=models.CharField(
                choices=[
                    ("extraction_started", "Extraction Started"),
                    ("extraction_progress", "Extraction Progress"),
                    ("extraction_complete", "Extraction Complete"),
                    ("extraction_failed", "Extraction Failed"),
                    ("export_started", "Export Started"),
                    ("export_progress", "Export Progress"),
                    ("export_complete", "Export Complete"),
                    ("export_failed", "Export Failed"),
                    ("upload_started", "Upload Started"),
                    ("upload_progress", "Upload Progress"),
                    ("upload_complete", "Upload Complete"),
                    ("upload_failed", "Upload Failed"),
                    ("tracking_progress", "Tracking Progress"),
                    ("tracking_complete", "Tracking Complete"),
                    ("tracking_failed", "Tracking Failed"),
                    ("info", "Info"),
                    ("warning", "Warning"),
                    ("error", "Error"),
                ],
                max_length=32,
            ),
        ),
    ]

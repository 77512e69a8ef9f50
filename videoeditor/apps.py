from django.apps import AppConfig


class VideoeditorConfig(AppConfig):
    name = "videoeditor"
    verbose_name = "Video editor"

    def ready(self) -> None:
        from videoeditor import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig


class VideoeditorConfig(AppConfig):
    name = "videoeditor"
    verbose_name = "Video editor"

    def ready(self) -> None:
        # Registers the system checks, and the counting of failed sign-ins.
        from videoeditor import checks, login_throttle  # noqa: F401

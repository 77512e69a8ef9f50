from django.conf import settings
from django.core.management.base import BaseCommand

from games.demo import ensure_demo_game, ensure_demo_user


class Command(BaseCommand):
    help = "Create (once) the demo user and a demo game with a generated match video; print the login."

    def handle(self, *args, **options) -> None:
        login = ensure_demo_user(settings.VAR_DIR / "demo-password")
        game, created = ensure_demo_game(login.user)
        self.stdout.write(f"Demo login: {login.user.username} / {login.password}")
        self.stdout.write(
            f"Demo game: {game.display_name} ({game.video_duration:.0f} s, {game.video_width}x"
            f"{game.video_height} at {game.video_fps:g} fps){' — created' if created else ''}"
        )

"""`manage.py import_game PATH --user U`: a game from a video file on this machine,
copied into storage and probed exactly as an upload is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from games.demo import FileChanged, create_game_from_file
from games.models import Game, GameType
from games.probe import NotAVideo

NAME_MAX = Game._meta.get_field("opponent_name").max_length


def find_user(name_or_email: str):
    """The user with this username, else the one user with this email."""
    User = get_user_model()
    user = User.objects.filter(username=name_or_email).first()
    if user is not None:
        return user
    by_email = list(User.objects.filter(email__iexact=name_or_email)[:2])
    if len(by_email) > 1:
        raise CommandError(f"More than one user has the email {name_or_email}; give the username instead.")
    if not by_email:
        raise CommandError(f"There is no user with the username or email {name_or_email!r}.")
    return by_email[0]


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--date must be a date written YYYY-MM-DD, such as 2025-10-04; {text!r} is not one."
        ) from None


def check_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise CommandError(f"There is no file at {text}.")
    if not path.is_file():
        raise CommandError(f"{text} is not a file.")
    return path


def opponent_name(name: str | None, path: Path) -> str:
    if name is None:
        return path.stem.strip()[:NAME_MAX] or path.name[:NAME_MAX]
    name = name.strip()
    if not name:
        raise CommandError("--name must not be empty.")
    if len(name) > NAME_MAX:
        raise CommandError(f"--name is {len(name)} characters long; the most a name may have is {NAME_MAX}.")
    return name


def describe(game: Game) -> str:
    audio = "with audio" if game.video_has_audio else "no audio"
    return (
        f"Imported game {game.pk} ({game.display_name}): {game.video_duration:.2f} s, "
        f"{game.video_width}x{game.video_height} at {game.video_fps:g} fps, {game.video_codec}, {audio}, "
        f"{game.video_size:,} bytes stored as {game.video_key}."
    )


class Command(BaseCommand):
    help = "Create a game from a local video file: copy it into storage, probe it and make it ready."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the video file to import")
        parser.add_argument("--user", required=True, help="the owner's username or email")
        parser.add_argument("--name", help="the opponent (the game's display name); default: the file's name")
        parser.add_argument("--date", help="the day of the game, YYYY-MM-DD")
        parser.add_argument("--type", choices=GameType.values, default=GameType.HOME, help="default: home")

    def handle(self, *args, path: str, user: str, name: str | None, date: str | None, type: str, **options):
        # Everything is checked before anything is written.
        owner = find_user(user)
        game_date = parse_date(date)
        local = check_file(path)
        opponent = opponent_name(name, local)
        try:
            game = create_game_from_file(
                owner, local, opponent_name=opponent, game_date=game_date, game_type=type
            )
        except (NotAVideo, FileChanged) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Importing {path} failed: {exc.strerror or exc}.") from None
        self.stdout.write(describe(game))

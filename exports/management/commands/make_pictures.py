"""Make the pictures (posters, filmstrips) of videos that have none: games with a
video, cut clips and final videos stored before pictures existed, or whose worker
task was lost. New videos get theirs by themselves (games/pictures.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exports.models import FinalVideo
from games import pictures
from games.models import Clip, ExtractionStatus, Game, Picture, PictureKind, PictureSubject, VideoStatus

BOTH = [PictureKind.POSTER, PictureKind.FILMSTRIP]


def missing() -> list[tuple[pictures.Source, list[str]]]:
    """Every stored video without all of its pictures, with the kinds it lacks."""
    made: dict[str, set[str]] = {}
    for key, kind in Picture.objects.values_list("source_key", "kind"):
        made.setdefault(key, set()).add(kind)
    wanted = [
        *((pictures.game_source(g), BOTH) for g in Game.objects.filter(video_status=VideoStatus.READY)),
        *(
            (pictures.clip_source(c), BOTH)
            for c in Clip.objects.filter(extraction_status=ExtractionStatus.READY).select_related("game")
        ),
        *(
            (
                pictures.Source(PictureSubject.FINAL_VIDEO, v.pk, v.project.owner_id, v.file_key, v.duration),
                [PictureKind.POSTER],
            )
            for v in FinalVideo.objects.select_related("project")
        ),
    ]
    return [
        (source, [k for k in kinds if k not in made.get(source.key, set())])
        for source, kinds in wanted
        if source.key and not set(kinds) <= made.get(source.key, set())
    ]


class Command(BaseCommand):
    help = "Queue (or, with --here, make now) the posters and filmstrips of videos that have none."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--here", action="store_true", help="make them in this process, not a worker")

    def handle(self, *args, here: bool = False, **options) -> None:
        todo = missing()
        if not here:
            for source, kinds in todo:
                pictures.request_pictures(source, kinds)
            self.stdout.write(f"Queued the pictures of {len(todo)} video(s).")
            return
        made = 0
        for source, kinds in todo:
            count = len(pictures.make_pictures(source, kinds))
            made += count
            if not count:
                self.stdout.write(
                    f"{source.subject_type} {source.subject_id}: its video is missing or unreadable"
                )
        self.stdout.write(f"Made {made} picture(s) of {len(todo)} video(s).")

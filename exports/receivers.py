"""What exports does when a clip changes or a game gets its video (games sends the
signals; see games/signals.py)."""

from __future__ import annotations

from django.dispatch import receiver

from exports.models import ACTIVE_STATUSES, ExportJob, ProjectClip
from exports.projects import drop_five_star_project, five_star_project
from games.extraction import request_extraction
from games.models import Clip
from games.signals import clip_changed, game_delete_blockers, video_ready


@receiver(clip_changed)
def keep_projects_in_step(sender, clip, before, deleted: bool = False, **kwargs) -> None:
    was_five = before is not None and before["rating"] == 5
    if deleted:
        if was_five:
            drop_five_star_project(clip)
        return
    if clip.rating == 5 and not was_five:
        five_star_project(clip)
    elif was_five and clip.rating != 5:
        drop_five_star_project(clip)
    moved = before is not None and (before["start_time"], before["end_time"]) != (
        clip.start_time,
        clip.end_time,
    )
    if moved and ProjectClip.objects.filter(clip=clip).exists():
        request_extraction(clip)  # its old file was invalidated; projects need the new one


@receiver(video_ready)
def five_star_projects_once_framable(sender, game, first: bool, **kwargs) -> None:
    """Clips rated 5 stars before the game had a video (during its upload, or from a
    TSV import) got no project then, as there was nothing to frame: they get it now.
    Only for a first video, so projects their owner deleted do not come back."""
    if not first:
        return
    for clip in Clip.objects.filter(game=game, rating=5, auto_project__isnull=True).select_related("game"):
        five_star_project(clip)


@receiver(game_delete_blockers)
def exports_reading_the_game(sender, game, **kwargs) -> str | None:
    running = ExportJob.objects.filter(
        status__in=ACTIVE_STATUSES, project__project_clips__clip__game=game
    ).select_related("project")
    job = running.first()
    if job is None:
        return None
    return (
        f"An export of {job.project.name} uses this game's clips; wait for it to finish or cancel it first."
    )

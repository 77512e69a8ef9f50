"""What exports does when a clip changes or a game gets its video (games sends the
signals; see games/signals.py)."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from exports.jobs import fail as fail_export
from exports.models import (
    ACTIVE_STATUSES,
    ExportJob,
    FinalVideo,
    Project,
    ProjectClip,
    ReviewSegment,
    ReviewVideo,
)
from exports.projects import drop_five_star_project, five_star_project
from exports.reviews import delete_object_after_commit
from games import pictures
from games.extraction import request_extraction
from games.models import Clip, Game, PictureKind, PictureSubject
from games.signals import clip_changed, game_delete_blockers, game_delete_effects, video_ready
from notifications.service import send_change


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


@receiver(video_ready)
def no_export_renders_old_cuts(sender, game, first: bool, **kwargs) -> None:
    """A replaced video: its clips are cut again (games.extraction.cut_again), so an
    export still rendering the old cuts is stopped; a new one waits for the new cuts."""
    if first:
        return
    running = ExportJob.objects.filter(  # every type: the final video is rendered from the cuts too
        Q(project__project_clips__clip__game=game) | Q(game=game),  # a game review reads the video itself
        status__in=ACTIVE_STATUSES,
    ).distinct()
    for job in running:
        fail_export(
            job, "The game's video was replaced; export again once its clips are cut again.", by="replace"
        )


@receiver(game_delete_blockers)
def exports_reading_the_game(sender, game, **kwargs) -> str | None:
    if ExportJob.objects.filter(status__in=ACTIVE_STATUSES, game=game).exists():
        return "A game review of this game is being made; wait for it to finish or cancel it first."
    running = ExportJob.objects.filter(
        status__in=ACTIVE_STATUSES, project__project_clips__clip__game=game
    ).select_related("project")
    job = running.first()
    if job is None:
        return None
    return (
        f"An export of {job.project.name} uses this game's clips; wait for it to finish or cancel it first."
    )


@receiver(game_delete_effects)
def projects_using_the_game(sender, game, **kwargs) -> str | None:
    """What a game's delete takes from projects, in one sentence (None when no project uses it)."""
    using = Project.objects.filter(project_clips__clip__game=game).distinct()
    names = list(using.order_by("name").values_list("name", flat=True))
    if not names:
        return None
    count = len(names)
    shown = ", ".join(names[:3]) + (f" and {count - 3} more" if count > 3 else "")
    sentence = f"{count} project{'s use' if count != 1 else ' uses'} them ({shown}) and will lose them"
    empty = using.exclude(project_clips__clip__game__in=Game.objects.exclude(pk=game.pk)).count()
    if empty:
        sentence += f"; {empty} {'is' if empty == 1 else 'are'} left with no clips"
    finals = FinalVideo.objects.filter(project__in=using).count()
    if finals:
        videos = f"{finals} final video{'s' if finals != 1 else ''} already made"
        sentence += f"; {videos} stay{'s' if finals == 1 else ''} in the gallery"
    return sentence + "."


@receiver(post_save, sender=Project)
def project_saved(sender, instance: Project, created: bool, **kwargs) -> None:
    """Open pages hear about new and changed projects (the home list refreshes itself);
    edits made with update() are told by projects.touch()."""
    send_change(instance.owner_id, "project", instance.pk, "created" if created else "updated")


@receiver(post_delete, sender=Project)
def project_deleted(sender, instance: Project, **kwargs) -> None:
    send_change(instance.owner_id, "project", instance.pk, "deleted")


GALLERY_SUBJECTS = {FinalVideo: PictureSubject.FINAL_VIDEO, ReviewVideo: PictureSubject.REVIEW_VIDEO}


@receiver(post_save, sender=FinalVideo)
@receiver(post_save, sender=ReviewVideo)
def picture_the_gallery_video(sender, instance: FinalVideo | ReviewVideo, created: bool, **kwargs) -> None:
    """The gallery shows a poster of each final and review video (made by a worker after commit)."""
    if created:
        owner_id = instance.owner_id if sender is ReviewVideo else instance.project.owner_id
        source = pictures.Source(
            GALLERY_SUBJECTS[sender], instance.pk, owner_id, instance.file_key, instance.duration
        )
        pictures.request_pictures(source, kinds=[PictureKind.POSTER])


@receiver(post_delete, sender=FinalVideo)
@receiver(post_delete, sender=ReviewVideo)
def forget_gallery_video_pictures(sender, instance: FinalVideo | ReviewVideo, **kwargs) -> None:
    pictures.forget_subject(GALLERY_SUBJECTS[sender], instance.pk)


@receiver(post_delete, sender=ReviewVideo)
def review_video_deleted(sender, instance: ReviewVideo, **kwargs) -> None:
    """Deleted alone (the API) or with its game or final video: its file goes after commit."""
    delete_object_after_commit(instance.file_key)


@receiver(post_delete, sender=ReviewSegment)
def review_segment_deleted(sender, instance: ReviewSegment, **kwargs) -> None:
    """A cached piece replaced by a newer one, or deleted with its clip or game."""
    delete_object_after_commit(instance.file_key)

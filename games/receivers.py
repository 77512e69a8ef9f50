"""Open pages hear about changes to a user's games (the games list refreshes itself);
new videos get their pictures, and pictures go with their game or clip."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from games import pictures
from games.models import Clip, Game, PictureSubject
from games.signals import clip_changed, video_ready
from notifications.service import send_change


@receiver(post_save, sender=Game)
def game_saved(sender, instance: Game, created: bool, **kwargs) -> None:
    send_change(instance.owner_id, "game", instance.pk, "created" if created else "updated")


@receiver(post_delete, sender=Game)
def game_deleted(sender, instance: Game, **kwargs) -> None:
    send_change(instance.owner_id, "game", instance.pk, "deleted")


@receiver(clip_changed)
def clips_changed(sender, clip, **kwargs) -> None:
    # The game's clip counts changed with it.
    send_change(clip.game.owner_id, "game", clip.game_id, "updated")


# --- pictures (games/pictures.py) --------------------------------------------------------


@receiver(video_ready)
def picture_the_game(sender, game: Game, **kwargs) -> None:
    """A new video: its poster and filmstrip (the old video's go once they are made)."""
    pictures.request_pictures(pictures.game_source(game))


@receiver(pre_delete, sender=Game)
def forget_game_pictures(sender, instance: Game, **kwargs) -> None:
    """Before the delete, while its clips can still be listed (they go by cascade)."""
    pictures.forget_subject(PictureSubject.GAME, instance.pk)
    pictures.forget_subject(PictureSubject.CLIP, Clip.objects.filter(game_id=instance.pk).values("pk"))


@receiver(clip_changed)
def forget_deleted_clip_pictures(sender, clip: Clip, deleted: bool = False, **kwargs) -> None:
    if deleted:
        pictures.forget_subject(PictureSubject.CLIP, clip.pk)

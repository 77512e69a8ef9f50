"""Open pages hear about changes to a user's games (the games list refreshes itself)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from games.models import Game
from games.signals import clip_changed
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

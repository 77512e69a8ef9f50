"""A game: one full-match video and its details."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class GameType(models.TextChoices):
    HOME = "home", "Home"
    AWAY = "away", "Away"
    TOURNAMENT = "tournament", "Tournament"


class VideoStatus(models.TextChoices):
    NONE = "none", "No video"
    UPLOADING = "uploading", "Uploading"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    INVALID = "invalid", "Invalid"


class Game(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="games")
    name = models.CharField(max_length=200, blank=True)
    opponent_name = models.CharField(max_length=200, blank=True)
    game_date = models.DateField(null=True, blank=True)
    game_type = models.CharField(max_length=16, choices=GameType.choices, default=GameType.HOME)
    tournament_name = models.CharField(max_length=200, blank=True)

    # The video, as probed from the stored file (never assumed).
    video_key = models.CharField(max_length=500, blank=True)
    video_status = models.CharField(max_length=16, choices=VideoStatus.choices, default=VideoStatus.NONE)
    video_size = models.BigIntegerField(null=True, blank=True)
    video_duration = models.FloatField(null=True, blank=True, help_text="seconds")
    video_width = models.PositiveIntegerField(null=True, blank=True)
    video_height = models.PositiveIntegerField(null=True, blank=True)
    video_fps = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=32, blank=True)
    video_has_audio = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if not self.opponent_name:
            return self.name or f"Game {self.pk}"
        when = f" {self.game_date:%b} {self.game_date.day}" if self.game_date else ""
        if self.game_type == GameType.AWAY:
            return f"at {self.opponent_name}{when}"
        if self.game_type == GameType.TOURNAMENT and self.tournament_name:
            return f"{self.tournament_name}: Vs {self.opponent_name}{when}"
        return f"Vs {self.opponent_name}{when}"

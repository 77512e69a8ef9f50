"""Projects (clips on their way to a reel), their framing and overlay edits, and
the videos exports make from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from games.models import Clip


class AspectRatio(models.TextChoices):
    LANDSCAPE = "16:9", "16:9 (landscape)"
    PORTRAIT = "9:16", "9:16 (phones)"
    CLASSIC = "4:3", "4:3"
    SQUARE = "1:1", "1:1 (square)"

    @property
    def ratio(self) -> float:
        width, height = self.value.split(":")
        return int(width) / int(height)


class ProjectMode(models.TextChoices):
    FRAMING = "framing", "Framing"
    OVERLAY = "overlay", "Overlay"


def default_transition() -> dict:
    return {"type": "cut", "duration": 0.5}


class Project(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    aspect_ratio = models.CharField(max_length=8, choices=AspectRatio.choices, default=AspectRatio.PORTRAIT)
    transition = models.JSONField(default=default_transition)
    mode = models.CharField(max_length=16, choices=ProjectMode.choices, default=ProjectMode.FRAMING)
    # The clip whose 5-star rating made this project (the rule that makes and unmakes it).
    auto_for_clip = models.OneToOneField(
        Clip, null=True, blank=True, on_delete=models.SET_NULL, related_name="auto_project"
    )
    edited_at = models.DateTimeField(null=True, blank=True, help_text="last framing or overlay edit")
    working_video = models.ForeignKey(
        "WorkingVideo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_video = models.ForeignKey(
        "FinalVideo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_opened_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class ProjectClip(models.Model):
    """A clip in a project, with its framing edits (one canonical shape each):
    crop_keyframes [{time, x, y, width, height}] in seconds from the clip start and
    source pixels; segments {trim_start, trim_end, splits: [t], speeds: [s]}."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="project_clips")
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="project_clips")
    position = models.PositiveIntegerField()
    crop_keyframes = models.JSONField(default=list)
    segments = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "position"]
        constraints = [models.UniqueConstraint(fields=["project", "clip"], name="clip_once_per_project")]

    def __str__(self) -> str:
        return f"{self.project} #{self.position}"


class EffectType(models.TextChoices):
    YELLOW = "yellow", "Yellow fill"
    BRIGHTNESS = "brightness", "Brighter inside"
    DIM = "dim", "Dim outside"


class Overlay(models.Model):
    """The highlight edits of a project, in the coordinates of its framed video:
    regions [{id, start_time, end_time, enabled, keyframes: [{time, x, y,
    radius_x, radius_y, opacity, color}]}]."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="overlay")
    effect_type = models.CharField(max_length=16, choices=EffectType.choices, default=EffectType.YELLOW)
    regions = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Overlay of {self.project}"


class RenderedVideo(models.Model):
    """What an export made: numbered versions per project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="%(class)ss")
    version = models.PositiveIntegerField()
    file_key = models.CharField(max_length=500)
    size = models.BigIntegerField()
    duration = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.project} v{self.version}"


class WorkingVideo(RenderedVideo):
    """The framing result, input of the overlay step."""

    class Meta(RenderedVideo.Meta):
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="working_video_version")]


class FinalVideo(RenderedVideo):
    """The finished reel, listed in the gallery."""

    class Meta(RenderedVideo.Meta):
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="final_video_version")]

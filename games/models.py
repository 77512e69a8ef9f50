"""A game: one full-match video and its details; upload sessions that bring the video."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from videoeditor.pipeline import StepEvent


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

    # Clip aggregates, kept by the clip actions (one row read for a games list).
    clip_count = models.PositiveIntegerField(default=0)
    clips_rated_1 = models.PositiveIntegerField(default=0)
    clips_rated_2 = models.PositiveIntegerField(default=0)
    clips_rated_3 = models.PositiveIntegerField(default=0)
    clips_rated_4 = models.PositiveIntegerField(default=0)
    clips_rated_5 = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.display_name

    RATING_WEIGHTS = {5: 10, 4: 5, 3: 2, 2: -2, 1: -5}

    @property
    def clips_by_rating(self) -> dict[int, int]:
        return {rating: getattr(self, f"clips_rated_{rating}") for rating in range(1, 6)}

    @property
    def aggregate_score(self) -> int:
        return sum(self.RATING_WEIGHTS[r] * n for r, n in self.clips_by_rating.items())

    @property
    def display_name(self) -> str:
        if not self.opponent_name:
            return self.name or f"Game {self.pk}"
        when = f" {self.game_date:%b} {self.game_date.day}" if self.game_date else ""
        if self.game_type == GameType.AWAY:
            return f"At {self.opponent_name}{when}"  # a title: starts with a capital
        if self.game_type == GameType.TOURNAMENT and self.tournament_name:
            return f"{self.tournament_name}: Vs {self.opponent_name}{when}"
        return f"Vs {self.opponent_name}{when}"


class ExtractionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXTRACTING = "extracting", "Extracting"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Clip(models.Model):
    """A moment marked on a game (times in seconds of the game video); later cut
    into its own file when a project uses it."""

    MIN_LENGTH = 1.0
    MAX_LENGTH = 60.0
    DEFAULT_LENGTH = 15.0
    NOTES_MAX = 280

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="clips")
    start_time = models.FloatField()
    end_time = models.FloatField()
    rating = models.PositiveSmallIntegerField(default=3)
    tags = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=200, blank=True, help_text="empty: derived from rating and tags")
    notes = models.CharField(max_length=NOTES_MAX, blank=True)
    extraction_status = models.CharField(
        max_length=16, choices=ExtractionStatus.choices, default=ExtractionStatus.PENDING
    )
    file_key = models.CharField(max_length=500, blank=True)
    # Stream copy starts at the keyframe before start_time: the file holds this many
    # seconds before the marked start (0 when re-encoded). Edits are relative to start_time.
    file_lead_in = models.FloatField(default=0.0)
    extraction_error = models.CharField(max_length=500, blank=True)
    # The cut as a durable job (see games/extraction.py): who cuts it, how often it was
    # taken on or queued again, and when; the sweeper reads these.
    extraction_attempts = models.PositiveIntegerField(default=0, help_text="times a worker took the cut on")
    extraction_requeues = models.PositiveIntegerField(default=0, help_text="times queued again unclaimed")
    extraction_worker = models.CharField(max_length=200, blank=True)
    extraction_queued_at = models.DateTimeField(null=True, blank=True)
    extraction_started_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_time"]
        indexes = [models.Index(fields=["extraction_status", "extraction_queued_at"])]
        constraints = [
            models.UniqueConstraint(fields=["game", "end_time"], name="one_clip_per_game_end_time"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="clip_rating_1_to_5"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="clip_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or f"Clip at {self.start_time:.1f} s"

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    @property
    def display_name(self) -> str:
        from games.tags import derived_name

        return self.name or derived_name(self.rating, self.tags)

    @property
    def label(self) -> str:
        """What messages call the clip: its name, or where it starts when it has none yet."""
        minutes, seconds = divmod(int(self.start_time), 60)
        return self.display_name or f"The clip at {minutes}:{seconds:02d}"


class ExtractionEvent(StepEvent):
    """Every step of a clip's cut, with its reason."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="extraction_events")


class UploadMode(models.TextChoices):
    SINGLE = "single", "Direct single upload"
    MULTIPART = "multipart", "Resumable multipart upload"
    BACKEND = "backend", "Through the web server"


class UploadStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"
    ABORTED = "aborted", "Aborted"


class UploadSession(models.Model):
    """One attempt to bring a game its video. A row, so a resumable upload
    survives server restarts; at most one is active per game."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="uploads")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads")
    mode = models.CharField(max_length=16, choices=UploadMode.choices)
    status = models.CharField(max_length=16, choices=UploadStatus.choices, default=UploadStatus.ACTIVE)
    key = models.CharField(max_length=500, help_text="storage key, generated by the server")
    filename = models.CharField(max_length=255, help_text="the client's file name, for display only")
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField(help_text="bytes announced by the client")
    part_size = models.BigIntegerField(null=True, blank=True)
    part_count = models.PositiveIntegerField(null=True, blank=True)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["game"], condition=Q(status="active"), name="one_active_upload_per_game"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_mode_display()}, {self.status})"

    def expected_part_size(self, number: int) -> int:
        """Parts are equal but the last, which holds the rest."""
        if number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)


class UploadEvent(StepEvent):
    """Every step of an upload session, with its reason."""

    session = models.ForeignKey(UploadSession, on_delete=models.CASCADE, related_name="events")


class PictureKind(models.TextChoices):
    POSTER = "poster", "Poster frame"
    FILMSTRIP = "filmstrip", "Filmstrip (sprite sheet)"


class PictureSubject(models.TextChoices):
    GAME = "game", "Game video"
    CLIP = "clip", "Cut clip"
    FINAL_VIDEO = "final_video", "Final video"
    REVIEW_VIDEO = "review_video", "Review video"


class Picture(models.Model):
    """A JPEG made from a stored video (see games/pictures.py): a poster frame, or a
    filmstrip of tiles in a grid. Made for one file (`source_key`, unique: keys name
    one upload or cut), so a new video (a replaced game video, a clip cut again) gets
    new pictures. The subject is named by type and id, not a foreign key (final videos
    live in exports): its pictures go when it goes."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pictures")
    subject_type = models.CharField(max_length=16, choices=PictureSubject.choices)
    subject_id = models.BigIntegerField()
    source_key = models.CharField(max_length=500, help_text="the video it was made from")
    kind = models.CharField(max_length=16, choices=PictureKind.choices)
    key = models.CharField(max_length=500, help_text="the JPEG in storage")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Filmstrips: tile i shows the frame at i * interval seconds, left to right, row by row.
    columns = models.PositiveIntegerField(default=1)
    rows = models.PositiveIntegerField(default=1)
    tile_width = models.PositiveIntegerField(default=0)
    tile_height = models.PositiveIntegerField(default=0)
    interval = models.FloatField(default=0.0, help_text="seconds between tiles")
    count = models.PositiveIntegerField(default=1, help_text="tiles")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        # Lists find a page's pictures by their videos' keys, in one query.
        constraints = [models.UniqueConstraint(fields=["source_key", "kind"], name="one_picture_per_source")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.subject_type} {self.subject_id}"

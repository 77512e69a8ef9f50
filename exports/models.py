"""Projects (clips on their way to a reel), their framing and overlay edits, and
the videos exports make from them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from games.models import Clip
from videoeditor.pipeline import StepEvent


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


class SlowMotion(models.TextChoices):
    """How a segment slower than 1x gets its extra frames."""

    SMOOTH = "smooth", "Smooth (in-between frames)"
    REPEAT = "repeat", "Repeat frames"


def default_transition() -> dict:
    return {"type": "cut", "duration": 0.5}


class Project(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    aspect_ratio = models.CharField(max_length=8, choices=AspectRatio.choices, default=AspectRatio.PORTRAIT)
    transition = models.JSONField(default=default_transition)
    slow_motion = models.CharField(max_length=8, choices=SlowMotion.choices, default=SlowMotion.SMOOTH)
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
    """A project's highlight settings. Its regions are the clips' (ClipHighlight),
    shown through the project's framing (exports/highlights.py); the version moves
    whenever they change, from this project or another showing the same clips."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="overlay")
    effect_type = models.CharField(max_length=16, choices=EffectType.choices, default=EffectType.YELLOW)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Overlay of {self.project}"


class VideoFile(models.Model):
    """A video an export stored, as its file was measured after rendering."""

    version = models.PositiveIntegerField()
    file_key = models.CharField(max_length=500)
    size = models.BigIntegerField()
    duration = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.FloatField()
    # Its parts (a reel's clips, a review's clips) as chapters [{"title", "start", "end"}]
    # in seconds, as written into the file.
    chapters = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class RenderedVideo(VideoFile):
    """What an export of a project made: numbered versions per project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="%(class)ss")

    class Meta(VideoFile.Meta):
        abstract = True

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


# --- Export jobs ------------------------------------------------------------------------


class JobType(models.TextChoices):
    FRAMING = "framing", "Framing"  # one clip -> the working video
    MULTI_CLIP = "multi_clip", "Multi-clip reel"  # several clips, joined -> the working video
    OVERLAY = "overlay", "Overlay"  # highlights on the working video -> a final video
    GAME_REVIEW = "game_review", "Game review"  # a game's clips, captioned -> a review video
    BEFORE_AFTER = "before_after", "Before / after"  # a final video's clips, then it -> a review video


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    COMPLETE = "complete", "Complete"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.PROCESSING)
FINISHED_STATUSES = (JobStatus.COMPLETE, JobStatus.ERROR, JobStatus.CANCELLED)


def new_job_id() -> str:
    return f"export_{uuid.uuid4().hex}"


class ExportJob(models.Model):
    """One export, from submission to its output. The row is the truth: django-q2
    only wakes a worker, which claims the row (see exports/jobs.py for the steps)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_job_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    # Every type but game_review renders a project (before_after: its final video's).
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # game_review: the game whose clips it shows.
    game = models.ForeignKey(
        "games.Game", null=True, blank=True, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # before_after: the final video it shows after its clips.
    source_video = models.ForeignKey(
        "FinalVideo", null=True, blank=True, on_delete=models.CASCADE, related_name="before_after_jobs"
    )
    type = models.CharField(max_length=16, choices=JobType.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    # What to render, as it was when submitted: later edits do not change a running export.
    config = models.JSONField(default=dict)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="times a worker took it on")
    requeues = models.PositiveIntegerField(default=0, help_text="times it was queued again unclaimed")
    worker_id = models.CharField(max_length=200, blank=True)
    cluster = models.CharField(max_length=64, blank=True)
    upscaler = models.CharField(max_length=64, blank=True)
    working_video = models.ForeignKey(
        WorkingVideo, null=True, blank=True, on_delete=models.SET_NULL, related_name="export_jobs"
    )
    final_video = models.ForeignKey(
        FinalVideo, null=True, blank=True, on_delete=models.SET_NULL, related_name="export_jobs"
    )
    review_video = models.ForeignKey(
        "ReviewVideo", null=True, blank=True, on_delete=models.SET_NULL, related_name="export_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "queued_at"]),
        ]
        constraints = [
            # Two active exports of one project and type would race for one output.
            models.UniqueConstraint(
                fields=["project", "type"],
                condition=models.Q(status__in=["pending", "processing"]),
                name="one_active_export_per_project_and_type",
            ),
            models.UniqueConstraint(
                fields=["game", "type"],
                condition=models.Q(status__in=["pending", "processing"]),
                name="one_active_review_per_game",
            ),
            models.CheckConstraint(
                condition=models.Q(type="game_review", game__isnull=False)
                | (~models.Q(type="game_review") & models.Q(project__isnull=False)),
                name="export_renders_a_project_or_a_game",
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def output(self) -> RenderedVideo | ReviewVideo | None:
        if self.type in (JobType.GAME_REVIEW, JobType.BEFORE_AFTER):
            return self.review_video
        return self.final_video if self.type == JobType.OVERLAY else self.working_video


class ExportEvent(StepEvent):
    """Every step of a job, with its reason: the history an admin reads to triage."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="events")


# --- Following a player -----------------------------------------------------------------


def new_tracking_id() -> str:
    return f"track_{uuid.uuid4().hex}"


class TrackingJob(models.Model):
    """Following one player through a clip, from the box the user drew at one moment
    (config: {"time": clip seconds, "box": [x, y, width, height] in source pixels,
    "resume_of": the tracking job whose track this one continues, or null}). Durable
    like an export (exports/tracking_jobs.py: claim, heartbeat, cancel, sweeper); the
    result is the track: {"fps", "frame_count", "boxes": [[x, y, w, h] | null per
    frame], "confidence": [...]}, in the clip's source pixels, frame i at i / fps
    seconds of the clip."""

    id = models.CharField(primary_key=True, max_length=40, default=new_tracking_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracking_jobs"
    )
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="tracking_jobs")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    config = models.JSONField(default=dict)
    # The clip file it tracked: a re-cut clip (new times) makes the track stale.
    clip_file_key = models.CharField(max_length=500, blank=True)
    track = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="times a worker took it on")
    requeues = models.PositiveIntegerField(default=0, help_text="times it was queued again unclaimed")
    worker_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clip", "-created_at"]),
            models.Index(fields=["status", "queued_at"]),
        ]
        constraints = [
            # One player followed at a time per clip: a second would race for "the clip's track".
            models.UniqueConstraint(
                fields=["clip"],
                condition=models.Q(status__in=["pending", "processing"]),
                name="one_active_tracking_per_clip",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class TrackingEvent(StepEvent):
    job = models.ForeignKey(TrackingJob, on_delete=models.CASCADE, related_name="events")


class ClipHighlight(models.Model):
    """The highlight regions of a clip, in the clip's own coordinates: times in
    seconds from the clip start, ellipses in source pixels: regions [{id,
    start_time, end_time, enabled, label, keyframes: [{time, x, y, radius_x,
    radius_y, opacity, color}]}]. The one truth of highlights: every project that
    uses the clip shows them re-projected through its framing (exports/highlights.py),
    so work done in one project carries to the others and survives re-framing."""

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="highlight")
    regions = models.JSONField(default=list)
    # The 2 s region labelled with the clip's name is made once, after its first framing export.
    starter_made = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Highlights of {self.clip}"


# --- What coaches hand out ----------------------------------------------------------------


class ReviewKind(models.TextChoices):
    GAME_REVIEW = "game_review", "Game review"
    BEFORE_AFTER = "before_after", "Before / after"


class ReviewVideo(VideoFile):
    """A video made to hand out rather than edited: a game's clips with captions
    (game_review), or a final video's clips as they were filmed, then the final video
    (before_after). Listed in the gallery beside final videos; numbered versions per
    game (reviews) or per final video (before/after)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_videos"
    )
    kind = models.CharField(max_length=16, choices=ReviewKind.choices)
    game = models.ForeignKey(
        "games.Game", null=True, blank=True, on_delete=models.CASCADE, related_name="review_videos"
    )
    source_video = models.ForeignKey(
        FinalVideo, null=True, blank=True, on_delete=models.CASCADE, related_name="before_afters"
    )
    title = models.CharField(max_length=300)
    # What it showed when it was rendered: {"clips": n, "by_rating": {"5": n, ...},
    # "filters": {...}} (game reviews), {"clips": n} (before/after).
    summary = models.JSONField(default=dict)

    class Meta(VideoFile.Meta):
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "version"],
                condition=models.Q(kind="game_review"),
                name="review_version_per_game",
            ),
            models.UniqueConstraint(
                fields=["source_video", "version"],
                condition=models.Q(kind="before_after"),
                name="before_after_version_per_video",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ReviewSegment(models.Model):
    """A clip's captioned part of a game review, cached: `key` is the digest of
    everything it shows (the cut, times, rating, name, notes, tags, the caption style
    and the output settings), so a re-render after an edit re-encodes only the clips
    whose digest changed."""

    key = models.CharField(max_length=64, unique=True)
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="review_segments")
    file_key = models.CharField(max_length=500)
    size = models.BigIntegerField()
    duration = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class ShareLink(models.Model):
    """A public link to one final or review video: whoever has the token may watch and
    download that video and nothing else, until it expires or its owner revokes it.
    `key` is the link's random half (128 bits); the URL's token adds a MAC of it
    (exports/shares.py), checked in constant time before any lookup."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    final_video = models.ForeignKey(
        FinalVideo, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    review_video = models.ForeignKey(
        ReviewVideo, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(final_video__isnull=False, review_video__isnull=True)
                | models.Q(final_video__isnull=True, review_video__isnull=False),
                name="share_link_one_video",
            ),
        ]

    def __str__(self) -> str:
        return f"Share link {self.pk}"

    @property
    def video(self) -> FinalVideo | ReviewVideo:
        return self.final_video or self.review_video

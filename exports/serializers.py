from __future__ import annotations

from collections import Counter

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exports import exported_framing, gallery
from exports.highlights import to_project
from exports.jobs import ELSEWHERE, PROJECT_EXPORTS
from exports.models import (
    AspectRatio,
    EffectType,
    ExportJob,
    FinalVideo,
    JobStatus,
    JobType,
    Overlay,
    Project,
    ProjectClip,
    ProjectMode,
    SlowMotion,
)
from exports.projects import card_clips, group_label, project_status
from games.serializers import ClipSerializer, with_pictures
from videoeditor.fields import IdField, LineField, id_list


def page_of(*attachers) -> type[serializers.ListSerializer]:
    """A list serializer that calls each `attach(items)` first: what each card shows,
    read for the whole page in a constant number of queries."""

    class Page(serializers.ListSerializer):
        def to_representation(self, data):
            items = list(data.all() if hasattr(data, "all") else data)
            for attach in attachers:
                attach(items)
            return super().to_representation(items)

    return Page


class VideoChapterSerializer(serializers.Serializer):
    """One chapter of a video (a reel's clip, a review's clip), as written into the file."""

    title = serializers.CharField()
    start = serializers.FloatField(help_text="seconds from the video's start")
    end = serializers.FloatField(help_text="seconds; the next chapter's start, or the video's duration")


class RenderedVideoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    size = serializers.IntegerField()
    duration = serializers.FloatField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    fps = serializers.FloatField()
    chapters = VideoChapterSerializer(many=True, help_text="a reel's clips, in order; empty for one clip")
    created_at = serializers.DateTimeField()


class ProjectClipSerializer(serializers.ModelSerializer):
    clip = ClipSerializer(read_only=True)

    class Meta:
        model = ProjectClip
        fields = ["id", "clip", "position", "crop_keyframes", "segments", "version"]
        read_only_fields = fields
        # the clips' posters and filmstrips in one query
        list_serializer_class = with_pictures(lambda clip: clip.file_key, item_of=lambda pc: pc.clip)


class OverlaySerializer(serializers.ModelSerializer):
    """The project's highlights in its framed video: the clips' highlights
    re-projected through its framing (exports/highlights.to_project)."""

    frame = serializers.SerializerMethodField(help_text="width and height of the framed video")
    regions = serializers.SerializerMethodField(
        help_text="[{id, start_time, end_time, enabled, label?, keyframes: [{time, x, y, radius_x, "
        "radius_y, opacity, color}]}] in framed seconds and pixels"
    )
    notes = serializers.SerializerMethodField(
        help_text="a sentence for each of the clips' highlights this project cannot show (trimmed away)"
    )

    class Meta:
        model = Overlay
        fields = ["effect_type", "regions", "notes", "frame", "version"]
        read_only_fields = fields

    def _shown(self, overlay: Overlay) -> tuple[list[dict], list[str]]:
        if not hasattr(overlay, "shown"):
            overlay.shown = to_project(overlay.project)
        return overlay.shown

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_regions(self, overlay: Overlay) -> list[dict]:
        return self._shown(overlay)[0]

    def get_notes(self, overlay: Overlay) -> list[str]:
        return self._shown(overlay)[1]

    def get_frame(self, overlay: Overlay) -> dict:
        width, height = settings.OUTPUT_SIZES[overlay.project.aspect_ratio]
        return {"width": width, "height": height}


class ProjectSerializer(serializers.ModelSerializer):
    """A project as lists show it; expects the annotations of projects.projects_of()."""

    clip_count = serializers.SerializerMethodField()
    clips_by_status = serializers.SerializerMethodField()
    edited = serializers.SerializerMethodField()
    exported = serializers.SerializerMethodField()
    has_working_video = serializers.SerializerMethodField()
    has_final_video = serializers.SerializerMethodField()
    # null until the project's first framing (working) or overlay (final) export
    working_video = RenderedVideoSerializer(read_only=True, allow_null=True)
    final_video = RenderedVideoSerializer(read_only=True, allow_null=True)
    games = serializers.SerializerMethodField()
    group_label = serializers.SerializerMethodField()
    automatic = serializers.SerializerMethodField(help_text="made by the 5-star rule")
    clip_ids = serializers.SerializerMethodField(help_text="its project clips' ids, in order")
    status = serializers.SerializerMethodField(
        help_text="not_started, editing, exported (framing) or complete (a final video); "
        "labels in the vocabulary's project_statuses"
    )
    stages = serializers.SerializerMethodField(
        help_text="one state per clip, then the overlay's: "
        "done, exporting, editing, ready, extracting or pending"
    )
    poster_url = serializers.SerializerMethodField(
        help_text="a frame of its final video, else of its first clip or that clip's game; null if none"
    )
    framing_changed_since_export = serializers.SerializerMethodField(
        help_text="the framing differs from what its working video was rendered from "
        "(POST .../framing/discard goes back; a new framing export catches up)"
    )

    class Meta:
        model = Project
        fields = [
            "id", "name", "aspect_ratio", "transition", "slow_motion", "mode", "clip_count",
            "clips_by_status", "edited", "exported", "has_working_video", "has_final_video", "working_video",
            "final_video", "games", "group_label", "automatic", "status", "clip_ids", "stages", "poster_url",
            "last_opened_at", "version", "created_at", "framing_changed_since_export",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = page_of(
            gallery.attach_project_posters, exported_framing.attach_framing_changes
        )

    def _games(self, project: Project) -> list:
        seen = {}
        for clip in card_clips(project):
            seen.setdefault(clip.game.pk, clip.game)
        return list(seen.values())

    def get_poster_url(self, project: Project) -> str | None:
        if not hasattr(project, "poster_url"):
            gallery.attach_project_posters([project])
        return project.poster_url

    def get_framing_changed_since_export(self, project: Project) -> bool:
        return exported_framing.framing_changed(project)

    def get_clip_count(self, project: Project) -> int:
        return len(card_clips(project))

    def get_clips_by_status(self, project: Project) -> dict[str, int]:
        counts = Counter(clip.extraction_status for clip in card_clips(project))
        return {state: counts[state] for state in ("pending", "extracting", "ready", "failed")}

    def get_edited(self, project: Project) -> bool:
        return project.edited_at is not None

    def get_exported(self, project: Project) -> bool:
        return project.working_video_id is not None

    def get_has_working_video(self, project: Project) -> bool:
        return project.working_video_id is not None

    def get_has_final_video(self, project: Project) -> bool:
        return project.final_video_id is not None

    def get_games(self, project: Project) -> list[dict]:
        return [{"id": g.pk, "display_name": g.display_name} for g in self._games(project)]

    def get_group_label(self, project: Project) -> str:
        return group_label(self._games(project))

    def get_automatic(self, project: Project) -> bool:
        return project.auto_for_clip_id is not None

    def get_clip_ids(self, project: Project) -> list[int]:
        return [clip.id for clip in card_clips(project)]

    def get_status(self, project: Project) -> str:
        return project_status(project)

    def get_stages(self, project: Project) -> list[str]:
        """The progress strip of a project card (expects projects_of()'s annotations)."""
        states = []
        for clip in card_clips(project):
            extraction = clip.extraction_status
            if extraction in ("pending", "failed"):
                states.append("pending")
            elif extraction == "extracting":
                states.append("extracting")
            elif getattr(project, "exporting_framing", False):
                states.append("exporting")
            elif project.working_video_id is not None:
                states.append("done")
            else:
                states.append("editing" if clip.version > 1 else "ready")
        if project.final_video_id is not None:
            states.append("done")
        elif getattr(project, "exporting_overlay", False):
            states.append("exporting")
        elif getattr(project, "highlights_edited", False):
            states.append("editing")
        else:
            states.append("ready" if project.working_video_id is not None else "pending")
        return states


class ProjectDetailSerializer(ProjectSerializer):
    clips = ProjectClipSerializer(source="project_clips", many=True, read_only=True)
    overlay = OverlaySerializer(read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "clips", "overlay"]
        read_only_fields = fields


def _either(values: list[str]) -> str:
    """'"smooth" or "repeat"': the choices a refusal names."""
    return " or ".join(f'"{value}"' for value in values)


class ProjectChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    # blank reaches projects.update_project, which says a project needs a name
    name = LineField(
        required=False,
        allow_blank=True,
        max_length=200,
        error_messages={"max_length": "A project's name is at most {max_length} characters."},
    )
    aspect_ratio = serializers.ChoiceField(choices=AspectRatio.choices, required=False)
    transition = serializers.DictField(required=False)
    slow_motion = serializers.ChoiceField(
        choices=SlowMotion.choices,
        required=False,
        help_text="how slow segments (speed below 1) get their extra frames",
        error_messages={"invalid_choice": f'Slow motion is {_either(SlowMotion.values)}, not "{{input}}".'},
    )
    mode = serializers.ChoiceField(choices=ProjectMode.choices, required=False)


class ClipFilterSerializer(serializers.Serializer):
    game_ids = id_list(required=False, default=list)
    min_rating = serializers.IntegerField(required=False, default=1)
    tags = serializers.ListField(child=LineField(), required=False, default=list)


class FromClipsSerializer(ClipFilterSerializer):
    name = LineField(required=False, allow_blank=True, default="", max_length=200)
    aspect_ratio = serializers.ChoiceField(choices=AspectRatio.choices, default=AspectRatio.PORTRAIT)
    clip_ids = id_list(required=False)


class ProjectCreateSerializer(serializers.Serializer):
    name = LineField(max_length=200)
    aspect_ratio = serializers.ChoiceField(choices=AspectRatio.choices, default=AspectRatio.PORTRAIT)
    clip_ids = id_list(required=False, default=list)


class AddClipsSerializer(serializers.Serializer):
    clip_ids = id_list(allow_empty=False)


class OrderSerializer(serializers.Serializer):
    project_clip_ids = id_list(allow_empty=False)


class FramingChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    crop_keyframes = serializers.JSONField(required=False)
    segments = serializers.JSONField(required=False)


class OverlayChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    effect_type = serializers.ChoiceField(choices=EffectType.choices, required=False)
    regions = serializers.JSONField(required=False)


class GalleryItemExtras(serializers.Serializer):
    """What exports.gallery.attach() sets on each video of a page."""

    poster_url = serializers.CharField(allow_null=True, help_text="a frame of the video; null until made")
    versions = serializers.IntegerField(help_text="final videos of its project, this one included")
    clips_by_rating = serializers.DictField(
        child=serializers.IntegerField(), help_text='the project\'s clips by rating: {"5": 2, ..., "1": 0}'
    )


class FinalVideoSerializer(RenderedVideoSerializer, GalleryItemExtras):
    project = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    filename = serializers.SerializerMethodField(help_text="the name a download is saved under")

    class Meta:
        list_serializer_class = page_of(gallery.attach)

    def to_representation(self, video: FinalVideo) -> dict:
        if not hasattr(video, "versions"):
            gallery.attach([video])
        return super().to_representation(video)

    def get_project(self, video: FinalVideo) -> dict:
        return {
            "id": video.project_id,
            "name": video.project.name,
            "aspect_ratio": video.project.aspect_ratio,
        }

    def get_download_url(self, video: FinalVideo) -> str:
        return f"/api/downloads/{video.pk}/file"

    def get_filename(self, video: FinalVideo) -> str:
        return gallery.download_name(video.project.name, video.version)


class GalleryFilterSerializer(serializers.Serializer):
    """The gallery's query: every filter optional (see exports.gallery.narrow)."""

    latest = serializers.BooleanField(required=False, help_text="only each project's newest version")
    q = LineField(required=False, allow_blank=True, max_length=200, help_text="in project names")
    aspect = serializers.ChoiceField(choices=AspectRatio.choices, required=False)
    type = serializers.ChoiceField(choices=list(gallery.GALLERY_TYPES.items()), required=False)
    since = serializers.DateField(required=False, help_text="made on or after (YYYY-MM-DD)")
    until = serializers.DateField(required=False, help_text="made on or before (YYYY-MM-DD)")
    min_rating = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="has a clip rated at least this"
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": "The end date is before the start date."})
        return attrs


EXPORT_TYPES = f"The export type is one of {', '.join(PROJECT_EXPORTS)}."


class ExportSubmitSerializer(serializers.Serializer):
    project_id = IdField()
    type = serializers.ChoiceField(
        choices=[(value, label) for value, label in JobType.choices if value in PROJECT_EXPORTS],
        # DRF formats the message: the braces of the endpoints' paths are doubled.
        error_messages={
            "invalid_choice": (EXPORT_TYPES + " " + ELSEWHERE).replace("{", "{{").replace("}", "}}")
        },
    )
    config = serializers.JSONField(
        required=False, help_text='export settings: {"quality": "fast" | "quality", "audio": true | false}'
    )


class ExportJobSerializer(serializers.ModelSerializer):
    job_id = serializers.CharField(source="id", read_only=True)
    project_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="null for a game review")
    project_name = serializers.CharField(
        source="project.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="null for a game review",
    )
    game_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="a game review's game")
    title = serializers.SerializerMethodField(help_text='what the job makes, e.g. "Game review — Vs Rovers"')
    progress = serializers.SerializerMethodField(help_text="percent done, while processing")
    output = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "job_id", "project_id", "project_name", "game_id", "title", "type", "status", "progress", "error",
            "attempts",
            "cluster", "upscaler", "output", "created_at", "started_at", "completed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_progress(self, job: ExportJob) -> float | None:
        if job.status == JobStatus.COMPLETE:
            return 100.0
        if job.status != JobStatus.PROCESSING:
            return None
        return (self.context.get("progress") or {}).get(job.pk, 0.0)

    def get_title(self, job: ExportJob) -> str:
        if job.config.get("title"):
            return job.config["title"]
        made = "final video" if job.type == JobType.OVERLAY else "framed video"
        return (
            f"{job.config.get('project_name') or (job.project.name if job.project else 'A project')} — {made}"
        )

    @extend_schema_field(
        {
            "type": "object", "nullable": True,
            "description": "the video it made: {kind: working_video | final_video | review_video, id, "
            "version, size, duration, width, height, fps, created_at, url}",
        }
    )  # fmt: skip
    def get_output(self, job: ExportJob) -> dict | None:
        video = job.output
        if video is None:
            return None
        if job.type in (JobType.GAME_REVIEW, JobType.BEFORE_AFTER):
            kind, url = "review_video", f"/api/reviews/{video.pk}/file"
        elif job.type == JobType.OVERLAY:
            kind, url = "final_video", f"/api/downloads/{video.pk}/file"
        else:
            kind, url = "working_video", f"/api/projects/{job.project_id}/working-video/file"
        return {"kind": kind, **RenderedVideoSerializer(video).data, "url": url}

"""What the review API reads and answers (exports/review_api.py)."""

from __future__ import annotations

from rest_framework import serializers

from exports import gallery
from exports.jobs import QUALITIES
from exports.models import ReviewKind, ReviewVideo
from exports.serializers import VideoChapterSerializer
from games.pictures import picture_url
from games.tags import TAGS


class ExportSettingsSerializer(serializers.Serializer):
    """For the schema: exports.jobs.clean_settings validates (with sentences)."""

    quality = serializers.ChoiceField(choices=QUALITIES, required=False, default="fast")
    audio = serializers.BooleanField(required=False, default=True, help_text="false: a silent video")


class ReviewSubmitSerializer(ExportSettingsSerializer):
    """For the schema: exports.reviews.clean_review_settings validates (with sentences)."""

    min_rating = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=5, help_text="the lowest rating a clip may have"
    )
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=list(TAGS)),
        required=False,
        default=list,
        help_text="clips with any of these tags (short or long names, any case); empty: every clip",
    )


def attach_posters(videos: list[ReviewVideo]) -> None:
    """Each video's poster_url (null until a poster of its file is made), one query a page."""
    found = gallery.posters_of({video.file_key for video in videos})
    for video in videos:
        video.poster_url = picture_url(found.get(video.file_key))


class ReviewPage(serializers.ListSerializer):
    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        attach_posters(items)
        return super().to_representation(items)


class ReviewVideoSerializer(serializers.ModelSerializer):
    game_id = serializers.IntegerField(read_only=True, allow_null=True)
    source_video_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="before/after: its final video"
    )
    kind = serializers.ChoiceField(choices=ReviewKind.choices, read_only=True)
    summary = serializers.JSONField(
        read_only=True,
        help_text='game review: {"clips": n, "by_rating": {"5": n, ..., "1": n}, "filters": {"min_rating", '
        '"tags"}} as it was rendered; before/after: {"clips": n}',
    )
    chapters = VideoChapterSerializer(many=True, read_only=True)
    poster_url = serializers.SerializerMethodField(help_text="a frame of the video; null until made")
    download_url = serializers.SerializerMethodField()
    filename = serializers.SerializerMethodField(help_text="the name a download is saved under")

    class Meta:
        model = ReviewVideo
        fields = [
            "id", "kind", "title", "version", "game_id", "source_video_id", "duration", "width", "height",
            "size", "fps", "summary", "chapters", "created_at", "poster_url", "download_url", "filename",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = ReviewPage

    def get_poster_url(self, video: ReviewVideo) -> str | None:
        if not hasattr(video, "poster_url"):
            attach_posters([video])
        return video.poster_url

    def get_download_url(self, video: ReviewVideo) -> str:
        return f"/api/reviews/{video.pk}/file"

    def get_filename(self, video: ReviewVideo) -> str:
        return gallery.download_name(video.title, video.version)


class ReviewFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ReviewKind.choices,
        required=False,
        error_messages={"invalid_choice": "kind is game_review or before_after."},
    )

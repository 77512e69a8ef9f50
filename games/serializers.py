from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from games import pictures
from games.models import Clip, Game, GameType, UploadSession, UploadStatus
from videoeditor.fields import LineField, TextField


class UploadSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = UploadSession
        fields = [
            "id",
            "mode",
            "status",
            "filename",
            "content_type",
            "size",
            "part_size",
            "part_count",
            "created_at",
        ]
        read_only_fields = fields


class VideoSerializer(serializers.Serializer):
    status = serializers.CharField(source="video_status")
    size = serializers.IntegerField(source="video_size", allow_null=True)
    duration = serializers.FloatField(source="video_duration", allow_null=True)
    width = serializers.IntegerField(source="video_width", allow_null=True)
    height = serializers.IntegerField(source="video_height", allow_null=True)
    fps = serializers.FloatField(source="video_fps", allow_null=True)
    codec = serializers.CharField(source="video_codec")
    has_audio = serializers.BooleanField(source="video_has_audio")
    url = serializers.SerializerMethodField()

    def get_url(self, game: Game) -> str | None:
        return f"/api/games/{game.pk}/video" if game.video_key else None


def with_pictures(key_of, item_of=lambda item: item) -> type[serializers.ListSerializer]:
    """A list serializer class that looks up its items' pictures in one query first:
    `item_of(item)` is the object holding the video, `key_of(that)` the video's key."""

    class PicturedList(serializers.ListSerializer):
        def to_representation(self, data):
            items = list(data.all() if hasattr(data, "all") else data)
            pictures.attach([item_of(item) for item in items], key_of)
            return super().to_representation(items)

    return PicturedList


class FilmstripSerializer(serializers.Serializer):
    """A sprite sheet of frames (games/pictures.py): tile i, at column i % columns and
    row i // columns, shows the video at i * interval seconds."""

    url = serializers.CharField()
    columns = serializers.IntegerField()
    rows = serializers.IntegerField()
    tile_width = serializers.IntegerField()
    tile_height = serializers.IntegerField()
    interval = serializers.FloatField(help_text="seconds between tiles")
    count = serializers.IntegerField(help_text="tiles")


class ClipAggregatesSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="clip_count")
    by_rating = serializers.DictField(child=serializers.IntegerField(), source="clips_by_rating")
    score = serializers.IntegerField(source="aggregate_score")


class GameSerializer(serializers.ModelSerializer):
    # Every text column of a game is a one-line name.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: LineField,
    }

    display_name = serializers.CharField(read_only=True)
    video = VideoSerializer(source="*", read_only=True)
    clips = ClipAggregatesSerializer(source="*", read_only=True)
    upload = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField(help_text="a frame of the video; null until made")
    filmstrip = serializers.SerializerMethodField(help_text="frames of the video; null until made")

    class Meta:
        model = Game
        fields = [
            "id", "name", "display_name", "opponent_name", "game_date", "game_type", "tournament_name",
            "video", "clips", "upload", "poster_url", "filmstrip", "created_at", "version",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "version"]
        list_serializer_class = with_pictures(lambda game: game.video_key)

    def get_poster_url(self, game: Game) -> str | None:
        return pictures.poster_url(game, game.video_key)

    @extend_schema_field(FilmstripSerializer(allow_null=True))
    def get_filmstrip(self, game: Game) -> dict | None:
        return pictures.filmstrip_data(game, game.video_key)

    def get_upload(self, game: Game) -> dict | None:
        active = getattr(game, "active_uploads", None)
        if active is None:
            active = list(game.uploads.filter(status=UploadStatus.ACTIVE))
        return UploadSummarySerializer(active[0]).data if active else None

    def validate(self, attrs: dict) -> dict:
        merged = {
            field: getattr(self.instance, field, "") for field in ("name", "opponent_name", "game_type")
        }
        merged["tournament_name"] = getattr(self.instance, "tournament_name", "")
        merged.update(attrs)
        if not (merged["name"] or "").strip() and not (merged["opponent_name"] or "").strip():
            raise serializers.ValidationError("Give the game a name or an opponent.")
        if merged["game_type"] == GameType.TOURNAMENT and not (merged["tournament_name"] or "").strip():
            raise serializers.ValidationError(
                {"tournament_name": "A tournament game needs the tournament's name."}
            )
        return attrs


class UploadAnnounceSerializer(serializers.Serializer):
    filename = LineField(trim_whitespace=False, max_length=1000)
    size = serializers.IntegerField()
    content_type = serializers.CharField(max_length=200, allow_blank=True)


class ConfirmSerializer(serializers.Serializer):
    video_filename = LineField(max_length=500)


class PartSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField()
    etag = LineField()


class CompleteSerializer(serializers.Serializer):
    parts = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class ProgressSerializer(serializers.Serializer):
    uploaded_bytes = serializers.IntegerField(min_value=0)


class ClipSerializer(serializers.ModelSerializer):
    """A clip as the API shows it. `name` is what to display (stored or derived);
    `name_is_derived` says which."""

    name = serializers.CharField(source="display_name", read_only=True)
    name_is_derived = serializers.SerializerMethodField()
    duration = serializers.FloatField(read_only=True)
    poster_url = serializers.SerializerMethodField(help_text="a frame of the cut clip; null until made")
    filmstrip = serializers.SerializerMethodField(
        help_text="frames of the cut clip, in seconds from its start; null until made"
    )

    class Meta:
        model = Clip
        fields = [
            "id", "game", "start_time", "end_time", "duration", "rating", "tags", "name", "name_is_derived",
            "notes", "extraction_status", "extraction_error", "poster_url", "filmstrip", "version",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = with_pictures(lambda clip: clip.file_key)

    def get_poster_url(self, clip: Clip) -> str | None:
        return pictures.poster_url(clip, clip.file_key)

    @extend_schema_field(FilmstripSerializer(allow_null=True))
    def get_filmstrip(self, clip: Clip) -> dict | None:
        return pictures.filmstrip_data(clip, clip.file_key)

    def get_name_is_derived(self, clip: Clip) -> bool:
        return not clip.name


class ClipInputSerializer(serializers.Serializer):
    """Shapes only; the rules (times, lengths, tags) live in games.clips."""

    start_time = serializers.FloatField()
    end_time = serializers.FloatField()
    rating = serializers.IntegerField(required=False, default=3)
    tags = serializers.ListField(child=LineField(), required=False, default=list)
    name = LineField(required=False, allow_blank=True, default="")
    notes = TextField(required=False, allow_blank=True, default="", trim_whitespace=False)

from django.contrib import admin

from games.models import Clip, ExtractionEvent, Game, UploadEvent, UploadSession
from videoeditor.history import history_of


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "owner",
        "game_type",
        "game_date",
        "video_status",
        "video_duration",
        "created_at",
    ]
    list_filter = ["game_type", "video_status", "created_at"]
    search_fields = ["name", "opponent_name", "tournament_name", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = ["created_at", "version"]


@admin.register(UploadSession)
class UploadSessionAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "game", "mode", "status", "size", "created_at", "updated_at"]
    list_filter = ["mode", "status", "created_at"]
    search_fields = ["filename", "key", "owner__username", "error"]
    list_select_related = ["owner", "game"]
    readonly_fields = ["id", "key", "s3_upload_id", "created_at", "updated_at"]
    inlines = [history_of(UploadEvent)]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    """For triage of cuts: where each clip's cut stands, and its history."""

    list_display = [
        "__str__",
        "game",
        "rating",
        "extraction_status",
        "extraction_attempts",
        "extraction_worker",
    ]
    list_filter = ["extraction_status", "rating"]
    search_fields = ["name", "notes", "extraction_error", "game__opponent_name", "game__owner__username"]
    list_select_related = ["game"]
    readonly_fields = [
        "file_key", "file_lead_in", "extraction_error", "extraction_attempts", "extraction_requeues",
        "extraction_worker", "extraction_queued_at", "extraction_started_at", "created_at", "version",
    ]  # fmt: skip
    inlines = [history_of(ExtractionEvent)]

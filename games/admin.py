from django.contrib import admin

from games.models import Game, UploadSession


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

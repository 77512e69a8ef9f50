from django.contrib import admin

from notifications.models import Notification


class ReadStateFilter(admin.SimpleListFilter):
    title = "read state"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", "Unread"), ("yes", "Read")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "owner", "type", "title", "seq", "read_at"]
    list_filter = ["type", ReadStateFilter, "created_at", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    ordering = ["-created_at"]
    readonly_fields = ["id", "seq", "created_at"]

"""The admin's read-only history of a row with a declared pipeline: its StepEvents
(see videoeditor/pipeline.py), oldest first, as an inline on the row's page."""

from __future__ import annotations

from django.contrib import admin

from videoeditor.pipeline import StepEvent


class HistoryInline(admin.TabularInline):
    """Subclass with `model = <a StepEvent model>`."""

    fields = ["at", "from_status", "to_status", "reason", "worker_id"]
    readonly_fields = fields
    ordering = ["at", "pk"]
    extra = 0
    can_delete = False
    verbose_name = "event"
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # The history is part of the row: whoever may see the row sees its events.
        row = self.parent_model._meta
        return request.user.has_perm(f"{row.app_label}.view_{row.model_name}") or request.user.has_perm(
            f"{row.app_label}.change_{row.model_name}"
        )


def history_of(event: type[StepEvent]) -> type[HistoryInline]:
    return type(f"{event.__name__}Inline", (HistoryInline,), {"model": event})

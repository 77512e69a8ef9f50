"""Invitations in the admin: who invited whom, each one's state, and a Revoke action.
The key is never shown (only its hash is stored); invitations are sent from the
account page or the API, not made here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "invited_by", "state", "created_at", "expires_at", "accepted_by"]
    list_select_related = ["invited_by", "accepted_by"]
    search_fields = ["email", "invited_by__username", "accepted_by__username"]
    ordering = ["-created_at"]
    actions = ["revoke_selected"]
    fields = readonly_fields = [
        "id", "email", "invited_by", "created_at", "sent_at", "expires_at", "accepted_at", "accepted_by",
        "revoked_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="state")
    def state(self, invitation: Invitation) -> str:
        return invitations.state(invitation)

    @admin.action(description="Revoke selected invitations", permissions=["change"])
    def revoke_selected(self, request, queryset) -> None:
        # Accepted ones are history: revoking them would change nothing.
        revoked = queryset.filter(revoked_at__isnull=True, accepted_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        self.message_user(request, f"{revoked} invitation(s) revoked.", messages.SUCCESS)

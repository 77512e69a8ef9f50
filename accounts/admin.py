"""Accounts in the admin: account deletions (read-only, with "Run again" for failed
ones), and on the users' list an action that deletes accounts with all their files
the way a person's own request does (accounts.deletion), never Django's plain delete,
which would leave their stored objects behind."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from accounts import deletion
from accounts.models import AccountDeletion
from games.uploads import size_label


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    """Made by request_deletion and moved only by the deletion task: a view, no edits."""

    list_display = [
        "username", "status", "requester", "created_at", "completed_at", "attempts", "removed_summary",
        "error",
    ]  # fmt: skip
    list_filter = ["status"]
    search_fields = ["username", "email"]
    actions = ["run_again"]
    fields = [
        "user_id", "username", "email", "requested_by", "status", "created_at", "started_at",
        "completed_at", "attempts", "removed", "error",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of what was removed, and the late sweeps, need the row

    @admin.display(description="requested by")
    def requester(self, obj: AccountDeletion) -> str:
        if obj.requested_by_id:
            return obj.requested_by.get_username()
        # requested_by is set null when that account goes: mostly the person themself.
        return "the person (or a deleted account)"

    @admin.display(description="removed")
    def removed_summary(self, obj: AccountDeletion) -> str:
        if not obj.removed:
            return "—"
        return f"{deletion.summary(obj.removed)} ({size_label(obj.removed.get('bytes', 0))})"

    @admin.action(description="Run again (failed deletions)")
    def run_again(self, request, queryset) -> None:
        done = [d.username for d in queryset if deletion.run_again(d, by=request.user.get_username())]
        skipped = queryset.count() - len(done)
        if done:
            self.message_user(request, f"Queued again: {', '.join(done)}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} deletion(s) were not failed (or another deletion of the account runs), "
                "so they were left alone.",
                messages.WARNING,
            )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")


User = get_user_model()


def refusal(user, acting) -> str | None:
    """Why the admin will not delete this account, or None."""
    if user.pk == acting.pk:
        return "You cannot delete your own account here; use Delete account on your account page."
    if user.is_superuser:
        return f"The account {user.get_username()} is a superuser: take that away first, then delete it."
    return None


class AccountUserAdmin(UserAdmin):
    actions = [*(UserAdmin.actions or []), "delete_accounts"]

    def get_actions(self, request):
        # Django's "Delete selected" would delete the rows and leave every stored file behind.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj) -> None:
        """The change page's Delete: the same background deletion as the action."""
        if refused := refusal(obj, request.user):
            raise PermissionDenied(refused)
        deletion.request_deletion(obj, requested_by=request.user)

    @admin.action(
        description="Delete selected accounts and all their files (in the background)",
        permissions=["delete"],
    )
    def delete_accounts(self, request, queryset) -> None:
        for user in queryset:
            refused = refusal(user, request.user)
            if refused:
                self.message_user(request, refused, messages.ERROR)
                continue
            try:
                deletion.request_deletion(user, requested_by=request.user)
            except deletion.DeletionError as error:
                self.message_user(request, error.message, messages.WARNING)
                continue
            self.message_user(
                request,
                f"Deleting {user.get_username()} in the background; you will be notified when it is done.",
                messages.SUCCESS,
            )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)

from accounts import admin_invitations  # noqa: E402, F401  (the Invitation admin)

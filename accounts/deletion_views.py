"""/accounts/delete/ (confirm with the password and the username, then the deletion
runs in the background) and /accounts/deleted/ (what happens next)."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.deletion import DeletionError, holdings, refuse_if_under_way, request_deletion, summary
from games.uploads import size_label
from videoeditor.login_throttle import client_address, refusal

PASSWORD_MAX = 4096  # longer is no password of ours, and would only make hashing slow
DELETED_EMAIL = "account_deleted_email"  # the session key the deleted page reads


def confirm_password(request, user, password) -> None:
    """Refuse with a sentence unless `password` is the user's own. Wrong guesses count as
    failed sign-ins (the login throttle), so this page is no way around it."""
    if not isinstance(password, str) or not password:
        raise DeletionError(400, "Type your password to confirm that you want your account deleted.")
    if refused := refusal(client_address(request), user.get_username()):
        raise DeletionError(429, refused.sentence)
    if (
        len(password) > PASSWORD_MAX
        or authenticate(request, username=user.get_username(), password=password) != user
    ):
        raise DeletionError(400, "That is not your password; your account was not deleted.")


@login_required
@require_http_methods(["GET", "POST"])
def delete_page(request):
    user = request.user
    if request.method == "POST":
        try:
            typed = request.POST.get("username", "")
            if typed.strip() != user.get_username():
                raise DeletionError(
                    400, f"Type your username, {user.get_username()}, exactly, to confirm the deletion."
                )
            refuse_if_under_way(user)
            confirm_password(request, user, request.POST.get("password", ""))
            deletion = request_deletion(user, requested_by=user)
        except DeletionError as error:
            return _page(request, error=error.message, status=error.status)
        logout(request)  # this browser's session (end_all ended it in the database)
        request.session[DELETED_EMAIL] = deletion.email
        return redirect("account-deleted")
    return _page(request)


def _page(request, error: str = "", status: int = 200):
    counts = holdings(request.user.pk)
    context = {
        "error": error,
        "holds": summary(counts, stored=False),
        "size": size_label(counts["bytes"]) if counts["bytes"] else "",
        "has_anything": any(counts[k] for k in ("games", "projects", "review_videos", "uploads")),
    }
    return render(request, "accounts/delete.html", context, status=status)


@require_http_methods(["GET"])
def deleted_page(request):
    return render(request, "accounts/deleted.html", {"email": request.session.get(DELETED_EMAIL, "")})

"""Account pages: sign-in (throttled), sign-up (by invitation unless SIGNUP_MODE=open),
the account page, invitations, and signing out everywhere. The rest (password change
and reset, email addresses, sessions) are allauth's views with our templates."""

from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.account.internal import flows
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import invitations, sessions
from accounts.forms import InvitedSignupForm, SignInForm
from accounts.models import Invitation
from videoeditor import login_throttle
from videoeditor.errors import UserFacingError


class LoginView(allauth_views.LoginView):
    """/accounts/login/: allauth's sign-in under our failed sign-in limits. Over them
    the page shows the sentence, with 429 and Retry-After, and the password is not
    checked."""

    form_class = SignInForm

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        typed = request.POST.get("login", "")
        refused = login_throttle.refusal(login_throttle.client_address(request), typed[:254])
        if refused is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: a bound one would check the password when the page reads its errors.
        form = self.get_form_class()(request=request, initial={"login": typed[:254]})
        response = self.render_to_response(
            self.get_context_data(form=form, refusal=refused.sentence), status=429
        )
        response["Retry-After"] = str(refused.retry_after)
        return response

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["signup_open"] = settings.SIGNUP_MODE == "open"
        return context

    def form_valid(self, form) -> HttpResponse:
        # The password was right: the account's failures, by either name, are forgiven.
        login_throttle.forget_account_failures(form.cleaned_data["login"], form.user.get_username())
        return super().form_valid(form)


class SignupView(allauth_views.SignupView):
    """/accounts/signup/: allauth's sign-up. With an invitation in the session, the
    email is the invited one, and the invitation is used up in the same transaction
    that makes the account (checked again under a row lock: a link used or revoked
    since it was opened cannot sign up)."""

    form_class = InvitedSignupForm

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["invitation"] = invitations.from_session(self.request)
        return kwargs

    def closed(self) -> HttpResponse:
        # A visitor whose invitation went stale since they opened it is told why.
        invitation = invitations.find(self.request.session.get(invitations.SESSION_KEY))
        reason = invitations.unusable_reason(invitation) if invitation is not None else None
        return self.response_class(
            request=self.request, template=self.template_name_signup_closed, context={"reason": reason}
        )

    def form_valid(self, form) -> HttpResponse:
        with transaction.atomic():
            invitation = invitations.lock_for_signup(self.request) if form.invitation is not None else None
            if form.invitation is not None and invitation is None:
                # Used, revoked or expired since this request's first check.
                return _gone(self.request, "This invitation can no longer be used.", 410)
            self.user, response = form.try_save(self.request)
            if response:
                return response
            if invitation is not None:
                invitations.mark_accepted(invitation, self.user)
                # They opened the link the email carried: the address is proven.
                EmailAddress.objects.filter(user=self.user, email__iexact=invitation.email).update(
                    verified=True
                )
        if invitation is not None:
            self.request.session.pop(invitations.SESSION_KEY, None)
        try:
            return flows.signup.complete_signup(
                self.request, user=self.user, redirect_url=self.get_success_url(), by_passkey=False
            )
        except ImmediateHttpResponse as e:
            return e.response


@require_GET
def login_redirect(request: HttpRequest) -> HttpResponse:
    """/login/ (the old address, and the name `login` other code reverses): to allauth's
    sign-in, with the query string (?next=) kept."""
    url = reverse("account_login")
    if query := request.META.get("QUERY_STRING"):
        url = f"{url}?{query}"
    return HttpResponseRedirect(url)


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    primary = EmailAddress.objects.filter(user=user, primary=True).first()
    return render(
        request,
        "accounts/settings.html",
        {
            "primary_email": primary.email if primary else user.email,
            "email_verified": bool(primary and primary.verified),
            "session_count": UserSession.objects.filter(user=user).count(),
            "pending_invitations": sum(
                invitations.state(i) == invitations.State.PENDING
                for i in invitations.invitations_of(user).filter(accepted_at=None, revoked_at=None)
            ),
        },
    )


def _invitation_rows(user) -> list[dict]:
    return [{"invitation": i, "state": invitations.state(i)} for i in invitations.invitations_of(user)]


@login_required
@require_http_methods(["GET", "POST"])
def invitations_page(request: HttpRequest) -> HttpResponse:
    """Send an invitation, and the list of mine with Revoke and Send again."""
    email, error, status = "", None, 200
    if request.method == "POST":
        action = request.POST.get("action", "send")
        if action == "send":
            email = request.POST.get("email", "")
            try:
                invitation, new = invitations.invite(request, request.user, email)
            except UserFacingError as refused:
                error, status = refused.message, refused.status
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email}."
                    if new
                    else f"Invitation sent to {invitation.email} again, with a new link.",
                )
                return redirect("account-invitations")
        elif action in ("revoke", "resend"):
            invitation = _posted_invitation(request)
            if invitation is None:
                messages.error(request, "That invitation is not one of yours (or it is gone).")
                return redirect("account-invitations")
            try:
                if action == "revoke":
                    invitations.revoke(invitation)
                    messages.success(request, f"The invitation to {invitation.email} is revoked.")
                else:
                    invitations.resend(request, invitation)
                    messages.success(
                        request, f"Invitation sent to {invitation.email} again, with a new link."
                    )
            except UserFacingError as refused:
                messages.error(request, refused.message)
            return redirect("account-invitations")
        else:
            error, status = "Unknown action; expected send, revoke or resend.", 400
    return render(
        request,
        "accounts/invitations.html",
        {
            "rows": _invitation_rows(request.user),
            "email": email[:254],
            "error": error,
            "invitation_days": settings.INVITATION_DAYS,
        },
        status=status,
    )


def _posted_invitation(request: HttpRequest) -> Invitation | None:
    raw = request.POST.get("invitation", "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return invitations.invitations_of(request.user).filter(pk=int(raw)).first()


@require_GET
def accept_invitation(request: HttpRequest, key: str) -> HttpResponse:
    """/accounts/invite/<key>/: a usable key goes into the session and the visitor to
    the sign-up form; a used, revoked or expired one gets 410 with why; an unknown one 404."""
    if request.user.is_authenticated:
        return render(request, "accounts/invitation.html", {"signed_in": True}, status=409)
    invitation = invitations.find(key)
    if invitation is None:
        return _gone(
            request, "This invitation link is not one we know. Check that the whole link was copied.", 404
        )
    if (reason := invitations.unusable_reason(invitation)) is not None:
        return _gone(request, reason, 410)
    request.session[invitations.SESSION_KEY] = key
    return redirect("account_signup")


def _gone(request: HttpRequest, sentence: str, status: int) -> HttpResponse:
    return render(request, "accounts/invitation.html", {"sentence": sentence}, status=status)


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    ended = sessions.end_all(request.user)
    logout(request)  # a fresh, empty session for this browser
    messages.success(
        request,
        f"You are signed out everywhere ({ended} session{'s' if ended != 1 else ''} ended). "
        "Sign in again here.",
    )
    return redirect("account_login")

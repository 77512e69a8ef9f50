"""Invitations: how a person joins when sign-up is invite-only.

An invitation is an emailed link holding a random key (secrets.token_urlsafe(32)); only
the key's SHA-256 is stored, so a database leak opens nothing. A link works until it is
used once, revoked by its sender, or INVITATION_DAYS pass. Sending again gives the same
row a new key and a new expiry (the old link stops working). A sender may send at most
SENDS_PER_DAY emails a day (counted in the Redis cache every web process shares).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Invitation
from videoeditor.errors import UserFacingError
from videoeditor.windows import Window

SENDS_PER_DAY = 20
_DAY = 24 * 3600
KEY_BYTES = 32
# token_urlsafe(32) is 43 characters; anything far longer is not one of ours.
_MAX_KEY_CHARS = 64
SESSION_KEY = "accounts.invitation_key"


class State:
    PENDING, ACCEPTED, EXPIRED, REVOKED = "pending", "accepted", "expired", "revoked"
    CHOICES = [(PENDING, "Pending"), (ACCEPTED, "Accepted"), (EXPIRED, "Expired"), (REVOKED, "Revoked")]


class TooManyInvitations(UserFacingError):
    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(429, message)
        self.retry_after = retry_after


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def state(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return State.ACCEPTED
    if invitation.revoked_at is not None:
        return State.REVOKED
    if invitation.expires_at <= timezone.now():
        return State.EXPIRED
    return State.PENDING


def invitations_of(user: AbstractBaseUser) -> QuerySet[Invitation]:
    return Invitation.objects.filter(invited_by=user).select_related("accepted_by")


def clean_email(raw: object) -> str:
    """The address as we store it, or a 400 with a sentence."""
    if not isinstance(raw, str) or not raw.strip():
        raise UserFacingError(400, "Type the email address of the person to invite.")
    email = raw.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in email):
        raise UserFacingError(400, "An email address cannot hold control characters or line breaks.")
    if len(email) > 254:
        raise UserFacingError(400, f"An email address has at most 254 characters; this one has {len(email)}.")
    try:
        # Django's validator accepts international domain names (it checks their
        # punycode form) and refuses what no mail server would take.
        validate_email(email)
    except ValidationError:
        raise UserFacingError(400, f"“{email[:80]}” is not an email address we can send to.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _has_account(email: str) -> bool:
    from allauth.account.models import EmailAddress

    return (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or get_user_model().objects.filter(email__iexact=email).exists()
    )


def _count_send(sender: AbstractBaseUser) -> None:
    """Counts one email against the sender's day, or refuses it (429)."""
    day = Window("invitations-sent", str(sender.pk), SENDS_PER_DAY, _DAY)
    if day.count() >= day.limit:
        wait = day.retry_after()
        hours = math.ceil(wait / 3600)
        raise TooManyInvitations(
            wait,
            f"You have sent {SENDS_PER_DAY} invitations today, the most a day. "
            f"Try again in {hours} hour{'s' if hours != 1 else ''}.",
        )
    day.hit()


def link(request: HttpRequest, key: str) -> str:
    return request.build_absolute_uri(reverse("account-invite", args=[key]))


def _new_key(invitation: Invitation) -> str:
    key = secrets.token_urlsafe(KEY_BYTES)
    invitation.key_hash = hash_key(key)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    return key


def _send(request: HttpRequest, invitation: Invitation, key: str) -> None:
    inviter = invitation.invited_by.get_username()
    expires = date_format(timezone.localtime(invitation.expires_at), "j F Y")
    body = (
        f"{inviter} invited you to Highlights, where you can cut and share soccer highlights.\n\n"
        f"Open this link to make your account:\n{link(request, key)}\n\n"
        f"The link works once, until {expires}.\n"
        "If you did not expect this email, you can ignore it.\n"
    )
    mail.send_mail(f"{inviter} invited you to Highlights", body, None, [invitation.email])
    invitation.sent_at = timezone.now()


def invite(request: HttpRequest, sender: AbstractBaseUser, raw_email: object) -> tuple[Invitation, bool]:
    """Send an invitation to `raw_email` from `sender`; returns it and whether it is new.

    A pending invitation the sender already sent to that address is sent again (a new
    key and expiry) rather than doubled."""
    if not sender.is_active:
        raise UserFacingError(403, "Your account is not active, so it cannot invite anyone.")
    email = clean_email(raw_email)
    if _has_account(email):
        raise UserFacingError(409, f"{email} already has an account; they can sign in.")
    with transaction.atomic():
        existing = (
            Invitation.objects.select_for_update()
            .filter(
                invited_by=sender,
                email__iexact=email,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        _count_send(sender)
        invitation = existing or Invitation(email=email, invited_by=sender)
        key = _new_key(invitation)
        _send(request, invitation, key)
        invitation.save()
    return invitation, existing is None


def resend(request: HttpRequest, invitation: Invitation) -> Invitation:
    """A new key and a new expiry for a pending or expired invitation, emailed again."""
    current = state(invitation)
    if current == State.ACCEPTED:
        raise UserFacingError(409, f"This invitation was already accepted by {_accepter(invitation)}.")
    if current == State.REVOKED:
        raise UserFacingError(409, "This invitation was revoked; send a new one instead.")
    if _has_account(invitation.email):
        raise UserFacingError(409, f"{invitation.email} already has an account; they can sign in.")
    with transaction.atomic():
        _count_send(invitation.invited_by)
        key = _new_key(invitation)
        _send(request, invitation, key)
        invitation.save(update_fields=["key_hash", "expires_at", "sent_at"])
    return invitation


def revoke(invitation: Invitation) -> Invitation:
    """The link stops working at once. Revoking twice changes nothing; an accepted
    invitation is history and cannot be revoked (409)."""
    if invitation.accepted_at is not None:
        raise UserFacingError(
            409, f"This invitation was already accepted by {_accepter(invitation)}; it cannot be revoked."
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _accepter(invitation: Invitation) -> str:
    return invitation.accepted_by.get_username() if invitation.accepted_by else invitation.email


def find(key: object) -> Invitation | None:
    """The invitation a link's key opens, whatever its state; None for an unknown key."""
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_CHARS:
        return None
    return Invitation.objects.select_related("invited_by").filter(key_hash=hash_key(key)).first()


def unusable_reason(invitation: Invitation) -> str | None:
    """Why this invitation cannot make an account now (a sentence), or None."""
    current = state(invitation)
    if current == State.ACCEPTED:
        return "This invitation was already used."
    if current == State.REVOKED:
        return "This invitation was withdrawn by the person who sent it."
    if current == State.EXPIRED:
        expired = date_format(timezone.localtime(invitation.expires_at), "j F Y")
        return (
            f"This invitation expired on {expired}. "
            f"Ask {invitation.invited_by.get_username()} to send a new one."
        )
    return None


def from_session(request: HttpRequest) -> Invitation | None:
    """The usable invitation the visitor accepted in this session, if any."""
    invitation = find(request.session.get(SESSION_KEY))
    if invitation is None or unusable_reason(invitation) is not None:
        return None
    return invitation


def lock_for_signup(request: HttpRequest) -> Invitation | None:
    """Inside a transaction: the session's invitation, locked, still usable — checked
    again when the sign-up is saved, so two sign-ups cannot use one link."""
    key = request.session.get(SESSION_KEY)
    if not isinstance(key, str) or len(key) > _MAX_KEY_CHARS:
        return None
    invitation = Invitation.objects.select_for_update().filter(key_hash=hash_key(key)).first()
    if invitation is None or unusable_reason(invitation) is not None:
        return None
    return invitation


def mark_accepted(invitation: Invitation, user: AbstractBaseUser) -> None:
    """Call inside the sign-up's transaction, on a row from lock_for_signup."""
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])

"""Sign-up: closed unless SIGNUP_MODE=open or the visitor holds a usable invitation;
with one, the invited address is the account's, proven, and the invitation used up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation

SIGNUP = "/accounts/signup/"
NEW_PASSWORD = "a long new password 42"


def invitation_for(inviter, email="carol@example.com", **fields) -> tuple[Invitation, str]:
    key = f"k{'x' * 42}{Invitation.objects.count()}"[:43]
    fields.setdefault("expires_at", timezone.now() + timedelta(days=7))
    invitation = Invitation.objects.create(
        email=email, key_hash=invitations.hash_key(key), invited_by=inviter, **fields
    )
    return invitation, key


def form(email="carol@example.com", username="carol"):
    return {"email": email, "username": username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}


def test_invite_only_signup_is_closed_without_an_invitation(client, db):
    page = client.get(SIGNUP)

    assert page.status_code == 200
    assert "Sign-up is by invitation" in page.content.decode()
    client.post(SIGNUP, form())
    assert not get_user_model().objects.filter(username="carol").exists()


def test_open_signup_lets_anyone_in(client, db, settings):
    settings.SIGNUP_MODE = "open"

    response = client.post(SIGNUP, form())

    assert response.status_code == 302
    carol = get_user_model().objects.get(username="carol")
    assert client.session["_auth_user_id"] == str(carol.pk)
    # an open sign-up proves no mailbox: allauth sends its verification email
    assert not EmailAddress.objects.get(user=carol).verified
    assert any("carol@example.com" in m.to for m in mail.outbox)


def test_an_invitation_fills_in_the_email_read_only_and_signs_up(client, alice):
    invitation, key = invitation_for(alice)

    opened = client.get(f"/accounts/invite/{key}/")
    assert opened.status_code == 302
    assert opened["Location"] == SIGNUP
    page = client.get(SIGNUP).content.decode()
    assert "alice invited you to Highlights." in page
    assert 'value="carol@example.com"' in page
    assert "readonly" in page

    response = client.post(SIGNUP, form())

    assert response.status_code == 302
    assert response["Location"] == "/"
    carol = get_user_model().objects.get(username="carol")
    assert client.session["_auth_user_id"] == str(carol.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_by == carol
    assert invitation.accepted_at is not None
    assert EmailAddress.objects.get(user=carol).verified is True
    assert mail.outbox == []  # no verification email: the invitation proved the address
    assert invitations.SESSION_KEY not in client.session


def test_another_email_than_the_invited_one_is_refused(client, alice):
    invitation, key = invitation_for(alice)
    client.get(f"/accounts/invite/{key}/")

    response = client.post(SIGNUP, form(email="mallory@example.com"))

    assert response.status_code == 200
    assert "Your invitation is for carol@example.com; sign up with that address" in response.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize("change", ["revoked", "expired", "accepted"])
def test_an_invitation_that_went_stale_after_opening_cannot_sign_up(client, alice, bob, change):
    invitation, key = invitation_for(alice)
    client.get(f"/accounts/invite/{key}/")
    if change == "revoked":
        invitation.revoked_at = timezone.now()
    elif change == "expired":
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
    else:
        invitation.accepted_at, invitation.accepted_by = timezone.now(), bob
    invitation.save()

    response = client.post(SIGNUP, form())

    assert not get_user_model().objects.filter(username="carol").exists()
    page = response.content.decode()
    assert "Sign-up is by invitation" in page
    assert 'role="alert"' in page


def test_a_race_lost_between_the_check_and_the_save_is_410(client, alice, monkeypatch):
    invitation, key = invitation_for(alice)
    client.get(f"/accounts/invite/{key}/")
    # given: the invitation is used by someone else after the request's first check
    real = invitations.lock_for_signup

    def used_meanwhile(request):
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
        return real(request)

    monkeypatch.setattr(invitations, "lock_for_signup", used_meanwhile)

    response = client.post(SIGNUP, form())

    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="carol").exists()


def test_a_used_invitation_link_is_410(client, alice, bob):
    _, key = invitation_for(alice, accepted_at=timezone.now(), accepted_by=bob)

    response = client.get(f"/accounts/invite/{key}/")

    assert response.status_code == 410
    assert "This invitation was already used." in response.content.decode()


def test_an_expired_invitation_link_says_when_and_whom_to_ask(client, alice):
    when = timezone.make_aware(timezone.datetime(2025, 12, 3, 12, 0))
    _, key = invitation_for(alice, expires_at=when)

    response = client.get(f"/accounts/invite/{key}/")

    assert response.status_code == 410
    assert "This invitation expired on 3 December 2025. Ask alice to send a new one." in (
        response.content.decode()
    )


def test_an_expired_invitation_link_is_410(client, alice):
    _, key = invitation_for(alice, expires_at=timezone.now() - timedelta(minutes=1))

    response = client.get(f"/accounts/invite/{key}/")

    assert response.status_code == 410
    assert "Ask alice to send a new one." in response.content.decode()


def test_a_revoked_invitation_link_is_410(client, alice):
    _, key = invitation_for(alice, revoked_at=timezone.now())

    response = client.get(f"/accounts/invite/{key}/")

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


@pytest.mark.parametrize("key", ["x", "A" * 43, "A" * 5000, "%00"])
def test_an_unknown_link_is_404_with_a_sentence(client, db, key):
    response = client.get(f"/accounts/invite/{key}/")

    assert response.status_code == 404
    assert "This invitation link is not one we know." in response.content.decode()


def test_a_signed_in_visitor_is_told_to_sign_out_first(client, alice, bob):
    _, key = invitation_for(alice)
    client.force_login(bob)

    response = client.get(f"/accounts/invite/{key}/")

    assert response.status_code == 409
    assert "sign out first" in response.content.decode()
    assert invitations.SESSION_KEY not in client.session

"""Invitations: sending (page and API), the emailed link, resending, revoking, the
daily limit, and what a hostile request gets."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation

PAGE = "/accounts/invitations/"
API = "/api/invitations"
LINK = re.compile(r"http://testserver/accounts/invite/([A-Za-z0-9_-]{43})/")


def sent_key(message) -> str:
    return LINK.search(message.body).group(1)


def test_the_page_sends_an_invitation_by_email(client, alice, settings):
    settings.INVITATION_DAYS = 7
    client.force_login(alice)

    response = client.post(PAGE, {"email": "carol@example.com"}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Invitation sent to carol@example.com." in page
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.invited_by) == ("carol@example.com", alice)
    assert invitation.sent_at is not None
    assert timedelta(days=7) - (invitation.expires_at - timezone.now()) < timedelta(minutes=1)
    [message] = mail.outbox
    assert message.to == ["carol@example.com"]
    assert message.subject == "alice invited you to Highlights"
    key = sent_key(message)
    # only the key's hash is stored
    assert invitation.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(Invitation.objects.values().get())
    expiry = timezone.localtime(invitation.expires_at)
    assert f"{expiry.day} {expiry:%B %Y}" in message.body
    assert 'data-state="pending"' in page


def test_an_address_with_an_account_is_refused(client, alice, bob):
    client.force_login(alice)

    response = client.post(PAGE, {"email": "BOB@example.com"})

    assert response.status_code == 409
    assert "BOB@example.com already has an account; they can sign in." in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_the_same_address_again_resends_the_pending_one(client, alice):
    client.force_login(alice)
    client.post(PAGE, {"email": "carol@example.com"})
    first = sent_key(mail.outbox[0])

    response = client.post(PAGE, {"email": "Carol@Example.com"}, follow=True)

    assert "Invitation sent to carol@example.com again, with a new link." in response.content.decode()
    assert Invitation.objects.count() == 1
    second = sent_key(mail.outbox[1])
    assert second != first
    client.logout()
    assert client.get(f"/accounts/invite/{first}/").status_code == 404  # the old link stopped working
    assert client.get(f"/accounts/invite/{second}/").status_code == 302


def test_revoke_and_send_again_from_the_page(client, alice):
    client.force_login(alice)
    client.post(PAGE, {"email": "carol@example.com"})
    invitation = Invitation.objects.get()

    page = client.post(PAGE, {"action": "resend", "invitation": invitation.pk}, follow=True).content.decode()
    assert "Invitation sent to carol@example.com again, with a new link." in page
    assert len(mail.outbox) == 2

    page = client.post(PAGE, {"action": "revoke", "invitation": invitation.pk}, follow=True).content.decode()
    assert "The invitation to carol@example.com is revoked." in page
    assert 'data-state="revoked"' in page
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    page = client.post(PAGE, {"action": "resend", "invitation": invitation.pk}, follow=True).content.decode()
    assert "This invitation was revoked; send a new one instead." in page
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("raw", ["", "x" * 30, "-1", "99999999999999999999999", "1e3", "\u0661"])
def test_the_page_refuses_odd_invitation_ids(client, alice, bob, raw):
    theirs = Invitation.objects.create(
        email="x@example.com",
        key_hash="0" * 64,
        invited_by=bob,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(alice)

    for value in (raw, str(theirs.pk)):
        page = client.post(PAGE, {"action": "revoke", "invitation": value}, follow=True).content.decode()
        assert "That invitation is not one of yours (or it is gone)." in page
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize(
    ("email", "sentence"),
    [
        ("", "Type the email address of the person to invite."),
        ("carol@example.com\r\nBcc: x@evil.test", "An email address cannot hold control characters"),
        ("car\x00ol@example.com", "An email address cannot hold control characters"),
        ("a" * 250 + "@example.com", "An email address has at most 254 characters; this one has 262."),
        ("a" * 10_000, "An email address has at most 254 characters"),
        ("not an address", "is not an email address we can send to."),
        ("carol@", "is not an email address we can send to."),
    ],
    ids=["empty", "header-injection", "nul", "long", "10k", "words", "no-domain"],
)
def test_bad_addresses_get_a_sentence(client, alice, email, sentence):
    client.force_login(alice)

    response = client.post(PAGE, {"email": email})

    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_international_domain_is_accepted(alice_api):
    response = alice_api.post(API, {"email": "jose@Bücher.example"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "jose@bücher.example"
    assert mail.outbox[0].to == ["jose@bücher.example"]
    # the local part is the mailbox owner's business: a non-ASCII one is refused plainly
    refused = alice_api.post(API, {"email": "José@example.com"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "“José@example.com” is not an email address we can send to."


def test_the_api_makes_lists_revokes_and_resends(alice_api, alice):
    made = alice_api.post(API, {"email": "carol@example.com"}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"id", "email", "state", "created_at", "expires_at", "accepted_at", "revoked_at"}
    assert body["state"] == "pending"
    assert sent_key(mail.outbox[0]) not in made.content.decode()

    listed = alice_api.get(API).json()
    assert [i["id"] for i in listed["results"]] == [body["id"]]

    resent = alice_api.post(f"{API}/{body['id']}/resend")
    assert resent.status_code == 200
    assert resent.json()["expires_at"] >= body["expires_at"]
    assert len(mail.outbox) == 2

    assert alice_api.delete(f"{API}/{body['id']}").status_code == 204
    assert alice_api.delete(f"{API}/{body['id']}").status_code == 204  # twice changes nothing
    assert alice_api.get(API).json()["results"][0]["state"] == "revoked"
    refused = alice_api.post(f"{API}/{body['id']}/resend")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "This invitation was revoked; send a new one instead."}


def test_an_accepted_invitation_cannot_be_revoked(alice_api, alice, bob):
    invitation = Invitation.objects.create(
        email="bob@example.com", key_hash="1" * 64, invited_by=alice, accepted_at=timezone.now(),
        accepted_by=bob, expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip

    response = alice_api.delete(f"{API}/{invitation.pk}")

    assert response.status_code == 409
    assert response.json()["detail"] == "This invitation was already accepted by bob; it cannot be revoked."


def test_another_persons_invitations_are_404(alice_api, bob_api):
    made = bob_api.post(API, {"email": "carol@example.com"}, format="json").json()

    assert alice_api.get(API).json()["results"] == []
    assert alice_api.delete(f"{API}/{made['id']}").status_code == 404
    assert alice_api.post(f"{API}/{made['id']}/resend").status_code == 404
    assert alice_api.delete(f"{API}/{2**63 - 1}").status_code == 404
    assert alice_api.delete(f"{API}/{2**64}").status_code == 404


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"email": "carol@example.com", "key": "x"}, "Unknown field(s): key. The fields are email."),
        ([1, 2], "Send a JSON object"),
        ({"email": 7}, "Type the email address of the person to invite."),
        ({"email": ["carol@example.com"]}, "Type the email address of the person to invite."),
        ({}, "Type the email address of the person to invite."),
    ],
)
def test_the_api_refuses_odd_bodies_with_a_sentence(alice_api, body, sentence):
    response = alice_api.post(API, body, format="json")

    assert response.status_code == 400
    assert sentence in response.json()["detail"]


def test_deep_json_is_refused(alice_api):
    deep = '{"email": ' + "[" * 5000 + "]" * 5000 + "}"

    response = alice_api.post(API, deep, content_type="application/json")

    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_twenty_invitations_a_day_then_429(alice_api):
    for n in range(invitations.SENDS_PER_DAY):
        assert alice_api.post(API, {"email": f"p{n}@example.com"}, format="json").status_code == 201

    response = alice_api.post(API, {"email": "one-more@example.com"}, format="json")

    assert response.status_code == 429
    assert response.json()["detail"] == (
        "You have sent 20 invitations today, the most a day. Try again in 24 hours."
    )
    assert 86_000 < int(response["Retry-After"]) <= 86_400
    assert len(mail.outbox) == 20
    # resending counts too
    first = Invitation.objects.order_by("id").first()
    assert alice_api.post(f"{API}/{first.pk}/resend").status_code == 429


def test_an_inactive_sender_cannot_invite(alice, alice_api):
    alice.is_active = False
    alice.save()

    response = alice_api.post(API, {"email": "carol@example.com"}, format="json")

    assert response.status_code in (401, 403)


def test_the_schema_documents_the_invitation_api(alice_api):
    schema = alice_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]

    post = paths["/api/invitations"]["post"]["responses"]
    assert {"201", "400", "409", "429"} <= set(post)
    assert {"204", "404", "409"} <= set(paths["/api/invitations/{invitation_id}"]["delete"]["responses"])
    assert {"200", "404", "409", "429"} <= set(
        paths["/api/invitations/{invitation_id}/resend"]["post"]["responses"]
    )
    assert "204" in paths["/api/me/logout-everywhere"]["post"]["responses"]
    fields = schema["components"]["schemas"]["Invitation"]["properties"]
    assert set(fields) == {"id", "email", "state", "created_at", "expires_at", "accepted_at", "revoked_at"}


def test_the_admin_lists_and_revokes(admin_client, alice):
    invitation = Invitation.objects.create(
        email="carol@example.com", key_hash="2" * 64, invited_by=alice,
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip

    page = admin_client.get("/admin/accounts/invitation/?q=carol").content.decode()
    assert "carol@example.com" in page
    response = admin_client.post(
        "/admin/accounts/invitation/",
        {"action": "revoke_selected", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "1 invitation(s) revoked." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

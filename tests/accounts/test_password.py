"""Password change (keeps this session, ends the others) and reset by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from tests.accounts.conftest import signed_in
from tests.conftest import PASSWORD

NEW = "a brand new password 77"


def can_sign_in(login: str, password: str) -> bool:
    return Client().post("/accounts/login/", {"login": login, "password": password}).status_code == 302


def test_reset_by_email(client, alice):
    # given: a reset asked for alice's address
    page = client.get("/accounts/password/reset/").content.decode()
    assert 'class="primary"' in page
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200

    # when: she opens the emailed link and sets a new password
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": NEW, "password2": NEW})

    # then: the new password signs in, the old one does not
    assert done.status_code == 302
    assert can_sign_in("alice", NEW)
    assert not can_sign_in("alice@example.com", PASSWORD)
    # and the link works once
    assert "Bad Token" in Client().get(link, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_sends_no_link(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302  # the same answer: no account enumeration
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


@pytest.mark.parametrize("email", ["a" * 10_000, "x\r\nBcc: y@example.com", ""])
def test_odd_reset_addresses_get_the_form_again(client, alice, email):
    response = client.post("/accounts/password/reset/", {"email": email})

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert mail.outbox == []


def test_changing_the_password_keeps_this_session_and_ends_the_others(alice):
    here, there = signed_in(alice), signed_in(alice)

    response = here.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW}
    )

    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert there.get("/").status_code == 302
    assert can_sign_in("alice", NEW)


def test_a_wrong_current_password_is_told(alice):
    here = signed_in(alice)

    response = here.post(
        "/accounts/password/change/", {"oldpassword": "nope", "password1": NEW, "password2": NEW}
    )

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()

"""/accounts/login/: sign-in by username or email, under the failed sign-in limits of
videoeditor/login_throttle.py (one count per account, whichever name is typed)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.signals import user_login_failed

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 60
    # A fast hash, set before the users are made: the window tests count seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def sign_in(client, login, password, address="203.0.113.7"):
    return client.post(LOGIN, {"login": login, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def failures():
    seen = []

    def count(sender, credentials, **kwargs):
        seen.append(credentials)

    user_login_failed.connect(count)
    yield seen
    user_login_failed.disconnect(count)


@pytest.mark.parametrize("login", ["alice", "alice@example.com", " Alice@Example.com "])
def test_a_person_signs_in_by_username_or_email(client, alice, login):
    response = sign_in(client, login, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_page_labels_the_field_username_or_email(client, db):
    page = client.get(LOGIN).content.decode()

    assert re.search(r'<label for="id_login">\s*Username or email\s*</label>', page)
    assert 'class="primary"' in page
    assert "/static/css/accounts.css" in page


@pytest.mark.parametrize("login", ["alice", "alice@example.com"])
def test_failures_by_email_and_by_username_are_one_count(client, alice, login):
    # given: failures alternating between the username and the email address
    assert sign_in(client, "alice", "wrong").status_code == 200
    assert sign_in(client, "alice@example.com", "wrong").status_code == 200
    assert sign_in(client, "ALICE", "wrong").status_code == 200

    # when: the right password comes, by either name
    response = sign_in(client, login, PASSWORD)

    # then: three failures of one account, so it is refused
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_refused_attempt_is_429_with_the_sentence_and_the_password_is_not_checked(client, alice, failures):
    for _ in range(3):
        sign_in(client, "alice@example.com", "wrong")
    failures.clear()

    response = sign_in(client, "alice@example.com", PASSWORD)

    assert response.status_code == 429
    assert 55 <= int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert re.search(r"Too many failed sign-ins for this account\. Try again in (5\d|60) seconds\.", page)
    assert 'value="alice@example.com"' in page
    assert failures == []  # authenticate() never ran
    assert "_auth_user_id" not in client.session


def test_a_wrong_guess_by_email_counts_against_the_username(client, alice):
    for _ in range(3):
        sign_in(client, "alice@example.com", "wrong", address="198.51.100.1")

    # the token endpoint, by username, from elsewhere, shares the count
    from rest_framework.test import APIClient

    refused = APIClient(REMOTE_ADDR="192.0.2.9").post(
        "/api/auth/token", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429


def test_a_correct_sign_in_forgets_the_failures_by_both_names(client, alice):
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice@example.com", "wrong")
    assert sign_in(client, "alice@example.com", PASSWORD).status_code == 302
    client.logout()

    # two more failures would have made four without the reset
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice@example.com", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_an_unknown_email_is_counted_by_what_was_typed(client, alice):
    for _ in range(3):
        assert sign_in(client, "nobody@example.com", "guess").status_code == 200
    assert sign_in(client, "nobody@example.com", "guess").status_code == 429
    assert sign_in(client, "alice", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "login",
    ["a" * 10_000, "x@" + "y" * 10_000 + ".com", "alice\x00", "al\nice", "\u202ealice", ""],
    ids=["10k", "10k-email", "nul", "newline", "bidi", "empty"],
)
def test_hostile_logins_are_answered_with_a_page(client, alice, login):
    response = sign_in(client, login, "whatever")

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_old_address_redirects_with_its_query(client, db):
    response = client.get("/login/?next=/gallery/&x=1")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/gallery/&x=1"


def test_sign_in_honours_next(client, alice):
    response = client.post(
        LOGIN + "?next=/gallery/", {"login": "alice", "password": PASSWORD, "next": "/gallery/"}
    )

    assert response["Location"] == "/gallery/"


def test_the_header_links_the_account_page_and_signs_out(client, alice):
    client.force_login(alice)
    page = client.get("/").content.decode()

    assert 'href="/accounts/"' in page
    assert 'action="/logout/"' in page
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_the_anonymous_header_offers_sign_in(client, db):
    page = client.get(LOGIN).content.decode()

    assert 'href="/accounts/login/"' in page
    assert "notification-bell" not in page

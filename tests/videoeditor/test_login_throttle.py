"""Failed sign-ins are throttled per account and per address, on the token endpoint
and the sign-in page (/accounts/login/; tests/accounts/test_login.py has the
sign-ins by email): 429 with a sentence and Retry-After, shared by every process
(counted in Redis), and a correct password works again once the window has passed."""

from __future__ import annotations

import re
import time

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

TOKEN = "/api/auth/token"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 60
    # A fast hash (set before the users are made): the window tests below count seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def token(username: str, password: str, address: str = "203.0.113.7"):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )


def login_page(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post("/accounts/login/", {"login": username, "password": password}, REMOTE_ADDR=address)


def test_the_token_endpoint_refuses_an_account_after_its_failures(alice):
    # given as many wrong passwords as the account is allowed
    for _ in range(3):
        assert token("alice", "wrong").status_code == 400

    # when the right one comes next
    response = token("alice", PASSWORD)

    # then it is refused without being checked, with a sentence and when to retry
    assert response.status_code == 429
    sentence = r"Too many failed sign-ins for this account\. Try again in (5\d|60) seconds\."
    assert re.fullmatch(sentence, response.json()["detail"])
    assert 55 <= int(response["Retry-After"]) <= 60


def test_the_account_limit_holds_from_every_address(alice):
    for n in range(3):
        assert token("alice", "wrong", address=f"198.51.100.{n}").status_code == 400
    assert token("alice", PASSWORD, address="192.0.2.99").status_code == 429


def test_failures_on_other_accounts_from_elsewhere_do_not_block_a_login(alice, bob):
    for n in range(3):
        assert token("bob", "wrong", address=f"198.51.100.{n}").status_code == 400
    assert token("bob", PASSWORD, address="198.51.100.9").status_code == 429

    response = token("alice", PASSWORD, address="192.0.2.1")

    assert response.status_code == 200
    assert response.json()["token"]


def test_an_address_is_refused_after_its_failures_on_any_accounts(alice):
    # given five wrong guesses from one address, each on a different account
    for n in range(5):
        assert token(f"nobody{n}", "guess").status_code == 400

    # then even a correct password from that address waits
    response = token("alice", PASSWORD)
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed sign-ins from your network.")
    assert int(response["Retry-After"]) > 0
    # and another address is not concerned
    assert token("alice", PASSWORD, address="192.0.2.1").status_code == 200


def test_an_ipv6_client_is_one_address_for_its_whole_64(alice):
    for n in range(5):
        assert token(f"nobody{n}", "guess", address=f"2001:db8:1:2::{n + 1}").status_code == 400
    assert token("alice", PASSWORD, address="2001:db8:1:2:ffff::9").status_code == 429
    assert token("alice", PASSWORD, address="2001:db8:1:3::1").status_code == 200


def test_a_forwarded_for_header_does_not_pick_a_fresh_counter(alice):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    for n in range(5):
        client.post(TOKEN, {"username": f"nobody{n}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = client.post(
        TOKEN, {"username": "alice", "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429


def test_a_correct_password_clears_the_account_count(alice):
    for _ in range(2):
        assert token("alice", "wrong").status_code == 400
    assert token("alice", PASSWORD, address="192.0.2.1").status_code == 200
    # two more failures would have been the third and fourth without the reset
    for _ in range(2):
        assert token("alice", "wrong", address="192.0.2.2").status_code == 400
    assert token("alice", PASSWORD, address="192.0.2.3").status_code == 200


def test_a_correct_password_works_again_after_the_window(alice, limits):
    limits.LOGIN_FAILURE_WINDOW_SECONDS = 2
    for _ in range(3):
        assert token("alice", "wrong").status_code == 400
    refused = token("alice", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] in ("1", "2")

    time.sleep(2.2)

    assert token("alice", PASSWORD).status_code == 200


def test_the_login_page_shows_the_sentence_with_429(client, alice):
    # given failures on the login page itself
    for _ in range(3):
        response = login_page(client, "alice", "wrong")
        assert response.status_code == 200
        assert b"username and/or password you specified are not correct" in response.content

    # when the right password comes next
    response = login_page(client, "alice", PASSWORD)

    # then the page says why and when, and nobody is logged in
    assert response.status_code == 429
    assert 55 <= int(response["Retry-After"]) <= 60
    sentence = rb"Too many failed sign-ins for this account\. Try again in (5\d|60) seconds\."
    assert re.search(sentence, response.content)
    assert b'value="alice"' in response.content
    assert "_auth_user_id" not in client.session


def test_the_login_page_and_the_token_endpoint_share_one_count(client, alice):
    for _ in range(2):
        assert token("alice", "wrong").status_code == 400
    assert login_page(client, "alice", "wrong").status_code == 200
    assert token("alice", PASSWORD).status_code == 429
    assert login_page(client, "alice", PASSWORD).status_code == 429


def test_the_login_page_logs_in_after_the_window(client, alice, limits):
    limits.LOGIN_FAILURE_WINDOW_SECONDS = 2
    for _ in range(3):
        login_page(client, "alice", "wrong")
    assert login_page(client, "alice", PASSWORD).status_code == 429

    time.sleep(2.2)

    response = login_page(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_odd_bodies_are_answered_not_crashed():
    client = APIClient()
    assert client.post(TOKEN, [1, 2], format="json").status_code == 400
    assert client.post(TOKEN, {"username": 7, "password": ["x"]}, format="json").status_code == 400


def test_the_schema_documents_the_429(api, alice):
    api.force_authenticate(alice)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "429" in schema["paths"]["/api/auth/token"]["post"]["responses"]


def test_the_admin_login_is_throttled_too(client, admin_user):
    # given: an address that failed the admin's sign-in as often as the account allows
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong"})
        assert response.status_code == 200

    # when the right password comes next
    response = client.post("/admin/login/", {"username": "admin", "password": "password"})

    # then it is refused with a sentence, and nobody is logged in
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert b"Too many failed sign-ins for this account" in response.content
    assert "_auth_user_id" not in client.session


def test_the_admin_login_still_logs_in(client, admin_user):
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "password"})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200

"""Sign out everywhere: every session (other browsers too), the API token, and the open
notification sockets (closed with 4401); and the account page that offers it."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import sessions
from tests.accounts.conftest import signed_in
from tests.notifications.conftest import socket


def test_the_account_page_shows_the_account_and_its_links(alice):
    browser = signed_in(alice)

    page = browser.get("/accounts/").content.decode()

    assert 'id="account-username">alice<' in page
    assert 'id="account-email">alice@example.com<' in page
    for href in (
        "/accounts/email/", "/accounts/password/change/", "/accounts/sessions/", "/accounts/invitations/",
        "/accounts/delete/",
    ):  # fmt: skip
        assert f'href="{href}"' in page, href
    assert 'action="/accounts/logout-everywhere/"' in page
    assert "(1 signed in)" in page


def test_sign_out_everywhere_ends_every_browser_and_the_token(db, alice, bob):
    # given: alice in two browsers, one untracked session (signed in before allauth
    # recorded sessions), an API token; and bob signed in
    here, there = signed_in(alice), signed_in(alice)
    untracked = Client()
    untracked.force_login(alice)
    token = Token.objects.create(user=alice)
    bobs = signed_in(bob)

    # when
    response = here.post("/accounts/logout-everywhere/", follow=True)

    # then: every one of alice's is signed out, this browser too, and told so
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "You are signed out everywhere (3 sessions ended)." in response.content.decode()
    for browser in (here, there, untracked):
        assert browser.get("/").status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me").status_code == 401
    assert not UserSession.objects.filter(user=alice).exists()
    # bob is not concerned
    assert bobs.get("/").status_code == 200


def test_sign_out_everywhere_is_a_post(alice):
    browser = signed_in(alice)

    assert browser.get("/accounts/logout-everywhere/").status_code == 405
    assert browser.get("/").status_code == 200


def test_the_api_signs_out_everywhere(db, alice):
    browser = signed_in(alice)
    token = Token.objects.create(user=alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api.post("/api/me/logout-everywhere").status_code == 204

    assert api.get("/api/me").status_code == 401
    assert browser.get("/").status_code == 302
    assert not Token.objects.filter(user=alice).exists()


def test_the_api_by_session_signs_this_browser_out_too(db, alice):
    browser = signed_in(alice)
    csrf = APIClient(enforce_csrf_checks=False)
    csrf.cookies = browser.cookies

    assert csrf.post("/api/me/logout-everywhere").status_code == 204

    assert browser.get("/").status_code == 302
    assert not Session.objects.filter(session_key=browser.cookies["sessionid"].value).exists()


def test_the_sessions_page_lists_and_signs_out_the_others(alice):
    here, there = signed_in(alice), signed_in(alice)

    page = here.get("/accounts/sessions/").content.decode()
    assert page.count("<tr") == 3  # the head and two sessions
    assert "This device" in page
    assert "Sign out other sessions" in page

    here.post("/accounts/sessions/", {"action": "end"}, follow=True)

    assert here.get("/").status_code == 200
    assert there.get("/").status_code == 302


def end_all_in_a_thread(user) -> int:
    try:
        return sessions.end_all(user)
    finally:
        # This thread's connection, closed: an open one keeps PostgreSQL from dropping
        # the test database.
        connections.close_all()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_is_closed_with_4401(alice, alice_cookie, fresh_channel_layer):
    cookie = alice_cookie
    ws = socket(cookie)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"

    ended = await sync_to_async(end_all_in_a_thread)(alice)

    assert ended == 1
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    # and a new socket with the old cookie is refused as signed out
    again = socket(cookie)
    await again.connect()
    assert await again.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await ws.disconnect()
    await again.disconnect()

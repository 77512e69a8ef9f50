from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

# The socket tests' fixtures: a fresh channel layer per test, alice's session cookie.
from tests.notifications.conftest import alice_cookie, fresh_channel_layer  # noqa: F401


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    """A fast password hash, set before the users are made: these tests sign in often."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(user) -> Client:
    """A browser that signed in with the form (so allauth records its session)."""
    browser = Client()
    assert browser.post("/accounts/login/", {"login": user.username, "password": PASSWORD}).status_code == 302
    assert browser.get("/").status_code == 200
    return browser

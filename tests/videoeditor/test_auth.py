"""Every page and API endpoint needs a login, except the few that must not."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# The only paths an anonymous visitor may use. Share links (s/<token>...) are public by
# design: the token is the key (tests/exports/test_shares.py checks what it opens).
PUBLIC = {"login/", "logout/", "api/health", "api/auth/token", "s/x", "s/x/video", "s/x/download"}
# Signing in, signing up, the password reset by email and the invitation link are for
# visitors who are not signed in yet; /accounts/deleted/ is what a deleted account sees.
PUBLIC |= {
    f"accounts/{path}"
    for path in (
        "login/", "login/code/confirm/", "logout/", "signup/", "invite/x/", "deleted/", "inactive/",
        "confirm-email/", "password/reset/", "password/reset/done/", "password/reset/key/done/",
    )
}  # fmt: skip
SAMPLE_VALUES = {"int": "1", "id": "1", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x/y"}


def concrete_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the project with its converters filled with sample values."""
    paths = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if route.startswith("admin/") or route.startswith("^"):
            continue  # the admin has its own login, checked below
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "x"), route)
        if isinstance(entry, URLResolver):
            paths += concrete_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append(prefix + route)
    return paths


def test_the_route_walk_sees_the_api():
    paths = concrete_paths()

    assert {"s/x", "s/x/video", "s/x/download"} <= set(paths)  # the share links' routes, public

    assert "api/me" in paths
    assert "api/schema/" in paths
    assert "" in paths


@pytest.mark.parametrize("path", [p for p in concrete_paths() if p not in PUBLIC and p.startswith("api/")])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_the_api_refuses_anonymous_callers(api, path, method):
    response = getattr(api, method)(f"/{path}")

    assert response.status_code == 401, (path, method, response.status_code)


@pytest.mark.parametrize(
    "path", [p for p in concrete_paths() if p not in PUBLIC and not p.startswith("api/")]
)
def test_pages_send_anonymous_visitors_to_the_login_page(client, path):
    response = client.get(f"/{path}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_admin_sends_anonymous_visitors_to_its_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_old_login_address_keeps_the_query(client):
    response = client.get("/login/?next=/gallery/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/gallery/"


@pytest.mark.parametrize("login", ["alice", "alice@example.com", "ALICE@example.com"])
def test_a_user_logs_in_and_out_with_the_login_page(client, alice, login):
    assert client.get("/accounts/login/").status_code == 200

    response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200

    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_told_plainly(client, alice):
    response = client.post("/accounts/login/", {"login": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "The username and/or password you specified are not correct." in response.content.decode()


def test_api_clients_use_a_token(api, alice):
    response = api.post("/api/auth/token", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=alice).key == token

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/me")

    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_a_bad_token_is_refused(api, alice):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api.get("/api/me").status_code == 401


def test_the_session_works_for_the_api(client, alice):
    client.force_login(alice)

    assert client.get("/api/me").json()["username"] == "alice"


def test_the_home_page_lists_only_the_users_own_games(client, alice, bob):
    """The page is the shell; its lists come from the API the page reads."""
    from games.models import Game

    Game.objects.create(owner=alice, opponent_name="Rovers")
    Game.objects.create(owner=bob, opponent_name="Wanderers")
    client.force_login(alice)

    page = client.get("/").content.decode()
    assert 'data-page="home"' in page
    names = [g["display_name"] for g in client.get("/api/games").json()["results"]]
    assert names == ["Vs Rovers"]

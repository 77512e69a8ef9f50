"""The admin works for staff, and createsuperuser makes an account that can use it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from games.models import Game

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_an_admin(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long coach password")

    call_command("createsuperuser", interactive=False, username="coach", email="coach@example.com")

    coach = get_user_model().objects.get(username="coach")
    assert coach.is_superuser
    assert client.login(username="coach", password="a long coach password")
    assert client.get("/admin/").status_code == 200


def test_staff_see_games_in_the_admin(admin_client, alice):
    Game.objects.create(
        owner=alice, opponent_name="Rovers", tournament_name="Spring Cup", game_type="tournament"
    )

    page = admin_client.get("/admin/games/game/?q=Rovers")

    assert page.status_code == 200
    assert "Spring Cup: Vs Rovers" in page.content.decode()


def test_a_regular_user_is_not_let_into_the_admin(client, alice):
    client.force_login(alice)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

"""Asking for an account's deletion: the page (/accounts/delete/), DELETE /api/me and
the admin. Each confirms who asks, refuses with a sentence, and starts the same
background deletion (accounts.deletion.request_deletion)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import deletion
from accounts.models import AccountDeletion, DeletionStatus
from exports.models import FinalVideo, Project
from games.models import Game
from tests.conftest import PASSWORD

User = get_user_model()


@pytest.fixture
def alice_browser(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def admin_browser(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def pending_of(user) -> list[AccountDeletion]:
    return list(AccountDeletion.objects.filter(user_id=user.pk))


# --- the page ----------------------------------------------------------------------------


def test_the_page_needs_a_sign_in(client, db):
    response = client.get("/accounts/delete/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_says_what_will_be_deleted(alice, alice_browser):
    game = Game.objects.create(owner=alice, opponent_name="Rovers", video_size=1_200_000_000)
    project = Project.objects.create(owner=alice, name="Reel")
    FinalVideo.objects.create(
        project=project, version=1, file_key="k", size=34_000_000, duration=1, width=2, height=2, fps=25
    )
    assert game.pk

    response = alice_browser.get("/accounts/delete/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 game, 0 clips, 1 project, 1 video — 1.2 GB" in page
    assert "Delete my account" in page
    assert "alice@example.com" in page


@pytest.mark.parametrize(
    ("form", "sentence"),
    [
        ({"password": PASSWORD, "username": "alicia"}, "Type your username, alice, exactly, to confirm"),
        ({"password": PASSWORD}, "Type your username, alice, exactly, to confirm"),
        (
            {"password": "wrong", "username": "alice"},
            "That is not your password; your account was not deleted.",
        ),
        ({"username": "alice"}, "Type your password to confirm that you want your account deleted."),
        ({"password": "x" * 100_000, "username": "alice"}, "That is not your password"),
    ],
)
def test_a_wrong_confirmation_shows_the_page_again_with_a_sentence(alice, alice_browser, form, sentence):
    response = alice_browser.post("/accounts/delete/", form)

    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert pending_of(alice) == []
    alice.refresh_from_db()
    assert alice.is_active


def test_a_confirmed_deletion_signs_out_and_says_what_happens_next(alice, alice_browser):
    response = alice_browser.post("/accounts/delete/", {"password": PASSWORD, "username": "alice"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/deleted/"
    (started,) = pending_of(alice)
    assert started.status == DeletionStatus.PENDING
    assert started.requested_by == alice
    page = alice_browser.get("/accounts/deleted/")
    assert page.status_code == 200
    assert "Your account is being deleted. We'll email <strong>alice@example.com</strong>" in (
        page.content.decode()
    )
    assert alice_browser.get("/api/me").status_code in (401, 403)
    assert alice_browser.get("/accounts/delete/").status_code == 302  # signed out


def test_wrong_passwords_count_as_failed_sign_ins(alice, alice_browser, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        alice_browser.post("/accounts/delete/", {"password": "guess", "username": "alice"})

    response = alice_browser.post("/accounts/delete/", {"password": PASSWORD, "username": "alice"})

    assert response.status_code == 429
    assert "Try again in" in response.content.decode()
    assert pending_of(alice) == []


# --- DELETE /api/me ------------------------------------------------------------------------


def test_the_api_starts_the_deletion(alice, alice_api):
    response = alice_api.delete("/api/me", {"password": PASSWORD}, format="json")

    assert response.status_code == 202
    (started,) = pending_of(alice)
    assert response.json() == {"deletion": started.pk, "status": "pending"}


def test_the_api_refuses_a_second_deletion(alice, alice_api):
    # given a deletion under way (asked from another session, in a race with this one)
    deletion.request_deletion(alice, requested_by=alice)

    response = alice_api.delete("/api/me", {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "The account alice is already being deleted."}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"password": ""},
        {"password": None},
        {"password": 12345},
        {"password": ["correct horse battery staple"]},
        {"password": {"$ne": ""}},
        [PASSWORD],
        "password",
        {"password": "wrong"},
        {"password": "x" * 500_000},
        {"password": PASSWORD + " "},
    ],
    ids=["empty", "blank", "null", "number", "list", "object", "array", "string", "wrong", "huge", "space"],
)
def test_the_api_refuses_anything_but_the_password_with_a_sentence(alice, alice_api, body):
    response = alice_api.delete("/api/me", body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] in (
        "Type your password to confirm that you want your account deleted.",
        "That is not your password; your account was not deleted.",
    )
    assert pending_of(alice) == []


def test_the_api_refuses_a_body_that_is_not_json(alice, alice_api):
    response = alice_api.generic("DELETE", "/api/me", b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400
    assert pending_of(alice) == []


def test_the_api_needs_a_sign_in(api, db):
    assert api.delete("/api/me", {"password": PASSWORD}, format="json").status_code == 401


def test_the_schema_documents_the_deletion(alice_api):
    schema = alice_api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/me"]["delete"]
    assert set(operation["responses"]) >= {"202", "400", "409", "429"}
    # drf-spectacular leaves DELETE bodies out of the schema: the description names it.
    assert '{"password": "..."}' in operation["description"]


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_deletes_accounts_in_the_background_but_not_its_own_nor_a_superusers(
    alice, bob, admin_user, admin_browser
):
    other_root = User.objects.create_superuser("root2", "r2@example.com", PASSWORD)
    response = admin_browser.post(
        "/admin/auth/user/",
        {"action": "delete_accounts", "_selected_action": [alice.pk, admin_user.pk, other_root.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Deleting alice in the background" in page
    assert "You cannot delete your own account here" in page
    assert "The account root2 is a superuser" in page
    (started,) = AccountDeletion.objects.all()
    assert started.user_id == alice.pk
    assert started.requested_by == admin_user
    assert pending_of(bob) == []


def test_the_admin_lists_deletions_and_runs_a_failed_one_again(alice, admin_browser, monkeypatch):
    started = deletion.request_deletion(alice, requested_by=alice)
    AccountDeletion.objects.filter(pk=started.pk).update(status="failed", error="OSError: disk gone")
    queued = []
    monkeypatch.setattr(deletion, "enqueue", queued.append)

    listing = admin_browser.get("/admin/accounts/accountdeletion/")
    assert listing.status_code == 200
    assert "OSError: disk gone" in listing.content.decode()
    response = admin_browser.post(
        "/admin/accounts/accountdeletion/",
        {"action": "run_again", "_selected_action": [started.pk]},
        follow=True,
    )

    assert "Queued again: alice." in response.content.decode()
    assert AccountDeletion.objects.get(pk=started.pk).status == DeletionStatus.PENDING
    assert [d.pk for d in queued] == [started.pk]
    assert admin_browser.get(f"/admin/accounts/accountdeletion/{started.pk}/change/").status_code == 200


def test_the_admins_plain_delete_of_a_user_is_the_background_deletion(alice, admin_browser):
    listing = admin_browser.get("/admin/auth/user/").content.decode()
    assert 'value="delete_selected"' not in listing  # it would leave the files behind

    response = admin_browser.post(f"/admin/auth/user/{alice.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    (started,) = pending_of(alice)
    assert started.status == DeletionStatus.PENDING
    alice.refresh_from_db()
    assert not alice.is_active

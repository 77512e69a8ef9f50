"""Deleting an account in a real browser, at 1366x768 and 390x844: bob, with a game
video, clips, a final video and more in storage, goes from his account page to Delete
account, confirms with his password and username, sees the "being deleted" page; a
worker runs the deletion; nothing is left under his storage prefixes, alice's objects
stay, and bob can no longer sign in."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts import deletion
from accounts.models import AccountDeletion, DeletionStatus
from games.uploads import size_label
from tests.accounts.holdings import account_holdings, forget_stored, left_in_storage
from tests.browser.conftest import log_in, off_the_page_thread
from tests.browser.test_review_ui import VIEWPORTS, no_sideways_scroll
from tests.conftest import PASSWORD
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = "/tmp/shots_deletion"


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("deletion-browser-media")


@pytest.fixture(autouse=True)
def clean_storage():
    yield
    forget_stored()


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=True)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_delete_an_account_and_see_its_objects_gone_from_storage(browser, alice, bob, media, viewport):
    # given bob and alice, each with a game video, clips, a final video, a review... in storage
    bobs = account_holdings(bob, media)
    account_holdings(alice, media)
    alices = left_in_storage(alice.pk)
    assert len(left_in_storage(bob.pk)) >= len(bobs.keys)
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=viewport == "390")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with web_process() as url:
            log_in(page, url, "bob", PASSWORD)

            # when bob goes from his account page to Delete account
            page.goto(f"{url}/accounts/")
            page.get_by_role("link", name="Delete account").click()
            page.wait_for_url(f"{url}/accounts/delete/")
            size = size_label(deletion.holdings(bob.pk)["bytes"])  # as the rows measure the videos
            expect(page.locator("#delete-holds")).to_have_text(
                f"1 game, 2 clips, 1 project, 2 videos — {size}"
            )
            no_sideways_scroll(page)
            shot(page, "delete")
            assert page.locator(".toast.error").count() == 0  # the shell started (no page module wanted)

            # a wrong username is refused with a sentence, and nothing happens
            page.fill("#id_password", PASSWORD)
            page.fill("#id_username", "rob")
            page.click("#delete-account")
            expect(page.locator("#delete-error")).to_have_text(
                "Type your username, bob, exactly, to confirm the deletion."
            )
            assert not AccountDeletion.objects.exists()
            shot(page, "delete-refused")

            # and confirms with his password and username
            page.fill("#id_password", PASSWORD)
            page.fill("#id_username", "bob")
            page.click("#delete-account")
            page.wait_for_url(f"{url}/accounts/deleted/")
            expect(page.locator("#deleted-message")).to_have_text(
                "Your account is being deleted. We'll email bob@example.com when it's done."
            )
            no_sideways_scroll(page)
            shot(page, "deleted")

            # then a worker runs the deletion
            (started,) = AccountDeletion.objects.all()
            assert started.status == DeletionStatus.PENDING
            removed = off_the_page_thread(deletion.run_deletion, started.pk)
            assert removed["objects"] == len(bobs.keys)

            # and nothing of bob's is left in storage; alice's objects are all there
            assert left_in_storage(bob.pk) == []
            assert left_in_storage(alice.pk) == alices
            assert not get_user_model().objects.filter(username="bob").exists()

            # and bob can no longer sign in
            page.goto(f"{url}/accounts/login/")
            page.fill("#id_login", "bob")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".error, .errorlist").first).to_be_visible()
            assert page.url.startswith(f"{url}/accounts/login/")
    finally:
        context.close()
    assert errors == []

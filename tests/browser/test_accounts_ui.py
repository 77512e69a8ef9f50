"""Account flows in a real browser at 1366x768 and 390x844, against a real web process
with the default console email backend (the emails are read from its log, as a person
running it would): sign up by invitation; reset a password through the emailed link;
and every account page, looked at signed out and signed in, fits the screen."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from accounts import invitations
from accounts.models import Invitation
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.servers import web_server

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"1366": (1366, 768), "390": (390, 844)}
SHOTS = os.environ.get("SCREENSHOT_DIR") or "/tmp/shots_accounts"
NEW_PASSWORD = "a fresh password for 2026"


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/accounts-{name}-{page.viewport_size['width']}.png", full_page=True)


def no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def emailed_link(log_path: str, pattern: str, after: int = 0, timeout: float = 10) -> str:
    """The first link matching `pattern` that the console email backend printed to the
    web process's log after byte `after`."""
    deadline = time.monotonic() + timeout
    while True:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            log.seek(after)
            found = re.search(pattern, log.read())
        if found:
            return found.group(0)
        assert time.monotonic() < deadline, f"no email with {pattern} in {log_path}"
        time.sleep(0.1)


def context(browser, viewport: str):
    width, height = VIEWPORTS[viewport]
    made = browser.new_context(viewport={"width": width, "height": height}, has_touch=viewport == "390")
    page = made.new_page()
    page.set_default_timeout(15_000)
    return made, page


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_up_by_invitation(browser, alice, viewport):
    inviter, page = context(browser, viewport)
    newcomer, fresh = context(browser, viewport)
    try:
        with web_server() as server:
            url = server.url
            # given: alice invites bob from her invitations page
            log_in(page, url, "alice", PASSWORD)
            page.goto(f"{url}/accounts/invitations/")
            page.fill("#id_email", "bob@example.com")
            page.get_by_role("button", name="Send invitation").click()
            expect(page.locator(".messages")).to_contain_text("Invitation sent to bob@example.com.")
            row = page.locator("#invitation-list tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_have_attribute("data-state", "pending")
            no_sideways_scroll(page)
            shot(page, "invitations")

            # when: bob opens the emailed link in his own browser and signs up
            link = emailed_link(server.log_path, rf"{re.escape(url)}/accounts/invite/[A-Za-z0-9_-]+/")
            fresh.goto(link)
            assert fresh.url == f"{url}/accounts/signup/"
            email = fresh.locator("#id_email")
            expect(email).to_have_value("bob@example.com")
            expect(email).to_have_attribute("readonly", "")
            expect(fresh.locator("main")).to_contain_text("alice invited you to Highlights.")
            no_sideways_scroll(fresh)
            shot(fresh, "signup-invited")
            fresh.fill("#id_username", "bob")
            fresh.fill("#id_password1", NEW_PASSWORD)
            fresh.fill("#id_password2", NEW_PASSWORD)
            fresh.get_by_role("button", name="Make my account").click()

            # then: he lands signed in on the home page
            fresh.wait_for_url(f"{url}/")
            expect(fresh.locator("#account-link")).to_have_text("bob")
            bob = get_user_model().objects.get(username="bob")
            assert bob.emailaddress_set.get().verified

            # and alice's list says the invitation was accepted
            page.reload()
            expect(row).to_have_attribute("data-state", "accepted")
            expect(row).to_contain_text("accepted")
            expect(row).to_contain_text("as bob")

            # the link cannot be used twice
            newcomer.clear_cookies()
            again = newcomer.new_page()
            assert again.goto(link).status == 410
            expect(again.locator("#invitation-problem")).to_have_text("This invitation was already used.")
    finally:
        inviter.close()
        newcomer.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reset_a_password_through_the_console_email(browser, alice, viewport):
    made, page = context(browser, viewport)
    try:
        with web_server() as server:
            url = server.url
            # given: a reset asked for alice's address
            page.goto(f"{url}/accounts/login/")
            page.get_by_role("link", name="Forgot your password?").click()
            page.wait_for_url(f"{url}/accounts/password/reset/")
            no_sideways_scroll(page)
            shot(page, "password-reset")
            page.fill("#id_email", "alice@example.com")
            page.get_by_role("button", name="Reset My Password").click()
            page.wait_for_url(f"{url}/accounts/password/reset/done/")
            expect(page.locator("main")).to_contain_text("We have sent you an email")
            shot(page, "password-reset-done")

            # when: she opens the link from the email and sets a new password
            link = emailed_link(server.log_path, rf"{re.escape(url)}/accounts/password/reset/key/\S+/")
            page.goto(link)
            expect(page.locator("#id_password1")).to_be_visible()
            no_sideways_scroll(page)
            shot(page, "password-reset-key")
            page.fill("#id_password1", NEW_PASSWORD)
            page.fill("#id_password2", NEW_PASSWORD)
            page.get_by_role("button", name="Change Password").click()
            page.wait_for_url(re.compile(rf"{re.escape(url)}/(accounts/password/reset/key/done/)?$"))

            # then: the new password signs in, the old one no longer does
            made.clear_cookies()
            log_in(page, url, "alice@example.com", NEW_PASSWORD)
            made.clear_cookies()
            page.goto(f"{url}/accounts/login/")
            page.fill("#id_login", "alice")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_contain_text("are not correct")
            assert page.url.startswith(f"{url}/accounts/login/")
    finally:
        made.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_account_page_fits_the_screen(browser, alice, bob, viewport):
    """Signed out and signed in, each page: no sideways scroll, the card and its buttons
    inside the screen; the screenshots are for a person to look at."""
    key = "k" * 43
    Invitation.objects.create(
        email="carol@example.com", key_hash=invitations.hash_key(key), invited_by=alice,
        expires_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    Invitation.objects.create(
        email="dave.with.a.rather.long.address@example-football-club.org", key_hash="0" * 64,
        invited_by=alice, expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    Invitation.objects.create(
        email="bob@example.com", key_hash="1" * 64, invited_by=alice, accepted_by=bob,
        accepted_at=timezone.now(), expires_at=timezone.now() + timedelta(days=6),
    )  # fmt: skip
    anonymous = [
        "login/", "signup/", "password/reset/", "password/reset/done/", "password/reset/key/done/",
        "confirm-email/", "confirm-email/not-a-key/", f"invite/{'x' * 43}/",
    ]  # fmt: skip
    signed_in = ["", "invitations/", "email/", "password/change/", "sessions/", "logout/"]
    made, page = context(browser, viewport)
    try:
        with web_server() as server:
            url = server.url
            for path in anonymous:
                page.goto(f"{url}/accounts/{path}")
                check(page, path.strip("/") or "account")
            page.goto(f"{url}/accounts/invite/{key}/")
            check(page, "signup-by-invitation")
            log_in(page, url, "alice", PASSWORD)
            # the header's account link (an icon on a phone) opens the account page
            page.locator("#account-link").click()
            page.wait_for_url(f"{url}/accounts/")
            header = page.locator(".site-header").bounding_box()
            assert header["height"] < 100, header  # one line, and the breadcrumb's
            for path in signed_in:
                page.goto(f"{url}/accounts/{path}")
                check(page, path.strip("/") or "account")
            page.goto(f"{url}/accounts/invite/{key}/")
            check(page, "invite-signed-in")
    finally:
        made.close()


def check(page, name: str) -> None:
    expect(page.locator("main h1")).to_be_visible()
    no_sideways_scroll(page)
    card = page.locator("main#page").bounding_box()
    assert card["x"] >= 0, (name, card)
    assert card["x"] + card["width"] <= page.viewport_size["width"], (name, card)
    for button in page.locator("main button").all():
        box = button.bounding_box()
        if box:
            assert box["x"] + box["width"] <= page.viewport_size["width"], (name, box)
    shot(page, name.replace("/", "-")[:40])

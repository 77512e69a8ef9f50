"""A share link in a real browser, never signed in, at 1366x768 and 390x844: the page
plays the video, its chapter buttons seek, Download saves the file under the review's
name, nothing scrolls sideways; once revoked, the same address says so (410)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from exports import shares
from exports.models import ReviewVideo
from tests.browser.conftest import LAPTOP, PHONE
from tests.exports.conftest import make_game
from tests.exports.exporting import store_file
from tests.media import make_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/tmp/shots"
CHAPTERS = [
    {"title": "!!  Brilliant Goal", "start": 0.0, "end": 1.5},
    {"title": "!  Good Pass", "start": 1.5, "end": 3.0},
]


@pytest.fixture
def shared(alice, tmp_path):
    """A link to a 3-second game review of Alice's, with two chapters."""
    path = make_video(tmp_path, seconds=3, size="320x180")
    game = make_game(alice, opponent="Rovers")
    review = ReviewVideo.objects.create(
        owner=alice, kind="game_review", game=game, title="Game review — Vs Rovers", version=1,
        file_key=store_file(path, f"reviews/{alice.pk}/{game.pk}/v1.mp4"), size=path.stat().st_size,
        duration=3.0, width=320, height=180, fps=25.0, chapters=CHAPTERS, summary={"clips": 2},
    )  # fmt: skip
    return {"link": shares.create_link(alice, review), "file": path}


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )


def current_time(page) -> float:
    return page.evaluate("document.getElementById('shared-player').currentTime")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_a_shared_review_plays_seeks_and_downloads_without_signing_in(browser, shared, viewport):
    width, height = viewport
    os.makedirs(SHOTS, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=viewport == PHONE, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    address = shares.page_path(shared["link"])
    with web_process() as url:
        # the page: the title, the duration, the player; no sign-in asked, no app shell
        opened = page.goto(f"{url}{address}")
        assert opened.status == 200
        assert opened.headers["x-robots-tag"] == "noindex"
        expect(page.locator("h1")).to_have_text("Game review — Vs Rovers")
        expect(page.locator("#shared-duration")).to_have_text("0:03")
        expect(page.locator(".site-header")).to_have_count(0)
        page.wait_for_function("document.getElementById('shared-player').readyState >= 1")
        assert page.evaluate("document.getElementById('shared-player').duration") == pytest.approx(3, abs=0.1)

        # the video plays (muted: a browser starts sound only on a person's gesture)
        page.evaluate(
            "() => { const v = document.getElementById('shared-player'); v.muted = true; v.play(); }"
        )
        page.wait_for_function("document.getElementById('shared-player').currentTime > 0.3")
        page.evaluate("document.getElementById('shared-player').pause()")
        no_sideways_scroll(page)
        page.screenshot(path=f"{SHOTS}/share-{width}.png", full_page=True)

        # the chapters seek, and the one playing is marked
        chapters = page.locator(".shared-chapters .chapter")
        expect(chapters).to_have_count(2)
        expect(chapters.nth(1)).to_contain_text("Good Pass")
        expect(chapters.nth(1)).to_contain_text("0:01")
        chapters.nth(1).click()
        page.wait_for_function("document.getElementById('shared-player').currentTime >= 1.5")
        expect(chapters.nth(1)).to_have_attribute("aria-current", "true")
        expect(chapters.nth(0)).to_have_attribute("aria-current", "false")
        chapters.nth(0).click()
        page.wait_for_function("document.getElementById('shared-player').currentTime < 1.5")
        expect(chapters.nth(0)).to_have_attribute("aria-current", "true")
        page.evaluate("document.getElementById('shared-player').pause()")

        # Download saves the whole file under the review's name
        with page.expect_download() as info:
            page.get_by_role("link", name="Download").click()
        download = info.value
        assert download.suggested_filename == "Game review Vs Rovers v1.mp4"
        assert os.path.getsize(download.path()) == shared["file"].stat().st_size
        with open(download.path(), "rb") as saved:
            assert saved.read() == shared["file"].read_bytes()

        # one view per page load
        shared["link"].refresh_from_db()
        assert shared["link"].views == 1

        # revoked: the same address says so at once
        shares.revoke(shared["link"])
        gone = page.goto(f"{url}{address}")
        assert gone.status == 410
        expect(page.locator("#share-message")).to_have_text(
            "This link was turned off by the person who shared it."
        )
        expect(page.locator("video")).to_have_count(0)
        no_sideways_scroll(page)
        page.screenshot(path=f"{SHOTS}/share-gone-{width}.png", full_page=True)
    context.close()

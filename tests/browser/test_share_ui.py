"""Share links from the gallery in a real browser at 1366x768 and 390x844: make a link
for a review (with an expiry), copy it, see it listed with no views; open it in a
fresh browser without a login and watch the video play; the view is counted; revoke
it and the link answers 410 with a sentence. A final video's card shares the same way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import ReviewKind, ReviewVideo, ShareLink
from tests.browser.conftest import log_in
from tests.browser.test_review_ui import (
    VIEWPORTS,
    exported_final,
    inside_the_viewport,
    mounted,
    no_sideways_scroll,
    shot,
    stored,
)
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("share-media")


@pytest.fixture
def videos(alice, media_dir):
    project = ready_project(alice, media_dir, [1.5], name="Rovers reel")
    final = exported_final(project, media_dir)
    key, size = stored(media_dir, alice.pk, "review")
    review = ReviewVideo.objects.create(
        owner=alice, kind=ReviewKind.GAME_REVIEW, game=project.project_clips.get().clip.game,
        title="Game review — Rovers", version=1, file_key=key, size=size, duration=3.0, width=320, height=180,
        fps=25.0, summary={"clips": 1, "by_rating": {"4": 1}, "filters": {"min_rating": 1, "tags": []}},
    )  # fmt: skip
    return {"final": final, "review": review}


def open_share(page, card):
    card.locator(".gallery-share").click()
    dialog = page.locator("dialog.share-dialog")
    expect(dialog).to_be_visible()
    return dialog


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_share_link_is_made_copied_watched_without_login_counted_and_revoked(
    browser, alice, videos, viewport
):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=viewport == "390")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    stranger = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    review = videos["review"]
    try:
        with web_process() as url:
            log_in(page, url, "alice", PASSWORD)
            page.goto(f"{url}/gallery/")
            mounted(page, "gallery")
            card = page.locator(f".gallery-review[data-review-id='{review.pk}']")

            # when: a link that lasts 7 days is made
            dialog = open_share(page, card)
            expect(dialog.locator("h2")).to_contain_text("Game review — Rovers v1")
            expect(dialog.locator("#share-links")).to_contain_text("No links yet.")
            page.select_option("#share-expiry", "7")
            page.click("#share-make")
            expect(page.locator("#share-url")).to_have_value(
                re.compile(rf"^{re.escape(url)}/s/[\w-]{{40,}}$")
            )
            link_url = page.locator("#share-url").input_value()
            link = ShareLink.objects.get(review_video=review)
            assert link.expires_at - link.created_at == pytest.approx(
                timedelta(days=7), abs=timedelta(seconds=5)
            )

            # then: it is copied, and listed as active with no views
            page.click("#share-copy")
            expect(page.locator(".share-copied")).to_have_text("Copied to the clipboard.")
            assert page.evaluate("navigator.clipboard.readText()") == link_url
            row = dialog.locator(f".share-link[data-link-id='{link.pk}']")
            expect(row.locator(".share-state")).to_have_text("Active")
            expect(row.locator(".share-facts")).to_contain_text("0 views")
            expires = timezone.localtime(link.expires_at)
            expect(row.locator(".share-facts")).to_contain_text(f"expires {expires.day} {expires:%b %Y}")
            inside_the_viewport(page, "dialog.share-dialog")
            no_sideways_scroll(page)
            shot(page, "share-dialog")

            # the link plays in a browser that never logged in
            public = stranger.new_page()
            public.set_default_timeout(20_000)
            answer = public.goto(link_url)
            assert answer.status == 200
            expect(public.locator("h1")).to_have_text("Game review — Rovers")
            duration = public.wait_for_function(
                "(() => { const v = document.getElementById('shared-player');"
                " return v && v.readyState >= 1 && v.duration; })()"
            ).json_value()
            assert duration == pytest.approx(3.0, abs=0.2)
            public.evaluate("document.getElementById('shared-player').muted = true")
            public.evaluate("document.getElementById('shared-player').play()")
            public.wait_for_function("document.getElementById('shared-player').currentTime > 0.3")
            assert public.locator("a[href*='/gallery'], a[href*='/games/']").count() == 0
            shot(public, "share-public")

            # the view counts: the gallery, reloaded, says so
            page.keyboard.press("Escape")
            expect(dialog).to_have_count(0)
            page.reload()
            mounted(page, "gallery")
            dialog = open_share(page, card)
            row = dialog.locator(f".share-link[data-link-id='{link.pk}']")
            expect(row.locator(".share-facts")).to_contain_text("1 view ")

            # when: revoked (asked once more), the state says so and the link is gone at once
            row.locator(".share-revoke").click()
            expect(row.locator(".share-revoke")).to_have_text("Really revoke?")
            assert ShareLink.objects.get(pk=link.pk).revoked_at is None
            row.locator(".share-revoke").click()
            row = dialog.locator(f".share-link[data-link-id='{link.pk}']")
            expect(row.locator(".share-state")).to_have_text("Revoked")
            expect(row.locator(".share-revoke")).to_have_count(0)
            assert ShareLink.objects.get(pk=link.pk).revoked_at is not None
            shot(page, "share-revoked")
            answer = public.goto(link_url)
            assert answer.status == 410
            expect(public.locator("#share-message")).to_have_text(
                "This link was turned off by the person who shared it."
            )
            assert public.locator("video").count() == 0
            shot(public, "share-gone")

            # a final video shares the same way, with a link that never expires
            page.keyboard.press("Escape")
            final_card = page.locator(f".gallery-item[data-video-id='{videos['final'].pk}']")
            dialog = open_share(page, final_card)
            page.click("#share-make")
            expect(page.locator("#share-url")).to_have_value(re.compile(r"/s/"))
            final_link = ShareLink.objects.get(final_video=videos["final"])
            assert final_link.expires_at is None
            expect(dialog.locator(".share-link .share-facts")).to_contain_text("never expires")
            answer = public.goto(page.locator("#share-url").input_value())
            assert answer.status == 200
            expect(public.locator("h1")).to_contain_text("Rovers reel")
    finally:
        stranger.close()
        context.close()
    assert errors == [], errors

"""The gallery in a real browser at 1366x768 and 390x844: one card per project with
its latest version and a poster a worker made, older versions one click away,
filters that narrow it, a download saved under the project's name (from our server
or, in real mode, from the bucket), and no sideways scroll on a phone."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import FinalVideo, Project
from exports.projects import record_final_video
from games.models import Clip
from games.objects import object_store
from games.tags import RATING_ADJECTIVES
from tests.browser.conftest import log_in, screenshots
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project, store_file
from tests.media import make_video
from tests.servers import web_process, worker_process

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}


def mounted(page) -> None:
    page.wait_for_function(
        "document.getElementById('page')?.dataset.page === 'gallery' && "
        "document.getElementById('page').dataset.mounted === 'true'"
    )


def final(project: Project, path, days_ago: int, width: int = 180, height: int = 320) -> FinalVideo:
    key = store_file(path, f"exports/{project.owner_id}/{project.pk}/{path.stem}-{time.monotonic_ns()}.mp4")
    video = record_final_video(
        project, file_key=key, size=path.stat().st_size, duration=2.0, width=width, height=height, fps=25.0
    )
    FinalVideo.objects.filter(pk=video.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return video


@pytest.fixture
def gallery(alice, tmp_path):
    """ "Rovers reel" (clips rated 4 and 3) in three versions; "Brilliant Goal", one
    16:9 clip rated 5, in one version made ten days ago."""
    portrait = make_video(tmp_path, seconds=2.0, size="180x320")
    reel = ready_project(alice, tmp_path, [2.0, 2.0], name="Rovers reel")
    clips = list(Clip.objects.filter(project_clips__project=reel).order_by("project_clips__position"))
    Clip.objects.filter(pk=clips[0].pk).update(rating=4)
    Clip.objects.filter(pk=clips[1].pk).update(rating=3)
    versions = [final(reel, portrait, days_ago=3 - n) for n in (1, 2, 3)]
    single = ready_project(alice, tmp_path, [2.0], aspect="16:9", name="Brilliant Goal")
    Clip.objects.filter(project_clips__project=single).update(rating=5)
    old = final(single, make_video(tmp_path, seconds=2.0, size="320x180"), days_ago=10, width=320, height=180)
    return {"reel": reel, "versions": versions, "single": single, "old": old, "file": portrait}


def cards(page):
    return page.locator(".gallery-item")


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_gallery_shows_latest_versions_filters_and_downloads_under_the_projects_name(
    browser, alice, gallery, viewport
):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    latest, single = gallery["versions"][-1], gallery["old"]
    # a worker makes the posters of new final videos (as after an overlay export)
    with worker_process(), web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        poster = None
        deadline = time.monotonic() + 60
        while poster is None and time.monotonic() < deadline:
            found = page.request.get(f"{url}/api/downloads?latest=1").json()["results"]
            poster = next((v["poster_url"] for v in found if v["id"] == latest.pk and v["poster_url"]), None)
            time.sleep(0.5)
        assert poster, "the worker made no poster for the latest version"

        # one card per project, its latest version first, with the poster and the ratings in words
        page.goto(f"{url}/gallery/")
        mounted(page)
        expect(cards(page)).to_have_count(2)
        reel = page.locator(f'.gallery-item[data-video-id="{latest.pk}"]')
        expect(reel).to_contain_text("Rovers reel")
        expect(reel).to_contain_text("v3")
        expect(reel).to_contain_text(f"1 {RATING_ADJECTIVES[4]}")
        expect(reel).to_contain_text(f"1 {RATING_ADJECTIVES[3]}")
        expect(reel.locator("video")).to_have_attribute("poster", poster)
        assert page.request.get(f"{url}{poster}").headers["content-type"] == "image/jpeg"
        expect(page.locator(f'.gallery-item[data-video-id="{single.pk}"]')).to_contain_text(
            f"1 {RATING_ADJECTIVES[5]}"
        )
        expect(page.locator("#gallery-summary")).to_have_text("2 projects")
        no_sideways_scroll(page)
        screenshots(page, f"gallery-{viewport}", sizes=[(width, height)])

        # the older versions, one click away
        reel.locator("summary").click()
        older = reel.locator(".gallery-version")
        expect(older).to_have_count(2)
        expect(older.nth(0)).to_contain_text("v2")
        expect(older.nth(1)).to_contain_text("v1")
        no_sideways_scroll(page)
        screenshots(page, f"gallery-older-{viewport}", sizes=[(width, height)])

        # filters narrow it: a name, a shape, a type, a rating, dates (the address keeps them);
        # on a phone they are folded away under "Filters" until opened
        panel = page.locator("#gallery-filter-panel")
        if viewport == "phone":
            expect(page.locator("input[name=q]")).to_be_hidden()
            panel.locator("summary").click()
        expect(page.locator("input[name=q]")).to_be_visible()
        page.fill("input[name=q]", "goal")
        expect(cards(page)).to_have_count(1)
        expect(cards(page)).to_contain_text("Brilliant Goal")
        page.wait_for_function("location.search === '?q=goal'")
        expect(panel.locator("summary")).to_have_text("Filters (1)")
        page.fill("input[name=q]", "")
        expect(cards(page)).to_have_count(2)
        for name, value, only in (("aspect", "16:9", "Brilliant Goal"), ("type", "reel", "Rovers reel"),
                                  ("min_rating", "5", "Brilliant Goal")):  # fmt: skip
            page.select_option(f"select[name={name}]", value)
            expect(cards(page)).to_have_count(1)
            expect(cards(page)).to_contain_text(only)
            page.select_option(f"select[name={name}]", "")
        page.fill("input[name=until]", (timezone.localdate() - timedelta(days=5)).isoformat())
        expect(cards(page)).to_have_count(1)
        expect(cards(page)).to_contain_text("Brilliant Goal")
        page.fill("input[name=since]", (timezone.localdate() - timedelta(days=4)).isoformat())
        expect(page.locator(".gallery-grid [role=alert]")).to_have_text(
            "The end date is before the start date."
        )
        page.fill("input[name=since]", (timezone.localdate() - timedelta(days=12)).isoformat())
        expect(cards(page)).to_have_count(1)
        page.fill("input[name=q]", "no such project")
        expect(page.locator(".gallery-grid .empty")).to_have_text("No finished videos match these filters.")
        no_sideways_scroll(page)
        screenshots(page, f"gallery-filtered-{viewport}", sizes=[(width, height)])
        page.click(".gallery-clear")
        expect(cards(page)).to_have_count(2)

        # the download saves the file under "<project> v3.mp4", whichever storage holds it
        with page.expect_download() as info:
            reel.get_by_role("link", name="Download").click()
        download = info.value
        assert download.suggested_filename == "Rovers reel v3.mp4"
        with open(download.path(), "rb") as saved:
            assert saved.read() == gallery["file"].read_bytes()
        # an older version too (the filters redrew the cards: open its versions again)
        reel.locator("summary").click()
        expect(older).to_have_count(2)
        with page.expect_download() as info:
            older.nth(1).get_by_role("link", name="Download").click()
        assert info.value.suggested_filename == "Rovers reel v1.mp4"

        # and deleting a version takes two clicks
        delete = older.nth(1).get_by_role("button", name="Delete")
        delete.click()
        expect(delete).to_have_text("Really delete?")
        delete.click()
        expect(page.locator(f'.gallery-item[data-video-id="{latest.pk}"] summary')).to_have_text(
            "1 older version"
        )
        assert not FinalVideo.objects.filter(pk=gallery["versions"][0].pk).exists()
        assert object_store().size(gallery["versions"][0].file_key) is None or object_store().direct
    context.close()

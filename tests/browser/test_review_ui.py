"""Game reviews and before / after in a real browser at 1366x768 and 390x844: the
annotate page's "Game review" dialog (its live count by the server's rule, the
filters it sends, the server's refusal said in it, Esc and a focus that stays
inside), and the gallery's Reviews section (cards with rating chips, chapters
that seek, delete, a live reload when a review is done) and the final video's
"Before / after" action. Review videos are stored rows with tiny files: the
page is under test here, not the render (tests/browser/test_journey.py renders)."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports import jobs
from exports.models import ExportJob, FinalVideo, JobType, Project, ReviewKind, ReviewVideo
from exports.projects import record_final_video, record_working_video
from games.models import Clip, Game
from notifications.models import NotificationType
from notifications.service import notify
from tests.browser.conftest import log_in, off_the_page_thread
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project, store_file
from tests.games.uploading import read, upload_single
from tests.media import make_video
from tests.servers import web_process
from videoeditor.vocabulary import vocabulary

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/tmp/shots"
VIEWPORTS = {"1366": (1366, 768), "390": (390, 844)}


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/ui-{name}-{page.viewport_size['width']}.png", full_page=False)


def colour(value: int) -> str:
    hex_colour = next(r["colour"] for r in vocabulary()["ratings"] if r["value"] == value).lstrip("#")
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def word(value: int) -> str:
    return next(r["word"] for r in vocabulary()["ratings"] if r["value"] == value)


def mounted(page, name: str) -> None:
    page.wait_for_function(
        "name => document.getElementById('page')?.dataset.page === name"
        " && document.getElementById('page').dataset.mounted === 'true'",
        arg=name,
    )


def no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def inside_the_viewport(page, selector: str) -> None:
    """The dialog (or anything) fits the screen: nothing off an edge."""
    box = page.locator(selector).bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert box, selector
    assert min(box["x"], box["y"]) >= 0, box
    assert box["x"] + box["width"] <= width, (box, width)
    assert box["y"] + box["height"] <= height, (box, height)


def wait_for(page, condition, timeout: float = 20, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        page.wait_for_timeout(150)


@pytest.fixture
def context(browser, request):
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=request.param == "390"
    )
    yield context
    context.close()


def opened(context, url: str):
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, url, "alice", PASSWORD)
    return page, errors


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("review-media")


@pytest.fixture
def annotated_game(alice, alice_api, media_dir):
    """A 20 s game with five clips: ratings 5 (Goal, 15 s), 4 (Dribble and Pass, 10 s),
    3 (Pass, 8 s), 2 (Tackle, 6 s) and 1 (no tag, 4 s)."""
    game = Game.objects.create(owner=alice, opponent_name="Rovers", game_type="away")
    response = upload_single(alice_api, game, read(make_video(media_dir, seconds=20)))
    assert response.status_code == 200, response.content
    game.refresh_from_db()
    specs = [
        (15, 5, ["Goal"]),
        (10, 4, ["Dribble", "Pass"]),
        (8, 3, ["Pass"]),
        (6, 2, ["Tackle"]),
        (4, 1, []),
    ]
    for start, (length, rating, tags) in enumerate(specs):
        Clip.objects.create(game=game, start_time=start, end_time=start + length, rating=rating, tags=tags)
    return game


@pytest.mark.parametrize("context", VIEWPORTS, indirect=True)
def test_the_review_dialog_counts_the_chosen_clips_and_makes_a_review_job(context, alice, annotated_game):
    game = annotated_game
    with web_process() as url:
        page, errors = opened(context, url)
        page.goto(f"{url}/games/{game.pk}/")
        mounted(page, "annotate")
        expect(page.locator("#clip-list .clip-item")).to_have_count(5)

        # when: the dialog opens, every clip counts
        page.click("#review-open")
        dialog = page.locator("dialog.review-maker")
        expect(dialog).to_be_visible()
        expect(page.locator("#review-count")).to_have_text("5 clips, 43 s")
        # the rating choices wear the rating colours and symbols of the vocabulary
        four = page.locator(".review-rating:has(input[value='4'])")
        expect(four).to_contain_text("4+")
        expect(four.locator(".rating-symbol")).to_have_text(
            next(r["symbol"] for r in vocabulary()["ratings"] if r["value"] == 4)
        )
        assert four.locator(".swatch").evaluate("n => getComputedStyle(n).backgroundColor") == colour(4)
        # only the tags this game's clips use, in the vocabulary's order
        tags = page.locator(".review-tags .chip")
        expect(tags).to_have_text(["Goal", "Dribble", "Pass", "Tackle"])
        inside_the_viewport(page, "dialog.review-maker")
        no_sideways_scroll(page)
        shot(page, "annotate-review")

        # then: the count follows the filters (rating at least, any of the tags)
        page.click(".review-rating:has(input[value='3'])")
        expect(page.locator("#review-count")).to_have_text("3 clips, 33 s")
        expect(page.locator("#review-rating-hint")).to_contain_text(f"{word(3)}")
        page.click(".review-tags .chip[data-tag='Pass']")
        expect(page.locator("#review-count")).to_have_text("2 clips, 18 s")
        page.click(".review-tags .chip[data-tag='Goal']")
        expect(page.locator("#review-count")).to_have_text("3 clips, 33 s")
        page.click(".review-rating:has(input[value='5'])")
        page.click(".review-tags .chip[data-tag='Goal']")  # off again: Pass only, rated 5
        expect(page.locator("#review-count")).to_have_text("No clips match")
        expect(page.locator("#review-make")).to_be_disabled()
        page.click(".review-rating:has(input[value='4'])")
        expect(page.locator("#review-count")).to_have_text("1 clip, 10 s")
        shot(page, "annotate-review-filtered")

        # Tab stays inside the dialog; Esc closes it and gives the focus back
        for _ in range(14):
            page.keyboard.press("Tab")
            assert page.evaluate("!!document.activeElement.closest('dialog.review-maker')")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        assert page.evaluate("document.activeElement.id") == "review-open"
        assert Clip.objects.filter(game=game).count() == 5  # no key reached the page's shortcuts

        # when: made with 3+ and Pass or Goal
        page.click("#review-open")
        page.click(".review-rating:has(input[value='3'])")
        for tag in ("Pass", "Goal"):
            chip = page.locator(f".review-tags .chip[data-tag='{tag}']")
            if chip.get_attribute("aria-pressed") != "true":
                chip.click()
        page.click(".review-tags .chip[data-tag='Dribble']")
        page.click(".review-tags .chip[data-tag='Dribble']")
        expect(page.locator("#review-count")).to_have_text("3 clips, 33 s")
        page.click("#review-make")
        expect(dialog).to_be_hidden()

        # then: a game review job with those filters, its clips in game order, in the status bar
        job = ExportJob.objects.get(game=game, type=JobType.GAME_REVIEW)
        assert job.project_id is None
        assert job.config["filters"] == {"min_rating": 3, "tags": ["Goal", "Pass"]}
        assert [c["rating"] for c in job.config["clips"]] == [5, 4, 3]
        row = page.locator(f".progress-row[data-task='{job.pk}']")
        expect(row).to_be_visible()
        assert f"Game review — {game.display_name}" in row.get_attribute("title")

        # when: made again while that one is queued, the server's sentence shows in the dialog
        page.click("#review-open")
        page.click("#review-make")
        expect(page.locator(".review-error")).to_have_text(
            "A review of this game is already being made; wait for it or cancel it."
        )
        expect(dialog).to_be_visible()
        assert ExportJob.objects.filter(game=game, type=JobType.GAME_REVIEW).count() == 1
        inside_the_viewport(page, "dialog.review-maker")
        shot(page, "annotate-review-refused")
        page.click("dialog.review-maker button:has-text('Cancel')")
        expect(dialog).to_be_hidden()
    assert errors == [], errors


# --- the gallery ---------------------------------------------------------------------------


def stored(
    media_dir, owner_id: int, name: str, seconds: float = 3.0, size: str = "320x180"
) -> tuple[str, int]:
    path = make_video(media_dir, seconds=seconds, size=size)
    key = store_file(path, f"reviews/{owner_id}/{name}-{time.monotonic_ns()}.mp4")
    return key, path.stat().st_size


def exported_final(project: Project, media_dir) -> FinalVideo:
    """A final video with the trail a real export leaves: the framing job's snapshot
    of its working video, and the overlay job that made it (before / after reads both)."""
    kind = JobType.MULTI_CLIP if project.project_clips.count() > 1 else JobType.FRAMING
    config = jobs.framing_config(project, kind)
    key, size = stored(media_dir, project.owner_id, "working", size="180x320")
    video = {"file_key": key, "size": size, "duration": 3.0, "width": 180, "height": 320, "fps": 25.0}
    working = record_working_video(project, framing=config, **video)
    ExportJob.objects.create(
        owner=project.owner,
        project=project,
        type=kind,
        status="complete",
        working_video=working,
        config=config,
    )
    final = record_final_video(project, **video)
    chapters = [
        {"title": "First clip", "start": 0.0, "end": 1.5},
        {"title": "Second clip", "start": 1.5, "end": 3.0},
    ]
    FinalVideo.objects.filter(pk=final.pk).update(chapters=chapters)
    ExportJob.objects.create(
        owner=project.owner, project=project, type=JobType.OVERLAY, status="complete", final_video=final,
        config={"working_video_id": working.pk},
    )  # fmt: skip
    final.refresh_from_db()
    return final


def review_row(owner, media_dir, game, version: int, hours_ago: float, **fields) -> ReviewVideo:
    key, size = stored(media_dir, owner.pk, "review")
    row = ReviewVideo.objects.create(
        owner=owner, kind=ReviewKind.GAME_REVIEW, game=game, title=f"Game review — {game.display_name}",
        version=version, file_key=key, size=size, duration=3.0, width=320, height=180, fps=25.0, **fields,
    )  # fmt: skip
    ReviewVideo.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return row


@pytest.fixture
def gallery(alice, media_dir):
    """A two-clip reel with its final video; two versions of a game review (v2 with
    chapters and rating counts) and a before / after, each with a stored file."""
    project = ready_project(alice, media_dir, [1.5, 1.5], name="Rovers reel")
    final = exported_final(project, media_dir)
    game = Clip.objects.filter(project_clips__project=project).first().game
    chapters = [
        {"title": "!!  Brilliant Goal", "start": 0.0, "end": 1.0},
        {"title": "!  Good Dribble", "start": 1.0, "end": 2.0},
        {"title": "!?  Interesting Pass", "start": 2.0, "end": 3.0},
    ]
    summary = {"clips": 3, "by_rating": {"5": 1, "4": 1, "3": 1, "2": 0, "1": 0},
               "filters": {"min_rating": 3, "tags": []}}  # fmt: skip
    older = review_row(alice, media_dir, game, 1, hours_ago=5, summary={**summary, "clips": 4})
    newer = review_row(alice, media_dir, game, 2, hours_ago=1, summary=summary, chapters=chapters)
    key, size = stored(media_dir, alice.pk, "before-after", size="180x320")
    before_after = ReviewVideo.objects.create(
        owner=alice, kind=ReviewKind.BEFORE_AFTER, source_video=final,
        title="Before / after — Rovers reel v1", version=1, file_key=key, size=size, duration=3.0,
        width=180, height=320, fps=25.0, summary={"clips": 2},
    )  # fmt: skip
    ReviewVideo.objects.filter(pk=before_after.pk).update(created_at=timezone.now() - timedelta(hours=3))
    return {
        "media": media_dir,
        "project": project,
        "final": final,
        "game": game,
        "older": older,
        "newer": newer,
        "ba": before_after,
    }


def current_time(page, card) -> float:
    return card.locator("video").evaluate("v => v.currentTime")


@pytest.mark.parametrize("context", VIEWPORTS, indirect=True)
def test_the_gallery_lists_reviews_plays_chapters_deletes_and_starts_a_before_after(context, alice, gallery):
    with web_process() as url:
        page, errors = opened(context, url)
        page.goto(f"{url}/gallery/")
        mounted(page, "gallery")

        # the reviews, newest first, with their facts and (game reviews) rating counts
        reviews = page.locator(".gallery-review")
        expect(reviews).to_have_count(3)
        assert [int(n) for n in reviews.evaluate_all("cards => cards.map(c => c.dataset.reviewId)")] == [
            gallery["newer"].pk, gallery["ba"].pk, gallery["older"].pk,
        ]  # fmt: skip
        expect(page.locator("#reviews-summary")).to_have_text("3 videos")
        shot(page, "gallery-top")
        page.click("#reviews-jump")  # on a phone the reviews are far below the final videos
        page.wait_for_function(
            "document.getElementById('reviews').getBoundingClientRect().top < innerHeight / 2"
        )
        newer = reviews.nth(0)
        expect(newer.locator(".gallery-title")).to_have_text(gallery["newer"].title)
        expect(newer).to_contain_text("v2")
        expect(newer).to_contain_text("3 clips · 0:03")
        chips = newer.locator(".gallery-rating")
        expect(chips).to_have_text([f"1 {word(5)}", f"1 {word(4)}", f"1 {word(3)}"])
        assert chips.nth(0).evaluate("n => getComputedStyle(n).borderColor") == colour(5)
        expect(newer.locator(".gallery-review-filters")).to_contain_text(f"{word(3)}")
        expect(newer.locator(".gallery-actions a")).to_have_attribute(
            "href", f"/api/reviews/{gallery['newer'].pk}/file?download=1"
        )
        before_after = reviews.nth(1)
        expect(before_after.locator(".gallery-title")).to_have_text("Before / after — Rovers reel v1")
        expect(before_after.locator(".gallery-rating")).to_have_count(0)
        no_sideways_scroll(page)
        newer.scroll_into_view_if_needed()
        shot(page, "gallery-reviews")

        # the chapters are buttons that seek the player (a review's and a final video's)
        chapters = newer.locator(".gallery-chapter")
        expect(chapters).to_have_count(3)
        expect(chapters.nth(1)).to_contain_text("Good Dribble")
        newer.locator("video").evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")
        chapters.nth(2).click()
        wait_for(
            page, lambda: current_time(page, newer) >= 2.0, message="the review to seek to its third chapter"
        )
        final_card = page.locator(f".gallery-item[data-video-id='{gallery['final'].pk}']")
        expect(final_card.locator(".gallery-chapter")).to_have_text(["0:00First clip", "0:01Second clip"])
        final_card.locator("video").evaluate(
            "v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)"
        )
        final_card.locator(".gallery-chapter").nth(1).click()
        wait_for(page, lambda: current_time(page, final_card) >= 1.5, message="the final video to seek")

        # delete asks once more, then the review and its card are gone
        older = page.locator(f".gallery-review[data-review-id='{gallery['older'].pk}']")
        older.locator("button.danger").click()
        expect(older.locator("button.danger")).to_have_text("Really delete?")
        assert ReviewVideo.objects.filter(pk=gallery["older"].pk).exists()
        older.locator("button.danger").click()
        expect(older).to_have_count(0)
        expect(reviews).to_have_count(2)
        assert not ReviewVideo.objects.filter(pk=gallery["older"].pk).exists()

        # before / after: a job for this final video, shown in the status bar
        final_card.locator(".gallery-before-after").click()
        wait_for(
            page, lambda: ExportJob.objects.filter(type=JobType.BEFORE_AFTER).exists(), message="the job"
        )
        job = ExportJob.objects.get(type=JobType.BEFORE_AFTER)
        assert job.source_video_id == gallery["final"].pk
        assert job.project_id == gallery["project"].pk
        row = page.locator(f".progress-row[data-task='{job.pk}']")
        expect(row).to_be_visible()
        assert "Before / after — Rovers reel v1" in row.get_attribute("title")

        # a review finished elsewhere: the section reloads when its notification comes
        fresh = review_row(alice, gallery["media"], gallery["game"], 3, hours_ago=0)
        off_the_page_thread(
            notify, alice.pk, NotificationType.EXPORT_COMPLETE, "Review ready", fresh.title,
            data={"job_id": "x", "export_type": "game_review", "project_id": None,
                  "game_id": gallery["game"].pk, "review_id": fresh.pk},
        )  # fmt: skip
        expect(reviews.first).to_have_attribute("data-review-id", str(fresh.pk))
        no_sideways_scroll(page)
        shot(page, "gallery-after")
    assert errors == [], errors

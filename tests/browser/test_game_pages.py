"""In a real browser: a new game with its upload (multipart, surviving soft
navigation, resumed after a reload). The annotate page's workflows are in
test_annotate_workflows.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from games.models import Game
from games.uploads import MIN_PART_SIZE
from tests.browser.conftest import log_in, part_number
from tests.conftest import PASSWORD
from tests.helpers import BASE_DIR
from tests.media import make_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(BASE_DIR) / "test-artifacts" / "screenshots"
VIEWPORTS = [(1366, 768), (390, 844)]
# Anything bigger than this goes up in parts (the server's parts are 16 MiB).
SMALL_THRESHOLD = str(1_000_000)
EARLIER_TSV = (
    b"start_time\trating\ttags\tclip_name\tclip_duration\tnotes\r\n"
    b"0:01\t3\tPassing Range,Possession Play\t\t2.0\tswitch of play  \r\n"
)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def big_video(media_dir):
    """6 s of lossless noise: over 16 MiB, so two parts."""
    path = make_video(media_dir, seconds=6, size="320x180", noisy=True)
    assert path.stat().st_size > MIN_PART_SIZE
    return path


class Gate:
    """A route handler that holds requests until opened."""

    def __init__(self) -> None:
        self.held = []
        self.open = False

    def __call__(self, route) -> None:
        if self.open:
            route.continue_()
        else:
            self.held.append(route)


def screenshots(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)


def wait_for(condition, timeout: float = 30, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.2)


def mounted(page, name: str) -> None:
    page.wait_for_function(
        "name => document.getElementById('page').dataset.page === name"
        " && document.getElementById('page').dataset.mounted === 'true'",
        arg=name,
    )


def test_a_new_game_uploads_its_video_in_parts(page, alice, big_video):
    with web_process(UPLOAD_SINGLE_MAX_BYTES=SMALL_THRESHOLD) as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/")
        mounted(page, "game-new")
        screenshots(page, "game-new")

        # The form's sentences, before anything is sent.
        page.click("#submit-game")
        expect(page.locator("#form-error")).to_contain_text("opponent")

        page.fill("#opponent", "Riverside FC")
        page.fill("#game-date", "2024-05-11")
        page.check("input[name=game_type][value=tournament]")
        expect(page.locator("#tournament")).to_be_visible()
        page.fill("#tournament", "Spring Cup")
        page.set_input_files("#video-file", str(big_video))
        expect(page.locator("#drop-title")).to_have_text(big_video.name)
        parts = []
        page.on(
            "request", lambda r: parts.append(r.url) if r.method == "PUT" and part_number(r.url) else None
        )
        page.click("#submit-game")

        expect(page.locator("#upload-panel")).to_be_visible()
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "done", timeout=60_000)
        expect(page.locator("#upload-percent")).to_have_text("100%")
        expect(page.locator(".toast", has_text="Upload complete")).to_be_visible()
        link = page.locator("#annotate-link")
        expect(link).to_have_text("Annotate this game")
        screenshots(page, "game-new-uploaded")

        game = Game.objects.get(owner=alice)
        assert (game.opponent_name, game.game_type, game.tournament_name) == (
            "Riverside FC", "tournament", "Spring Cup",
        )  # fmt: skip
        assert str(game.game_date) == "2024-05-11"
        assert game.video_status == "ready"
        assert game.video_duration == pytest.approx(6, abs=0.2)
        assert game.video_size == big_video.stat().st_size
        assert game.uploads.get().mode == "multipart"
        assert len(parts) == 2
        assert page.url.endswith(f"/games/new/?game={game.pk}")

        link.click()
        mounted(page, "annotate")
        assert page.url.endswith(f"/games/{game.pk}/")


def test_an_upload_keeps_going_across_soft_navigation(page, alice, big_video):
    game = Game.objects.create(owner=alice, opponent_name="Wanderers")
    with web_process(UPLOAD_SINGLE_MAX_BYTES=SMALL_THRESHOLD) as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        expect(page.locator("#existing-game")).to_contain_text("Vs Wanderers")

        # Hold the second part until the page has been left: the upload is mid-way.
        gate = Gate()
        page.route("**/parts/2/url", gate)
        page.set_input_files("#video-file", str(big_video))
        page.click("#submit-game")
        expect(page.locator("#upload-panel")).to_be_visible()
        wait_for(lambda: page.wait_for_timeout(100) or gate.held, message="the second part")
        row = page.locator("#status-bar .progress-row")
        expect(row).to_be_visible()
        expect(row).to_contain_text(f"Uploading {big_video.name}")

        page.evaluate("window.__marker = 1")
        page.click("header .brand")
        page.wait_for_url(f"{url}/")
        assert page.evaluate("window.__marker") == 1  # no full page load
        expect(row).to_be_visible()
        screenshots(page, "home-while-uploading")

        gate.open = True
        gate.held[0].continue_()
        wait_for(
            lambda: page.wait_for_timeout(200) or Game.objects.get(pk=game.pk).video_status == "ready",
            timeout=60,
            message="the video to be ready",
        )
        expect(page.locator(".toast", has_text="Upload complete")).to_be_visible()
        expect(row).to_be_hidden(timeout=10_000)
        assert page.evaluate("window.__marker") == 1
        assert Game.objects.get(pk=game.pk).video_duration == pytest.approx(6, abs=0.2)


def test_an_upload_continues_from_its_stored_parts_after_a_reload(page, alice, big_video):
    game = Game.objects.create(owner=alice, opponent_name="Athletic")
    with web_process(UPLOAD_SINGLE_MAX_BYTES=SMALL_THRESHOLD) as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        gate = Gate()
        page.route("**/parts/2/url", gate)
        page.set_input_files("#video-file", str(big_video))
        page.click("#submit-game")
        wait_for(lambda: page.wait_for_timeout(100) or gate.held, message="the second part")
        gate.open = True
        gate.held[0].abort()

        # The tab reloads (laptop closed, crash…): part 1 is stored on the server.
        page.on("dialog", lambda dialog: dialog.accept())
        page.reload()
        mounted(page, "game-new")
        expect(page.locator("#resume-hint")).to_contain_text("Resume by choosing the same file")
        sent = []
        page.on("request", lambda r: sent.append(part_number(r.url)) if r.method == "PUT" else None)
        page.set_input_files("#video-file", str(big_video))  # starts by itself: same name and size
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "done", timeout=60_000)
        assert sent == ["2"]
        game.refresh_from_db()
        assert game.video_status == "ready"
        assert game.uploads.get().status == "complete"

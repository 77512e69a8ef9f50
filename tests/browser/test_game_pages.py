"""In a real browser: a new game with its upload (multipart, surviving soft
navigation, resumed after a reload), and the annotate page (clips by keyboard and
buttons, rating colours on the timeline, edit, delete, a stale edit's 409)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from games.models import Clip, Game
from games.uploads import MIN_PART_SIZE
from tests.browser.conftest import log_in, part_number
from tests.conftest import PASSWORD
from tests.games.uploading import read, upload_single
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
RATING_COLOURS = {4: "rgb(46, 125, 50)", 5: "rgb(102, 187, 106)", 3: "rgb(21, 101, 192)"}


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
        expect(page.locator(".toast", has_text="Upload finished")).to_be_visible()
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
        expect(page.locator(".toast", has_text="Upload finished")).to_be_visible()
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
        expect(page.locator("#resume-hint")).to_contain_text("Choose that same file to continue it")
        sent = []
        page.on("request", lambda r: sent.append(part_number(r.url)) if r.method == "PUT" else None)
        page.set_input_files("#video-file", str(big_video))  # starts by itself: same name and size
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "done", timeout=60_000)
        assert sent == ["2"]
        game.refresh_from_db()
        assert game.video_status == "ready"
        assert game.uploads.get().status == "complete"


@pytest.fixture
def ready_game(alice, alice_api, media_dir):
    game = Game.objects.create(owner=alice, opponent_name="Rovers", game_type="away")
    response = upload_single(alice_api, game, read(make_video(media_dir, seconds=6)))
    assert response.status_code == 200, response.content
    game.refresh_from_db()
    return game


def seek(page, seconds: float) -> None:
    page.evaluate("t => { document.getElementById('video').currentTime = t; }", seconds)
    page.wait_for_function(
        "t => Math.abs(document.getElementById('video').currentTime - t) < 0.05", arg=seconds
    )


def test_annotating_clips_with_keys_and_buttons(page, alice, ready_game):
    game = ready_game
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/{game.pk}/")
        mounted(page, "annotate")
        page.wait_for_function("document.getElementById('video').readyState >= 1")
        expect(page.locator("#time")).to_contain_text("0:06")
        expect(page.locator("#clip-list")).to_contain_text("No clips yet.")

        # Clicking the timeline seeks: the middle is 3 s.
        box = page.locator("#timeline").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("Math.abs(document.getElementById('video').currentTime - 3) < 0.1")

        # Clip 1: the `a` key at 5 s with a 4 s length, rated 4 with the `4` key, tagged.
        seek(page, 5)
        page.fill("#add-length", "4")
        page.locator("#timeline").focus()
        page.keyboard.press("a")
        expect(page.locator("#clip-list .clip-item")).to_have_count(1)
        page.keyboard.press("4")
        page.click(".chip[data-tag=Dribble]")
        page.click(".chip[data-tag=Pass]")
        expect(page.locator("#name-preview")).to_have_text("Good Dribble and Pass")
        wait_for(lambda: Clip.objects.filter(game=game, tags=["Dribble", "Pass"]).exists(), message="tags")
        clip1 = Clip.objects.get(game=game)
        assert (clip1.start_time, clip1.end_time, clip1.rating) == (1.0, 5.0, 4)
        assert clip1.display_name == "Good Dribble and Pass"
        expect(page.locator("#clip-list .clip-item").first).to_contain_text("Good Dribble and Pass")

        # Clip 2: the button at 2.5 s (default 15 s clipped to the start), 5 stars by click, a note.
        seek(page, 2.5)
        page.click("#add-clip")
        expect(page.locator("#clip-list .clip-item")).to_have_count(2)
        page.click("#stars .star[data-rating='5']")
        page.click(".chip[data-tag=Goal]")
        expect(page.locator("#name-preview")).to_have_text("Brilliant Goal")
        page.fill("#clip-notes", "Left foot, top corner")
        expect(page.locator("#notes-count")).to_have_text("21 / 280")
        page.click("#save-notes")
        wait_for(
            lambda: Clip.objects.filter(game=game, notes="Left foot, top corner").exists(), message="notes"
        )
        clip2 = Clip.objects.get(game=game, end_time=2.5)
        assert (clip2.start_time, clip2.rating, clip2.tags) == (0.0, 5, ["Goal"])

        regions = page.locator("#regions .region")
        expect(regions).to_have_count(2)
        expect(page.locator(f".region[data-clip-id='{clip1.pk}']")).to_have_css(
            "background-color", RATING_COLOURS[4]
        )
        expect(page.locator(f".region[data-clip-id='{clip2.pk}']")).to_have_css(
            "background-color", RATING_COLOURS[5]
        )
        screenshots(page, "annotate")

        # Frame step moves one frame of the measured fps (25): 0.04 s.
        seek(page, 2.0)
        page.locator("#timeline").focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("Math.abs(document.getElementById('video').currentTime - 2.04) < 0.01")
        page.click("#frame-back")
        page.wait_for_function("Math.abs(document.getElementById('video').currentTime - 2.0) < 0.01")

        # Keys typed into the notes are text, not shortcuts.
        page.click(f"#clip-list .clip-item[data-clip-id='{clip1.pk}'] .edit-clip")
        page.fill("#clip-notes", "")
        page.locator("#clip-notes").press_sequentially("a1")
        expect(page.locator("#clip-list .clip-item")).to_have_count(2)
        expect(page.locator("#clip-notes")).to_have_value("a1")
        page.fill("#clip-notes", "")

        # Edit clip 1's length: it keeps its end.
        page.fill("#clip-length", "3")
        page.locator("#clip-length").press("Enter")
        wait_for(lambda: Clip.objects.get(pk=clip1.pk).start_time == 2.0, message="the new length")

        # A change behind the page's back: the next edit is refused with a sentence.
        Clip.objects.filter(pk=clip1.pk).update(version=clip1.version + 10)
        page.click("#stars .star[data-rating='3']")
        expect(page.locator("#clip-error")).to_contain_text("This clip changed in another tab — reload")
        assert Clip.objects.get(pk=clip1.pk).rating == 4
        expect(page.locator("#name-preview")).to_have_text("Good Dribble and Pass")
        page.click("#clip-error button")
        expect(page.locator("#clip-error")).to_be_empty()
        page.click("#stars .star[data-rating='3']")
        expect(page.locator(f".region[data-clip-id='{clip1.pk}']")).to_have_css(
            "background-color", RATING_COLOURS[3]
        )
        wait_for(lambda: Clip.objects.get(pk=clip1.pk).rating == 3, message="rating 3")

        # Delete clip 2 from the list (two clicks: it asks first).
        delete = page.locator(f"#clip-list .clip-item[data-clip-id='{clip2.pk}'] .delete")
        delete.click()
        expect(delete).to_have_text("Confirm delete")
        delete.click()
        expect(page.locator("#clip-list .clip-item")).to_have_count(1)
        expect(regions).to_have_count(1)
        wait_for(lambda: not Clip.objects.filter(pk=clip2.pk).exists(), message="the delete")

        # TSV: the export link downloads; a bad import shows the server's line errors.
        expect(page.locator("#tsv-export")).to_have_attribute("href", f"/api/games/{game.pk}/clips.tsv")
        page.set_input_files(
            "#tsv-file", files=[{"name": "bad.tsv", "mimeType": "text/plain", "buffer": b"nonsense\n"}]
        )
        expect(page.locator("#tsv-result li").first).to_contain_text("Line 1")
        # The file's bytes reach the server: a line that is not UTF-8 is named, not mangled.
        latin1 = "start_time\trating\ttags\tclip_name\tclip_duration\tnotes\n1:00\t4\tPass\tJos\xe9\t15\t\n"
        page.set_input_files(
            "#tsv-file",
            files=[{"name": "latin1.tsv", "mimeType": "text/plain", "buffer": latin1.encode("latin-1")}],
        )
        expect(page.locator("#tsv-result li").first).to_contain_text("Line 2")
        # A file from the earlier version (long tag names, CRLF, "15.0") imports as it is.
        page.set_input_files(
            "#tsv-file",
            files=[{"name": "earlier.tsv", "mimeType": "text/plain", "buffer": EARLIER_TSV}],
        )
        expect(page.locator("#tsv-result")).to_contain_text("written from earlier.tsv")
        expect(page.locator("#new-project-link")).to_have_attribute("href", f"/projects/new/?game={game.pk}")

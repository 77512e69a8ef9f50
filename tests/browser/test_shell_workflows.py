"""The shell as a person meets it, at 1366x768 and 390x844: the upload form
tells the truth (a running upload after navigating away and back; the server's
unfinished upload after a reload, resumed without its progress going back);
notifications inform instead of cover (history on a page load fills the badge
and panel, not toasts; one toast per live event; clip cuts in the status bar;
toasts clear of the editing panels; the bell's panel inside a phone's screen)."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from games.extraction import extract_clip, request_extraction
from games.models import Clip, Game
from games.objects import object_store
from games.uploads import MIN_PART_SIZE
from notifications.models import Notification
from notifications.service import notify
from tests.browser.conftest import SCREENSHOTS, log_in, off_the_page_thread, part_number, screenshots
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project
from tests.games.test_replace_recut import is_red, mean_rgb, red_video
from tests.games.uploading import read, upload_single
from tests.media import make_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [(1366, 768), (390, 844)]
SMALL_THRESHOLD = str(1_000_000)  # bigger files go up in parts (the server's are 16 MiB)

# Every value #upload-progress shows, from the page's first moment (survives soft navigation).
RECORD_PROGRESS = """
window.__progress = [];
setInterval(() => {
  const meter = document.getElementById('upload-progress');
  const panel = document.getElementById('upload-panel');
  if (meter && panel && !panel.hidden) {
    const value = Number(meter.value);
    if (window.__progress[window.__progress.length - 1] !== value) window.__progress.push(value);
  }
}, 20);
"""

# What appeared in the toasts and the status bar, from the page's first moment.
RECORD_SHELL = """
window.__toasts = []; window.__status = [];
new MutationObserver(() => {
  for (const toast of document.querySelectorAll('#toasts .toast')) {
    if (!toast.dataset.recorded) { toast.dataset.recorded = '1'; window.__toasts.push(toast.innerText); }
  }
  for (const row of document.querySelectorAll('#status-bar .progress-row .label')) {
    if (!window.__status.includes(row.textContent)) window.__status.push(row.textContent);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("shell-media")


@pytest.fixture(scope="module")
def big_video(media):
    """6 s of lossless noise: over 16 MiB, so two parts."""
    path = make_video(media, seconds=6, size="320x180", noisy=True)
    assert path.stat().st_size > MIN_PART_SIZE
    return path


@pytest.fixture(params=SIZES, ids=["1366", "390"])
def size(request):
    return request.param


@pytest.fixture
def sized(browser, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


class HeldPut:
    """Holds the PUT of one part (through our endpoint or straight to S3) until released."""

    def __init__(self, number: str) -> None:
        self.number, self.held, self.open = number, [], False

    def matches(self, url: str) -> bool:
        return part_number(url) == self.number and not url.endswith("/url")

    def __call__(self, route) -> None:
        if route.request.method != "PUT" or self.open:
            route.continue_()
        else:
            self.held.append(route)

    def wait(self, page) -> None:
        for _ in range(300):
            if self.held:
                return
            page.wait_for_timeout(100)
        raise AssertionError(f"part {self.number} was never sent")


def mounted(page, name: str) -> None:
    page.wait_for_function(
        "name => document.getElementById('page').dataset.page === name"
        " && document.getElementById('page').dataset.mounted === 'true'",
        arg=name,
    )


def connected(page) -> None:
    page.wait_for_function(
        "window.highlights && window.highlights.notifications.state === 'open'", timeout=40_000
    )


def box_inside(box: dict, width: int, height: int) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def never_decreasing(values: list[float]) -> bool:
    return all(later >= earlier for earlier, later in itertools.pairwise(values))


# --- workflow 15: the upload form tells the truth ---------------------------------------------


def test_the_form_shows_a_running_upload_after_navigating_away_and_back(sized, size, alice, big_video):
    page, (width, _) = sized, size
    game = Game.objects.create(owner=alice, opponent_name="Wanderers")
    page.add_init_script(RECORD_PROGRESS + RECORD_SHELL)
    with web_process(UPLOAD_SINGLE_MAX_BYTES=SMALL_THRESHOLD) as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        connected(page)
        held = HeldPut("2")
        page.route(held.matches, held)

        # when: the upload starts, and the page is left while part 2 is on its way
        page.set_input_files("#video-file", str(big_video))
        page.click("#submit-game")
        held.wait(page)
        page.evaluate("window.__sameDocument = 1")
        page.click("header .brand")
        mounted(page, "home")
        expect(page.locator("#status-bar .progress-row", has_text="Uploading")).to_be_visible()
        page.go_back()
        mounted(page, "game-new")

        # then: the form shows it running, not stopped, and Upload cannot start another
        assert page.evaluate("window.__sameDocument") == 1  # soft navigation: the engine lived on
        panel = page.locator("#upload-panel")
        expect(panel).to_be_visible()
        expect(panel).to_have_attribute("data-state", "uploading")
        expect(page.locator("#submit-game")).to_be_disabled()
        expect(page.locator("#submit-game")).to_have_text("Uploading…")
        expect(page.locator("#upload-pause")).to_be_visible()
        expect(page.locator("#upload-cancel")).to_be_visible()
        expect(page.locator("#resume-hint")).to_be_hidden()
        expect(page.locator("#upload-state")).not_to_contain_text("Stopped")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshots(page, f"shell-upload-running-{width}", sizes=[size])

        # when: part 2 goes through; then: one toast for the upload, the server's
        held.open = True
        for route in held.held:
            route.continue_()
        expect(panel).to_have_attribute("data-state", "done", timeout=60_000)
        expect(page.locator(".toast", has_text="Upload complete")).to_be_visible()
        page.wait_for_timeout(500)
        assert len(page.evaluate("window.__toasts")) == 1, page.evaluate("window.__toasts")
        assert never_decreasing(page.evaluate("window.__progress"))
        expect(page.locator("#submit-game")).to_be_enabled()
        screenshots(page, f"shell-upload-done-{width}", sizes=[size])
    game.refresh_from_db()
    assert game.video_status == "ready"
    assert game.video_size == big_video.stat().st_size


def test_after_a_reload_the_form_shows_the_servers_upload_and_resume_never_goes_back(
    sized, size, alice, big_video
):
    page, (width, _) = sized, size
    game = Game.objects.create(owner=alice, opponent_name="Athletic")
    page.add_init_script(RECORD_PROGRESS)
    with web_process(UPLOAD_SINGLE_MAX_BYTES=SMALL_THRESHOLD) as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        held = HeldPut("2")
        page.route(held.matches, held)
        page.set_input_files("#video-file", str(big_video))
        page.click("#submit-game")
        held.wait(page)
        before = page.evaluate("window.__progress")

        # when: the tab reloads mid-upload (part 1 is stored on the server)
        page.on("dialog", lambda dialog: dialog.accept())
        for route in held.held:
            route.abort()
        page.unroute(held.matches)
        page.reload()
        mounted(page, "game-new")

        # then: the server's truth, with what it already holds
        panel = page.locator("#upload-panel")
        expect(panel).to_have_attribute("data-state", "unfinished")
        expect(page.locator("#resume-hint")).to_contain_text("Resume by choosing the same file")
        expect(page.locator("#upload-state")).to_contain_text("16.8 MB of")
        stored = 100 * MIN_PART_SIZE // big_video.stat().st_size
        expect(page.locator("#upload-percent")).to_have_text(f"{stored}%")
        expect(page.locator("#submit-game")).to_have_text("Resume upload")
        screenshots(page, f"shell-upload-unfinished-{width}", sizes=[size])

        # when: the same file is chosen; then: only part 2 is sent and progress never went back
        sent = []
        page.on("request", lambda r: sent.append(part_number(r.url)) if r.method == "PUT" else None)
        page.set_input_files("#video-file", str(big_video))
        expect(panel).to_have_attribute("data-state", "done", timeout=60_000)
        after = page.evaluate("window.__progress")
        assert after[0] >= stored, after
        assert never_decreasing(before), before
        assert never_decreasing([before[-1], *after]), (before, after)
        assert never_decreasing(after), after
        assert after[-1] == 100
        assert sent == ["2"]
    game.refresh_from_db()
    assert game.video_status == "ready"
    assert game.uploads.get().status == "complete"


def test_pausing_mid_part_and_resuming_never_moves_progress_back(sized, size, alice, big_video):
    page, (width, _) = sized, size
    game = Game.objects.create(owner=alice, opponent_name="Rangers")
    page.add_init_script(RECORD_PROGRESS)
    with web_process(UPLOAD_SINGLE_MAX_BYTES=SMALL_THRESHOLD) as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        # A slow uplink (4 MB/s): part 1 (16.8 MB) is seen going up a few seconds.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        slow = {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 4_000_000}
        cdp.send("Network.emulateNetworkConditions", slow)
        page.set_input_files("#video-file", str(big_video))
        page.click("#submit-game")
        page.wait_for_function(
            "Number(document.getElementById('upload-progress').value) >= 20", timeout=30_000
        )

        # when: paused half-way through part 1, then resumed
        page.click("#upload-pause")
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "paused")
        paused_at = float(page.locator("#upload-progress").evaluate("meter => meter.value"))
        expect(page.locator("#upload-resume")).to_be_visible()
        screenshots(page, f"shell-upload-paused-{width}", sizes=[size])
        cdp.send("Network.emulateNetworkConditions", {**slow, "uploadThroughput": -1})
        page.click("#upload-resume")
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "done", timeout=60_000)

        # then: the bar held its place and went on from there
        seen = page.evaluate("window.__progress")
        assert 20 <= paused_at < 100
        assert never_decreasing(seen), seen
        assert seen[-1] == 100
    game.refresh_from_db()
    assert game.video_status == "ready"


def test_a_file_that_is_not_a_video_is_refused_with_one_toast(sized, size, alice, tmp_path):
    page, (width, _) = sized, size
    game = Game.objects.create(owner=alice, opponent_name="Hornets")
    fake = tmp_path / "holiday.mp4"
    fake.write_bytes(b"these are not the frames you are looking for\n" * 200)
    page.add_init_script(RECORD_SHELL)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        connected(page)

        page.set_input_files("#video-file", str(fake))
        page.click("#submit-game")

        # then: the form says why, once; one toast (the server's failure and this tab's are one event)
        panel = page.locator("#upload-panel")
        expect(panel).to_have_attribute("data-state", "failed", timeout=30_000)
        expect(page.locator("#upload-error")).to_contain_text("not a video")
        expect(page.locator("#submit-game")).to_be_enabled()
        expect(page.locator("#upload-resume")).to_be_hidden()  # the same file would fail the same way
        expect(page.locator("#annotate-link")).to_be_hidden()
        page.wait_for_timeout(1500)  # the server's notification arrives too
        toasts = page.evaluate("window.__toasts")
        assert len(toasts) >= 1
        expect(page.locator("#toasts .toast")).to_have_count(1)
        expect(page.locator("#toasts .toast.error")).to_contain_text("holiday.mp4")
        screenshots(page, f"shell-upload-refused-{width}", sizes=[size])
    game.refresh_from_db()
    assert (game.video_status, game.video_key) == ("invalid", "")
    assert game.uploads.get().status == "failed"


# --- workflow 2: replacing a game's video cuts its clips again -------------------------------------


def test_replacing_a_games_video_in_the_form_cuts_its_clips_again(
    sized, size, alice, alice_api, media, monkeypatch
):
    from games import extraction

    page, (width, _) = sized, size
    # given: a game of the test pattern with one clip cut from it
    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    assert upload_single(alice_api, game, read(make_video(media, seconds=8))).status_code == 200
    clip = Clip.objects.create(game=game, start_time=2.0, end_time=4.0)
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: None)
    assert request_extraction(clip)
    old_cut = extract_clip(clip.pk, 2.0, 4.0)
    assert not is_red(mean_rgb(old_cut, 0.5))
    page.add_init_script(RECORD_SHELL)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        connected(page)
        expect(page.locator("#new-title")).to_have_text("Replace the video")
        expect(page.locator("#existing-game")).to_contain_text("a new upload replaces it")

        # when: a solid red video is uploaded in its place
        page.set_input_files("#video-file", str(red_video(media)))
        page.click("#submit-game")
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "done", timeout=60_000)

        # then: one toast says the clips are cut again; the old cut is gone
        toast = page.locator("#toasts .toast", has_text="Video replaced")
        expect(toast).to_contain_text("Replaced the video of Vs Rovers; cutting its clip again.")
        screenshots(page, f"shell-video-replaced-{width}", sizes=[size])
        clip.refresh_from_db()
        assert (clip.extraction_status, clip.file_key) == ("extracting", "")
        assert object_store().size(old_cut) is None

        # when: a worker cuts it; then: the status bar shows it, no toast does, and it is red
        new_cut = off_the_page_thread(extract_clip, clip.pk, 2.0, 4.0)
        page.wait_for_timeout(2000)
        assert any(text.startswith("Cutting a clip") for text in page.evaluate("window.__status"))
        assert len(page.evaluate("window.__toasts")) == 1, page.evaluate("window.__toasts")
    clip.refresh_from_db()
    assert (clip.extraction_status, clip.file_key) == ("ready", new_cut)
    assert is_red(mean_rgb(new_cut, clip.file_lead_in + 0.5))


# --- workflow 8 and 12: notifications that inform instead of cover ------------------------------


def test_history_on_a_page_load_fills_the_badge_and_panel_but_no_toast(sized, size, alice):
    page, (width, height) = sized, size
    page.add_init_script(RECORD_SHELL)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        connected(page)  # this browser has now seen everything up to here
        page.goto("about:blank")

        # given: what happened while no page was open
        off_the_page_thread(notify, alice, "export_complete", "Reel ready", "Vs Rovers is ready to download.")
        off_the_page_thread(
            notify, alice, "export_failed", "Export failed", "The source video could not be read."
        )

        # when: a page is loaded
        page.goto(f"{url}/")
        mounted(page, "home")
        connected(page)
        badge = page.locator("#notification-badge")
        expect(badge).to_have_text("2")
        page.wait_for_timeout(800)

        # then: no toast replays them; the panel has them
        assert page.evaluate("window.__toasts") == []
        expect(page.locator("#toasts .toast")).to_have_count(0)
        page.click("#notification-bell")
        items = page.locator("#notification-list li.notification")
        expect(items).to_have_count(2)
        expect(items.first).to_contain_text("Export failed")
        panel = page.locator("#notification-panel").bounding_box()
        assert box_inside(panel, width, height), panel
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshots(page, f"shell-bell-panel-{width}", sizes=[size])
        page.click("#notification-close")

        # when: something happens while the page is open; then: exactly one toast
        off_the_page_thread(notify, alice, "export_complete", "Second reel ready", "Vs Wanderers is ready.")
        expect(page.locator("#toasts .toast", has_text="Second reel ready")).to_be_visible()
        expect(badge).to_have_text("3")
        page.wait_for_timeout(500)
        assert page.evaluate("window.__toasts") == [page.locator("#toasts .toast").inner_text()]
        toast = page.locator("#toasts .toast").bounding_box()
        assert box_inside(toast, width, height), toast
        screenshots(page, f"shell-live-toast-{width}", sizes=[size])


def test_clip_cuts_show_in_the_status_bar_and_not_as_toasts(page, alice, alice_api, media, monkeypatch):
    from games import extraction

    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    assert upload_single(alice_api, game, read(make_video(media, seconds=8))).status_code == 200
    clips = [Clip.objects.create(game=game, start_time=s, end_time=s + 2) for s in (1.0, 4.0)]
    queued = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: queued.append(args))
    for clip in clips:
        assert request_extraction(clip)
    page.add_init_script(RECORD_SHELL)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/{game.pk}/")
        connected(page)
        badge = page.locator("#notification-badge")
        expect(badge).to_have_text("1")  # the upload's "complete"

        # when: a worker cuts both clips
        for call in queued:
            assert off_the_page_thread(extract_clip, *call[1:])
        page.wait_for_timeout(2500)

        # then: the status bar showed the cutting; no toast did, and the badge stays for what matters
        assert any(text.startswith("Cutting a clip") for text in page.evaluate("window.__status"))
        assert page.evaluate("window.__toasts") == []
        expect(badge).to_have_text("1")
        expect(page.locator("#status-bar")).to_be_hidden()
    assert {clip.extraction_status for clip in Clip.objects.filter(game=game)} == {"ready"}
    routine = Notification.objects.filter(owner=alice, type__in=["extraction_started", "extraction_complete"])
    assert routine.count() == 4
    assert not routine.filter(read_at__isnull=True).exists()


def test_toasts_stay_clear_of_the_editing_panels(sized, size, alice, media):
    page, (width, height) = sized, size
    phone = width < 600
    project = ready_project(alice, media, [2.0], name="Rovers reel")
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/projects/{project.pk}/")
        mounted(page, "framing")
        connected(page)
        page.wait_for_selector("#page .editor-side")

        # when: a warning and an error arrive while editing
        off_the_page_thread(notify, alice, "warning", "Storage almost full", "Delete old reels to make room.")
        off_the_page_thread(
            notify, alice, "export_failed", "Export failed", "The source video could not be read."
        )
        toasts = page.locator("#toasts .toast")
        expect(toasts).to_have_count(1 if phone else 2)  # a phone shows one at a time
        page.wait_for_timeout(300)
        screenshots(page, f"shell-toasts-framing-{width}", sizes=[size])
        page.screenshot(path=f"{SCREENSHOTS}/shell-toasts-framing-{width}-viewport.png")

        # then: each toast is inside the screen and covers no control of the editor (on a
        # phone, where nothing is free, not the video; the page scrolls its last controls clear)
        covers = "video, canvas" if phone else "button, input, select, textarea, video, canvas, [role=slider]"
        controls = page.locator(f"#page :is({covers}):visible")
        boxes = [box for box in (controls.nth(i).bounding_box() for i in range(controls.count())) if box]
        assert boxes
        for index in range(toasts.count()):
            toast = toasts.nth(index).bounding_box()
            assert box_inside(toast, width, height), toast
            covered = [box for box in boxes if overlap(toast, box)]
            assert not covered, (toast, covered)
        if phone:
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            page.wait_for_timeout(300)
            toast = toasts.first.bounding_box()
            last = page.locator("#page :is(button, input, select, textarea):visible").last.bounding_box()
            assert last["y"] + last["height"] <= toast["y"], (last, toast)
            page.screenshot(path=f"{SCREENSHOTS}/shell-toasts-framing-{width}-scrolled.png")
            assert page.evaluate("document.documentElement.scrollWidth") <= width

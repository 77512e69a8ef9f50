"""The annotate page as a person uses it, in a real browser at 1366x768 and 390x844:
clips by keys and buttons (rating words, colours), typed times and a custom name,
dragging a clip's edges (mouse and touch), double-click to add, full screen, opening
at a moment (?t=&clip=), editing and deleting the game, replacing its video, and
annotating while the video still uploads in this tab."""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import expect

from exports import projects
from games import pictures
from games.models import Clip, Game, PictureKind
from tests.browser.conftest import SCREENSHOTS, log_in, screenshots
from tests.conftest import PASSWORD
from tests.games.uploading import read, upload_single
from tests.media import make_video
from tests.servers import web_process
from videoeditor.vocabulary import vocabulary

pytestmark = pytest.mark.django_db(transaction=True)

EARLIER_TSV = (
    b"start_time\trating\ttags\tclip_name\tclip_duration\tnotes\r\n"
    b"0:01\t3\tPassing Range,Possession Play\t\t2.0\tswitch of play  \r\n"
)


def colour(value: int) -> str:
    """The vocabulary's colour of a rating, as the browser reports it."""
    hex_colour = next(r["colour"] for r in vocabulary()["ratings"] if r["value"] == value).lstrip("#")
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def word(value: int) -> str:
    return next(r["word"] for r in vocabulary()["ratings"] if r["value"] == value)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def ready_game(alice, alice_api, media_dir):
    game = Game.objects.create(owner=alice, opponent_name="Rovers", game_type="away")
    response = upload_single(alice_api, game, read(make_video(media_dir, seconds=6)))
    assert response.status_code == 200, response.content
    game.refresh_from_db()
    return game


def wait_for(condition, timeout: float = 30, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.2)


def poll(page, condition, timeout: float = 30, message: str = "condition") -> None:
    """wait_for, letting the page's event loop run between checks."""
    wait_for(lambda: page.wait_for_timeout(150) or condition(), timeout, message)


def mounted(page, name: str = "annotate") -> None:
    page.wait_for_function(
        "name => document.getElementById('page').dataset.page === name"
        " && document.getElementById('page').dataset.mounted === 'true'",
        arg=name,
    )


def open_game(page, url: str, game: Game, query: str = "") -> None:
    page.goto(f"{url}/games/{game.pk}/{query}")
    mounted(page)
    page.wait_for_function("document.getElementById('video').readyState >= 1")


def seek(page, seconds: float) -> None:
    page.evaluate("t => { document.getElementById('video').currentTime = t; }", seconds)
    page.wait_for_function(
        "t => Math.abs(document.getElementById('video').currentTime - t) < 0.05", arg=seconds
    )
    expect(page.locator("#timeline")).to_have_attribute("aria-valuenow", f"{seconds:.2f}")


def no_sideways_scroll(page) -> None:
    wider = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((n) => n.getClientRects().length && n.getBoundingClientRect().right > innerWidth + 1)
            .slice(0, 5).map((n) => `${n.tagName}#${n.id}.${n.className}`)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wider


def at_both_sizes(page, name: str) -> None:
    screenshots(page, name)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(150)
    no_sideways_scroll(page)
    page.set_viewport_size({"width": 1366, "height": 768})


@pytest.fixture
def wide_page(page):
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_annotating_clips_with_keys_buttons_and_rating_words(wide_page, alice, ready_game):
    page, game = wide_page, ready_game
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        open_game(page, url, game)
        expect(page.locator("#time")).to_contain_text("0:06")
        expect(page.locator("#clip-list")).to_contain_text("No clips yet.")
        # The legend: five ratings, words first, from the server's vocabulary.
        legend = page.locator("#rating-legend li")
        expect(legend).to_have_count(5)
        expect(legend.first).to_contain_text(word(5))

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
        expect(page.locator(".rating-button[data-rating='4']")).to_have_attribute("aria-checked", "true")
        page.click(".chip[data-tag=Dribble]")
        page.click(".chip[data-tag=Pass]")
        expect(page.locator("#name-preview")).to_have_text(f"{word(4)} Dribble and Pass")
        wait_for(lambda: Clip.objects.filter(game=game, tags=["Dribble", "Pass"]).exists(), message="tags")
        clip1 = Clip.objects.get(game=game)
        assert (clip1.start_time, clip1.end_time, clip1.rating) == (1.0, 5.0, 4)
        expect(page.locator("#clip-list .clip-item").first).to_contain_text(f"{word(4)} Dribble and Pass")
        expect(page.locator("#clip-list .clip-item .clip-rating").first).to_have_text(word(4))

        # Clip 2: the button at 2.5 s (default length clipped to the start), rated by its word, a note.
        seek(page, 2.5)
        page.click("#add-clip")
        expect(page.locator("#clip-list .clip-item")).to_have_count(2)
        page.click(f".rating-button:has-text('{word(5)}')")
        page.click(".chip[data-tag=Goal]")
        expect(page.locator("#name-preview")).to_have_text(f"{word(5)} Goal")
        page.fill("#clip-notes", "Left foot, top corner")
        expect(page.locator("#notes-count")).to_have_text(f"21 / {vocabulary()['limits']['clip_notes_max']}")
        page.click("#save-notes")
        wait_for(
            lambda: Clip.objects.filter(game=game, notes="Left foot, top corner").exists(), message="notes"
        )
        clip2 = Clip.objects.get(game=game, end_time=2.5)
        assert (clip2.start_time, clip2.rating, clip2.tags) == (0.0, 5, ["Goal"])

        # Distinct colours per rating, on the timeline.
        expect(page.locator(f".region[data-clip-id='{clip1.pk}']")).to_have_css("background-color", colour(4))
        expect(page.locator(f".region[data-clip-id='{clip2.pk}']")).to_have_css("background-color", colour(5))
        expect(page.locator("#rating-legend li[data-rating='5']")).to_contain_text("· 1")
        at_both_sizes(page, "annotate")

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

        # A change behind the page's back: the next edit is refused with a sentence.
        Clip.objects.filter(pk=clip1.pk).update(version=clip1.version + 10)
        page.click(".rating-button[data-rating='3']")
        expect(page.locator("#clip-error")).to_contain_text("This clip changed in another tab — reload")
        assert Clip.objects.get(pk=clip1.pk).rating == 4
        page.click("#clip-error button")
        expect(page.locator("#clip-error")).to_be_empty()
        page.click(".rating-button[data-rating='3']")
        expect(page.locator(f".region[data-clip-id='{clip1.pk}']")).to_have_css("background-color", colour(3))
        wait_for(lambda: Clip.objects.get(pk=clip1.pk).rating == 3, message="rating 3")

        # Delete clip 2 from the list (two clicks: it asks first).
        delete = page.locator(f"#clip-list .clip-item[data-clip-id='{clip2.pk}'] .delete")
        delete.click()
        expect(delete).to_have_text("Confirm delete")
        delete.click()
        expect(page.locator("#clip-list .clip-item")).to_have_count(1)
        wait_for(lambda: not Clip.objects.filter(pk=clip2.pk).exists(), message="the delete")

        # TSV: the export link downloads; a bad import shows the server's line errors.
        expect(page.locator("#tsv-export")).to_have_attribute("href", f"/api/games/{game.pk}/clips.tsv")
        page.set_input_files(
            "#tsv-file", files=[{"name": "bad.tsv", "mimeType": "text/plain", "buffer": b"nonsense\n"}]
        )
        expect(page.locator("#tsv-result li").first).to_contain_text("Line 1")
        latin1 = "start_time\trating\ttags\tclip_name\tclip_duration\tnotes\n1:00\t4\tPass\tJos\xe9\t15\t\n"
        page.set_input_files(
            "#tsv-file",
            files=[{"name": "latin1.tsv", "mimeType": "text/plain", "buffer": latin1.encode("latin-1")}],
        )
        expect(page.locator("#tsv-result li").first).to_contain_text("Line 2")
        page.set_input_files(
            "#tsv-file", files=[{"name": "earlier.tsv", "mimeType": "text/plain", "buffer": EARLIER_TSV}]
        )
        expect(page.locator("#tsv-result")).to_contain_text("written from earlier.tsv")
        expect(page.locator("#new-project-link")).to_have_attribute("href", f"/projects/new/?game={game.pk}")


def test_typed_times_a_custom_name_and_dragged_edges(wide_page, alice, ready_game):
    page, game = wide_page, ready_game
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        open_game(page, url, game)

        # A double-click on the timeline adds a clip ending there (at 5 s of 6).
        box = page.locator("#timeline").bounding_box()
        page.mouse.dblclick(box["x"] + box["width"] * 5 / 6, box["y"] + box["height"] / 2)
        expect(page.locator("#clip-list .clip-item")).to_have_count(1)
        clip = Clip.objects.get(game=game)
        assert clip.end_time == pytest.approx(5, abs=0.1)
        assert clip.start_time == 0  # the default length reaches the start

        # What a typed time reads as.
        read_as = page.evaluate(
            """async (texts) => {
                const { parseClock } = await import('/static/js/pages/annotate.js');
                return texts.map(parseClock);
            }""",
            ["1:05.5", "65.5", "0:01,5", "1:02:03", " 7 ", "1:75", "", "1:", "-3", "abc", "1:2:3:4"],
        )
        assert read_as == [65.5, 65.5, 1.5, 3723, 7, None, None, None, None, None, None]

        # Typed times: m:ss.s and plain seconds; a nonsense time gets a sentence.
        page.fill("#clip-start", "0:01.5")
        page.locator("#clip-start").press("Enter")
        wait_for(lambda: Clip.objects.get(pk=clip.pk).start_time == 1.5, message="the typed start")
        page.fill("#clip-end", "4.5")
        page.locator("#clip-end").press("Enter")
        wait_for(lambda: Clip.objects.get(pk=clip.pk).end_time == 4.5, message="the typed end")
        expect(page.locator("#clip-length-text")).to_have_text("3 s")
        page.fill("#clip-end", "four")
        page.locator("#clip-end").press("Enter")
        expect(page.locator("#clip-error")).to_contain_text("is not a time")
        page.fill("#clip-end", "9")
        page.locator("#clip-end").press("Enter")
        expect(page.locator("#clip-error")).to_contain_text("only 6 s long")
        assert Clip.objects.get(pk=clip.pk).end_time == 4.5
        expect(page.locator("#clip-end")).to_have_value("0:04.5")

        # A custom name, with the derived name as the placeholder.
        page.click(".chip[data-tag=Goal]")
        expect(page.locator("#clip-name")).to_have_attribute("placeholder", f"{word(3)} Goal")
        page.fill("#clip-name", "Top bin from the edge")
        page.locator("#clip-name").press("Enter")
        wait_for(lambda: Clip.objects.get(pk=clip.pk).name == "Top bin from the edge", message="the name")
        expect(page.locator("#clip-list .clip-item .clip-name")).to_have_text("Top bin from the edge")
        # Emptied, the name is derived again.
        page.fill("#clip-name", "")
        page.locator("#clip-name").press("Enter")
        wait_for(lambda: Clip.objects.get(pk=clip.pk).name == "", message="the derived name")
        expect(page.locator("#name-preview")).to_have_text(f"{word(3)} Goal")

        # Drag the end edge with the mouse from 4.5 s to 5.5 s.
        edge = page.locator(".region.selected .edge-end").bounding_box()
        box = page.locator("#timeline").bounding_box()
        page.mouse.move(edge["x"] + edge["width"] / 2, edge["y"] + edge["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 5.2 / 6, edge["y"] + 5, steps=4)
        page.mouse.move(box["x"] + box["width"] * 5.5 / 6, edge["y"] + 5, steps=4)
        page.mouse.up()
        wait_for(lambda: abs(Clip.objects.get(pk=clip.pk).end_time - 5.5) < 0.1, message="the dragged end")
        assert Clip.objects.get(pk=clip.pk).start_time == 1.5
        expect(page.locator("#clip-end")).to_have_value("0:05.5", timeout=5000)
        at_both_sizes(page, "annotate-clip-times")


def touch_drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 6) -> None:
    """A finger on the screen (Chromium turns touches into pointer events)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]}
    )
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_on_a_phone_a_clips_start_is_dragged_by_touch(phone_page, alice, ready_game):
    page, game = phone_page, ready_game
    clip = Clip.objects.create(game=game, start_time=1, end_time=5, rating=5)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        open_game(page, url, game, f"?clip={clip.pk}")
        expect(page.locator(f"#clip-list .clip-item.selected[data-clip-id='{clip.pk}']")).to_be_visible()
        no_sideways_scroll(page)
        # The rating buttons and the list are reachable on the phone.
        page.locator(".rating-button[data-rating='4']").tap()
        wait_for(lambda: Clip.objects.get(pk=clip.pk).rating == 4, message="a tapped rating")
        page.locator("#timeline").scroll_into_view_if_needed()
        edge = page.locator(".region.selected .edge-start").bounding_box()
        box = page.locator("#timeline").bounding_box()
        y = edge["y"] + edge["height"] / 2
        touch_drag(page, (edge["x"] + edge["width"] / 2, y), (box["x"] + box["width"] * 2 / 6, y))
        wait_for(lambda: abs(Clip.objects.get(pk=clip.pk).start_time - 2) < 0.15, message="the touched start")
        assert Clip.objects.get(pk=clip.pk).end_time == 5
        # A double tap on an empty part of the timeline adds a clip ending there (at 5.7 s of 6).
        x = box["x"] + box["width"] * 5.7 / 6
        page.touchscreen.tap(x, y)
        page.wait_for_timeout(80)
        page.touchscreen.tap(x, y)
        expect(page.locator("#clip-list .clip-item")).to_have_count(2)
        added = Clip.objects.exclude(pk=clip.pk).get(game=game)
        assert added.end_time == pytest.approx(5.7, abs=0.1)
        page.screenshot(path=os.path.join(SCREENSHOTS, "annotate-touch-390.png"), full_page=True)


def test_full_screen_opening_at_a_moment_and_the_filmstrip(wide_page, alice, ready_game):
    page, game = wide_page, ready_game
    clip = Clip.objects.create(game=game, start_time=1, end_time=4, rating=4)
    pictures.make_pictures(pictures.game_source(game), [PictureKind.FILMSTRIP])  # as the worker does
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        # The project page's jump back to the game: at that time, with the clip selected.
        open_game(page, url, game, f"?t=2.5&clip={clip.pk}")
        page.wait_for_function("Math.abs(document.getElementById('video').currentTime - 2.5) < 0.05")
        expect(page.locator(f"#clip-list .clip-item.selected[data-clip-id='{clip.pk}']")).to_be_visible()
        expect(page.locator("#clip-start")).to_have_value("0:01.0")
        expect(page.locator("#time")).to_contain_text("0:02.5")
        expect(page.locator("#clip-end")).to_have_value("0:04.0")
        # The playback speed (the vocabulary's speeds) holds while playing.
        expect(page.locator("#speed option:checked")).to_have_text("1\u00d7")
        page.select_option("#speed", "0.5")
        page.click("#play")
        page.wait_for_function("!document.getElementById('video').paused")
        page.wait_for_function("document.getElementById('video').playbackRate === 0.5")
        page.click("#play")
        page.wait_for_function("document.getElementById('video').paused")
        # The filmstrip under the timeline: frames of the game's video.
        expect(page.locator("#filmstrip")).to_be_visible()
        assert page.locator("#filmstrip .filmstrip-tile").count() > 3

        page.click("#fullscreen")
        page.wait_for_function("document.fullscreenElement && document.fullscreenElement.id === 'stage'")
        expect(page.locator("#fullscreen")).to_have_attribute("aria-pressed", "true")
        page.screenshot(path=os.path.join(SCREENSHOTS, "annotate-fullscreen-1366.png"))
        page.click("#fullscreen")
        page.wait_for_function("document.fullscreenElement === null")
        # The F key too (not while typing).
        page.locator("#timeline").focus()
        page.keyboard.press("f")
        page.wait_for_function("document.fullscreenElement !== null")
        page.keyboard.press("f")
        page.wait_for_function("document.fullscreenElement === null")


def test_editing_the_game_and_deleting_it_in_two_steps(wide_page, alice, alice_api, ready_game):
    page, game = wide_page, ready_game
    clips = [Clip.objects.create(game=game, start_time=t, end_time=t + 2) for t in (0, 2, 4)]
    projects.create_project(alice, "Derby day", "9:16", clips[:2])
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        open_game(page, url, game)
        page.click("#details-toggle")
        expect(page.locator("#game-opponent")).to_have_value("Rovers")
        expect(page.locator("input[name=game_type][value=away]")).to_be_checked()
        expect(page.locator("#tournament-field")).to_be_hidden()
        page.fill("#game-opponent", "Eastside")
        page.fill("#game-date", "2026-03-12")
        page.check("input[name=game_type][value=tournament]")
        expect(page.locator("#tournament-field")).to_be_visible()
        page.click("#details-save")
        expect(page.locator("#details-error")).to_contain_text("tournament")
        page.fill("#game-tournament", "Spring Cup")
        page.click("#details-save")
        expect(page.locator("#details-saved")).to_contain_text("Saved")
        body = alice_api.get(f"/api/games/{game.pk}").json()
        assert (body["opponent_name"], body["game_date"], body["game_type"], body["tournament_name"]) == (
            "Eastside", "2026-03-12", "tournament", "Spring Cup",
        )  # fmt: skip
        expect(page.locator("#game-title")).to_have_text(body["display_name"])
        expect(page.locator("#crumb-game")).to_have_text(body["display_name"])
        at_both_sizes(page, "annotate-game-details")

        # Delete, step one: what goes with it, from the API.
        page.click("#delete-game")
        effects = page.locator("#delete-effects li")
        expect(effects).to_have_count(2)
        expect(effects.first).to_contain_text("removes its video and 3 clips")
        expect(effects.nth(1)).to_contain_text("1 project uses them (Derby day)")
        at_both_sizes(page, "annotate-delete")
        page.click("#delete-cancel")
        expect(page.locator("#delete-panel")).to_be_hidden()
        assert alice_api.get(f"/api/games/{game.pk}").status_code == 200
        # Step two: for good, then home; another tab on the game hears of it.
        other = page.context.new_page()
        other.goto(f"{url}/games/{game.pk}/")
        mounted(other)
        page.bring_to_front()
        page.click("#delete-game")
        page.click("#delete-confirm")
        page.wait_for_url(f"{url}/")
        assert alice_api.get(f"/api/games/{game.pk}").status_code == 404
        expect(other.locator("#player-error")).to_contain_text("This game was deleted in another tab")


class HeldPuts:
    """Holds the upload's PUTs (the video's bytes) until released: a slow connection."""

    def __init__(self) -> None:
        self.held = []
        self.open = False

    def __call__(self, route) -> None:
        if route.request.method != "PUT" or self.open:
            route.continue_()
        else:
            self.held.append(route)

    def release(self) -> None:
        self.open = True
        while self.held:
            self.held.pop(0).continue_()


def test_annotating_while_the_video_uploads_in_this_tab(wide_page, alice, media_dir):
    page = wide_page
    game = Game.objects.create(owner=alice, opponent_name="Wanderers")
    video = make_video(media_dir, seconds=6)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/games/new/?game={game.pk}")
        mounted(page, "game-new")
        held = HeldPuts()
        page.route("**/*", held)
        page.set_input_files("#video-file", str(video))
        page.click("#submit-game")
        poll(page, lambda: held.held, message="the upload's PUT")

        # To the game page without a page load: the upload goes on, the page plays the file.
        page.evaluate(f"window.highlights.navigate('/games/{game.pk}/')")
        mounted(page)
        page.wait_for_function("document.getElementById('video').readyState >= 1")
        assert page.evaluate("document.getElementById('video').src").startswith("blob:")
        expect(page.locator("#local-note")).to_be_visible()
        assert Game.objects.get(pk=game.pk).video_status == "uploading"

        seek(page, 4)
        page.click("#add-clip")
        expect(page.locator("#clip-list .clip-item")).to_have_count(1)
        clip = Clip.objects.get(game=game)
        assert (clip.start_time, clip.end_time) == (0, 4)
        # One made elsewhere meanwhile reaches past the end the probe will measure.
        beyond = Clip.objects.create(game=game, start_time=3, end_time=9)
        at_both_sizes(page, "annotate-while-uploading")

        held.release()
        poll(page, lambda: Game.objects.get(pk=game.pk).video_status == "ready", message="the probe")
        game.refresh_from_db()
        assert Clip.objects.get(pk=clip.pk).end_time == 4  # inside the video: kept as made
        fitted = Clip.objects.get(pk=beyond.pk)
        assert (fitted.start_time, fitted.end_time) == (3, round(game.video_duration, 3))
        expect(page.locator(".toast", has_text="reached past the video's end")).to_be_visible()
        expect(page.locator(f".region[data-clip-id='{beyond.pk}']")).to_have_attribute(
            "title", f"{word(3)} clip · 0:03\u20130:06"
        )


def test_replacing_the_video_says_the_clips_are_cut_again(wide_page, alice, ready_game, media_dir):
    page, game = wide_page, ready_game
    old_key = game.video_key
    replacement = make_video(media_dir, seconds=4)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        open_game(page, url, game)
        held = HeldPuts()
        page.route("**/*", held)
        page.set_input_files("#replace-file", str(replacement))
        expect(page.locator("#replace-question")).to_contain_text(
            "Clips will be cut again from the new video."
        )
        page.click("#replace-cancel")
        expect(page.locator("#replace-panel")).to_be_hidden()
        page.set_input_files("#replace-file", str(replacement))
        page.click("#replace-go")
        expect(page.locator("#replace-progress")).to_be_visible()
        poll(page, lambda: held.held, message="the replacement's PUT")
        page.wait_for_function("document.getElementById('video').src.startsWith('blob:')")
        at_both_sizes(page, "annotate-replacing")
        held.release()
        expect(page.locator("#replace-state")).to_contain_text("cut again", timeout=30_000)
        game.refresh_from_db()
        assert game.video_key != old_key
        assert game.video_duration == pytest.approx(4, abs=0.1)

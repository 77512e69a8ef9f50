"""In a real browser: the new-project page and the framing editor (the overlay
editor's tests are in test_overlay_editor.py; the interpolation's fixture is checked in
tests/js); stale edits; screenshots of each page at laptop and phone sizes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db.models import F
from playwright.sync_api import expect

from exports import worker
from exports.models import ExportJob, Project, ProjectClip
from games.models import Clip, Game
from tests.browser.conftest import log_in, off_the_page_thread
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project, store_file
from tests.helpers import BASE_DIR
from tests.media import make_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(BASE_DIR) / "test-artifacts" / "screenshots"
SIZES = [(1366, 768), (390, 844)]
SMALL = {"OUTPUT_SHORT_SIDE": "120"}  # the web process renders and validates at 120x214 for 9:16


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("project-pages-media")


def screenshots(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1366, "height": 768})


def open_page(page, url: str, path: str) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, url, "alice", PASSWORD)
    page.goto(f"{url}{path}")
    try:
        page.wait_for_selector("main#page[data-mounted=true]")
    except Exception as error:
        raise AssertionError(f"the page did not start: {problems}") from error


def project_with_game_video(owner, media: Path, seconds: list[float]) -> Project:
    """ready_project, plus the game's own video in storage (the editor plays it)."""
    project = ready_project(owner, media, seconds)
    game = project.project_clips.first().clip.game
    store_file(make_video(media, seconds=30, size="320x180"), game.video_key)
    return project


def drag(page, start: tuple[float, float], delta: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + delta[0] / 2, start[1] + delta[1] / 2, steps=3)
    page.mouse.move(start[0] + delta[0], start[1] + delta[1], steps=3)
    page.mouse.up()


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_new_project_from_filtered_clips_opens_the_framing_editor(page, alice):
    game = Game.objects.create(
        owner=alice, opponent_name="Rovers", game_date=date(2025, 10, 4), video_status="ready",
        video_key=f"users/{alice.pk}/v.mp4", video_duration=1800.0, video_width=1920, video_height=1080,
        video_fps=25.0,
    )  # fmt: skip
    specs = [(60, 5, ["Goal"]), (200, 4, ["Dribble", "Pass"]), (400, 3, ["Pass"]), (600, 2, ["Tackle"])]
    clips = [
        Clip.objects.create(game=game, start_time=end - 15, end_time=end, rating=rating, tags=tags)
        for end, rating, tags in specs
    ]
    with web_process() as url:
        open_page(page, url, f"/projects/new/?game={game.pk}")
        expect(page.locator("#filter-game")).to_have_value(str(game.pk))
        expect(page.locator("#clip-count")).to_have_text("4 clips")
        expect(page.locator("#clip-duration")).to_have_text("· 1 min")
        expect(page.locator("#clip-checklist li")).to_have_count(4)

        page.select_option("#filter-rating", "4")
        expect(page.locator("#clip-count")).to_have_text("2 clips")
        expect(page.locator("#clip-duration")).to_have_text("· 30 s")
        expect(page.locator("#project-name")).to_have_value("Vs Rovers Oct 4: best moments", timeout=5000)
        screenshots(page, "project-new")

        # a tag narrows it further; unchecking a clip leaves it out
        page.locator("label.chip", has_text="Pass").first.click()
        expect(page.locator("#clip-count")).to_have_text("1 clip")
        page.locator("label.chip", has_text="Pass").first.click()
        expect(page.locator("#clip-count")).to_have_text("2 clips")
        page.locator(f'#clip-checklist input[value="{clips[1].pk}"]').uncheck()
        expect(page.locator("#clip-count")).to_have_text("1 clip")
        page.locator(f'#clip-checklist input[value="{clips[1].pk}"]').check()
        expect(page.locator("#clip-count")).to_have_text("2 clips")

        page.fill("#project-name", "Best of Rovers")
        page.click("#create-project")
        page.wait_for_selector("main#page[data-page=framing][data-mounted=true]")
        project = Project.objects.get(owner=alice)
        assert page.url == f"{url}/projects/{project.pk}/"
        assert project.name == "Best of Rovers"
        assert project.aspect_ratio == "9:16"
        assert list(project.project_clips.order_by("position").values_list("clip_id", flat=True)) == [
            clips[0].pk,
            clips[1].pk,
        ]
        expect(page.locator("#clip-select option")).to_have_count(2)
        page.select_option("#transition-type", "dissolve")
        expect(page.locator("#save-state")).to_have_text("Saved")
        project.refresh_from_db()
        assert project.transition == {"type": "dissolve", "duration": 0.5}
        page.select_option("#clip-select", "1")
        expect(page.locator("#time-label")).to_have_text("0:00.0 / 0:15.0")
        screenshots(page, "framing-multi")


def test_dragging_the_crop_box_at_two_times_saves_two_keyframes(page, alice, media):
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    with web_process() as url:
        open_page(page, url, f"/projects/{project.pk}/")
        box = page.locator("#crop-box")
        expect(box).to_be_visible()
        expect(page.locator(".kf-marker")).to_have_count(1)
        screenshots(page, "framing")

        drag(page, centre(box), (-40, 0))  # at 0 s: the default keyframe moves
        page.evaluate("document.getElementById('page').framingEditor.seek(2)")
        drag(page, centre(box), (60, 0))  # at 2 s: a new keyframe
        handle = page.locator("#crop-box .crop-handle.se")
        drag(page, centre(handle), (-20, -30))  # and smaller, still 9:16
        expect(page.locator(".kf-marker")).to_have_count(2)
        expect(page.locator("#save-state")).to_have_text("Saved")

        project_clip.refresh_from_db()
        keyframes = project_clip.crop_keyframes
        assert [k["time"] for k in keyframes] == [0.0, 2.0]
        for k in keyframes:
            assert abs(k["width"] - k["height"] * 9 / 16) <= 1.0
            assert k["x"] >= 0
            assert k["x"] + k["width"] <= 320 + 1e-6
            assert k["y"] >= 0
            assert k["y"] + k["height"] <= 180 + 1e-6
        assert keyframes[0]["x"] < 110 < keyframes[1]["x"]
        assert keyframes[1]["height"] < 180

        # the preview between them follows the renderer's curve
        page.evaluate("document.getElementById('page').framingEditor.seek(1)")
        shown = page.evaluate("document.getElementById('page').framingEditor.cropAt(1).x")
        from exports.render.timeline import interpolate_keyframes

        expected = interpolate_keyframes(keyframes, ["x"], [1.0])["x"][0]
        assert abs(shown - expected) < 1e-6

        # a split and a slower segment are saved as segments
        page.click("#split")
        page.locator("#segment-list li").nth(1).locator("select").select_option("0.5")
        expect(page.locator("#save-state")).to_have_text("Saved")
        project_clip.refresh_from_db()
        assert project_clip.segments["splits"] == [1.0]
        assert project_clip.segments["speeds"] == [1.0, 0.5]

        # a selected keyframe is removed with the Delete key
        page.locator(".kf-marker").nth(1).click()
        page.keyboard.press("Delete")
        expect(page.locator(".kf-marker")).to_have_count(1)
        expect(page.locator("#save-state")).to_have_text("Saved")
        project_clip.refresh_from_db()
        assert [k["time"] for k in project_clip.crop_keyframes] == [0.0]


def test_a_stale_edit_shows_the_reload_banner_and_keeps_the_other_write(page, alice, media):
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    with web_process() as url:
        open_page(page, url, f"/projects/{project.pk}/")
        box = page.locator("#crop-box")
        expect(box).to_be_visible()

        other = [{"time": 0.0, "x": 0.0, "y": 0.0, "width": 101.25, "height": 180.0}]
        ProjectClip.objects.filter(pk=project_clip.pk).update(crop_keyframes=other, version=F("version") + 1)
        drag(page, centre(box), (50, 0))

        banner = page.locator(".stale-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("changed in another tab — reload")
        expect(banner.get_by_role("button", name="Reload")).to_be_visible()
        expect(page.locator("#save-state")).to_have_text("Not saved")
        expect(page.locator(".export-start")).to_be_disabled()
        expect(page.locator("#add-keyframe")).to_be_disabled()
        screenshots(page, "framing-stale")
        project_clip.refresh_from_db()
        assert project_clip.crop_keyframes == other
        assert project_clip.version == 2

        banner.get_by_role("button", name="Reload").click()
        page.wait_for_selector("main#page[data-mounted=true]")
        expect(page.locator(".stale-banner")).to_be_hidden()
        assert page.evaluate("document.getElementById('page').framingEditor.cropAt(0).x") == 0


def test_the_framing_export_shows_progress_and_completes(page, alice, media):
    project = project_with_game_video(alice, media, [2.0])
    with web_process(**SMALL) as url:
        open_page(page, url, f"/projects/{project.pk}/")
        expect(page.locator("#overlay-link")).to_have_attribute("aria-disabled", "true")
        page.click(".export-start")
        expect(page.locator(".export-message")).to_have_text("Waiting for a worker…")
        expect(page.locator(".export-cancel")).to_be_visible()
        job = ExportJob.objects.get(project=project)
        assert job.type == "framing"

        assert off_the_page_thread(worker.run_export, job.pk)
        expect(page.locator(".export-message")).to_have_text("Export complete.", timeout=20_000)
        expect(page.locator(".export-percent")).to_have_text("100%")
        expect(page.locator(".export-cancel")).to_be_hidden()
        expect(page.locator("#overlay-link")).not_to_have_attribute("aria-disabled", "true")
        page.click("#overlay-link")
        page.wait_for_selector("main#page[data-page=overlay][data-mounted=true]")
        expect(page.locator("#overlay-canvas")).to_be_visible()


def test_a_cancelled_export_says_so(page, alice, media):
    project = project_with_game_video(alice, media, [2.0])
    with web_process(**SMALL) as url:
        open_page(page, url, f"/projects/{project.pk}/")
        page.click(".export-start")
        expect(page.locator(".export-cancel")).to_be_visible()
        page.click(".export-cancel")
        expect(page.locator(".export-message")).to_have_text("Export cancelled.")
        assert ExportJob.objects.get(project=project).status == "cancelled"

"""The overlay editor in a real browser, at a laptop's 1366x768 (mouse) and a phone's
390x844 (touch): a highlight region added with a click, resized by dragging its edge,
selected by clicking at its start, its ellipse dragged, its colour, strength and size
changed, all checked in the saved overlay; the overlay export decoded, where the
default highlight is measured on grass; and the framing -> overlay safety: the banner
after a framing edit, "Discard changes" and "Export again"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings
from playwright.sync_api import expect

from exports import jobs, projects, worker
from exports.models import ClipHighlight, ExportJob, JobStatus, JobType, Overlay, Project, ProjectClip
from games.objects import object_store
from tests.browser.conftest import log_in, off_the_page_thread, screenshots
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project, store_file
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = {"OUTPUT_SHORT_SIDE": "120"}  # the web process validates and renders 9:16 at 120x214
FRAME = (120, 214)
GRASS = "0x4A7F2F"  # (74, 127, 47): a mown pitch
SIZES = {"laptop": (1366, 768, False), "phone": (390, 844, True)}


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("overlay-editor-media")


@pytest.fixture(params=list(SIZES))
def device(request, browser):
    """A page at a laptop's size with a mouse, or at a phone's with touch."""
    width, height, touch = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield request.param, page, Pointer(page, touch)
    context.close()


class Pointer:
    """Drags as a person does: a mouse on the laptop, a finger (CDP touch events,
    which Chromium turns into pointer events of type touch) on the phone."""

    def __init__(self, page, touch: bool) -> None:
        self.page, self.touch = page, touch
        self.cdp = page.context.new_cdp_session(page) if touch else None

    def drag(self, start: tuple[float, float], delta: tuple[float, float]) -> None:
        points = [(start[0] + delta[0] * f, start[1] + delta[1] * f) for f in (0, 0.25, 0.5, 0.75, 1)]
        if not self.touch:
            self.page.mouse.move(*points[0])
            self.page.mouse.down()
            for point in points[1:]:
                self.page.mouse.move(*point, steps=2)
            self.page.mouse.up()
            return
        self._touch("touchStart", points[0])
        for point in points[1:]:
            self._touch("touchMove", point)
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def tap(self, point: tuple[float, float]) -> None:
        if self.touch:
            self.page.touchscreen.tap(*point)
        else:
            self.page.mouse.click(*point)

    def _touch(self, kind: str, point: tuple[float, float]) -> None:
        self.cdp.send(
            "Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": point[0], "y": point[1]}]}
        )


def open_overlay(page, url: str, project: Project) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, url, "alice", PASSWORD)
    page.goto(f"{url}/projects/{project.pk}/overlay/")
    try:
        page.wait_for_selector("main#page[data-page=overlay][data-mounted=true]")
    except Exception as error:
        raise AssertionError(f"the overlay editor did not start: {problems}") from error
    expect(page.locator("#overlay-canvas")).to_be_visible()


def grass_video(media: Path, seconds: float = 4.0, size: tuple[int, int] = FRAME) -> Path:
    path = media / f"grass-{seconds}-{size[0]}x{size[1]}.mp4"
    if not path.exists():
        subprocess.run(
            [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"color=c={GRASS}:size={size[0]}x{size[1]}:rate=25", "-t", str(seconds),
             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)],
            check=True, timeout=60,
        )  # fmt: skip
    return path


def with_working_video(owner, media: Path, seconds: float = 4.0, *, exported_by_job: bool = False) -> Project:
    """A one-clip project whose framed video (grass) exists; with `exported_by_job`, made
    by a finished framing export whose snapshot is the project's framing now."""
    project = ready_project(owner, media, [seconds])
    clip = project.project_clips.get().clip  # the clip is grass too: the final is rendered from it
    clip.file_key = store_file(
        grass_video(media, seconds, (320, 180)), f"users/{owner.pk}/clips/{clip.pk}.mp4"
    )
    clip.save(update_fields=["file_key"])
    framed = grass_video(media, seconds)
    key = store_file(framed, f"users/{owner.pk}/projects/{project.pk}/working-1.mp4")
    config = jobs.framing_config(project, JobType.FRAMING) if exported_by_job else None
    working = projects.record_working_video(
        project, file_key=key, size=framed.stat().st_size, duration=seconds, width=FRAME[0], height=FRAME[1],
        fps=25.0,
    )  # fmt: skip
    if exported_by_job:
        ExportJob.objects.create(
            owner=owner, project=project, type=JobType.FRAMING, status=JobStatus.COMPLETE,
            config={**config, "output_size": list(FRAME)}, working_video=working,
        )  # fmt: skip
    # The editor starts empty: these tests add their own regions (test_highlights.py has the starter's).
    ClipHighlight.objects.filter(clip=clip).update(regions=[])
    return Project.objects.get(pk=project.pk)


def track_x(page, seconds: float, duration: float) -> float:
    box = page.locator("#overlay-track").bounding_box()
    return box["x"] + box["width"] * seconds / duration


def track_y(page) -> float:
    box = page.locator("#overlay-track").bounding_box()
    return box["y"] + box["height"] / 2


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def saved(page) -> None:
    expect(page.locator("#save-state")).to_have_text("Saved")


def the_regions(project: Project) -> list[dict]:
    """The saved regions, on the project's one clip (untrimmed at 1x: the framed times)."""
    return ClipHighlight.objects.get(clip=project.project_clips.get().clip).regions


def region_at_half_a_second(page, url: str, project: Project) -> None:
    """The editor on a laptop, with a region added at 0.5 s (the playhead put there directly)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_overlay(page, url, project)
    page.evaluate("document.getElementById('page').overlayEditor.seek(0.5)")
    page.locator("#add-region").click()
    saved(page)


def test_a_region_is_added_resized_selected_and_styled(device, alice, media):
    name, page, pointer = device
    project = with_working_video(alice, media)
    with web_process(**SMALL) as url:
        open_overlay(page, url, project)

        # given the playhead put at 0.5 s by a click on the timeline, a region added there
        page.locator("#overlay-track").scroll_into_view_if_needed()
        pointer.tap((track_x(page, 0.5, 4.0), track_y(page)))
        page.locator("#add-region").click()
        expect(page.locator(".regions-track .region")).to_have_count(1)
        saved(page)
        [region] = the_regions(project)
        assert (region["start_time"], region["end_time"]) == pytest.approx((0.5, 2.5), abs=0.05)
        assert region["keyframes"][0]["opacity"] == 0.5  # the default that reads on grass
        assert region["keyframes"][0]["color"] == "#FFFF00"

        # when its end edge is dragged to about 3.2 s
        page.locator("#overlay-track").scroll_into_view_if_needed()
        edge = page.locator(".regions-track .region-edge.end")
        pointer.drag(centre(edge), (track_x(page, 3.2, 4.0) - centre(edge)[0], 0))
        saved(page)
        [region] = the_regions(project)
        assert region["end_time"] == pytest.approx(3.2, abs=0.1)
        assert region["start_time"] == pytest.approx(0.5, abs=0.05)

        # and a click elsewhere deselects it, a click just before its start selects it again
        pointer.tap((track_x(page, 3.7, 4.0), track_y(page)))
        expect(page.locator(".regions-track .region.selected")).to_have_count(0)
        pointer.tap((track_x(page, region["start_time"], 4.0) - 3, track_y(page)))
        expect(page.locator(".regions-track .region.selected")).to_have_count(1)
        expect(page.locator("#region-info")).to_contain_text("0:00.5\N{EN DASH}0:03.")

        # and the ellipse is dragged up and right at the region's start
        canvas = page.locator("#overlay-canvas")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        pointer.drag(
            (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2),
            (box["width"] / 6, -box["height"] / 8),
        )
        saved(page)

        # and the colour, strength and size are changed with the panel's controls
        page.locator("#highlight-colour").fill("#ff8800")
        page.locator("#highlight-opacity").focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.locator("#highlight-size").focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        page.locator("#highlight-size").blur()
        saved(page)

        # then the saved overlay has all of it
        overlay = alice_api_overlay(page, url, project)
        [region] = overlay["regions"]
        [keyframe] = region["keyframes"]
        assert keyframe["time"] == pytest.approx(region["start_time"])
        assert keyframe["x"] > FRAME[0] / 2 + 5
        assert keyframe["y"] < FRAME[1] / 2 - 5
        assert keyframe["color"] == "#FF8800"
        assert keyframe["opacity"] == pytest.approx(0.4)
        assert keyframe["radius_y"] > FRAME[1] * 0.12 + 5  # grew from the default 12 % of the height
        assert keyframe["radius_x"] / keyframe["radius_y"] == pytest.approx(
            0.5, abs=0.02
        )  # one scale for both
        expect(page.locator("#overlay-message")).to_be_empty()
        no_sideways_scroll(page)
        screenshots(page, f"overlay-editor-{name}", sizes=[SIZES[name][:2]])


def alice_api_overlay(page, url: str, project: Project) -> dict:
    """The overlay as the API serves it, read with the page's own session."""
    response = page.request.get(f"{url}/api/projects/{project.pk}/overlay")
    assert response.ok
    return response.json()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_refused_region_says_why_in_the_panel(device, alice, media):
    _, page, pointer = device
    project = with_working_video(alice, media)
    ClipHighlight.objects.filter(clip=project.project_clips.get().clip).update(
        regions=[{"id": "r1", "start_time": 1.0, "end_time": 3.0, "enabled": True,
                  "keyframes": [{"time": 1.0, "x": 160, "y": 90, "radius_x": 11, "radius_y": 22,
                                 "opacity": 0.5, "color": "#FFFF00"}]}]
    )  # fmt: skip
    with web_process(**SMALL) as url:
        open_overlay(page, url, project)
        page.locator("#overlay-track").scroll_into_view_if_needed()
        pointer.tap((track_x(page, 2.0, 4.0), track_y(page)))
        page.locator("#add-region").click()

        expect(page.locator("#overlay-message")).to_have_text(
            "A highlight is already here (1 to 3 s); select it to change it."
        )
        expect(page.locator(".regions-track .region.selected")).to_have_count(1)
        assert len(the_regions(project)) == 1


def decoded_frame(key: str, seconds: float) -> np.ndarray:
    with av.open(object_store().read_location(key)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds - 1e-3:
                return frame.to_ndarray(format="rgb24").astype(float)
    raise AssertionError(f"no frame at {seconds} s")


def test_the_exported_overlay_shows_the_default_highlight_on_grass(page, alice, media):
    project = with_working_video(alice, media, exported_by_job=True)
    with web_process(**SMALL) as url:
        region_at_half_a_second(page, url, project)
        page.locator(".export-start").click()
        expect(page.locator(".export-message")).to_have_text("Waiting for a worker…")
        job = ExportJob.objects.get(project=project, type="overlay")
        assert off_the_page_thread(worker.run_export, job.pk)
        expect(page.locator(".export-message")).to_have_text("Export complete.", timeout=30_000)
        expect(page.locator("#gallery-open")).to_have_attribute("href", "/gallery/")
        screenshots(page, "overlay-exported")

    job.refresh_from_db()
    assert job.status == "complete"
    [region] = job.config["regions"]
    ellipse = region["keyframes"][0]
    inside = decoded_frame(job.final_video.file_key, 1.5)
    after = decoded_frame(job.final_video.file_key, 3.5)
    x, y = round(ellipse["x"]), round(ellipse["y"])
    highlighted = inside[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3).mean(axis=0)
    grass = after[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3).mean(axis=0)
    corner = inside[5:12, 5:12].reshape(-1, 3).mean(axis=0)
    assert np.linalg.norm(highlighted - grass) > 80  # the highlight reads on grass
    assert highlighted[0] - grass[0] > 60  # towards yellow: much more red ...
    assert highlighted[2] < grass[2]  # ... less blue
    assert np.linalg.norm(corner - grass) < 12  # outside the ellipse the grass is untouched


def crop_edit_in_the_framing_editor(page, url: str, project: Project, pointer) -> None:
    page.goto(f"{url}/projects/{project.pk}/")
    page.wait_for_selector("main#page[data-page=framing][data-mounted=true]")
    crop = page.locator("#crop-box")
    crop.scroll_into_view_if_needed()
    pointer.drag(centre(crop), (-25, 0))
    expect(page.locator("#save-state")).to_have_text("Saved")


def test_a_framing_edit_shows_the_banner_and_discard_restores_the_exported_framing(device, alice, media):
    name, page, pointer = device
    project = with_working_video(alice, media, exported_by_job=True)
    exported = ProjectClip.objects.get(project=project).crop_keyframes
    with web_process(**SMALL) as url:
        open_overlay(page, url, project)
        expect(page.locator("#framing-changed")).to_be_hidden()

        # given a crop moved in the framing editor after the export
        crop_edit_in_the_framing_editor(page, url, project, pointer)
        assert ProjectClip.objects.get(project=project).crop_keyframes != exported
        cards = page.request.get(f"{url}/api/projects").json()["results"]
        assert next(c for c in cards if c["id"] == project.pk)["framing_changed_since_export"] is True

        # then the overlay editor says so
        page.goto(f"{url}/projects/{project.pk}/overlay/")
        page.wait_for_selector("main#page[data-page=overlay][data-mounted=true]")
        banner = page.locator("#framing-changed")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("The framing changed after this video was exported")
        no_sideways_scroll(page)
        screenshots(page, f"overlay-framing-changed-{name}", sizes=[SIZES[name][:2]])

        # when "Discard changes" is pressed
        page.locator("#framing-discard").click()

        # then the exported framing is back and nothing is flagged
        expect(banner).to_be_hidden()
        expect(page.locator("#overlay-message")).to_have_text("The framing is back as it was exported.")
        assert ProjectClip.objects.get(project=project).crop_keyframes == exported
        detail = page.request.get(f"{url}/api/projects/{project.pk}").json()
        assert detail["framing_changed_since_export"] is False


def test_export_again_renders_the_new_framing_and_the_banner_goes(page, alice, media):
    project = with_working_video(alice, media, exported_by_job=True)
    clip = ProjectClip.objects.get(project=project)
    moved = [{**clip.crop_keyframes[0], "x": clip.crop_keyframes[0]["x"] - 20}]
    ProjectClip.objects.filter(pk=clip.pk).update(crop_keyframes=moved, version=clip.version + 1)
    with web_process(**SMALL) as url:
        page.set_viewport_size({"width": 1366, "height": 768})
        open_overlay(page, url, project)
        expect(page.locator("#framing-changed")).to_be_visible()

        page.locator("#framing-export-again").click()
        expect(page.locator(".framing-banner-status")).to_contain_text("Exporting the framing")
        job = ExportJob.objects.get(project=project, type="framing", status="pending")
        assert job.config["clips"][0]["crop_keyframes"] == moved
        assert off_the_page_thread(worker.run_export, job.pk)

        # the page reloads onto the new framed video: no banner
        editor = "document.getElementById('page').overlayEditor"
        page.wait_for_function(
            f"() => {editor}?.project.working_video.id !== {project.working_video_id}", timeout=30_000
        )
        expect(page.locator("#framing-changed")).to_be_hidden()
    assert Project.objects.get(pk=project.pk).working_video.version == 2


def test_a_second_keyframe_the_effect_and_disabling_are_saved(page, alice, media):
    project = with_working_video(alice, media)
    with web_process(**SMALL) as url:
        region_at_half_a_second(page, url, project)

        # a handle dragged later in the region makes a second keyframe there
        page.evaluate("document.getElementById('page').overlayEditor.seek(2)")
        handle = page.evaluate(
            """() => { const e = document.getElementById('page').overlayEditor.activeEllipse().ellipse;
                       const c = document.getElementById('overlay-canvas').getBoundingClientRect();
                       const s = c.width / 120;
                       return [c.left + (e.x + e.radius_x) * s, c.top + e.y * s]; }"""
        )
        Pointer(page, touch=False).drag(tuple(handle), (15, 0))
        saved(page)
        expect(page.locator("#delete-keyframe")).to_be_enabled()

        # the effect, then the region disabled
        page.locator("label.segment-choice", has_text="Dim").click()
        page.locator("#toggle-region").click()
        expect(page.locator(".regions-track .region.disabled")).to_have_count(1)
        saved(page)

    overlay = Overlay.objects.get(project=project)
    assert overlay.effect_type == "dim"
    [region] = the_regions(project)
    assert region["enabled"] is False
    assert [k["time"] for k in region["keyframes"]] == [0.5, 2.0]
    assert region["keyframes"][1]["radius_x"] > region["keyframes"][0]["radius_x"]


def test_without_a_framed_video_the_editor_points_back(page, alice, media):
    project = ready_project(alice, media, [2.0])
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/projects/{project.pk}/overlay/")
        expect(page.get_by_text("This project has no framed video yet")).to_be_visible()
        expect(page.get_by_role("link", name="← Back to framing")).to_have_attribute(
            "href", f"/projects/{project.pk}/"
        )


def test_the_starter_label_shows_and_a_trimmed_away_highlight_is_named(device, alice, media):
    """The region the first framing export made carries the clip's name on the timeline;
    a highlight of the clip in time this project trims away is not drawn, and the panel
    says so (it stays on the clip for the projects that show that time)."""
    name, page, _ = device
    project = with_working_video(alice, media)
    project_clip = project.project_clips.get()
    ellipse = {"x": 160.0, "y": 90.0, "radius_x": 12.0, "radius_y": 20.0, "opacity": 0.5, "color": "#FFFF00"}
    ProjectClip.objects.filter(pk=project_clip.pk).update(segments={**project_clip.segments, "trim_end": 3.0})
    ClipHighlight.objects.filter(clip=project_clip.clip).update(
        regions=[
            {"id": "starter", "start_time": 0.0, "end_time": 2.0, "enabled": True, "label": "Brilliant Goal",
             "keyframes": [{"time": 0.0, **ellipse}]},
            {"id": "late", "start_time": 3.2, "end_time": 3.9, "enabled": True, "label": "Late run",
             "keyframes": [{"time": 3.2, **ellipse}]},
        ]
    )  # fmt: skip
    with web_process(**SMALL) as url:
        open_overlay(page, url, project)
        label = page.locator(".regions-track .region .region-label")
        expect(label).to_have_count(1)
        expect(label).to_have_text("Brilliant Goal")
        expect(label).to_be_visible()
        expect(page.locator("#overlay-notes")).to_have_text(
            "'Late run' is in time this project trims away, so it is not shown."
        )
        no_sideways_scroll(page)
        screenshots(page, f"overlay-label-{name}", sizes=[tuple(page.viewport_size.values())])

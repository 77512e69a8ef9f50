"""The framing editor as a person uses it, at a laptop (mouse) and a phone (touch)
size: trimming with the handle, clearing keyframes, a slower segment, an export
without sound at the best quality. Each checks the API, the database or the
decoded video, and leaves screenshots at both widths."""

from __future__ import annotations

import av
import pytest
from playwright.sync_api import expect

from exports import edits, worker
from exports.models import ExportJob, Overlay, Project
from games import pictures
from games.models import Game, PictureKind
from tests.browser.conftest import LAPTOP, PHONE, log_in, off_the_page_thread, screenshots
from tests.browser.test_project_pages import SMALL, centre, project_with_game_video
from tests.conftest import PASSWORD
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("framing-editor-media")


def open_editor(page, url: str, project) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, url, "alice", PASSWORD)
    page.goto(f"{url}/projects/{project.pk}/")
    try:
        page.wait_for_selector("main#page[data-page=framing][data-mounted=true]")
        expect(page.locator("#crop-box")).to_be_visible()
        # the timeline redraws once the video's length is known: wait for that,
        # so a test never grabs a handle that is about to be replaced
        page.wait_for_function(
            "(() => { const v = document.querySelector('video.source-video');"
            " return !v || v.readyState >= 1 || !!v.error; })()"
        )
        page.wait_for_timeout(100)
    except Exception as error:
        raise AssertionError(f"the framing editor did not start: {problems}") from error
    assert not problems, problems


def drag(page, size, start: tuple[float, float], delta: tuple[float, float]) -> None:
    """A mouse drag at the laptop size, a finger drag (CDP touch events, which the
    browser turns into pointer events of type touch) at the phone size."""
    end = (start[0] + delta[0], start[1] + delta[1])
    steps = [
        (start[0] + (end[0] - start[0]) * n / 6, start[1] + (end[1] - start[1]) * n / 6) for n in range(7)
    ]
    if size == LAPTOP:
        page.mouse.move(*start)
        page.mouse.down()
        for x, y in steps[1:]:
            page.mouse.move(x, y)
        page.mouse.up()
        return
    session = page.context.new_cdp_session(page)
    point = lambda x, y: [{"x": x, "y": y, "id": 1}]  # noqa: E731
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point(*start)})
    for x, y in steps[1:]:
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": point(x, y)})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def tap(page, size, selector: str) -> None:
    if size == PHONE:
        page.locator(selector).scroll_into_view_if_needed()
        page.tap(selector)
    else:
        page.click(selector)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_trim_start_handle_trims_and_leaves_the_keyframes(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    keyframes = [
        {"time": 0.0, "x": 0.0, "y": 0.0, "width": 101.25, "height": 180.0},
        {"time": 3.0, "x": 200.0, "y": 0.0, "width": 101.25, "height": 180.0},
    ]
    project_clip.crop_keyframes = keyframes
    project_clip.save()
    with web_process() as url:
        open_editor(page, url, project)
        expect(page.locator(".kf-marker")).to_have_count(2)
        handle = page.locator(".trim-handle.start")
        handle.scroll_into_view_if_needed()
        track = page.locator("#framing-track").bounding_box()
        x, y = centre(handle)
        drag(page, size, (x, y), (track["width"] / 4, 0))  # a quarter of 4 s
        expect(page.locator("#save-state")).to_have_text("Saved")

        project_clip.refresh_from_db()
        assert project_clip.segments["trim_start"] == pytest.approx(1.0, abs=0.15)
        assert project_clip.segments["trim_end"] == 4.0
        assert project_clip.crop_keyframes == keyframes  # the handle trims; it moves no keyframe
        answer = page.evaluate(
            "async (id) => (await (await fetch(`/api/projects/${id}`)).json()).clips[0].segments", project.pk
        )
        assert answer["trim_start"] == project_clip.segments["trim_start"]
        left = round((4.0 - project_clip.segments["trim_start"]) * 10) / 10
        expect(page.locator("#output-length")).to_contain_text(f"plays {left:g} s")
        no_sideways_scroll(page)
        screenshots(page, "framing-trim", sizes=(size,))

        # the crop box follows a drag (a finger on the phone): a keyframe at the playhead
        box = page.locator("#crop-box")
        box.scroll_into_view_if_needed()
        drag(page, size, centre(box), (40, 0))
        expect(page.locator(".kf-marker")).to_have_count(3)
        expect(page.locator("#save-state")).to_have_text("Saved")
        project_clip.refresh_from_db()
        added = [k for k in project_clip.crop_keyframes if k not in keyframes]
        assert len(added) == 1
        assert added[0]["time"] == pytest.approx(project_clip.segments["trim_start"], abs=0.01)
        assert added[0]["x"] > 0


def test_clear_keyframes_goes_back_to_the_default_crop_after_a_confirmation(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    project_clip.crop_keyframes = [
        {"time": 0.0, "x": 0.0, "y": 0.0, "width": 101.25, "height": 180.0},
        {"time": 2.0, "x": 150.0, "y": 20.0, "width": 90.0, "height": 160.0},
    ]
    project_clip.save()
    with web_process() as url:
        open_editor(page, url, project)
        expect(page.locator(".kf-marker")).to_have_count(2)

        # zoomed in, the crop box still sits on the same source pixels
        unzoomed = page.locator("#framing-stage").bounding_box()["width"]
        tap(page, size, "#zoom-in")
        tap(page, size, "#zoom-in")
        expect(page.locator(".zoom-label").first).to_have_text("200%")
        stage = page.locator("#framing-stage").bounding_box()
        box = page.locator("#crop-box").bounding_box()
        assert stage["width"] == pytest.approx(2 * unzoomed, abs=2)
        assert (box["width"] / stage["width"]) == pytest.approx(101.25 / 320, abs=0.01)
        assert ((box["x"] - stage["x"]) / stage["width"]) == pytest.approx(0.0, abs=0.01)
        screenshots(page, "framing-zoom", sizes=(size,))
        tap(page, size, "#zoom-out")
        tap(page, size, "#zoom-out")
        # the timeline zoomed in shows a shorter span: the keyframe at 2 s moves right
        before = centre(page.locator(".kf-marker").nth(1))[0]
        tap(page, size, "#track-zoom-in")
        assert centre(page.locator(".kf-marker").nth(1))[0] != pytest.approx(before, abs=2)

        tap(page, size, "#clear-keyframes")
        expect(page.locator("#clear-keyframes-yes")).to_be_visible()
        tap(page, size, "#clear-keyframes-no")  # kept
        expect(page.locator(".kf-marker")).to_have_count(2)
        tap(page, size, "#clear-keyframes")
        screenshots(page, "framing-clear", sizes=(size,))
        tap(page, size, "#clear-keyframes-yes")
        expect(page.locator(".kf-marker")).to_have_count(1)
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator("#keyframe-info")).to_contain_text("1 keyframe")

        project_clip.refresh_from_db()
        assert project_clip.crop_keyframes == edits.default_crop(320, 180, "9:16")


def test_a_slower_segment_plays_at_its_speed_and_lasts_longer(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    pictures.make_pictures(
        pictures.clip_source(project_clip.clip), [PictureKind.FILMSTRIP]
    )  # as the worker does
    with web_process() as url:
        open_editor(page, url, project)
        # the clip's frames under the timeline
        expect(page.locator(".framing-filmstrip")).to_be_visible()
        assert page.locator(".framing-filmstrip .filmstrip-tile").count() > 2
        expect(page.locator("#output-length")).to_contain_text("plays 4 s")
        page.locator("#segment-speed").scroll_into_view_if_needed()
        page.select_option("#segment-speed", "0.5")
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator("#output-length")).to_contain_text("plays 8 s")
        project_clip.refresh_from_db()
        assert project_clip.segments["speeds"] == [0.5]

        # played, the clock runs at half speed and so does the video
        tap(page, size, "#play")
        page.wait_for_timeout(1500)
        state = page.evaluate(
            """() => {
                const t = document.getElementById('page').framingEditor.transport;
                return { time: t.time, rate: t.video.playbackRate, speed: t.speed, muted: t.video.muted };
            }"""
        )
        tap(page, size, "#play")  # pause
        assert state["speed"] == 0.5
        assert state["rate"] == 0.5
        assert 0.3 < state["time"] < 1.2, state  # ~0.75 s of clip in 1.5 s
        assert state["muted"] is False  # the editor plays with sound
        tap(page, size, "#mute")
        expect(page.locator("#mute")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("document.querySelector('#framing-stage video').muted")
        no_sideways_scroll(page)
        screenshots(page, "framing-speed", sizes=(size,))


def test_an_export_without_sound_at_the_best_quality(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [2.0])
    with web_process(**SMALL) as url:
        open_editor(page, url, project)
        page.locator(".export-quality").scroll_into_view_if_needed()
        expect(page.locator(".export-quality option")).to_have_text(["Fast", "Best"])
        page.select_option(".export-quality", label="Best")
        page.locator(".export-audio").uncheck()
        tap(page, size, ".export-start")
        expect(page.locator(".export-message")).to_have_text("Waiting for a worker…")
        job = ExportJob.objects.get(project=project)
        assert (job.config["quality"], job.config["audio"]) == ("quality", False)

        assert off_the_page_thread(worker.run_export, job.pk)
        expect(page.locator(".export-message")).to_have_text("Export complete.", timeout=30_000)
        screenshots(page, "framing-export", sizes=(size,))
        job.refresh_from_db()
        assert job.status == "complete", job.error

    from games.objects import object_store

    # probed with PyAV (FFmpeg's own libraries; the project ships no ffprobe binary)
    with av.open(object_store().read_location(job.working_video.file_key)) as container:
        kinds = [stream.type for stream in container.streams]
    assert kinds == ["video"]


def test_without_a_probed_frame_rate_the_page_says_so_and_steps_are_off(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])
    Game.objects.filter(pk=project.project_clips.get().clip.game_id).update(video_fps=None)
    with web_process() as url:
        open_editor(page, url, project)
        expect(page.get_by_text("This game's frame rate is not known yet")).to_be_visible()
        expect(page.locator("#frame-forward")).to_be_disabled()
        page.keyboard.press("ArrowRight")  # no step, and no guessed rate
        assert page.evaluate("document.getElementById('page').framingEditor.transport.time") == 0
        no_sideways_scroll(page)


def test_frame_steps_use_the_probed_rate(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])  # 25 fps
    with web_process() as url:
        open_editor(page, url, project)
        tap(page, size, "#frame-forward")
        tap(page, size, "#frame-forward")
        expect(page.locator("#time-label")).to_have_text("0:00.0 / 0:04.0")
        assert page.evaluate("document.getElementById('page').framingEditor.transport.time") == pytest.approx(
            0.08
        )
        page.locator("body").press("ArrowRight")
        assert page.evaluate("document.getElementById('page').framingEditor.transport.time") == pytest.approx(
            0.12
        )


def test_a_project_without_clips_says_so_and_links_to_adding_some(editor_page, size, alice):
    page = editor_page
    project = Project.objects.create(owner=alice, name="Empty", aspect_ratio="9:16")
    Overlay.objects.create(project=project)
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        page.goto(f"{url}/projects/{project.pk}/")
        page.wait_for_selector("main#page[data-page=framing][data-mounted=true]")
        expect(page.get_by_text("This project has no clips yet")).to_be_visible()
        expect(page.get_by_role("link", name="Add clips")).to_have_attribute(
            "href", f"/projects/{project.pk}/edit/"
        )
        no_sideways_scroll(page)

"""The Follow control in the framing and the overlay editor, at a laptop (mouse) and a
phone (touch): the button is there and reachable, the box drawn on the video posts a
tracking job with that box in the clip's source pixels, the status says how it goes,
Cancel stops it; a finished track (written here as a worker would) shows the proposal
with its lost span on the timeline, Accept makes it the clip's crop keyframes or the
overlay's regions, and a click on the lost span continues the track (resume). In the
overlay editor the box goes through the framing the framed video was rendered from,
even after re-framing; Undo puts back what Accept replaced; a clip tracked before
(a reload) offers its tracked path. The tracker itself runs in
tests/browser/test_follow.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import ClipHighlight, JobStatus, ProjectClip, TrackingJob
from notifications.models import NotificationType
from notifications.service import send_progress
from tests.browser.conftest import LAPTOP, off_the_page_thread
from tests.browser.test_framing_editor import drag, no_sideways_scroll, open_editor, tap
from tests.browser.test_overlay_editor import open_overlay, with_working_video
from tests.browser.test_project_pages import project_with_game_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots/follow-ui")
UNDO_SHOTS = Path("/tmp/shots/follow-ui2")  # the re-framed overlay box, undo, a track after a reload
FPS = 25.0
LOST = (2.0, 2.4)  # clip seconds the made-up track lost the player in
DRAWN = (0.3, 0.3, 0.5, 0.7)  # the box dragged: left, top, right, bottom as shares of the stage


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("follow-controls-media")


def shot(page, name: str, folder: Path = SHOTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def made_track(seconds: float = 4.0) -> dict:
    """A player 20x40 px walking right across a 320x180 game, lost for a moment."""
    boxes = []
    for i in range(round(seconds * FPS)):
        t = i / FPS
        boxes.append(None if LOST[0] <= t < LOST[1] else [120.0 + 10 * t, 70.0, 20.0, 40.0])
    return {"fps": FPS, "frame_count": len(boxes), "boxes": boxes, "confidence": [0.9] * len(boxes)}


def draw_box(page, size, stage: str) -> None:
    """Press Follow player and drag the DRAWN box over the stage."""
    button = page.locator('[data-action="follow"]')
    button.scroll_into_view_if_needed()
    reachable(page, button)
    tap(page, size, '[data-action="follow"]')
    layer = page.locator(".follow-box")
    expect(layer).to_be_visible()
    expect(page.locator("[data-follow-status]")).to_contain_text("Draw a box")
    box = page.locator(stage).bounding_box()
    left, top, right, bottom = DRAWN
    start = (box["x"] + left * box["width"], box["y"] + top * box["height"])
    drag(page, size, start, ((right - left) * box["width"], (bottom - top) * box["height"]))


def reachable(page, locator) -> None:
    """On the screen's width, not covered: a person can press it."""
    box = locator.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"] + 1
    assert box["height"] >= 28  # a finger's target


def posted_job(page, clip) -> TrackingJob:
    expect(page.locator("[data-follow-status]")).to_contain_text("Following")
    expect(page.locator('[data-action="follow-cancel"]')).to_be_visible()
    return TrackingJob.objects.get(clip=clip, status=JobStatus.PENDING)


def finish(job: TrackingJob) -> None:
    """What the worker's finish writes."""
    TrackingJob.objects.filter(pk=job.pk).update(
        status=JobStatus.COMPLETE, track=made_track(), completed_at=timezone.now()
    )


def test_follow_in_the_framing_editor(editor_page, size, alice, media):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    with web_process() as url:
        open_editor(page, url, project)
        expect(page.locator('[data-action="follow"]')).to_have_text("Follow player")

        # when a box is drawn around the player
        draw_box(page, size, "#framing-stage")

        # then a job follows the player from that box, in the game's pixels, at the playhead
        job = posted_job(page, clip)
        assert job.config["time"] == pytest.approx(0.0, abs=0.05)
        left, top, right, bottom = DRAWN
        assert job.config["box"] == pytest.approx(
            [left * 320, top * 180, (right - left) * 320, (bottom - top) * 180], abs=3
        )
        no_sideways_scroll(page)

        # while a worker tracks, the progress from the socket is shown
        TrackingJob.objects.filter(pk=job.pk).update(status=JobStatus.PROCESSING)
        data = {"job_id": job.pk, "clip_id": clip.pk, "task_id": job.pk}
        off_the_page_thread(
            send_progress, alice, job.pk, 42, clip.label, NotificationType.TRACKING_PROGRESS, data=data
        )
        expect(page.locator("[data-follow-status]")).to_have_text("Following… 42 %")
        page.wait_for_timeout(1500)  # a poll of the job does not take it back
        expect(page.locator("[data-follow-status]")).to_have_text("Following… 42 %")
        shot(page, "framing-following")

        # when it finishes
        finish(job)

        # then the proposal is outlined on the stage and its lost span is on the timeline
        expect(page.locator('[data-action="follow-accept"]')).to_be_visible()
        status = page.locator("[data-follow-status]")
        expect(status).to_contain_text("90 %")
        expect(status).not_to_contain_text("Following")
        expect(page.locator("#framing-stage .follow-preview")).to_be_visible()
        lost = page.locator("#framing-track .follow-lost")
        expect(lost).to_have_count(1)
        expect(lost).to_have_attribute("title", "lost — click the player again")
        shot(page, "framing-proposal")

        # when it is accepted
        proposal = page.request.get(
            f"{url}/api/projects/{project.pk}/clips/{project_clip.pk}/follow?target=framing"
        ).json()
        tap(page, size, '[data-action="follow-accept"]')

        # then the clip's crop keyframes are the proposal's, its highlight has the player
        expect(page.locator('[data-action="follow-accept"]')).to_be_hidden()
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator(".kf-marker")).to_have_count(len(proposal["crop_keyframes"]))
        project_clip.refresh_from_db()
        assert project_clip.crop_keyframes == proposal["crop_keyframes"]
        highlight = page.request.get(f"{url}/api/clips/{clip.pk}/highlight").json()
        assert [r["id"] for r in highlight["regions"]] == [r["id"] for r in proposal["regions"]]

        # when the lost span is clicked and the player boxed again
        lost.scroll_into_view_if_needed()
        tap(page, size, "#framing-track .follow-lost")
        expect(page.locator(".follow-box")).to_be_visible()
        expect(status).to_contain_text("continue")
        stage = page.locator("#framing-stage").bounding_box()
        drag(page, size, (stage["x"] + 0.4 * stage["width"], stage["y"] + 0.3 * stage["height"]), (40, 60))

        # then the track is continued from there
        resumed = posted_job(page, clip)
        assert resumed.config["resume_of"] == job.pk
        assert resumed.config["time"] == pytest.approx(LOST[0], abs=0.05)

        # and Cancel stops it
        # Chromium takes a tap right after a touch drag as part of that gesture (no click)
        page.wait_for_timeout(1000)
        tap(page, size, '[data-action="follow-cancel"]')
        expect(status).to_contain_text("cancelled")
        resumed.refresh_from_db()
        assert resumed.status == JobStatus.CANCELLED
        no_sideways_scroll(page)
        shot(page, "framing-cancelled")


def test_follow_in_the_overlay_editor(editor_page, size, alice, media):
    page = editor_page
    project = with_working_video(alice, media, exported_by_job=True)
    clip = project.project_clips.get().clip
    with web_process(OUTPUT_SHORT_SIDE="120") as url:
        open_overlay(page, url, project)

        # when a box is drawn on the framed video
        draw_box(page, size, "#overlay-stage")

        # then the job has it in the clip's pixels, through the crop the video was framed by
        # (the default 9:16 crop of the 320x180 game: 101 px wide from x 110)
        job = posted_job(page, clip)
        left, top, right, bottom = DRAWN
        crop_x, crop_w, crop_h = 110.0, 101.0, 101.0 * 16 / 9
        assert job.config["box"] == pytest.approx(
            [crop_x + left * crop_w, top * crop_h, (right - left) * crop_w, (bottom - top) * crop_h], abs=3
        )
        shot(page, "overlay-following")

        # when it finishes
        finish(job)

        # then the ellipse is previewed and the lost span lies on the regions' timeline
        expect(page.locator('[data-action="follow-accept"]')).to_be_visible()
        expect(page.locator("#overlay-stage .follow-preview.ellipse")).to_be_visible()
        expect(page.locator("#overlay-track .follow-lost")).to_have_count(1)
        no_sideways_scroll(page)
        shot(page, "overlay-proposal")

        # when it is accepted
        tap(page, size, '[data-action="follow-accept"]')

        # then the overlay's regions are the proposal's framed regions (two: before and after the loss)
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator("#overlay-track .region")).to_have_count(2)
        overlay = page.request.get(f"{url}/api/projects/{project.pk}/overlay").json()
        assert len(overlay["regions"]) == 2
        first = overlay["regions"][0]
        assert first["start_time"] == pytest.approx(0.0, abs=0.05)
        assert first["end_time"] == pytest.approx(LOST[0], abs=0.1)
        shot(page, "overlay-accepted")


def test_the_follow_status_says_why_a_box_is_refused(page, alice, media):
    """A click (no drag) is not a box; a clip still being cut is a sentence from the server."""
    size = LAPTOP
    project = project_with_game_video(alice, media, [4.0])
    clip = project.project_clips.get().clip
    clip.extraction_status = "pending"
    clip.save(update_fields=["extraction_status"])
    with web_process() as url:
        open_editor(page, url, project)
        tap(page, size, '[data-action="follow"]')
        stage = page.locator("#framing-stage").bounding_box()
        page.mouse.click(stage["x"] + 50, stage["y"] + 50)
        status = page.locator("[data-follow-status]")
        expect(status).to_contain_text("Drag a box")
        drag(page, size, (stage["x"] + 40, stage["y"] + 30), (50, 60))
        expect(status).to_contain_text("still being cut")
        assert not TrackingJob.objects.filter(clip=clip).exists()


def tracked_before(clip) -> TrackingJob:
    """A track a worker finished on an earlier visit."""
    return TrackingJob.objects.create(
        owner=clip.game.owner, clip=clip, status=JobStatus.COMPLETE, clip_file_key=clip.file_key,
        config={"time": 0.0, "box": [120.0, 70.0, 20.0, 40.0], "resume_of": None}, track=made_track(),
        completed_at=timezone.now(),
    )  # fmt: skip


def test_the_overlay_box_goes_through_the_exported_framing_and_accept_can_be_undone(
    editor_page, size, alice, media
):
    page = editor_page
    project = with_working_video(alice, media, exported_by_job=True)
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    # given the framing moved on after the framed video was exported: the crop now at the left edge
    exported_crop = project_clip.crop_keyframes
    ProjectClip.objects.filter(pk=project_clip.pk).update(crop_keyframes=[{**exported_crop[0], "x": 0.0}])
    with web_process(OUTPUT_SHORT_SIDE="120") as url:
        open_overlay(page, url, project)

        # when a box is drawn on the framed video
        draw_box(page, size, "#overlay-stage")

        # then the job has it in the clip's pixels through the EXPORTED crop (101 px wide from x 110),
        # not the current one (from x 0)
        job = posted_job(page, clip)
        left, top, right, bottom = DRAWN
        crop_x, crop_w, crop_h = 110.0, 101.0, 101.0 * 16 / 9
        assert job.config["box"] == pytest.approx(
            [crop_x + left * crop_w, top * crop_h, (right - left) * crop_w, (bottom - top) * crop_h], abs=3
        )

        # when it finishes and is accepted
        finish(job)
        tap(page, size, '[data-action="follow-accept"]')
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator("#overlay-track .region")).to_have_count(2)

        # then Undo is offered, reachable
        undo = page.locator('[data-action="follow-undo"]')
        expect(undo).to_be_visible()
        expect(undo).to_have_text("Undo")
        reachable(page, undo)
        no_sideways_scroll(page)
        shot(page, "overlay-accepted-undo", UNDO_SHOTS)

        # when it is pressed
        tap(page, size, '[data-action="follow-undo"]')

        # then the regions are back as before Accept (none), saved, and Undo is gone
        expect(page.locator("#overlay-track .region")).to_have_count(0)
        expect(undo).to_be_hidden()
        expect(page.locator("[data-follow-status]")).to_contain_text("Undone")
        expect(page.locator("#save-state")).to_have_text("Saved")
        assert page.request.get(f"{url}/api/projects/{project.pk}/overlay").json()["regions"] == []
        assert ClipHighlight.objects.get(clip=clip).regions == []


def test_a_track_made_before_is_offered_after_a_reload_and_accept_is_undone_in_the_framing_editor(
    editor_page, size, alice, media
):
    page = editor_page
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    crop_before = project_clip.crop_keyframes
    # given the clip's highlight has a region of its own, and a track finished on an earlier visit
    own = {
        "id": "own", "start_time": 0.5, "end_time": 1.5, "enabled": True,
        "keyframes": [{"time": 0.5, "x": 100.0, "y": 90.0, "radius_x": 20.0, "radius_y": 30.0,
                       "opacity": 0.5, "color": "#FF0000"}],
    }  # fmt: skip
    ClipHighlight.objects.update_or_create(clip=clip, defaults={"regions": [own], "version": 3})
    tracked_before(clip)
    with web_process() as url:
        # when the framing editor opens that clip
        open_editor(page, url, project)

        # then the status says so and offers the tracked path
        status = page.locator("[data-follow-status]")
        expect(status).to_contain_text("tracked before")
        expect(status).to_contain_text("90 %")
        show = page.locator('[data-action="follow-show"]')
        expect(show).to_have_text("Show the tracked path")
        reachable(page, show)
        no_sideways_scroll(page)
        shot(page, "framing-tracked-before", UNDO_SHOTS)

        # when it is pressed
        tap(page, size, '[data-action="follow-show"]')

        # then the proposal is shown as after a fresh track: outline, lost span, accept and discard
        expect(page.locator('[data-action="follow-accept"]')).to_be_visible()
        expect(page.locator('[data-action="follow-discard"]')).to_be_visible()
        expect(show).to_be_hidden()
        expect(page.locator("#framing-stage .follow-preview")).to_be_visible()
        expect(page.locator("#framing-track .follow-lost")).to_have_count(1)
        shot(page, "framing-tracked-path", UNDO_SHOTS)

        # when it is accepted
        proposal = page.request.get(
            f"{url}/api/projects/{project.pk}/clips/{project_clip.pk}/follow?target=framing"
        ).json()
        tap(page, size, '[data-action="follow-accept"]')
        expect(page.locator("#save-state")).to_have_text("Saved")
        project_clip.refresh_from_db()
        assert project_clip.crop_keyframes == proposal["crop_keyframes"]
        # the proposal's highlight replaced the region it overlaps in time
        ids = [r["id"] for r in ClipHighlight.objects.get(clip=clip).regions]
        assert ids == [r["id"] for r in proposal["regions"]]

        # when Undo is pressed
        undo = page.locator('[data-action="follow-undo"]')
        expect(undo).to_be_visible()
        reachable(page, undo)
        shot(page, "framing-accepted-undo", UNDO_SHOTS)
        tap(page, size, '[data-action="follow-undo"]')

        # then the crop keyframes and the clip's highlight are back as they were, and Undo is gone
        expect(undo).to_be_hidden()
        expect(status).to_contain_text("Undone")
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator(".kf-marker")).to_have_count(len(crop_before))
        project_clip.refresh_from_db()
        assert project_clip.crop_keyframes == crop_before
        assert ClipHighlight.objects.get(clip=clip).regions == [own]


def test_undo_goes_away_after_the_next_crop_edit_and_a_stale_highlight_says_so(page, alice, media):
    size = LAPTOP
    project = project_with_game_video(alice, media, [4.0])
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    tracked_before(clip)
    with web_process() as url:
        open_editor(page, url, project)
        tap(page, size, '[data-action="follow-show"]')
        tap(page, size, '[data-action="follow-accept"]')
        undo = page.locator('[data-action="follow-undo"]')
        expect(undo).to_be_visible()

        # when the crop is edited after Accept (a keyframe added)
        tap(page, size, "#add-keyframe")

        # then Undo is gone: it would drop that edit
        expect(undo).to_be_hidden()

        # given a second Accept, and another tab writing the clip's highlight meanwhile
        page.reload()
        page.wait_for_selector("main#page[data-page=framing][data-mounted=true]")
        tap(page, size, '[data-action="follow-show"]')
        tap(page, size, '[data-action="follow-accept"]')
        expect(undo).to_be_visible()
        expect(page.locator("#save-state")).to_have_text("Saved")
        ClipHighlight.objects.filter(clip=clip).update(version=99)

        # when Undo is pressed, the page shows its usual stale message and says why
        tap(page, size, '[data-action="follow-undo"]')
        expect(page.locator("#save-state")).to_have_text("Not saved")
        expect(page.locator("[data-follow-status]")).to_contain_text("another tab")

"""The Follow control in the framing and the overlay editor, at a laptop (mouse) and a
phone (touch): the button is there and reachable, the box drawn on the video posts a
tracking job with that box in the clip's source pixels, the status says how it goes,
Cancel stops it; a finished track (written here as a worker would) shows the proposal
with its lost span on the timeline, Accept makes it the clip's crop keyframes or the
overlay's regions, and a click on the lost span continues the track (resume). The
tracker itself runs in tests/browser/test_follow.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import JobStatus, TrackingJob
from notifications.models import NotificationType
from notifications.service import send_progress
from tests.browser.conftest import LAPTOP, off_the_page_thread
from tests.browser.test_framing_editor import drag, no_sideways_scroll, open_editor, tap
from tests.browser.test_overlay_editor import open_overlay, with_working_video
from tests.browser.test_project_pages import project_with_game_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots/follow-ui")
FPS = 25.0
LOST = (2.0, 2.4)  # clip seconds the made-up track lost the player in
DRAWN = (0.3, 0.3, 0.5, 0.7)  # the box dragged: left, top, right, bottom as shares of the stage


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("follow-controls-media")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


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

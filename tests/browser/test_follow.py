"""Follow the player, end to end in a real browser (issue 15's "done when"): a game
whose video is a generated match scene with ground truth (tests/scene_media.py); in
the framing editor the user draws a box around the target, the tracking job runs,
the proposal is accepted and the framing exported; in the overlay editor the
highlight is accepted (or followed there) and the final video exported. Each video
is decoded and the player found in its pixels: inside the crop, near the chosen
anchor, and under the highlight's ellipse."""

from __future__ import annotations

import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from exports import edits, jobs, tasks, worker
from exports.models import ClipHighlight, ExportJob, Overlay, Project, ProjectClip, TrackingJob
from exports.render.camera import crop_keyframes_from_track, to_framed
from exports.render.clip_frames import read_clip
from games.objects import object_store
from tests.browser.conftest import LAPTOP, PHONE, off_the_page_thread
from tests.browser.test_framing_editor import drag, no_sideways_scroll, open_editor, tap
from tests.scene_media import (
    SEED,
    cut_clip,
    frame_index,
    match_scene,
    scene_game,
    scene_video,
    target_box,
    target_centre,
)
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

OUTPUT = {"OUTPUT_SHORT_SIDE": "180"}  # 9:16 renders at 180x320: the crop (202x360) at about its size
CLIP = (1.0, 5.0)  # game seconds: on the scene's keyframes, so the cut is a stream copy
SHOTS = Path("/tmp/shots/e2e")
STEP = 60_000  # ms: a wait for a step a worker does


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("follow-media")


@pytest.fixture
def scene():
    return match_scene()


def follow_project(owner, media: Path, seed: int = SEED, aspect: str = "9:16") -> Project:
    """A one-clip project of the scene's clip, framed by default (the centre)."""
    game = scene_game(owner, scene_video(media, seed))
    clip = cut_clip(game, *CLIP)
    project = Project.objects.create(owner=owner, name="Follow", aspect_ratio=aspect)
    Overlay.objects.create(project=project)
    ProjectClip.objects.create(
        project=project, clip=clip, position=1,
        crop_keyframes=edits.default_crop(game.video_width, game.video_height, aspect),
        segments=edits.default_segments(clip.duration),
    )  # fmt: skip
    return project


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


# --- the page ------------------------------------------------------------------------------


def on_screen(page, video_selector: str, box: tuple[float, float, float, float], size: tuple[int, int]):
    """A box in the video's pixels (`size` wide and high) -> page pixels, through the
    video element's displayed picture (its box less any letterboxing)."""
    rect = page.evaluate(
        """(selector) => {
            const v = document.querySelector(selector);
            const r = v.getBoundingClientRect();
            return {x: r.left, y: r.top, width: r.width, height: r.height};
        }""",
        video_selector,
    )
    scale = min(rect["width"] / size[0], rect["height"] / size[1])
    left = rect["x"] + (rect["width"] - size[0] * scale) / 2
    top = rect["y"] + (rect["height"] - size[1] * scale) / 2
    x, y, w, h = box
    return left + x * scale, top + y * scale, w * scale, h * scale


def draw_follow_box(page, size, video_selector: str, box, video_size) -> None:
    """Press Follow and drag a box (a few pixels around `box`) over the video."""
    tap(page, size, '[data-action="follow"]')
    expect(page.locator(".follow-box")).to_be_visible()
    pad = 3
    x, y, w, h = box
    left, top, width, height = on_screen(
        page, video_selector, (x - pad, y - pad, w + 2 * pad, h + 2 * pad), video_size
    )
    drag(page, size, (left, top), (width, height))


def run_the_tracking(page, clip) -> TrackingJob:
    """The job the page posted, run as the worker does; the page shows its progress
    (over the socket) and its end."""
    status = page.locator("[data-follow-status]")
    expect(status).to_contain_text("Following", timeout=STEP)
    page.evaluate(
        """() => {
            const status = document.querySelector('[data-follow-status]');
            window.__followTexts = [];
            new MutationObserver(() => window.__followTexts.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    job = TrackingJob.objects.get(clip=clip, status="pending")
    off_the_page_thread(tasks.run_tracking, job.pk)
    job.refresh_from_db()
    assert job.status == "complete", job.error
    expect(page.locator('[data-action="follow-accept"]')).to_be_visible(timeout=STEP)
    expect(status).not_to_contain_text("Following")
    expect(status).to_contain_text(re.compile(r"\d+\s*%"))
    shown = progress_shown(page)
    assert shown == sorted(shown), shown  # never back (the socket and the polled heartbeat)
    return job


def progress_shown(page) -> list[int]:
    """The percentages the status showed while the last tracking job ran."""
    texts = " ".join(page.evaluate("window.__followTexts"))
    return [int(n) for n in re.findall(r"Following… (\d+) %", texts)]


def export_through_the_page(page, size, project: Project, job_type: str) -> ExportJob:
    page.locator(".export-start").scroll_into_view_if_needed()
    tap(page, size, ".export-start")
    expect(page.locator(".export-message")).to_have_text("Waiting for a worker…")
    job = ExportJob.objects.get(project=project, type=job_type, status="pending")
    assert off_the_page_thread(worker.run_export, job.pk)
    expect(page.locator(".export-message")).to_have_text("Export complete.", timeout=STEP)
    job.refresh_from_db()
    assert job.status == "complete", job.error
    return job


# --- the decoded videos ----------------------------------------------------------------------


def decoded(key: str, every: int = 5) -> list[tuple[float, np.ndarray]]:
    """Every `every`-th frame of a stored video: (its time from the first frame, RGB as
    floats). A stream-copied cut starts at its first B-frame delay, not at 0."""
    frames, first = [], None
    with av.open(object_store().read_location(key)) as container:
        for n, frame in enumerate(container.decode(video=0)):
            first = frame.time if first is None else first
            if n % every == 0:
                time = round(float(frame.time - first), 6)
                frames.append((time, frame.to_ndarray(format="rgb24").astype(np.float64)))
    assert frames, "the video has no frames"
    return frames


def framed_target(scene, clip, config_clip: dict, output_size, clip_time: float) -> np.ndarray:
    """The target's box corners at `clip_time`, through the exported crop, in the
    framed video's pixels: [[left, top], [right, bottom]]."""
    x, y, w, h = target_box(scene, clip, clip_time)
    corners, _ = to_framed(
        [(x, y), (x + w, y + h)], [clip_time, clip_time], config_clip["crop_keyframes"],
        config_clip["segments"], tuple(config_clip["source_size"]), tuple(output_size),
    )  # fmt: skip
    return corners


def kit_red(frame: np.ndarray) -> np.ndarray:
    """The target team's bright red (shirt, socks), not the look-alike dark red."""
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    return (r > 160) & (g < 100) & (b < 100)


def assert_the_player_is_in_the_crop(scene, clip, job: ExportJob) -> None:
    """On sampled frames of the working video the target (ground truth through the
    exported crop) is inside the picture, near its middle, and its red kit is there."""
    [config_clip] = job.config["clips"]
    width, height = job.config["output_size"]
    frames = decoded(job.working_video.file_key)
    assert len(frames) >= 15
    for time, frame in frames:
        (left, top), (right, bottom) = framed_target(scene, clip, config_clip, (width, height), time)
        assert left >= 0, (time, left)
        assert right <= width, (time, right)
        assert top >= 0, (time, top)
        assert bottom <= height, (time, bottom)
        centre_x = (left + right) / 2
        assert abs(centre_x - width / 2) < 0.2 * width, (time, centre_x)  # near the anchor (0.5)
        # measured: the red kit's pixels around where the player should be
        pad = (right - left) / 2
        window = frame[max(0, round(top)) : round(bottom), max(0, round(left - pad)) : round(right + pad)]
        red = np.argwhere(kit_red(window))
        assert len(red) > 10, f"no red kit where the player should be at {time:.2f} s"
        found_x = max(0, round(left - pad)) + red[:, 1].mean()
        assert abs(found_x - centre_x) < 0.6 * (right - left) + 2, (time, found_x, centre_x)


def assert_the_ellipse_surrounds_the_player(scene, clip, final: ExportJob, working_key: str) -> None:
    """On sampled frames inside the highlight, the final video is tinted (against the
    working video, rendered from the same clip and crop) on a patch that holds the
    target's position; far from it nothing changed."""
    [config_clip] = final.config["clips"]
    width, height = final.config["size"]
    regions = final.config["regions"]
    assert regions, "the final video has no highlight"
    working = dict(decoded(working_key))
    checked = 0
    for time, frame in decoded(final.final_video.file_key):
        inside = any(r["start_time"] + 0.1 <= time <= r["end_time"] - 0.1 for r in regions if r["enabled"])
        if not inside or time not in working:
            continue
        (left, top), (right, bottom) = framed_target(scene, clip, config_clip, (width, height), time)
        tint = (frame[..., 0] + frame[..., 1] - frame[..., 2]) - (
            working[time][..., 0] + working[time][..., 1] - working[time][..., 2]
        )
        tinted = (tint > 30).astype(np.uint8)
        # The ellipse is the largest tinted patch; the two encodes' noise on the grass
        # can leave a few lone pixels past the threshold elsewhere.
        count, labels, stats, _ = cv2.connectedComponentsWithStats(tinted, connectivity=8)
        assert count > 1, f"no highlight at {time:.2f} s"
        blob = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        ys, xs = np.nonzero(labels == blob)
        assert len(xs) > 50, f"no highlight at {time:.2f} s"
        assert len(xs) > 0.9 * tinted.sum(), (time, len(xs), tinted.sum())  # one patch, not scattered tint
        centre = ((left + right) / 2, (top + bottom) / 2)
        assert xs.min() <= centre[0] <= xs.max(), (time, centre)
        assert ys.min() <= centre[1] <= ys.max(), (time, centre)
        assert abs(xs.mean() - centre[0]) < (right - left), (time, xs.mean(), centre)
        assert xs.max() - xs.min() < 0.8 * width  # an ellipse on the player, not a wash over the picture
        rows, columns = np.mgrid[0:height, 0:width]
        far = np.hypot(columns - centre[0], rows - centre[1]) > 2 * (bottom - top)
        assert np.abs(frame - working[time])[far].mean() < 4, time  # elsewhere the picture is the same
        checked += 1
    assert checked >= 5, f"only {checked} sampled frames lay inside the highlight"


def centre_errors(scene, clip, track: dict, frames: range | None = None) -> list[float]:
    """How far (source pixels) the track's box centres are from the target's, on the
    frames where it found the player."""
    boxes, fps = track["boxes"], track["fps"]
    return [
        float(np.hypot(*np.subtract(target_centre(scene, clip, i / fps), (b[0] + b[2] / 2, b[1] + b[3] / 2))))
        for i, b in enumerate(boxes)
        if b is not None and (frames is None or i in frames)
    ]


def nearest_scene_frame(picture: np.ndarray, scene, expected: int, crop=None) -> int:
    """Which of the scene's frames around `expected` a decoded picture shows (through
    `crop`, x, y, width, height in source pixels, scaled to the picture's size)."""
    height, width = picture.shape[:2]

    def seen(i: int) -> np.ndarray:
        frame = scene[i]
        if crop is not None:
            x, y, w, h = (round(v) for v in crop)
            frame = cv2.resize(frame[y : y + h, x : x + w], (width, height), interpolation=cv2.INTER_AREA)
        return frame.astype(np.float64)

    near = range(max(0, expected - 3), min(len(scene), expected + 4))
    return min(near, key=lambda i: np.abs(picture - seen(i)).mean())


# --- the tests -------------------------------------------------------------------------------


def test_the_scene_clip_shows_the_target_where_the_ground_truth_says(alice, media, scene):
    """The media the browser tests rely on: the cut clip's decoded frames have the
    target's red kit inside its ground-truth box, and little of it just beside."""
    clip = cut_clip(scene_game(alice, scene_video(media)), *CLIP)
    assert clip.duration == pytest.approx(4.0)
    frames = [(time, frame) for time, frame in decoded(clip.file_key, every=20) if time < clip.duration]
    assert [time for time, _ in frames] == pytest.approx([0, 0.8, 1.6, 2.4, 3.2])
    for time, frame in frames:
        x, y, w, h = (round(v) for v in target_box(scene, clip, time))
        on_it = kit_red(frame[y : y + h, x : x + w]).mean()
        beside = kit_red(frame[y : y + h, x + 2 * w : x + 3 * w]).mean()
        assert on_it > 0.15, (time, on_it)
        assert beside < 0.05, (time, beside)


def test_follow_in_the_framing_editor_keeps_the_player_in_the_exported_crop(
    editor_page, size, alice, media, scene
):
    page = editor_page
    project = follow_project(alice, media)
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    with web_process(**OUTPUT) as url:
        open_editor(page, url, project)

        # given a box drawn around the target at the clip's start (the playhead's place)
        follow = page.locator('[data-action="follow"]')
        follow.scroll_into_view_if_needed()
        expect(follow).to_have_text("Follow player")
        drawn = target_box(scene, clip, 0.0)
        draw_follow_box(page, size, "#framing-stage video", drawn, (scene.width, scene.height))
        shot(page, "framing-following")

        # when the tracking job has run
        job = run_the_tracking(page, clip)
        assert any(0 < n < 100 for n in progress_shown(page)), progress_shown(page)  # it moved on the way
        assert job.config["time"] == pytest.approx(0.0, abs=0.05)
        assert job.config["box"] == pytest.approx(
            [drawn[0] - 3, drawn[1] - 3, drawn[2] + 6, drawn[3] + 6], abs=3
        )  # what was drawn, in the video's pixels
        errors = centre_errors(scene, clip, job.track)
        assert len(errors) >= 0.95 * len(job.track["boxes"])  # found nearly throughout ...
        assert np.mean(errors) <= 0.02 * scene.height, errors  # ... on the player: issue 15's figure
        shot(page, "framing-proposal")

        # then the proposal, accepted, is the clip's crop path and its highlight
        proposal = page.request.get(
            f"{url}/api/projects/{project.pk}/clips/{project_clip.pk}/follow?target=framing"
        ).json()
        assert len(proposal["crop_keyframes"]) > 1
        tap(page, size, '[data-action="follow-accept"]')
        expect(page.locator('[data-action="follow-accept"]')).to_be_hidden()
        expect(page.locator("#save-state")).to_have_text("Saved")
        project_clip.refresh_from_db()
        saved = project_clip.crop_keyframes
        assert [k["time"] for k in saved] == pytest.approx([k["time"] for k in proposal["crop_keyframes"]])
        assert [k["x"] for k in saved] == pytest.approx([k["x"] for k in proposal["crop_keyframes"]], abs=1)
        expect(page.locator(".kf-marker")).to_have_count(len(saved))
        highlight = page.request.get(f"{url}/api/clips/{clip.pk}/highlight").json()
        assert highlight["regions"], "the accepted highlight is not on the clip"
        no_sideways_scroll(page)
        shot(page, "framing-accepted")

        # and the exported framing has the player inside the crop, near the middle
        framing = export_through_the_page(page, size, project, "framing")
        exported = framing.config["clips"][0]["crop_keyframes"]
        assert [k["time"] for k in exported] == pytest.approx([k["time"] for k in saved])
        assert_the_player_is_in_the_crop(scene, clip, framing)
        shot(page, "framing-exported")
        if size == PHONE:
            return

        # --- the overlay editor shows the accepted highlight; the final video has it ------
        page.goto(f"{url}/projects/{project.pk}/overlay/")
        page.wait_for_selector("main#page[data-page=overlay][data-mounted=true]")
        expect(page.locator(".regions-track .region").first).to_be_visible()
        shot(page, "overlay-carried")
        final = export_through_the_page(page, size, project, "overlay")
        assert_the_ellipse_surrounds_the_player(scene, clip, final, framing.working_video.file_key)


def test_follow_in_the_overlay_editor_puts_the_ellipse_on_the_player(editor_page, size, alice, media, scene):
    """The framing (following the ground truth) exported; in the overlay editor the
    user follows the player on the framed video, discards the proposal, follows again
    and accepts the highlight."""
    page = editor_page
    project = follow_project(alice, media)
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    times = np.arange(round(clip.duration * scene.fps) + 1) / scene.fps
    boxes = [target_box(scene, clip, t) for t in times]
    project_clip.crop_keyframes = crop_keyframes_from_track(
        times, boxes, source_size=(scene.width, scene.height), aspect=9 / 16
    )
    project_clip.save()
    with web_process(**OUTPUT) as url:
        open_editor(page, url, project)
        framing = export_through_the_page(page, size, project, "framing")
        [config_clip] = framing.config["clips"]
        framed_size = tuple(framing.config["output_size"])
        [starter] = ClipHighlight.objects.get(clip=clip).regions  # made by the first framing export
        page.goto(f"{url}/projects/{project.pk}/overlay/")
        page.wait_for_selector("main#page[data-page=overlay][data-mounted=true]")
        page.wait_for_function("document.querySelector('#overlay-stage video').readyState >= 2")
        expect(page.locator(".regions-track .region")).to_have_count(1)
        (left, top), (right, bottom) = framed_target(scene, clip, config_clip, framed_size, 0.0)
        on_the_player = (left, top, right - left, bottom - top)

        # given a first proposal, discarded: nothing changes
        draw_follow_box(page, size, "#overlay-stage video", on_the_player, framed_size)
        run_the_tracking(page, clip)
        tap(page, size, '[data-action="follow-discard"]')
        expect(page.locator('[data-action="follow-accept"]')).to_be_hidden()
        expect(page.locator('[data-action="follow-discard"]')).to_be_hidden()
        assert ClipHighlight.objects.get(clip=clip).regions == [starter]

        # when the player is boxed on the framed video and followed again
        draw_follow_box(page, size, "#overlay-stage video", on_the_player, framed_size)
        shot(page, "overlay-following")
        job = run_the_tracking(page, clip)
        shot(page, "overlay-proposal")

        # then the job was given the box in the clip's own pixels and times
        assert job.config["time"] == pytest.approx(0.0, abs=0.05)
        x, y, w, h = target_box(scene, clip, 0.0)
        assert job.config["box"][0] + job.config["box"][2] / 2 == pytest.approx(x + w / 2, abs=3)
        assert job.config["box"][1] + job.config["box"][3] / 2 == pytest.approx(y + h / 2, abs=3)

        # and accepted, the highlight follows the player and takes the starter's place
        tap(page, size, '[data-action="follow-accept"]')
        expect(page.locator("#save-state")).to_have_text("Saved")
        regions = ClipHighlight.objects.get(clip=clip).regions
        assert starter["id"] not in [r["id"] for r in regions]
        assert sum(r["end_time"] - r["start_time"] for r in regions) > 0.9 * clip.duration
        assert all(len(r["keyframes"]) > 2 for r in regions)  # it moves with the player
        expect(page.locator(".regions-track .region")).to_have_count(len(regions))
        no_sideways_scroll(page)
        shot(page, "overlay-accepted")
        final = export_through_the_page(page, size, project, "overlay")
    assert_the_ellipse_surrounds_the_player(scene, clip, final, framing.working_video.file_key)


# A scene where the tracker reports the player lost (behind a look-alike) 2.4 s into the clip, and a
# box drawn there goes on to the end. It depends on the tracker: if a change keeps the player here,
# pick another seed (a scan of seeds 0-40 finds several).
LOOK_ALIKE = 29


@pytest.mark.parametrize("size", [LAPTOP], ids=["1366"])
def test_a_lost_span_is_clicked_and_the_player_followed_again(editor_page, size, alice, media):
    page, scene = editor_page, match_scene(LOOK_ALIKE)
    project = follow_project(alice, media, LOOK_ALIKE)
    clip = project.project_clips.get().clip
    with web_process(**OUTPUT) as url:
        open_editor(page, url, project)

        # given a first Follow that lost the player part of the way
        frame_size = (scene.width, scene.height)
        draw_follow_box(page, size, "#framing-stage video", target_box(scene, clip, 0.0), frame_size)
        first = run_the_tracking(page, clip)
        track = page.request.get(f"{url}/api/clips/{clip.pk}/track").json()
        assert track["lost_spans"], "the scene was chosen for a lost span"
        [span] = track["lost_spans"]
        lost = page.locator(".follow-lost")
        expect(lost).to_have_count(1)
        expect(lost).to_have_attribute("title", "lost — click the player again")
        shot(page, "framing-lost")

        # when the span is clicked, the player boxed again there, and followed on
        lost.click()
        expect(page.locator(".follow-box")).to_be_visible()
        editor = "document.getElementById('page').framingEditor"
        time = page.evaluate(f"{editor}.transport.time")
        assert time == pytest.approx(span["start_time"], abs=0.05)
        box = on_screen(page, "#framing-stage video", target_box(scene, clip, time), frame_size)
        drag(page, size, (box[0] - 3, box[1] - 3), (box[2] + 6, box[3] + 6))
        resumed = run_the_tracking(page, clip)

        # then the track goes on from where it was lost, and the span is gone
        assert resumed.config["resume_of"] == first.pk
        assert resumed.config["time"] == pytest.approx(time, abs=0.05)
        assert page.request.get(f"{url}/api/clips/{clip.pk}/track").json()["lost_spans"] == []
        fps = resumed.track["fps"]
        was_lost = range(round(span["start_time"] * fps), round(span["end_time"] * fps))
        errors = centre_errors(scene, clip, resumed.track, was_lost)
        assert len(errors) == len(was_lost)
        assert np.mean(errors) <= 0.02 * scene.height, errors  # on the player, not a look-alike
        expect(lost).to_have_count(0)
        shot(page, "framing-resumed")

        # and, accepted, the exported crop keeps the player throughout, the lost part too
        tap(page, size, '[data-action="follow-accept"]')
        expect(page.locator("#save-state")).to_have_text("Saved")
        framing = export_through_the_page(page, size, project, "framing")
    assert_the_player_is_in_the_crop(scene, clip, framing)


def test_the_tracker_and_the_export_see_the_frame_the_editor_shows(alice, media, scene, settings):
    """The editor plays the game at the clip's start + t. The tracker's frame i and the
    exported video's frame i must be that same moment, or the track and the crop lag
    the player (a stream-copied cut's first frame sits at the B-frame delay, 0.08 s
    into the file here, where the cut's lead-in counts from)."""
    settings.OUTPUT_SIZES = {**settings.OUTPUT_SIZES, "9:16": (180, 320)}
    project = follow_project(alice, media)
    project_clip = project.project_clips.get()
    clip = project_clip.clip
    first = frame_index(scene, clip, 0.0)
    frames = read_clip(
        object_store().read_location(clip.file_key), lead_in=clip.file_lead_in, duration=clip.duration
    )
    tracked = {
        i: nearest_scene_frame(cv2.cvtColor(frames.frames[i], cv2.COLOR_YUV2RGB_I420), scene, first + i)
        for i in (0, 2, 10, 50, 99)
    }
    job = jobs.submit(alice, project, "framing")
    assert worker.run_export(job.pk)
    job.refresh_from_db()
    [crop] = project_clip.crop_keyframes
    box = (crop["x"], crop["y"], crop["width"], crop["height"])
    exported = {
        round(time * scene.fps): nearest_scene_frame(picture, scene, first + round(time * scene.fps), box)
        for time, picture in decoded(job.working_video.file_key, every=1)
        if round(time * scene.fps) in (0, 2, 10, 50, 99)
    }
    wanted = {i: first + i for i in (0, 2, 10, 50, 99)}
    assert tracked == wanted, "the tracker's frame i is not the moment the editor shows at i / fps"
    assert exported == wanted, "the exported frame i is not the moment the editor shows at i / fps"

"""A new user's whole journey in a real browser, against the real web process and
a real worker (`qcluster`): a game uploaded in parts, two clips annotated, a 9:16
project framed and exported (progress over the socket), a highlight region and the
overlay export, then the finished video playing in the gallery; then a game review
made from the annotate page, shared by a link and watched without a login.

Everything the user does goes through the pages; the ORM only checks the results."""

from __future__ import annotations

import contextlib
import json
import re
import time

import av
import pytest
from playwright.sync_api import expect

from exports.highlights import to_project
from exports.models import ExportJob, Project, ReviewVideo, ShareLink
from games.models import Clip, Game
from games.objects import object_store
from games.uploads import MIN_PART_SIZE
from tests.browser.conftest import log_in, part_number, screenshots
from tests.conftest import PASSWORD
from tests.media import make_video
from tests.servers import web_process, worker_process

pytestmark = pytest.mark.django_db(transaction=True)

SMALL_OUTPUT = {"OUTPUT_SHORT_SIDE": "180"}  # 180x320 for 9:16; read where an export is submitted
WEB_ENV = {**SMALL_OUTPUT, "UPLOAD_SINGLE_MAX_BYTES": str(1_000_000)}  # anything bigger goes in parts
WORKER_ENV = {**SMALL_OUTPUT, "Q_WORKERS": "1"}
STEP = 90_000  # ms: a generous wait for one step that needs the worker


@pytest.fixture(scope="module")
def game_video(tmp_path_factory):
    """20 s of lossless noise at 192x108: about 23 MB, so two 16 MiB parts."""
    path = make_video(tmp_path_factory.mktemp("journey-media"), seconds=20, size="192x108", noisy=True)
    assert MIN_PART_SIZE < path.stat().st_size <= 2 * MIN_PART_SIZE
    return path


def mounted(page, name: str) -> None:
    page.wait_for_function(
        "name => document.getElementById('page')?.dataset.page === name"
        " && document.getElementById('page').dataset.mounted === 'true'",
        arg=name,
    )


def wait_for(condition, timeout: float = 90, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(0.2)


def seek_video(page, seconds: float) -> None:
    page.evaluate("t => { document.getElementById('video').currentTime = t; }", seconds)
    page.wait_for_function(
        "t => Math.abs(document.getElementById('video').currentTime - t) < 0.05", arg=seconds
    )


def click_track_at(page, selector: str, fraction: float) -> None:
    track = page.locator(selector)
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)


def drag(page, start: tuple[float, float], delta: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + delta[0] / 2, start[1] + delta[1] / 2, steps=3)
    page.mouse.move(start[0] + delta[0], start[1] + delta[1], steps=3)
    page.mouse.up()


def centre(locator) -> tuple[float, float]:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def add_clip(page, game: Game, end: float, rating: int, tag: str) -> Clip:
    """The `a` key at `end` (the clip length is already set), a rating key, a tag chip."""
    before = Clip.objects.filter(game=game).count()
    seek_video(page, end)
    page.locator("#timeline").focus()
    page.keyboard.press("a")
    expect(page.locator("#clip-list .clip-item")).to_have_count(before + 1)
    page.keyboard.press(str(rating))
    page.click(f".chip[data-tag={tag}]")
    wait_for(
        lambda: Clip.objects.filter(game=game, end_time=end, rating=rating, tags=[tag]).exists(),
        timeout=15,
        message=f"the clip ending at {end} s",
    )
    return Clip.objects.get(game=game, end_time=end)


def decoded_seconds(location: str) -> tuple[float, float]:
    """Seconds of picture (frames decoded / frame rate) and of sound in a stored video."""
    with av.open(location) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        rate = float(video.average_rate)
    with av.open(location) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
        sample_rate = container.streams.audio[0].rate
    return frames / rate, samples / sample_rate


def socket_messages(page) -> list[dict]:
    """Every JSON message the page's sockets receive, from now on."""
    received: list[dict] = []

    def on_frame(payload) -> None:
        with contextlib.suppress(TypeError, ValueError):
            received.append(json.loads(payload))

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return received


def export_through_the_page(
    page, project: Project, job_type: str, received: list[dict]
) -> tuple[ExportJob, list[str]]:
    """Press the page's export button; the worker renders; the page follows it to the end.
    Returns the job and every percentage the page showed on the way."""
    page.evaluate(
        """() => {
            const percent = document.querySelector('.export-percent');
            window.__percents = [];
            new MutationObserver(() => window.__percents.push(percent.textContent))
                .observe(percent, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.click(".export-start")
    expect(page.locator(".export-cancel")).to_be_visible()
    job = ExportJob.objects.get(project=project, type=job_type)
    expect(page.locator(".export-percent")).to_have_text("100%", timeout=STEP)
    expect(page.locator(".export-message")).to_have_text("Export complete.", timeout=STEP)
    expect(page.locator(".export-cancel")).to_be_hidden()
    job.refresh_from_db()
    assert job.status == "complete", job.error
    progress = [
        m["progress"]
        for m in received
        if m.get("type") == "export_progress" and str((m.get("data") or {}).get("job_id")) == str(job.pk)
    ]
    assert progress, "no export_progress message for the job reached the page's socket"
    assert max(progress) == 100
    assert any(
        m.get("type") == "export_complete" and str(m["data"]["job_id"]) == str(job.pk) for m in received
    )
    return job, page.evaluate("window.__percents")


def test_a_new_user_goes_from_upload_to_a_finished_video_in_the_gallery(page, alice, game_video):
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    received = socket_messages(page)
    parts: list[str] = []
    page.on("request", lambda r: parts.append(r.url) if r.method == "PUT" and part_number(r.url) else None)

    with web_process(**WEB_ENV) as url, worker_process(**WORKER_ENV):
        # --- log in, a new game with its video, uploaded in two parts ------------------
        log_in(page, url, "alice", PASSWORD)
        mounted(page, "home")
        page.get_by_role("link", name="New game").click()
        mounted(page, "game-new")
        page.fill("#opponent", "Riverside FC")
        page.fill("#game-date", "2025-03-15")
        page.set_input_files("#video-file", str(game_video))
        expect(page.locator("#drop-title")).to_have_text(game_video.name)
        page.click("#submit-game")
        expect(page.locator("#upload-panel")).to_have_attribute("data-state", "done", timeout=STEP)
        expect(page.locator("#upload-percent")).to_have_text("100%")
        screenshots(page, "journey-uploaded")

        game = Game.objects.get(owner=alice)
        assert game.opponent_name == "Riverside FC"
        assert game.video_status == "ready"
        assert game.video_duration == pytest.approx(20, abs=0.2)
        assert (game.video_width, game.video_height) == (192, 108)
        assert game.uploads.get().mode == "multipart"
        assert len(parts) == 2

        # --- annotate two clips of 3 s, rated and tagged --------------------------------
        page.click("#annotate-link")
        mounted(page, "annotate")
        page.wait_for_function("document.getElementById('video').readyState >= 1")
        expect(page.locator("#time")).to_contain_text("0:20")
        page.fill("#add-length", "3")
        clip_a = add_clip(page, game, 8.0, 4, "Dribble")
        clip_b = add_clip(page, game, 18.0, 5, "Goal")
        assert (clip_a.start_time, clip_b.start_time) == (5.0, 15.0)
        expect(page.locator("#clip-list .clip-item")).to_have_count(2)
        expect(page.locator("#regions .region")).to_have_count(2)
        screenshots(page, "journey-annotated")

        # --- a 9:16 project from both clips ---------------------------------------------
        page.click("#new-project-link")
        mounted(page, "project-new")
        expect(page.locator("#filter-game")).to_have_value(str(game.pk))
        page.select_option("#filter-rating", "4")
        expect(page.locator("#clip-count")).to_have_text("2 clips")
        expect(page.locator("#clip-duration")).to_have_text("· 6 s")
        page.check("input[name=aspect_ratio][value='9:16']")
        page.fill("#project-name", "Riverside reel")
        screenshots(page, "journey-new-project")
        page.click("#create-project")
        mounted(page, "framing")
        project = Project.objects.get(owner=alice, name="Riverside reel")
        # The 5★ clip made a project of its own as well; the journey goes on with this one.
        assert Project.objects.get(owner=alice, auto_for_clip=clip_b) != project
        assert page.url == f"{url}/projects/{project.pk}/"
        assert project.aspect_ratio == "9:16"
        project_clips = list(project.project_clips.order_by("position"))
        assert [pc.clip_id for pc in project_clips] == [clip_a.pk, clip_b.pk]

        # --- the framing editor: the crop box moved at 0 s and at 2 s of the first clip ----
        box = page.locator("#crop-box")
        expect(box).to_be_visible()
        expect(page.locator("#clip-select option")).to_have_count(2)
        expect(page.locator(".kf-marker")).to_have_count(1)
        drag(page, centre(box), (-40, 0))  # at 0 s: the default keyframe moves left
        click_track_at(page, "#framing-track", 2 / 3)  # the playhead to 2 s of 3
        expect(page.locator("#time-label")).to_contain_text("0:02.0")
        drag(page, centre(box), (80, 0))  # at 2 s: a new keyframe, further right
        expect(page.locator(".kf-marker")).to_have_count(2)
        expect(page.locator("#save-state")).to_have_text("Saved")
        keyframes = project.project_clips.get(pk=project_clips[0].pk).crop_keyframes
        assert [k["time"] for k in keyframes] == [0.0, pytest.approx(2.0, abs=0.01)]
        assert keyframes[0]["x"] < keyframes[1]["x"]
        assert all(abs(k["width"] - k["height"] * 9 / 16) <= 1.0 for k in keyframes)
        screenshots(page, "journey-framing")

        # The worker cuts both clips out of the game video (asked for by the project).
        wait_for(
            lambda: (
                Clip.objects.filter(pk__in=[clip_a.pk, clip_b.pk], extraction_status="ready").count() == 2
            ),
            message="both clips to be cut",
        )

        # --- the framing export, rendered by the worker, followed over the socket ---------
        framing_job, shown = export_through_the_page(page, project, "multi_clip", received)
        assert any(0 < int(p.rstrip("%")) < 100 for p in shown if p), shown  # it moved on the way
        screenshots(page, "journey-framed")
        project.refresh_from_db()
        working = project.working_video
        assert working is not None
        assert framing_job.working_video_id == working.pk
        assert (working.width, working.height) == (180, 320)
        assert working.duration == pytest.approx(6.0, abs=0.3)

        # --- the overlay editor: one highlight region, exported -------------------------
        expect(page.locator("#overlay-link")).not_to_have_attribute("aria-disabled", "true")
        page.click("#overlay-link")
        mounted(page, "overlay")
        expect(page.locator("#overlay-canvas")).to_be_visible()
        # each clip's first framing export gave it a 2 s highlight at its start
        expect(page.locator(".regions-track .region")).to_have_count(2)
        click_track_at(page, "#overlay-track", 0.38)
        page.click("#add-region")
        expect(page.locator(".regions-track .region")).to_have_count(3)
        expect(page.locator("#save-state")).to_have_text("Saved")
        regions, _ = to_project(project)
        assert [r["start_time"] for r in regions] == [
            0.0, pytest.approx(2.28, abs=0.1), pytest.approx(3.0, abs=0.05)  # the second clip's
        ]  # fmt: skip
        names = [Clip.objects.get(pk=clip.pk).display_name for clip in (clip_a, clip_b)]
        assert [r.get("label") for r in regions] == [names[0], None, names[1]]
        screenshots(page, "journey-overlay")
        export_through_the_page(page, project, "overlay", received)
        expect(page.locator("#gallery-open")).to_have_attribute("href", "/gallery/")
        project.refresh_from_db()
        final = project.final_video
        assert final is not None
        assert final.duration == pytest.approx(working.duration, abs=0.3)

        # --- the gallery plays it ---------------------------------------------------------
        page.click("#gallery-link")
        mounted(page, "gallery")
        expect(page.locator("#gallery-count")).to_have_text("1")
        expect(page.locator(".gallery-item video")).to_have_count(1)
        duration = page.wait_for_function(
            "(() => { const v = document.querySelector('.gallery-item video'); "
            "return v && v.readyState >= 1 && v.duration; })()"
        ).json_value()
        assert duration > 0
        assert duration == pytest.approx(final.duration, abs=0.3)
        screenshots(page, "journey-gallery")
        expect(page.locator("#status-bar")).to_be_hidden()

        # --- a game review of both clips, from the annotate page -----------------------------
        page.goto(f"{url}/games/{game.pk}/")
        mounted(page, "annotate")
        page.click("#review-open")
        expect(page.locator("#review-count")).to_have_text("2 clips, 6 s")
        page.click("#review-make")
        expect(page.locator("dialog.review-maker")).to_be_hidden()
        review_job = ExportJob.objects.get(game=game, type="game_review")
        page.click("#gallery-link")
        mounted(page, "gallery")
        card = page.locator(".gallery-review")
        expect(card).to_have_count(1, timeout=STEP)  # listed when its export_complete arrives
        review_job.refresh_from_db()
        assert review_job.status == "complete", review_job.error
        review = ReviewVideo.objects.get(owner=alice, kind="game_review")
        expect(card.locator(".gallery-title")).to_have_text(f"Game review — {game.display_name}")
        expect(card.locator(".gallery-chapter")).to_have_count(2)
        # the file holds both clips back to back: 3 s + 3 s of picture and of sound
        picture, sound = decoded_seconds(object_store().read_location(review.file_key))
        assert picture == pytest.approx(6.0, abs=0.05)
        assert sound == pytest.approx(6.0, abs=0.1)

        # --- shared by a link, watched by someone who never logged in ------------------------
        card.locator(".gallery-share").click()
        page.click("#share-make")
        expect(page.locator("#share-url")).to_have_value(re.compile(r"/s/[\w-]+$"))
        link_url = page.locator("#share-url").input_value()
        screenshots(page, "journey-share")
        stranger = page.context.browser.new_context()
        try:
            public = stranger.new_page()
            assert public.goto(link_url).status == 200
            shown = public.wait_for_function(
                "(() => { const v = document.getElementById('shared-player');"
                " return v && v.readyState >= 1 && v.duration; })()"
            ).json_value()
            assert shown == pytest.approx(6.0, abs=0.2)
        finally:
            stranger.close()
        assert ShareLink.objects.get(review_video=review).views == 1

    assert errors == [], errors

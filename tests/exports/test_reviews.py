"""Game reviews end to end in one process (API, then the worker run synchronously):
the decoded video (clips in game order, lengths, caption border colours, chapters,
audio), the filters, the segment cache across re-renders, cancel and the sweeper."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from exports import jobs, reviews, worker
from exports.models import ExportJob, ReviewSegment, ReviewVideo
from exports.render import handout
from exports.render.captions import caption_overlay
from games import pictures
from games.models import Clip, Game
from games.objects import object_store
from games.tags import RATING_COLOURS
from notifications.models import Notification
from tests.exports.conftest import make_game
from tests.exports.exporting import store_file

pytestmark = pytest.mark.django_db(transaction=False)

FPS = handout.SEGMENT_FPS
SIZE = (640, 360)
# Each stretch of the game video has its own marker colour (top left), so a frame of
# the review tells which clip it came from.
MARKS = [(0.0, 3.5, "red", (255, 0, 0)), (3.5, 5.75, "lime", (0, 255, 0)),
         (5.75, 8.5, "blue", (0, 0, 255)), (8.5, 12.0, "yellow", (255, 255, 0))]  # fmt: skip
# (start, end, rating, tags, notes): one clip per marker stretch, ratings all different.
CLIPS = [
    (1.0, 3.0, 5, ["Goal"], "Curled into the far corner"),
    (4.0, 5.5, 4, ["Assist"], "Through ball split the back line"),
    (6.0, 8.0, 2, ["Tackle"], ""),
    (9.0, 10.5, 3, ["Goal", "Dribble"], "Beat two, then lost it"),
]


@pytest.fixture(scope="session")
def game_video(tmp_path_factory) -> Path:
    """640x360, 12 s at 25 fps, a sine tone, a coloured square per stretch."""
    path = tmp_path_factory.mktemp("review-media") / "game.mp4"
    boxes = ",".join(
        f"drawbox=x=20:y=20:w=120:h=120:color={colour}:t=fill:enable='between(t,{start},{end - 0.001})'"
        for start, end, colour, _ in MARKS
    )
    subprocess.run(
        [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=12",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=12",
         "-vf", boxes, "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


@pytest.fixture
def game(alice, game_video) -> Game:
    match = make_game(alice)
    Game.objects.filter(pk=match.pk).update(
        video_width=640, video_height=360, video_duration=12.0, video_has_audio=True
    )
    match.refresh_from_db()
    store_file(game_video, match.video_key)
    for start, end, rating, tags, notes in CLIPS:
        Clip.objects.create(game=match, start_time=start, end_time=end, rating=rating, tags=tags, notes=notes)
    return match


def make_review(api, game, **body):
    return api.post(f"/api/games/{game.pk}/reviews", body, format="json")


def rendered(api, game, run=True, **body) -> ExportJob:
    response = make_review(api, game, **body)
    assert response.status_code == 202, response.json()
    job_id = response.json()["job_id"]
    if run:
        worker.run_export(job_id)
    return ExportJob.objects.get(pk=job_id)


def decode(key: str) -> tuple[list[np.ndarray], list[dict], np.ndarray | None]:
    with av.open(object_store().read_location(key)) as container:
        chapters = [
            {"title": c["metadata"].get("title", ""), "start": float(c["start"] * c["time_base"]),
             "end": float(c["end"] * c["time_base"])}
            for c in container.chapters()
        ]  # fmt: skip
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(object_store().read_location(key)) as container:
        sound = None
        if container.streams.audio:
            sound = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    return frames, chapters, sound


def clip_frames(durations: list[float]) -> list[range]:
    """Each clip's frame numbers in the review (pieces are exactly round(d * 30) frames)."""
    spans, first = [], 0
    for duration in durations:
        count = round(duration * FPS)
        spans.append(range(first, first + count))
        first += count
    return spans


def nearest(colour: np.ndarray, palette: dict) -> str:
    return min(palette, key=lambda name: np.abs(np.array(palette[name], dtype=float) - colour).sum())


def hex_rgb(text: str) -> tuple[int, int, int]:
    return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))


def border_colour(frame: np.ndarray, box: tuple[int, int, int, int], border: int) -> np.ndarray:
    """The mean colour of the box's left and right borders, away from the corners."""
    x, y, w, h = box
    rows = slice(y + h // 4, y + 3 * h // 4)
    sides = [frame[rows, x : x + border], frame[rows, x + w - border : x + w]]
    return np.concatenate([side.reshape(-1, 3) for side in sides]).astype(float).mean(axis=0)


# --- the video ---------------------------------------------------------------------------


def test_a_game_review_shows_every_clip_in_game_order_with_its_caption_chapters_and_sound(
    alice, alice_api, game
):
    job = rendered(alice_api, game)

    assert job.status == "complete", job.error
    review = job.review_video
    assert review.title == "Game review — Vs Rovers Oct 4"
    assert review.version == 1
    assert (review.width, review.height) == SIZE
    assert review.summary == {
        "clips": 4, "by_rating": {"5": 1, "4": 1, "3": 1, "2": 1, "1": 0},
        "filters": {"min_rating": 1, "tags": []},
    }  # fmt: skip
    durations = [end - start for start, end, *_ in CLIPS]
    frames, chapters, sound = decode(review.file_key)
    assert len(frames) == sum(round(d * FPS) for d in durations)
    assert review.duration == pytest.approx(sum(durations), abs=1 / FPS)
    palette = {name: rgb for *_, name, rgb in MARKS}
    border_px = max(2, round(4 * SIZE[1] / 1080))
    clips = list(Clip.objects.filter(game=game).order_by("start_time"))
    for clip, span, (*_, mark, _rgb) in zip(clips, clip_frames(durations), MARKS, strict=True):
        for index in (span[1], span[len(span) // 2], span[-2]):
            marker = frames[index][50:110, 50:110].reshape(-1, 3).astype(float).mean(axis=0)
            assert nearest(marker, palette) == mark, (clip.pk, index, marker)
        caption = caption_overlay(
            *SIZE, title=reviews.caption_title(clip.rating, clip.label), notes=clip.notes,
            border=RATING_COLOURS[clip.rating],
        )  # fmt: skip
        seen = border_colour(frames[span[len(span) // 2]], caption.box, border_px)
        ratings = {rating: hex_rgb(colour) for rating, colour in RATING_COLOURS.items()}
        assert nearest(seen, ratings) == clip.rating, (clip.rating, seen)
        assert np.abs(seen - ratings[clip.rating]).max() < 40, seen
        x, y, w, h = caption.box
        inside = frames[span[len(span) // 2]][y + h // 2 - 2 : y + h // 2 + 2, x + w - 20 : x + w - 10]
        assert inside.mean() > 200  # the white box, right of the text
    # Chapter titles are one line with single spaces (exports/render/chapters.clean_title).
    expected = [" ".join(reviews.caption_title(c.rating, c.label).split()) for c in clips]
    assert [c["title"] for c in chapters] == expected
    bounds = np.cumsum([0.0, *durations])
    assert [c["start"] for c in chapters] == pytest.approx(bounds[:-1], abs=0.002)
    assert [c["end"] for c in chapters] == pytest.approx(bounds[1:], abs=0.002)
    assert [c["title"] for c in review.chapters] == expected
    assert sound is not None
    assert np.sqrt(np.mean(sound.astype(float) ** 2)) > 0.05  # the tone, not silence

    assert Notification.objects.get(owner=alice, type="export_started").message == review.title
    done = Notification.objects.get(owner=alice, type="export_complete")
    assert done.title == "Game review ready"
    assert done.data["review_id"] == review.pk
    assert done.data["game_id"] == game.pk
    assert done.data["project_id"] is None
    assert done.actions[0]["payload"]["url"] == "/gallery/"
    answer = alice_api.get(f"/api/exports/{job.pk}").json()
    assert answer["title"] == review.title
    assert answer["game_id"] == game.pk
    assert answer["project_id"] is None
    assert answer["project_name"] is None
    assert answer["output"]["kind"] == "review_video"
    assert answer["output"]["url"] == f"/api/reviews/{review.pk}/file"
    listed = alice_api.get("/api/reviews").json()["results"]
    assert [item["id"] for item in listed] == [review.pk]
    assert listed[0]["filename"] == "Game review Vs Rovers Oct 4 v1.mp4"
    assert listed[0]["summary"]["by_rating"]["5"] == 1


def test_the_filters_pick_the_clips_in_game_order(alice_api, game, monkeypatch):
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: None)
    chosen = {}
    for body in (
        {"min_rating": 4},
        {"tags": ["Goal"]},
        {"tags": ["assists", "TACKLE"]},  # long names, any case
        {"min_rating": 3, "tags": ["Goal"]},
    ):
        job = rendered(alice_api, game, run=False, **body)
        chosen[str(body)] = [c["rating"] for c in job.config["clips"]]
        jobs.cancel(job, "test")
    assert list(chosen.values()) == [[5, 4], [5, 3], [4, 2], [5, 3]]

    refused = make_review(alice_api, game, min_rating=4, tags=["Tackle", "Dribble"])
    assert refused.status_code == 409
    assert (
        refused.json()["detail"]
        == "No clips of this game are rated 4 or more with the tags Dribble or Tackle."
    )


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"min_rating": "5"}, "min_rating is a whole number from 1 to 5"),
        ({"min_rating": 5.5}, "min_rating is a whole number from 1 to 5"),
        ({"min_rating": True}, "min_rating is a whole number from 1 to 5"),
        ({"min_rating": 0}, "min_rating is a whole number from 1 to 5"),
        ({"tags": "Goal"}, "tags is a list of tag names"),
        ({"tags": [1]}, "tags is a list of tag names"),
        ({"tags": ["Go\x00al\n"]}, 'Unknown tag(s): "Go\\x00al\\n". The tags are Goal, Assist,'),
        ({"quality": "best"}, "quality is one of fast, quality."),
        ({"audio": "yes"}, "audio must be true"),
        ({"colour": 1}, "Unknown review setting(s): colour."),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(alice_api, game, body, sentence):
    response = make_review(alice_api, game, **body)
    assert response.status_code == 400, response.json()
    assert sentence in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_other_peoples_games_and_impossible_ids_are_404_and_a_list_body_is_400(alice_api, bob_api, game):
    assert make_review(bob_api, game).status_code == 404
    assert alice_api.post("/api/games/99999999999999999999/reviews", {}, format="json").status_code == 404
    assert alice_api.post(f"/api/games/{game.pk}/reviews", [1, 2], format="json").status_code == 400
    assert bob_api.get("/api/reviews").json()["results"] == []
    assert alice_api.get("/api/reviews?game=x").status_code == 400
    assert alice_api.get("/api/reviews?kind=other").json()["kind"] == ["kind is game_review or before_after."]


def test_a_game_without_video_or_with_a_review_running_is_409(alice, alice_api, game, monkeypatch):
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: None)
    bare = Game.objects.create(owner=alice, opponent_name="City")
    Clip.objects.create(game=bare, start_time=1, end_time=3, rating=5)
    response = make_review(alice_api, bare)
    assert response.status_code == 409
    assert response.json()["detail"] == "This game has no video yet; upload it, then make the review."

    assert make_review(alice_api, game).status_code == 202
    again = make_review(alice_api, game)
    assert again.status_code == 409
    assert again.json()["detail"] == "A review of this game is already being made; wait for it or cancel it."
    # The game cannot be deleted from under the running review.
    blocked = alice_api.delete(f"/api/games/{game.pk}")
    assert blocked.status_code == 409
    assert "A game review of this game is being made" in blocked.json()["detail"]


# --- the segment cache ---------------------------------------------------------------------


@pytest.fixture
def encodes(monkeypatch) -> list[float]:
    """The start of every piece encoded (a spy on the one encoder)."""
    seen, original = [], handout.encode_piece

    def spy(piece, *args, **kwargs):
        seen.append(round(piece.start, 3))
        return original(piece, *args, **kwargs)

    monkeypatch.setattr(handout, "encode_piece", spy)
    return seen


def test_a_re_render_after_editing_one_clips_notes_encodes_that_clip_alone(
    alice_api, game, encodes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = rendered(alice_api, game).review_video
    assert len(encodes) == 4
    old = ReviewSegment.objects.get(clip__start_time=4.0)
    store = object_store()
    assert all(store.size(segment.file_key) for segment in ReviewSegment.objects.all())

    Clip.objects.filter(game=game, start_time=4.0).update(notes="Weighted perfectly for the run")
    encodes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = rendered(alice_api, game).review_video

    assert encodes == [4.0]
    assert second.version == 2
    assert ReviewSegment.objects.count() == 4  # the edited clip's older piece is gone
    assert not ReviewSegment.objects.filter(pk=old.pk).exists()
    assert store.size(old.file_key) is None
    before, _, _ = decode(first.file_key)
    after, _, _ = decode(second.file_key)
    assert len(before) == len(after)
    spans = clip_frames([end - start for start, end, *_ in CLIPS])
    for number, span in enumerate(spans):
        diff = np.abs(np.stack([before[i] for i in span]).astype(int) - np.stack([after[i] for i in span]))
        if number == 1:
            assert diff.mean() > 0.5  # the caption's notes changed
        else:
            assert diff.max() == 0, number  # the very same piece, copied


def test_an_edit_the_review_does_not_show_reuses_every_piece(alice, alice_api, game, encodes):
    rendered(alice_api, game)
    other = make_game(alice, opponent="City")
    Clip.objects.create(game=other, start_time=1, end_time=3, rating=5)
    Clip.objects.filter(game=other).update(start_time=0.5)
    Clip.objects.filter(game=game, start_time=6.0).update(extraction_status="ready")  # not shown either
    encodes.clear()

    job = rendered(alice_api, game)

    assert job.status == "complete", job.error
    assert encodes == []
    assert job.review_video.duration == pytest.approx(7.0, abs=1 / FPS)


def test_a_cached_piece_whose_file_is_gone_is_encoded_again(alice_api, game, encodes):
    rendered(alice_api, game)
    lost = ReviewSegment.objects.get(clip__start_time=9.0)
    object_store().delete(lost.file_key)
    encodes.clear()

    job = rendered(alice_api, game)

    assert job.status == "complete", job.error
    assert encodes == [9.0]
    assert object_store().size(lost.file_key)


# --- cancel, the sweeper, deletes -----------------------------------------------------------


def test_a_cancel_mid_render_stops_it_and_keeps_the_pieces_already_made(alice_api, game, monkeypatch):
    job_id = make_review(alice_api, game).json()["job_id"]
    phases, cancelled = [], []
    original_of, original_call = worker.Progress.of, worker.CancelChecks.__call__

    def reporting(self, phase):
        report = original_of(self, phase)
        # ffmpeg's progress comes from a reader thread: note it, cancel from the render's thread.
        return lambda done, total: (report(done, total), phases.append(phase))

    def asking(self):
        if 1 in phases and not cancelled:
            cancelled.append(alice_api.delete(f"/api/exports/{job_id}").json()["status"])
        return original_call(self)

    monkeypatch.setattr(worker.Progress, "of", reporting)
    monkeypatch.setattr(worker.CancelChecks, "__call__", asking)
    monkeypatch.setattr(worker, "FLAG_CHECK_SECONDS", 0)

    assert worker.run_export(job_id) is None

    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "cancelled"
    assert job.review_video is None
    assert not ReviewVideo.objects.exists()
    assert cancelled == ["cancelled"]
    assert max(phases) == 1  # the third clip never started
    # The first piece was stored; the second too when ffmpeg finished it before the next look.
    kept = list(ReviewSegment.objects.order_by("clip__start_time"))
    assert [segment.clip.start_time for segment in kept] in ([1.0], [1.0, 4.0])
    assert all(object_store().size(segment.file_key) for segment in kept)


def test_sigterm_mid_review_gives_the_job_back_without_counting_the_attempt(
    alice_api, game, monkeypatch, django_capture_on_commit_callbacks
):
    requeued = []
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: requeued.append(args))
    monkeypatch.setattr(worker.StopSignal, "deliver", lambda self: None)
    job_id = make_review(alice_api, game).json()["job_id"]
    original = worker.Progress.of

    def signalled(self, phase):
        report = original(self, phase)

        def after(done, total):
            report(done, total)
            if phase == 1:
                os.kill(os.getpid(), signal.SIGTERM)  # the handler only sets a flag while rendering

        return after

    monkeypatch.setattr(worker.Progress, "of", signalled)
    with django_capture_on_commit_callbacks(execute=True):
        assert worker.run_export(job_id) is None

    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "pending"
    assert job.attempts == 0
    assert job.review_video is None
    assert requeued[-1] == ("exports.tasks.run_export", job_id)
    assert ReviewSegment.objects.filter(clip__start_time=1.0).exists()  # kept for the next attempt


def test_the_sweeper_requeues_a_review_whose_worker_vanished(alice, game, monkeypatch):
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: None)
    job = ExportJob.objects.create(
        owner=alice, game=game, type="game_review", status="processing", attempts=1, worker_id="gone:1",
        started_at=timezone.now() - timedelta(minutes=5), config={"title": "Game review — Vs Rovers"},
    )  # fmt: skip
    report = jobs.sweep()

    assert any(job.pk in line and "queued again" in line for line in report), report
    job.refresh_from_db()
    assert job.status == "pending"


def test_deleting_a_review_or_its_game_deletes_the_files(alice_api, game, django_capture_on_commit_callbacks):
    review = rendered(alice_api, game).review_video
    second = rendered(alice_api, game).review_video
    store = object_store()
    segments = [segment.file_key for segment in ReviewSegment.objects.all()]
    assert len(segments) == 4

    assert alice_api.delete(f"/api/reviews/{review.pk}").status_code == 204  # not yet committed
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/reviews/{second.pk}").status_code == 204
    assert store.size(second.file_key) is None
    assert alice_api.get(f"/api/reviews/{second.pk}").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        Game.objects.get(pk=game.pk).delete()
    assert not ReviewSegment.objects.exists()
    assert all(store.size(key) is None for key in segments)


def test_the_review_file_is_served_to_its_owner_only(alice_api, bob_api, game):
    review = rendered(alice_api, game).review_video
    assert bob_api.get(f"/api/reviews/{review.pk}/file").status_code == 404
    assert bob_api.delete(f"/api/reviews/{review.pk}").status_code == 404
    response = alice_api.get(f"/api/reviews/{review.pk}/file?download=1")
    if response.status_code == 302:  # S3: a presigned redirect
        assert "response-content-disposition" in response["Location"]
    else:
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert len(b"".join(response.streaming_content)) == review.size


def test_a_review_game_older_than_its_output_size_is_kept_at_its_own_height():
    assert reviews.output_size(360) == (640, 360)
    assert reviews.output_size(2160) == (1920, 1080)
    assert reviews.output_size(None) == (1920, 1080)
    assert reviews.output_size(481) == (854, 480)


def test_the_segment_key_changes_with_what_is_shown_and_only_that():
    clip = {"start": 1.0, "end": 3.0, "rating": 5, "name": "A", "notes": "n", "tags": ["Goal"], "clip_id": 1}
    base = reviews.segment_key(clip, video_key="v", size=SIZE, quality="fast", audio=True)
    assert (
        reviews.segment_key({**clip, "clip_id": 2}, video_key="v", size=SIZE, quality="fast", audio=True)
        == base
    )
    for change in ({"notes": "m"}, {"rating": 4}, {"name": "B"}, {"tags": []}, {"start": 1.5}, {"end": 2.5}):
        assert (
            reviews.segment_key({**clip, **change}, video_key="v", size=SIZE, quality="fast", audio=True)
            != base
        )
    assert reviews.segment_key(clip, video_key="w", size=SIZE, quality="fast", audio=True) != base
    assert reviews.segment_key(clip, video_key="v", size=SIZE, quality="quality", audio=True) != base
    assert reviews.segment_key(clip, video_key="v", size=SIZE, quality="fast", audio=False) != base


def test_the_project_export_endpoint_points_reviews_to_their_own(alice_api, project):
    response = alice_api.post(
        "/api/exports", {"project_id": project["id"], "type": "game_review"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == [
        "The export type is one of framing, multi_clip, overlay. Game reviews are made with "
        "POST /api/games/{id}/reviews and before/after videos with POST /api/downloads/{id}/before-after."
    ]
    with pytest.raises(jobs.ExportError, match="Game reviews are made with"):
        jobs.submit(None, None, "before_after")  # refused before anything is read
    assert not ExportJob.objects.exists()


def test_the_admin_lists_a_review_job_by_its_title_and_links_its_video(admin_client, alice_api, game):
    job = rendered(alice_api, game)
    listed = admin_client.get("/admin/exports/exportjob/?q=rovers").content.decode()
    assert job.pk in listed
    assert "Game review — Vs Rovers Oct 4" in listed
    page = admin_client.get(f"/admin/exports/exportjob/{job.pk}/change/").content.decode()
    assert f"/api/reviews/{job.review_video_id}/file" in page


def test_a_review_gets_a_poster_in_the_gallery_and_loses_it_with_the_review(
    alice_api, game, django_capture_on_commit_callbacks
):
    # given a review rendered, and the poster the worker's task makes of it
    review = rendered(alice_api, game).review_video
    assert alice_api.get(f"/api/reviews/{review.pk}").json()["poster_url"] is None
    source = pictures.Source("review_video", review.pk, review.owner_id, review.file_key, review.duration)
    (poster,) = pictures.make_pictures(source, ["poster"])

    # then the list and the item show it, a frame of the review at its own size
    url = f"/api/pictures/{poster.pk}"
    assert alice_api.get("/api/reviews").json()["results"][0]["poster_url"] == url
    assert alice_api.get(f"/api/reviews/{review.pk}").json()["poster_url"] == url
    assert (poster.width, poster.height) == (480, 270)

    # and deleting the review deletes the poster's file
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/reviews/{review.pk}").status_code == 204
    assert object_store().size(poster.key) is None


def test_making_a_review_video_asks_a_worker_for_its_poster(alice, game, monkeypatch):
    asked = []
    monkeypatch.setattr(pictures, "request_pictures", lambda source, kinds: asked.append((source, kinds)))
    review = ReviewVideo.objects.create(
        owner=alice, kind="game_review", game=game, title="Game review — Vs Rovers", version=1,
        file_key="reviews/x.mp4", size=1, duration=4.0, width=640, height=360, fps=30.0,
    )  # fmt: skip
    assert [(s.subject_type, s.subject_id, s.key, list(k)) for s, k in asked] == [
        ("review_video", review.pk, "reviews/x.mp4", ["poster"])
    ]

"""A clip is cut from the game video into a file of its own: stream copy from the
keyframe just before its start, or a re-encode when that keyframe is far; once per
request, never for stale times, and nothing left behind when it fails."""

from __future__ import annotations

import subprocess
import uuid

import av
import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from games import cutting, extraction
from games.extraction import extract_clip, invalidate_file, request_extraction
from games.models import Clip, ExtractionStatus, Game
from games.objects import object_store
from games.probe import probe
from notifications.models import Notification
from tests.media import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def short_gop(media_dir):
    """8 s at 25 fps, a keyframe every second."""
    return make_video(media_dir, seconds=8)


@pytest.fixture(scope="session")
def long_gop(media_dir):
    """8 s at 25 fps with one keyframe, at 0 s (-g 250, no scene-cut keyframes)."""
    path = media_dir / "long-gop.mp4"
    if not path.exists():
        subprocess.run(
            [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-c:v", "libx264", "-preset", "veryfast", "-g", "250", "-sc_threshold", "0",
             "-pix_fmt", "yuv420p", "-t", "8", "-c:a", "aac", "-movflags", "+faststart", str(path)],
            check=True, timeout=120,
        )  # fmt: skip
    return path


@pytest.fixture(autouse=True)
def empty_game_folder(game):
    """Ids repeat between tests (rolled back), so one test's files must not meet the next."""

    def empty() -> None:
        prefix = f"users/{game.owner_id}/games/{game.pk}"
        for folder in (prefix, f"{prefix}/clips"):
            try:
                _, files = default_storage.listdir(folder)
            except FileNotFoundError:
                continue
            for name in files:
                default_storage.delete(f"{folder}/{name}")

    empty()
    yield
    empty()


@pytest.fixture
def with_video(game):
    """Store a file as the game's video, probed as an upload would have it."""

    def store(path) -> Game:
        with open(path, "rb") as handle:
            key = default_storage.save(
                f"users/{game.owner_id}/games/{game.pk}/{uuid.uuid4().hex}.mp4", handle
            )
        info = probe(object_store().read_location(key))
        game.video_key, game.video_status, game.video_duration = key, "ready", info.duration
        game.video_fps, game.video_width, game.video_height = info.fps, info.width, info.height
        game.save()
        return game

    return store


@pytest.fixture
def progress(monkeypatch) -> list[tuple]:
    sent: list[tuple] = []
    monkeypatch.setattr(extraction, "send_progress", lambda *args, **kwargs: sent.append((args, kwargs)))
    return sent


def claimed(game, start: float, end: float) -> Clip:
    """A clip as request_extraction leaves it for the worker."""
    return Clip.objects.create(
        game=game, start_time=start, end_time=end, extraction_status=ExtractionStatus.EXTRACTING
    )


def decoded(location) -> list[tuple[float, np.ndarray]]:
    """(seconds from the file's start, grey pixels) of every video frame."""
    with av.open(str(location)) as container:
        video = container.streams.video[0]
        origin = (container.start_time or 0) / av.time_base
        return [
            (frame.time - origin, frame.to_ndarray(format="gray").astype(np.float32))
            for frame in container.decode(video)
        ]


def frame_at(frames, seconds: float) -> np.ndarray:
    return min(frames, key=lambda frame: abs(frame[0] - seconds))[1]


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def clip_files(game) -> list[str]:
    try:
        _, files = default_storage.listdir(f"users/{game.owner_id}/games/{game.pk}/clips")
    except FileNotFoundError:
        return []
    return files


def test_a_start_just_after_a_keyframe_is_stream_copied_from_that_keyframe(
    with_video, short_gop, monkeypatch, progress
):
    # given
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)
    sources = []
    command = cutting.ffmpeg_command
    monkeypatch.setattr(cutting, "ffmpeg_command", lambda s, *a: sources.append(s) or command(s, *a))

    # when
    key = extract_clip(clip.pk, 2.2, 5.2)

    # then
    clip.refresh_from_db()
    assert clip.extraction_status == "ready"
    assert clip.file_key == key
    assert key.startswith(f"users/{game.owner_id}/games/{game.pk}/clips/{clip.pk}-")
    assert 0 < clip.file_lead_in <= 0.5
    location = object_store().read_location(key)
    info = probe(location)
    frame = 1 / info.fps
    keyframe = 2.0
    # The file starts at the keyframe and covers the whole clip (a copy cut ends a frame or two late).
    assert clip.file_lead_in + clip.duration - frame <= info.duration <= 5.2 - keyframe + 5 * frame
    source, cut = decoded(short_gop), decoded(location)
    same = difference(frame_at(cut, clip.file_lead_in), frame_at(source, 2.2))
    a_second_away = difference(frame_at(cut, clip.file_lead_in), frame_at(source, 3.2))
    assert same < 1 < 5 < a_second_away
    # On S3 the game is read through a presigned URL, never a local copy.
    assert sources[0].startswith("http") == object_store().direct
    assert progress[-1][0][1:3] == (f"extract_{clip.pk}", 100.0)


def test_a_start_far_from_a_keyframe_is_re_encoded_from_the_exact_start(with_video, long_gop, progress):
    game = with_video(long_gop)
    clip = claimed(game, 3.2, 5.7)

    key = extract_clip(clip.pk, 3.2, 5.7)

    clip.refresh_from_db()
    assert clip.extraction_status == "ready"
    assert clip.file_lead_in == 0
    location = object_store().read_location(key)
    info = probe(location)
    assert info.duration == pytest.approx(2.5, abs=2 / info.fps)
    source, cut = decoded(long_gop), decoded(location)
    first = cut[0][1]
    assert cut[0][0] == pytest.approx(0, abs=1e-3)
    assert difference(first, frame_at(source, 3.2)) < 2
    assert difference(first, frame_at(source, 4.2)) > 5


def test_two_requests_run_one_extraction(game, enqueued, django_capture_on_commit_callbacks):
    clip = Clip.objects.create(game=game, start_time=10, end_time=25)

    with django_capture_on_commit_callbacks(execute=True):
        first = request_extraction(clip)
        second = request_extraction(Clip.objects.get(pk=clip.pk))

    assert (first, second) == (True, False)
    assert enqueued == [("games.tasks.extract_clip", clip.pk, 10.0, 25.0)]
    assert Clip.objects.get(pk=clip.pk).extraction_status == "extracting"


def test_a_rolled_back_request_enqueues_nothing(game, enqueued, django_capture_on_commit_callbacks):
    clip = Clip.objects.create(game=game, start_time=10, end_time=25)

    def rolled_back_change():
        with transaction.atomic():
            request_extraction(clip)
            raise RuntimeError("the caller's change failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        rolled_back_change()

    assert enqueued == []
    assert Clip.objects.get(pk=clip.pk).extraction_status == "pending"


def test_a_failed_clip_can_be_requested_again_and_a_ready_one_cannot(
    game, enqueued, django_capture_on_commit_callbacks
):
    failed = Clip.objects.create(game=game, start_time=10, end_time=25, extraction_status="failed")
    failed.extraction_error = "The game has no video to cut this clip from."
    failed.save()
    ready = Clip.objects.create(game=game, start_time=30, end_time=45, extraction_status="ready")

    with django_capture_on_commit_callbacks(execute=True):
        assert request_extraction(failed) is True
        assert request_extraction(ready) is False

    assert [call[1] for call in enqueued] == [failed.pk]
    assert Clip.objects.get(pk=failed.pk).extraction_error == ""


def test_a_clip_edited_while_its_extraction_was_queued_is_not_cut_with_the_old_times(
    with_video, short_gop, enqueued, django_capture_on_commit_callbacks, progress
):
    # given: a queued extraction, then an edit that asks for a new one
    game = with_video(short_gop)
    clip = Clip.objects.create(game=game, start_time=2.2, end_time=5.2)
    with django_capture_on_commit_callbacks(execute=True):
        request_extraction(clip)
        with transaction.atomic():
            Clip.objects.filter(pk=clip.pk).update(start_time=4.1, end_time=6.1)
            invalidate_file(clip)
        request_extraction(clip)
    stale, fresh = enqueued

    # when: the old task runs
    assert extract_clip(*stale[1:]) is None

    # then: it did nothing; the new one cuts the new times
    assert clip_files(game) == []
    assert not Notification.objects.filter(type="extraction_started").exists()
    key = extract_clip(*fresh[1:])
    clip.refresh_from_db()
    assert (clip.extraction_status, clip.file_key) == ("ready", key)
    cut = decoded(object_store().read_location(key))
    assert difference(frame_at(cut, clip.file_lead_in), frame_at(decoded(short_gop), 4.1)) < 1


def test_a_clip_edited_during_its_cut_gets_no_file(with_video, short_gop, monkeypatch, progress):
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)
    cut = extraction._cut

    def edited_meanwhile(clip, *args):
        Clip.objects.filter(pk=clip.pk).update(start_time=3.0)
        return cut(clip, *args)

    monkeypatch.setattr(extraction, "_cut", edited_meanwhile)

    assert extract_clip(clip.pk, 2.2, 5.2) is None

    clip.refresh_from_db()
    assert (clip.file_key, clip.extraction_status) == ("", "extracting")
    assert clip_files(game) == []
    assert not Notification.objects.filter(type="extraction_complete").exists()


def test_a_clip_that_no_longer_waits_for_extraction_is_left_alone(with_video, short_gop):
    game = with_video(short_gop)
    clip = Clip.objects.create(game=game, start_time=2.2, end_time=5.2)  # pending: never claimed

    assert extract_clip(clip.pk, 2.2, 5.2) is None
    assert extract_clip(clip.pk + 1000, 2.2, 5.2) is None

    assert Clip.objects.get(pk=clip.pk).extraction_status == "pending"
    assert clip_files(game) == []


def test_invalidating_a_clip_deletes_its_file_and_makes_it_pending(
    with_video, short_gop, django_capture_on_commit_callbacks, progress
):
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)
    key = extract_clip(clip.pk, 2.2, 5.2)
    assert probe(object_store().read_location(key)).duration > 3
    clip.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Clip.objects.filter(pk=clip.pk).update(end_time=6.0)
        invalidate_file(clip)

    clip.refresh_from_db()
    assert (clip.file_key, clip.file_lead_in, clip.extraction_status) == ("", 0.0, "pending")
    assert object_store().size(key) is None
    assert clip_files(game) == []


def test_a_rolled_back_edit_keeps_the_file(
    with_video, short_gop, django_capture_on_commit_callbacks, progress
):
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)
    key = extract_clip(clip.pk, 2.2, 5.2)

    def rolled_back_edit():
        with transaction.atomic():
            invalidate_file(clip)
            raise RuntimeError("the edit failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        rolled_back_edit()

    assert Clip.objects.get(pk=clip.pk).file_key == key
    assert probe(object_store().read_location(key)).duration > 3


@pytest.mark.parametrize("video", ["missing", "corrupt", "none"])
def test_a_game_video_that_cannot_be_read_fails_the_clip_with_a_sentence(game, video, progress):
    # given
    if video != "none":
        key = f"users/{game.owner_id}/games/{game.pk}/{uuid.uuid4().hex}.mp4"
        if video == "corrupt":
            key = default_storage.save(key, ContentFile(b"not a match video, just bytes" * 2000))
        game.video_key, game.video_duration = key, 8.0
        game.save()
    clip = claimed(game, 2.2, 5.2)

    # when
    assert extract_clip(clip.pk, 2.2, 5.2) is None

    # then
    clip.refresh_from_db()
    assert clip.extraction_status == "failed"
    assert clip.file_key == ""
    error = clip.extraction_error
    assert error[0].isupper()
    assert error.endswith(".")
    assert len(error) <= 500
    if video == "none":
        assert error == "The game has no video to cut this clip from."
    failed = Notification.objects.get(owner=game.owner, type="extraction_failed")
    assert failed.message == error
    assert failed.data == {"clip_id": clip.pk, "game_id": game.pk, "task_id": f"extract_{clip.pk}"}
    assert clip_files(game) == []


def test_a_cut_ffmpeg_cannot_finish_leaves_nothing_behind(with_video, short_gop, monkeypatch, progress):
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)
    command = cutting.ffmpeg_command
    # An output format ffmpeg does not know: the copy fails, and so does the re-encode after it.
    monkeypatch.setattr(
        cutting, "ffmpeg_command", lambda *a: [*command(*a)[:-1], "-f", "nope", command(*a)[-1]]
    )

    assert extract_clip(clip.pk, 2.2, 5.2) is None

    clip.refresh_from_db()
    assert clip.extraction_status == "failed"
    assert clip.extraction_error.startswith("FFmpeg could not cut this clip")
    assert clip_files(game) == []


def test_a_failure_after_the_file_was_stored_deletes_it(with_video, short_gop, monkeypatch, progress):
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)
    notify = extraction.notify

    def notify_failing_on_complete(user, type, *args, **kwargs):
        if type == "extraction_complete":
            raise ConnectionError("the database went away")
        return notify(user, type, *args, **kwargs)

    monkeypatch.setattr(extraction, "notify", notify_failing_on_complete)

    assert extract_clip(clip.pk, 2.2, 5.2) is None

    clip.refresh_from_db()
    assert (clip.extraction_status, clip.file_key) == ("failed", "")
    assert clip.extraction_error == "Something went wrong while cutting this clip; try again."
    assert clip_files(game) == []


def test_the_owner_hears_that_the_cut_started_and_finished(with_video, short_gop, alice, progress):
    game = with_video(short_gop)
    clip = claimed(game, 2.2, 5.2)

    key = extract_clip(clip.pk, 2.2, 5.2)

    assert probe(object_store().read_location(key)).duration > 3
    data = {"clip_id": clip.pk, "game_id": game.pk, "task_id": f"extract_{clip.pk}"}
    stored = Notification.objects.filter(owner=alice).order_by("seq")
    assert [(n.type, n.data) for n in stored] == [
        ("extraction_started", data),
        ("extraction_complete", data),
    ]
    assert all(args[0] == alice.pk and kwargs["type"] == "extraction_progress" for args, kwargs in progress)

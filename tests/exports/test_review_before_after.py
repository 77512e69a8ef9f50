"""Before / after: a final video's clips as filmed (trimmed as its framing trimmed
them, "Before"), then the final video ("After"), decoded and measured."""

from __future__ import annotations

from collections.abc import Iterator

import av
import numpy as np
import pytest

from exports import jobs, worker
from exports.models import ExportJob, FinalVideo, ProjectClip
from exports.render import handout
from games.objects import object_store
from notifications.models import Notification
from tests.exports.exporting import ready_project, store_file
from tests.exports.test_export_jobs import submit
from tests.media import make_video

pytestmark = pytest.mark.django_db(transaction=False)

FPS = handout.SEGMENT_FPS
TRIM = (0.25, 1.25)  # the first clip's trim, seconds of the clip


def frames_of(key: str) -> tuple[list[np.ndarray], float, list[dict], bool]:
    with av.open(object_store().read_location(key)) as container:
        chapters = [c["metadata"].get("title", "") for c in container.chapters()]
        has_audio = bool(container.streams.audio)
        rate = float(container.streams.video[0].average_rate)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames, rate, chapters, has_audio


@pytest.fixture
def final_video(alice, alice_api, media_dir, small_exports) -> Iterator[FinalVideo]:
    """A two-clip reel exported to the end, its game video stored (clips at 10 s and 16.5 s;
    removed afterwards: ready_project's game key is the same in every test)."""
    project = ready_project(alice, media_dir, [1.5, 1.0])
    game = project.project_clips.first().clip.game
    store_file(make_video(media_dir, seconds=20, size="320x180"), game.video_key)
    first = ProjectClip.objects.get(project=project, position=1)
    first.segments = {**first.segments, "trim_start": TRIM[0], "trim_end": TRIM[1]}
    first.save()
    for kind in ("multi_clip", "overlay"):
        response = submit(alice_api, project, kind)
        assert response.status_code == 202, response.json()
        worker.run_export(response.json()["job_id"])
        project.refresh_from_db()
    assert project.final_video is not None
    yield project.final_video
    object_store().delete(game.video_key)


def test_a_before_after_shows_the_trimmed_clips_then_the_final_video(alice, alice_api, final_video):
    response = alice_api.post(f"/api/downloads/{final_video.pk}/before-after", {}, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["type"] == "before_after"
    assert body["title"] == "Before / after — Reel v1"
    assert body["project_id"] == final_video.project_id

    worker.run_export(body["job_id"])

    job = ExportJob.objects.get(pk=body["job_id"])
    assert job.status == "complete", job.error
    review = job.review_video
    assert review.kind == "before_after"
    assert review.source_video_id == final_video.pk
    assert review.summary == {"clips": 2}
    assert (review.width, review.height) == (final_video.width, final_video.height)
    frames, rate, chapters, has_audio = frames_of(review.file_key)
    assert rate == FPS
    before = [TRIM[1] - TRIM[0], 1.0]
    final_frames, final_rate, _, _ = frames_of(final_video.file_key)
    after = round(final_video.duration * FPS)
    assert len(frames) == sum(round(d * FPS) for d in before) + after
    assert review.duration == pytest.approx(sum(before) + final_video.duration, abs=2 / FPS)
    assert frames[0].shape == final_frames[0].shape
    assert has_audio
    assert chapters == ["Before — Good Goal", "Before — Good Goal", "After"]

    # The "After" part is the final video (below its label), frame for frame in time.
    first_after = len(frames) - after
    below = slice(final_video.height // 3, None)
    errors = []
    for number in range(0, after, 5):
        source = final_frames[min(len(final_frames) - 1, int(number / FPS * final_rate + 1e-6))]
        errors.append(np.abs(frames[first_after + number][below].astype(float) - source[below]).mean())
    assert max(errors) < 8, errors
    # The "Before" part is not the final video: the clip letterboxed (black bars above and below).
    assert frames[5][below][-3:].mean() < 20

    done = Notification.objects.get(owner=alice, type="export_complete", data__review_id=review.pk)
    assert done.title == "Before / after ready"
    listed = alice_api.get("/api/reviews?kind=before_after").json()["results"]
    assert [item["id"] for item in listed] == [review.pk]
    assert alice_api.get("/api/reviews?kind=game_review").json()["results"] == []


def test_a_final_video_without_its_framing_snapshot_or_someone_elses_is_refused(
    alice, alice_api, bob_api, final_video, monkeypatch
):
    monkeypatch.setattr(jobs, "async_task", lambda *args, **kwargs: None)
    assert bob_api.post(f"/api/downloads/{final_video.pk}/before-after", {}, format="json").status_code == 404
    bad = alice_api.post(f"/api/downloads/{final_video.pk}/before-after", {"quality": "best"}, format="json")
    assert bad.status_code == 400
    assert (
        alice_api.post(f"/api/downloads/{final_video.pk}/before-after", {}, format="json").status_code == 202
    )
    again = alice_api.post(f"/api/downloads/{final_video.pk}/before-after", {}, format="json")
    assert again.status_code == 409
    assert "already being made" in again.json()["detail"]

    orphan = FinalVideo.objects.create(
        project=final_video.project, version=9, file_key="x.mp4", size=1, duration=1.0, width=120,
        height=214, fps=30.0,
    )  # fmt: skip
    ExportJob.objects.filter(type="before_after").update(status="cancelled")
    refused = alice_api.post(f"/api/downloads/{orphan.pk}/before-after", {}, format="json")
    assert refused.status_code == 409
    assert "are no longer known" in refused.json()["detail"]

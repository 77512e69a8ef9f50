"""The tracking endpoints: what a request may ask (400 with sentences, hostile input
included), 409 while a clip is tracked or still being cut, owners only (404), the
job and track shapes the editors read, cancel, and the OpenAPI schema."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from exports import tracking_jobs
from exports.models import TrackingJob
from games.models import Clip
from tests.scene_media import keyed_clip

pytestmark = pytest.mark.django_db(transaction=False)

BOX = {"x": 100, "y": 80, "width": 40, "height": 90}
JOB_FIELDS = {
    "id", "clip_id", "status", "progress", "error", "config", "created_at", "started_at", "completed_at",
    "lost_spans", "found_share",
}  # fmt: skip


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Nothing here needs a worker: the task is never queued."""
    monkeypatch.setattr(tracking_jobs, "async_task", lambda *args, **kwargs: None)


def post(api, clip_id, body, **kwargs):
    return api.post(f"/api/clips/{clip_id}/tracks", body, format="json", **kwargs)


def completed(clip: Clip, boxes: list, fps: float = 25.0) -> TrackingJob:
    """A finished job of the clip's current file, with `boxes` as its track."""
    return TrackingJob.objects.create(
        owner=clip.game.owner, clip=clip, status="complete", clip_file_key=clip.file_key,
        config={"time": 0.0, "box": [100, 80, 40, 90], "resume_of": None}, completed_at=timezone.now(),
        track={"fps": fps, "frame_count": len(boxes), "boxes": boxes,
               "confidence": [0.0 if b is None else 0.9 for b in boxes]},
    )  # fmt: skip


def test_a_submission_answers_202_with_the_job_and_queues_nothing_twice(alice, alice_api):
    clip = keyed_clip(alice)

    response = post(alice_api, clip.pk, {"time": 1.5, "box": BOX})

    assert response.status_code == 202, response.json()
    job = response.json()
    assert set(job) == JOB_FIELDS
    assert job["id"].startswith("track_")
    assert (job["clip_id"], job["status"], job["progress"], job["lost_spans"], job["found_share"]) == (
        clip.pk, "pending", None, None, None,
    )  # fmt: skip
    assert job["config"] == {"time": 1.5, "box": [100.0, 80.0, 40.0, 90.0], "resume_of": None}
    assert TrackingJob.objects.get(pk=job["id"]).clip_file_key == clip.file_key
    assert alice_api.get(f"/api/tracks/{job['id']}").json() == job

    again = post(alice_api, clip.pk, {"time": 2.0, "box": BOX})
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "A player is already being followed in this clip (pending); wait for it or cancel it."
    )


def test_the_database_constraint_backs_up_the_active_check(alice, alice_api, monkeypatch):
    # given: a race where both requests passed the check before either inserted
    clip = keyed_clip(alice)
    TrackingJob.objects.create(owner=alice, clip=clip, status="processing")
    monkeypatch.setattr(Clip, "tracking_jobs", property(lambda self: TrackingJob.objects.none()))

    response = post(alice_api, clip.pk, {"time": 1.0, "box": BOX})

    assert response.status_code == 409
    assert response.json()["detail"].startswith("A player is already being followed in this clip")


def test_progress_is_the_heartbeats_share_while_processing(alice, alice_api):
    from exports import liveness

    job = TrackingJob.objects.create(owner=alice, clip=keyed_clip(alice), status="processing")
    liveness.beat(job.pk, "here:1", 42.0)
    try:
        assert alice_api.get(f"/api/tracks/{job.pk}").json()["progress"] == 0.42
    finally:
        liveness.forget(job.pk)


def test_a_clip_not_cut_yet_is_409_and_starts_being_cut(alice, alice_api, monkeypatch):
    from games import extraction

    cuts = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: cuts.append(args))
    clip = keyed_clip(alice)
    Clip.objects.filter(pk=clip.pk).update(file_key="", extraction_status="pending")

    response = post(alice_api, clip.pk, {"time": 1.0, "box": BOX})

    assert response.status_code == 409
    assert response.json()["detail"] == "The clip is still being cut; try again in a moment."
    assert Clip.objects.get(pk=clip.pk).extraction_status == "extracting"
    assert not TrackingJob.objects.exists()


def test_resume_without_a_finished_track_is_409_and_with_one_continues_it(alice, alice_api):
    clip = keyed_clip(alice)
    refused = post(alice_api, clip.pk, {"time": 1.0, "box": BOX, "resume": True})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "This clip has no finished track to continue; follow the player first (resume: false)."
    )

    first = completed(clip, [[1, 2, 30, 40], None, None])
    response = post(alice_api, clip.pk, {"time": 0.04, "box": BOX, "resume": True})
    assert response.status_code == 202
    assert response.json()["config"]["resume_of"] == first.pk


def test_the_clips_track_with_its_lost_spans_and_none_of_an_earlier_cut(alice, alice_api):
    clip = keyed_clip(alice)
    missing = alice_api.get(f"/api/clips/{clip.pk}/track")
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "This clip has no track yet: draw a box around the player and press Follow."
    )
    boxes = [[10, 20, 30, 40]] * 3 + [None] * 2 + [[12, 20, 30, 40]] * 5
    job = completed(clip, boxes, fps=10.0)

    track = alice_api.get(f"/api/clips/{clip.pk}/track").json()

    assert track == {
        "job_id": job.pk, "fps": 10.0, "frame_count": 10, "boxes": boxes,
        "confidence": [0.9] * 3 + [0.0] * 2 + [0.9] * 5,
        "lost_spans": [{"start_time": 0.3, "end_time": 0.5}], "found_share": 0.8,
    }  # fmt: skip
    assert alice_api.get(f"/api/tracks/{job.pk}").json()["lost_spans"] == [
        {"start_time": 0.3, "end_time": 0.5}
    ]
    # The clip is cut again (new times): the old track no longer fits it.
    Clip.objects.filter(pk=clip.pk).update(file_key="users/x/clips/recut.mp4")
    assert alice_api.get(f"/api/clips/{clip.pk}/track").status_code == 404


def test_cancel_a_pending_job_then_409_once_it_ended(alice, alice_api):
    clip = keyed_clip(alice)
    job_id = post(alice_api, clip.pk, {"time": 1.0, "box": BOX}).json()["id"]

    response = alice_api.delete(f"/api/tracks/{job_id}")

    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"
    again = alice_api.delete(f"/api/tracks/{job_id}")
    assert again.status_code == 409
    assert again.json()["detail"] == "This tracking already ended (cancelled); there is nothing to cancel."
    assert post(alice_api, clip.pk, {"time": 1.0, "box": BOX}).status_code == 202  # a new one may start


def test_other_users_clips_and_jobs_are_not_found(alice, alice_api, bob_api):
    clip = keyed_clip(alice)
    job_id = post(alice_api, clip.pk, {"time": 1.0, "box": BOX}).json()["id"]
    completed(keyed_clip(alice), [[1, 2, 30, 40]])

    assert post(bob_api, clip.pk, {"time": 1.0, "box": BOX}).status_code == 404
    assert bob_api.get(f"/api/clips/{clip.pk}/track").status_code == 404
    assert bob_api.get(f"/api/tracks/{job_id}").status_code == 404
    assert bob_api.delete(f"/api/tracks/{job_id}").status_code == 404
    assert TrackingJob.objects.get(pk=job_id).status == "pending"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/clips/99999999999999999999999/tracks"),
        ("post", "/api/clips/9223372036854775808/tracks"),
        ("get", "/api/clips/0/track"),
        ("get", "/api/clips/-1/track"),
        ("get", "/api/clips/abc/track"),
        ("get", "/api/tracks/track_" + "f" * 5000),
        ("delete", "/api/tracks/track_" + "0" * 32),
        ("get", "/api/tracks/export_1"),
    ],
)
def test_ids_that_name_nothing_are_404(alice_api, method, path):
    response = getattr(alice_api, method)(path, {"time": 1.0, "box": BOX}, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"time": 1.0, "box": {**BOX, "width": 7}}, "at least 8x8 pixels"),
        ({"time": 1.0, "box": {**BOX, "x": 620}}, "inside the 640x360 picture"),
        ({"time": 1.0, "box": {**BOX, "y": -1}}, "inside the 640x360 picture"),
        ({"time": 4.5, "box": BOX}, "outside the clip, which runs from 0 to 4.00 s"),
        ({"time": -0.1, "box": BOX}, "outside the clip"),
        ({"time": 1e308, "box": BOX}, "outside the clip"),
        ({"time": "soon", "box": BOX}, "valid number"),
        ({"time": 1.0, "box": {**BOX, "x": "left"}}, "valid number"),
        ({"time": 1.0, "box": [100, 80, 40, 90]}, "dictionary"),
        ({"time": 1.0}, "required"),
        ({"box": BOX}, "required"),
        ({"time": 1.0, "box": BOX, "resume": "perhaps"}, "valid boolean"),
        ([1, 2], "dictionary"),
    ],
)
def test_bad_requests_get_a_sentence(alice, alice_api, body, words):
    clip = keyed_clip(alice)

    response = post(alice_api, clip.pk, body)

    assert response.status_code == 400
    assert words in json.dumps(response.json())
    assert not TrackingJob.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"time": NaN, "box": {"x": 1, "y": 1, "width": 9, "height": 9}}',
        '{"time": Infinity}',
        '{"time": 1, "box": {"x": -Infinity, "y": 1, "width": 9, "height": 9}}',
        '{"time": 1e999, "box": {"x": 1, "y": 1, "width": 9, "height": 9}}',
    ],
)
def test_nan_and_infinity_are_refused(alice, alice_api, raw):
    clip = keyed_clip(alice)

    response = alice_api.post(f"/api/clips/{clip.pk}/tracks", raw, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body.get("detail") or body["time"] == ["A valid number is required."]  # 1e999 parses as inf


def test_huge_and_deep_json_is_refused(alice, alice_api):
    clip = keyed_clip(alice)
    deep = '{"time": 1, "box": ' + "[" * 5000 + "]" * 5000 + "}"

    response = alice_api.post(f"/api/clips/{clip.pk}/tracks", deep, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]
    huge = post(alice_api, clip.pk, {"time": 1.0, "box": {**BOX, "width": 10**400}})
    assert huge.status_code == 400


def test_the_schema_documents_every_answer():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]

    assert {"202", "400", "404", "409"} <= set(paths["/api/clips/{clip_id}/tracks"]["post"]["responses"])
    assert {"200", "404"} <= set(paths["/api/clips/{clip_id}/track"]["get"]["responses"])
    assert {"200", "404"} <= set(paths["/api/tracks/{job_id}"]["get"]["responses"])
    assert {"202", "404", "409"} <= set(paths["/api/tracks/{job_id}"]["delete"]["responses"])
    job = schema["components"]["schemas"]["TrackingJob"]["properties"]
    assert set(job) == JOB_FIELDS

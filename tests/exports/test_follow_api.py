"""The Follow control's proposal (GET /api/projects/{id}/clips/{pc}/follow): from a
clip's finished track, crop keyframes that keep the player in the crop, and the
highlight on the player in source and framed coordinates, with the lost spans."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from exports import edits, jobs, projects
from exports.follow import source_regions_from_track
from exports.models import ExportJob, JobStatus, JobType, Project, ProjectClip, TrackingJob
from exports.render.framing import crop_boxes
from exports.render.segments import output_duration, output_time
from exports.render.timeline import interpolate_keyframes
from games.models import Clip

pytestmark = pytest.mark.django_db

FPS = 25.0
LOST = (4.0, 4.8)  # clip seconds the tracker lost the player in
BOX = (60.0, 140.0)  # the player's box, source pixels


def player_at(t: float) -> tuple[float, float]:
    """The player's centre at clip time t: across the pitch and a little down it."""
    return 300.0 + 90.0 * t, 500.0 + 12.0 * t


def made_track(seconds: float = 15.0, lost=LOST) -> dict:
    boxes = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        if lost and lost[0] <= t < lost[1]:
            boxes.append(None)
            continue
        cx, cy = player_at(t)
        boxes.append([cx - BOX[0] / 2, cy - BOX[1] / 2, *BOX])
    return {
        "fps": FPS,
        "frame_count": len(boxes),
        "boxes": boxes,
        "confidence": [0.0 if b is None else 0.9 for b in boxes],
    }


def tracked(clip: Clip, track: dict | None = None, *, time: float = 2.0) -> TrackingJob:
    Clip.objects.filter(pk=clip.pk).update(extraction_status="ready", file_key=f"clips/{clip.pk}.mp4")
    return TrackingJob.objects.create(
        owner=clip.game.owner, clip=clip, status=JobStatus.COMPLETE, clip_file_key=f"clips/{clip.pk}.mp4",
        config={"time": time, "box": [0, 0, 60, 140], "resume_of": None}, track=track or made_track(),
        completed_at=timezone.now(),
    )  # fmt: skip


def url(project: dict, index: int = 0, **query) -> str:
    pc = project["clips"][index]
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/projects/{project['id']}/clips/{pc['id']}/follow" + (f"?{params}" if params else "")


def follow(api, project: dict, index: int = 0, **query) -> dict:
    response = api.get(url(project, index, **query))
    assert response.status_code == 200, response.json()
    return response.json()


def player_times() -> np.ndarray:
    t = np.arange(0, 15.0, 1 / FPS)
    return t[~((t >= LOST[0]) & (t < LOST[1]))]


def framed_player(crop: list[dict], segments: dict, offset: float, output_size, times):
    """Where the player is in the framed video, through the renderer's crop rule."""
    box = crop_boxes(crop, times, 1920, 1080, output_size[0] / output_size[1])
    cx, cy = np.array([player_at(t) for t in times]).T
    x = (cx - box[:, 0]) * output_size[0] / box[:, 2]
    y = (cy - box[:, 1]) * output_size[1] / box[:, 3]
    framed_t = np.array([output_time(segments, t) + offset for t in times])
    return x, y, framed_t


def region_centres(regions: list[dict], at: np.ndarray):
    """The ellipse centre at each time (NaN where no region is)."""
    x, y = np.full(len(at), np.nan), np.full(len(at), np.nan)
    for region in regions:
        inside = (at >= region["start_time"]) & (at < region["end_time"])
        values = interpolate_keyframes(region["keyframes"], ("x", "y"), at[inside])
        x[inside], y[inside] = values["x"], values["y"]
    return x, y


def test_the_proposed_crop_keeps_the_player_inside_at_every_frame(alice_api, project, clips):
    # given the first clip's track of a player crossing the pitch
    tracked(clips[1])

    # when the framing editor asks for the proposal
    answer = follow(alice_api, project)

    # then every found frame has the player's whole box inside the crop, at the project's shape
    crop = answer["crop_keyframes"]
    assert len(crop) >= 2
    assert answer["job_id"].startswith("track_")
    times = player_times()
    box = crop_boxes(crop, times, 1920, 1080, 9 / 16)
    cx, cy = np.array([player_at(t) for t in times]).T
    assert np.all(cx - BOX[0] / 2 >= box[:, 0])
    assert np.all(cx + BOX[0] / 2 <= box[:, 0] + box[:, 2])
    assert np.all(cy - BOX[1] / 2 >= box[:, 1])
    assert np.all(cy + BOX[1] / 2 <= box[:, 1] + box[:, 3])
    # and it is what the clip accepts as its crop keyframes
    edits.clean_crop_keyframes(
        crop, clip_duration=15.0, source_width=1920, source_height=1080, aspect_ratio="9:16"
    )
    pc = project["clips"][0]
    response = alice_api.patch(
        f"/api/projects/{project['id']}/clips/{pc['id']}",
        {"version": pc["version"], "crop_keyframes": crop},
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_the_crop_keeps_the_clips_zoom_where_the_box_was_drawn(alice_api, project, clips):
    # given a clip zoomed in to a 300 px wide crop
    pc = ProjectClip.objects.get(pk=project["clips"][0]["id"])
    pc.crop_keyframes = [{"time": 0.0, "x": 500.0, "y": 300.0, "width": 300.0, "height": 300 * 16 / 9}]
    pc.save()
    tracked(clips[1])

    # then the proposal follows at that zoom
    crop = follow(alice_api, project)["crop_keyframes"]
    assert {round(k["width"]) for k in crop} == {300}


def test_the_framed_highlight_sits_on_the_player_through_the_proposed_crop(alice_api, project, clips):
    # given the SECOND clip of the reel, trimmed, is tracked
    second = ProjectClip.objects.get(pk=project["clips"][1]["id"])
    second.segments = {"trim_start": 1.0, "trim_end": 12.0, "splits": [6.0], "speeds": [1.0, 0.5]}
    second.save()
    tracked(clips[2])

    # when the framing editor asks for its proposal
    answer = follow(alice_api, project, 1)

    # then the framed ellipse's centre is on the player (through the proposed crop, the
    # trims and speeds, after the first clip in the reel) within a few pixels
    first = ProjectClip.objects.get(pk=project["clips"][0]["id"])
    offset = output_duration(first.segments)
    size = settings.OUTPUT_SIZES["9:16"]
    times = player_times()
    times = times[(times >= 1.0) & (times < 12.0)]
    px, py, framed_t = framed_player(answer["crop_keyframes"], second.segments, offset, size, times)
    rx, ry = region_centres(answer["framed_regions"], framed_t)
    shown = ~np.isnan(rx)
    assert shown.mean() > 0.9
    # the ellipse is averaged over half a second: inside a region it is on the player
    assert np.nanmax(np.hypot(rx - px, ry - py)) < 0.02 * size[0]
    assert np.nanmedian(np.hypot(rx - px, ry - py)) < 3.0
    # and the regions are valid overlay regions of the framed video, in its times
    reel = offset + output_duration(second.segments)
    edits.clean_regions(answer["framed_regions"], width=size[0], height=size[1], duration=reel)
    assert answer["framed_regions"][0]["start_time"] == pytest.approx(offset, abs=0.05)


def test_the_source_highlight_is_on_the_player_in_clip_coordinates(alice_api, project, clips):
    # given a tracked clip
    tracked(clips[1])

    # then the proposal's source regions have the player's centre, one per found span
    answer = follow(alice_api, project)
    regions = answer["regions"]
    assert len(regions) == 2
    assert regions[0]["start_time"] == 0.0
    assert regions[0]["end_time"] == pytest.approx(LOST[0], abs=0.05)
    assert regions[1]["start_time"] == pytest.approx(LOST[1], abs=0.05)
    times = player_times()
    rx, ry = region_centres(regions, times)
    px, py = np.array([player_at(t) for t in times]).T
    # the keyframes stay within 1 % of the frame width of the smoothed path (camera.py)
    assert np.nanmax(np.hypot(rx - px, ry - py)) < 0.01 * 1920
    edits.clean_regions(regions, width=1920, height=1080, duration=15.0)


def test_source_regions_follow_the_feet_and_carry_a_label():
    # when the highlight is asked under the feet for the first 2 s, labelled
    regions = source_regions_from_track(
        made_track(), start=0.0, end=2.0, color="#FFFF00", opacity=0.5, placement="under", label="Goal"
    )

    # then one region of 2 s is on the player's feet
    assert [(r["start_time"], r["end_time"], r["label"]) for r in regions] == [(0.0, 2.0, "Goal")]
    times = np.arange(0.3, 1.7, 1 / FPS)
    rx, ry = region_centres(regions, times)
    feet = np.array([(x, y + BOX[1] / 2) for x, y in (player_at(t) for t in times)])
    assert np.max(np.hypot(rx - feet[:, 0], ry - feet[:, 1])) < 0.01 * 1920


def test_lost_spans_in_clip_and_framed_seconds(alice_api, project, clips):
    # given a clip trimmed to start at 2 s whose track lost the player at 4.0-4.8 s
    pc = ProjectClip.objects.get(pk=project["clips"][0]["id"])
    pc.segments = {"trim_start": 2.0, "trim_end": 15.0, "splits": [], "speeds": [1.0]}
    pc.save()
    tracked(clips[1])

    # then the span is given in both times
    answer = follow(alice_api, project)
    assert answer["lost_spans"] == [{"start_time": 4.0, "end_time": 4.8}]
    assert answer["framed_lost_spans"] == [{"start_time": 2.0, "end_time": 2.8}]
    assert answer["found_share"] == pytest.approx(1 - 0.8 / 15, abs=0.01)


def exported(project_id: int) -> None:
    project = Project.objects.get(pk=project_id)
    for clip in Clip.objects.filter(project_clips__project=project):
        Clip.objects.filter(pk=clip.pk).update(extraction_status="ready", file_key=f"clips/{clip.pk}.mp4")
    config = jobs.framing_config(project, JobType.MULTI_CLIP)
    width, height = config["output_size"]
    working = projects.record_working_video(
        project, file_key="framed.mp4", size=1000, duration=30.0, width=width, height=height, fps=25.0
    )
    ExportJob.objects.create(
        owner=project.owner, project=project, type=JobType.MULTI_CLIP, status=JobStatus.COMPLETE,
        config=config, working_video=working,
    )  # fmt: skip


def test_overlay_regions_go_through_the_framing_the_working_video_was_rendered_from(
    alice_api, project, clips
):
    # given a project whose framing was exported with a still crop, then changed
    tracked(clips[1])
    tracked(clips[2])
    exported(project["id"])
    snapshot_crop = ProjectClip.objects.get(pk=project["clips"][0]["id"]).crop_keyframes
    ProjectClip.objects.filter(pk=project["clips"][0]["id"]).update(
        crop_keyframes=[{**snapshot_crop[0], "x": 0.0}]
    )

    # when the overlay editor asks
    answer = follow(alice_api, project, target="overlay")

    # then the framed regions are on the player through the EXPORTED crop, not the proposal
    size = settings.OUTPUT_SIZES["9:16"]
    segments = edits.default_segments(15.0)
    times = player_times()
    px, py, framed_t = framed_player(snapshot_crop, segments, 0.0, size, times)
    rx, ry = region_centres(answer["framed_regions"], framed_t)
    inside = (px >= 0) & (px <= size[0])
    assert np.isfinite(rx[inside]).mean() > 0.9
    assert np.nanmedian(np.hypot(rx - px, ry - py)[inside]) < 3.0
    # where the still crop does not show the player there is no region
    assert np.all(np.isnan(rx[px < -BOX[0]]))


def test_overlay_without_a_framed_video_is_409(alice_api, project, clips):
    tracked(clips[1])
    response = alice_api.get(url(project, target="overlay"))
    assert response.status_code == 409
    assert "export the framing first" in response.json()["detail"]


def test_a_clip_added_after_the_framing_export_is_409_in_the_overlay(alice_api, project, clips):
    # given an exported project, then a third clip added
    exported(project["id"])
    response = alice_api.post(
        f"/api/projects/{project['id']}/clips", {"clip_ids": [clips[0].pk]}, format="json"
    )
    assert response.status_code in (200, 201), response.json()
    fresh = alice_api.get(f"/api/projects/{project['id']}").json()
    added = next(i for i, pc in enumerate(fresh["clips"]) if pc["clip"]["id"] == clips[0].pk)
    tracked(clips[0])

    response = alice_api.get(url(fresh, added, target="overlay"))
    assert response.status_code == 409
    assert "export the framing again" in response.json()["detail"]


def test_no_track_is_404_with_a_sentence(alice_api, project, clips):
    # a running job is not a track yet
    TrackingJob.objects.create(owner=clips[1].game.owner, clip=clips[1], status=JobStatus.PROCESSING)
    response = alice_api.get(url(project))
    assert response.status_code == 404
    assert "no finished track" in response.json()["detail"]


def test_a_track_of_an_earlier_cut_is_not_used(alice_api, project, clips):
    tracked(clips[1])
    Clip.objects.filter(pk=clips[1].pk).update(file_key="clips/recut.mp4")
    assert alice_api.get(url(project)).status_code == 404


def test_the_newest_track_is_used(alice_api, project, clips):
    tracked(clips[1], made_track(lost=(1.0, 2.0)))
    newer = tracked(clips[1], made_track(lost=None))
    answer = follow(alice_api, project)
    assert answer["job_id"] == newer.id
    assert answer["lost_spans"] == []


def test_a_track_that_never_found_the_player_is_409(alice_api, project, clips):
    tracked(clips[1], {"fps": FPS, "frame_count": 3, "boxes": [None] * 3, "confidence": [0.0] * 3})
    response = alice_api.get(url(project))
    assert response.status_code == 409
    assert "not found" in response.json()["detail"]


def test_another_users_project_clip_is_404(bob_api, project, clips):
    tracked(clips[1])
    assert bob_api.get(url(project)).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "target=evil",
        "anchor_x=nan",
        "anchor_x=inf",
        "anchor_y=-inf",
        "anchor_x=1e309",
        "anchor_x=abc",
        "anchor_x=0",
        "anchor_y=1",
        "anchor_x=" + "9" * 5000,
        "placement=%3Cscript%3E",
        "placement=under%00",
    ],
)
def test_hostile_query_strings_get_a_400_with_a_sentence(alice_api, project, clips, query):
    tracked(clips[1])
    pc = project["clips"][0]
    response = alice_api.get(f"/api/projects/{project['id']}/clips/{pc['id']}/follow?{query}")
    assert response.status_code == 400
    body = response.json()
    message = " ".join(str(v) for v in body.values())
    assert len(message) > 10


def test_anchor_and_placement_change_the_proposal(alice_api, project, clips):
    tracked(clips[1])
    middle = follow(alice_api, project)
    left = follow(alice_api, project, anchor_x=0.3, placement="under")
    # the player 0.3 of the way across the crop: its left edge is nearer the player
    assert left["crop_keyframes"][0]["x"] > middle["crop_keyframes"][0]["x"]
    assert left["framed_regions"][0]["keyframes"][0]["y"] > middle["framed_regions"][0]["keyframes"][0]["y"]


def test_the_schema_documents_the_follow_statuses(alice_api):
    schema = alice_api.get("/api/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code != 200:
        pytest.fail(f"no schema at /api/schema/: {schema.status_code}")
    operation = schema.json()["paths"]["/api/projects/{project_id}/clips/{project_clip_id}/follow"]["get"]
    assert {"200", "400", "404", "409"} <= set(operation["responses"])


# --- a box drawn on the framed video: POST /api/projects/{id}/overlay/tracks -------------------


@pytest.fixture
def no_queue(monkeypatch):
    """The job is only submitted here: no worker runs it."""
    from exports import tracking_jobs

    monkeypatch.setattr(tracking_jobs, "async_task", lambda *args, **kwargs: None)


def framed_box(crop: list[dict], time: float, centre, size=BOX) -> dict:
    """The player's box (source pixels) as the framed video shows it through `crop`."""
    out_w, out_h = settings.OUTPUT_SIZES["9:16"]
    x, y, w, h = crop_boxes(crop, np.array([time]), 1920, 1080, out_w / out_h)[0]
    scale_x, scale_y = out_w / w, out_h / h
    return {
        "x": round((centre[0] - size[0] / 2 - x) * scale_x, 1),
        "y": round((centre[1] - size[1] / 2 - y) * scale_y, 1),
        "width": round(size[0] * scale_x, 1),
        "height": round(size[1] * scale_y, 1),
    }


def post_framed(api, project: dict, body: dict):
    return api.post(f"/api/projects/{project['id']}/overlay/tracks", body, format="json")


def test_a_box_on_the_framed_video_after_reframing_lands_on_the_player_through_the_snapshot(
    alice_api, project, clips, no_queue
):
    # given an exported project whose SECOND clip was then re-framed (moved to the left edge)
    exported(project["id"])
    first = ProjectClip.objects.get(pk=project["clips"][0]["id"])
    second = ProjectClip.objects.get(pk=project["clips"][1]["id"])
    snapshot_crop = second.crop_keyframes
    ProjectClip.objects.filter(pk=second.pk).update(crop_keyframes=[{**snapshot_crop[0], "x": 0.0}])

    # when the user draws a box around the player as the framed video shows him, 6 s into that clip
    clip_time = 6.0
    framed_time = output_duration(first.segments) + clip_time
    box = framed_box(snapshot_crop, clip_time, player_at(clip_time))
    response = post_framed(alice_api, project, {"time": framed_time, "box": box})

    # then a job is submitted on that clip, at that clip time, around the player in source pixels
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["clip_id"], job["status"]) == (clips[2].pk, "pending")
    assert job["config"]["time"] == pytest.approx(clip_time, abs=1e-3)
    x, y, w, h = job["config"]["box"]
    cx, cy = player_at(clip_time)
    assert (x + w / 2, y + h / 2) == (pytest.approx(cx, abs=1.0), pytest.approx(cy, abs=1.0))
    assert (w, h) == (pytest.approx(BOX[0], abs=1.0), pytest.approx(BOX[1], abs=1.0))
    # and the current framing would have put the box far from the player: the snapshot made the difference
    current = crop_boxes(
        ProjectClip.objects.get(pk=second.pk).crop_keyframes, np.array([clip_time]), 1920, 1080, 9 / 16
    )[0]
    wrong_x = current[0] + box["x"] * current[2] / settings.OUTPUT_SIZES["9:16"][0]
    assert abs(wrong_x - (cx - BOX[0] / 2)) > 100


def test_a_box_at_a_dissolve_goes_to_the_clip_that_weighs_more(alice_api, project, clips, no_queue):
    # given an exported reel with a 1 s dissolve between its two 15 s clips
    Project.objects.filter(pk=project["id"]).update(transition={"type": "dissolve", "duration": 1.0})
    exported(project["id"])
    box = {"x": 400, "y": 800, "width": 100, "height": 200}

    # before the dissolve's middle (14.5 s) the first clip, after it the second
    early = post_framed(alice_api, project, {"time": 14.2, "box": box})
    late = post_framed(alice_api, project, {"time": 14.8, "box": box})
    assert early.status_code == late.status_code == 202, (early.json(), late.json())
    assert early.json()["clip_id"] == clips[1].pk
    assert early.json()["config"]["time"] == pytest.approx(14.2, abs=1e-3)
    assert late.json()["clip_id"] == clips[2].pk
    assert late.json()["config"]["time"] == pytest.approx(0.8, abs=1e-3)


def test_a_framed_box_without_a_framed_video_is_409(alice_api, project, clips, no_queue):
    response = post_framed(
        alice_api, project, {"time": 1.0, "box": {"x": 10, "y": 10, "width": 50, "height": 90}}
    )
    assert response.status_code == 409
    assert "export the framing first" in response.json()["detail"]


def test_a_framed_box_on_a_clip_taken_out_since_the_export_is_409(alice_api, project, clips, no_queue):
    # given the second clip was taken out of the project after the framing export
    exported(project["id"])
    ProjectClip.objects.filter(pk=project["clips"][1]["id"]).delete()

    # when a box is drawn where the framed video still shows it
    body = {"time": 20.0, "box": {"x": 400, "y": 800, "width": 100, "height": 200}}
    response = post_framed(alice_api, project, body)

    # then the sentence says to export again, and nothing is tracked
    assert response.status_code == 409
    assert "export the framing again" in response.json()["detail"]
    assert not TrackingJob.objects.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"time": 1.0, "box": {"x": -5, "y": 10, "width": 50, "height": 90}}, "inside the"),
        ({"time": 1.0, "box": {"x": 1070, "y": 10, "width": 50, "height": 90}}, "inside the"),
        ({"time": 1.0, "box": {"x": 10, "y": 1900, "width": 50, "height": 90}}, "inside the"),
        ({"time": 1.0, "box": {"x": 10, "y": 10, "width": 0, "height": 90}}, "drag it around"),
        ({"time": 31.0, "box": {"x": 10, "y": 10, "width": 50, "height": 90}}, "outside the framed video"),
        ({"time": -1.0, "box": {"x": 10, "y": 10, "width": 50, "height": 90}}, "outside the framed video"),
        ({"time": "nan", "box": {"x": 10, "y": 10, "width": 50, "height": 90}}, ""),
        ({"time": 1.0, "box": {"x": 10, "y": 10}}, ""),
        ({"time": 1.0, "box": {"x": 1, "y": 1, "width": 4, "height": 4}}, "at least"),
    ],
)
def test_a_bad_framed_box_is_400_with_a_sentence(alice_api, project, clips, no_queue, body, words):
    exported(project["id"])
    response = post_framed(alice_api, project, body)
    assert response.status_code == 400, response.json()
    message = " ".join(str(v) for v in response.json().values())
    assert words in message
    assert len(message) > 10
    assert not TrackingJob.objects.exists()


def test_another_users_project_is_404_for_a_framed_box(bob_api, project, clips, no_queue):
    exported(project["id"])
    body = {"time": 1.0, "box": {"x": 10, "y": 10, "width": 50, "height": 90}}
    assert post_framed(bob_api, project, body).status_code == 404
    assert not TrackingJob.objects.exists()


def test_the_schema_documents_the_framed_box_statuses(alice_api):
    schema = alice_api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/projects/{project_id}/overlay/tracks"]["post"]
    assert {"202", "400", "404", "409"} <= set(operation["responses"])

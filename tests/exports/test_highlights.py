"""Highlights live on the clip and every project shows them through its own framing:
round trips source -> framed -> source within a pixel and a frame; a highlight made
in a 9:16 project shows on the same source point in a 16:9 project; re-framing
keeps regions on the player; the starter region; stale saves; trimmed-away notes."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from exports import edits, worker
from exports.highlights import from_project, to_project
from exports.models import ClipHighlight, ExportJob, Overlay, Project, ProjectClip, TrackingJob
from exports.projects import record_working_video
from exports.render.effects import ELLIPSE_FIELDS
from exports.render.framing import crop_boxes
from exports.render.reprojection import Placement, to_framed_region, to_source_region
from exports.render.timeline import interpolate_keyframes
from tests.exports.conftest import make_game
from tests.exports.exporting import ready_project
from tests.exports.test_export_jobs import decoded, submit

FPS = 25
FRAME = 1 / FPS
SOURCE = (1920, 1080)
PORTRAIT = (1080, 1920)
STILL = [{"time": 0.0, "x": 656.0, "y": 0.0, "width": 607.5, "height": 1080.0}]
PANNING = [
    {"time": 0.0, "x": 100.0, "y": 0.0, "width": 607.5, "height": 1080.0},
    {"time": 6.0, "x": 1000.0, "y": 0.0, "width": 607.5, "height": 1080.0},
    {"time": 10.0, "x": 1200.0, "y": 100.0, "width": 540.0, "height": 960.0},
]
WHOLE = {"trim_start": 0.0, "trim_end": 10.0, "splits": [], "speeds": [1.0]}
TRIMMED = {"trim_start": 1.5, "trim_end": 8.0, "splits": [], "speeds": [1.0]}
SLOW = {"trim_start": 1.0, "trim_end": 9.0, "splits": [4.0, 6.0], "speeds": [1.0, 0.5, 1.0]}


def ellipse(time, x, y, radius_x=40.0, radius_y=90.0, opacity=0.5, color="#FFFF00") -> dict:
    return {"time": time, "x": x, "y": y, "radius_x": radius_x, "radius_y": radius_y, "opacity": opacity,
            "color": color}  # fmt: skip


# A player running right across the source, the ellipse following at three keyframes.
RUN = {
    "id": "run", "start_time": 2.0, "end_time": 7.0, "enabled": True, "label": "Goal",
    "keyframes": [ellipse(2.0, 700, 500), ellipse(4.5, 1000, 560, 44, 96), ellipse(7.0, 1250, 520)],
}  # fmt: skip


def sampled(region: dict, times: np.ndarray) -> np.ndarray:
    values = interpolate_keyframes(region["keyframes"], ELLIPSE_FIELDS, times)
    return np.stack([values[field] for field in ELLIPSE_FIELDS], axis=1)


@pytest.mark.parametrize(
    ("crop", "segments"),
    [(STILL, WHOLE), (PANNING, WHOLE), (PANNING, TRIMMED), (PANNING, SLOW)],
    ids=["static crop", "panning crop", "panning crop, trimmed", "panning crop, 0.5x in the middle"],
)
def test_a_source_region_comes_back_from_the_framed_video_within_a_pixel_and_a_frame(crop, segments):
    place = Placement(crop, segments, SOURCE, PORTRAIT, offset=3.0)

    framed = to_framed_region(RUN, place, step=FRAME, min_seconds=0.5)
    back = to_source_region(framed, place, step=FRAME)

    first = max(RUN["start_time"], segments["trim_start"])
    last = min(RUN["end_time"], segments["trim_end"])
    assert back["start_time"] == pytest.approx(first, abs=FRAME)
    assert back["end_time"] == pytest.approx(last, abs=FRAME)
    assert back["label"] == "Goal"
    # at every frame of the framed video (what the render draws)
    frames = np.arange(np.ceil(framed["start_time"] * FPS), framed["end_time"] * FPS) / FPS
    times = place.clip_times(frames)
    error = np.abs(sampled(back, times) - sampled(RUN, times))
    assert error[:, :4].max() < 1.0, error[:, :4].max()  # pixels: centre and radii
    assert error[:, 4].max() < 0.01  # opacity
    # the user's keyframes are still keyframes, where they were put
    shown = [k for k in RUN["keyframes"] if first <= k["time"] <= last]
    kept = {round(k["time"], 3): k for k in back["keyframes"]}
    for keyframe in shown:
        assert kept[round(keyframe["time"], 3)]["x"] == pytest.approx(keyframe["x"], abs=1e-3)


def test_the_framed_region_is_the_source_region_seen_through_the_crop():
    place = Placement(PANNING, SLOW, SOURCE, PORTRAIT, offset=3.0)

    framed = to_framed_region(RUN, place, step=FRAME, min_seconds=0.5)

    # 2 s of clip is 1 s into the trim (from 1 s): framed 3 + 1; 7 s: 2 + 4 (2 s at 0.5x) + 1
    assert framed["start_time"] == pytest.approx(4.0)
    assert framed["end_time"] == pytest.approx(3.0 + 3.0 + 4.0 + 1.0)
    at = framed["keyframes"][0]
    ((crop_x, crop_y, crop_w, crop_h),) = crop_boxes(PANNING, np.array([2.0]), *SOURCE, 1080 / 1920)
    assert at["time"] == pytest.approx(4.0)
    assert at["x"] == pytest.approx((700 - crop_x) * 1080 / crop_w, abs=1e-3)
    assert at["y"] == pytest.approx((500 - crop_y) * 1920 / crop_h, abs=1e-3)
    assert at["radius_x"] == pytest.approx(40 * 1080 / crop_w, abs=1e-3)  # radii scale with the crop
    assert [k["color"] for k in framed["keyframes"]] == ["#FFFF00"] * len(framed["keyframes"])
    edits.clean_regions([framed], width=1080, height=1920, duration=None)


def test_a_framed_region_comes_back_from_the_source_within_a_pixel():
    region = {
        "id": "f", "start_time": 1.2, "end_time": 4.4, "enabled": True,
        "keyframes": [ellipse(1.2, 300, 900), ellipse(3.0, 700, 1000, color="#FF0000")],
    }  # fmt: skip
    place = Placement(PANNING, SLOW, SOURCE, PORTRAIT, offset=0.0)

    source = to_source_region(region, place, step=FRAME)
    back = to_framed_region(source, place, step=FRAME, min_seconds=0.5)

    times = np.arange(round(1.2 * FPS), round(4.4 * FPS)) / FPS  # every frame of the framed video
    assert np.abs(sampled(back, times) - sampled(region, times))[:, :4].max() < 1.0
    colours = {round(k["time"], 3): k["color"] for k in back["keyframes"]}
    assert colours[1.2] == "#FFFF00"
    assert colours[3.0] == "#FF0000"


# --- through projects ---------------------------------------------------------------------


@pytest.fixture
def shared_clip(alice):
    """One clip of a 1920x1080 game, in a 9:16 project and a 16:9 project."""
    from games.models import Clip

    game = make_game(alice)
    clip = Clip.objects.create(game=game, start_time=100, end_time=110, rating=4, tags=["Goal"])
    made = {}
    for aspect in ("9:16", "16:9"):
        project = Project.objects.create(owner=alice, name=aspect, aspect_ratio=aspect)
        Overlay.objects.create(project=project)
        ProjectClip.objects.create(
            project=project, clip=clip, position=1, crop_keyframes=edits.default_crop(1920, 1080, aspect),
            segments=edits.default_segments(10.0),
        )  # fmt: skip
        made[aspect] = project
    return clip, made["9:16"], made["16:9"]


def overlay(api, project) -> dict:
    response = api.get(f"/api/projects/{project.pk}/overlay")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_region_made_in_a_9_16_project_shows_on_the_same_source_point_in_a_16_9_project(
    alice_api, shared_clip, settings
):
    clip, portrait, landscape = shared_clip
    region = {
        "id": "r1", "start_time": 2.0, "end_time": 4.0, "enabled": True,
        "keyframes": [ellipse(2.0, 540, 1200, 60, 120)],
    }  # fmt: skip
    sent = alice_api.put(
        f"/api/projects/{portrait.pk}/overlay", {"version": overlay(alice_api, portrait)["version"],
        "regions": [region]}, format="json",
    )  # fmt: skip
    assert sent.status_code == 200, sent.json()

    # the render's 9:16 crop is 607.5 x 1080 at x = 656: framed (540, 1200) is source (959.75, 675)
    (stored,) = ClipHighlight.objects.get(clip=clip).regions
    assert stored["keyframes"][0]["x"] == pytest.approx(656 + 540 * 607.5 / 1080, abs=0.01)
    assert stored["keyframes"][0]["y"] == pytest.approx(1200 * 1080 / 1920, abs=0.01)
    shown = overlay(alice_api, landscape)
    (region_16_9,) = shown["regions"]
    # 16:9 of a 16:9 source: the whole frame, scaled to the output
    width, height = settings.OUTPUT_SIZES["16:9"]
    key = region_16_9["keyframes"][0]
    assert key["x"] == pytest.approx(stored["keyframes"][0]["x"] * width / 1920, abs=0.01)
    assert key["y"] == pytest.approx(stored["keyframes"][0]["y"] * height / 1080, abs=0.01)
    assert key["radius_x"] == pytest.approx(60 * 607.5 / 1080 * width / 1920, abs=0.01)
    assert (region_16_9["start_time"], region_16_9["end_time"]) == (2.0, 4.0)
    assert shown["notes"] == []


def test_a_stale_overlay_save_after_another_project_changed_the_clip_gets_409(alice_api, shared_clip):
    _, portrait, landscape = shared_clip
    read = overlay(alice_api, landscape)  # the 16:9 editor opens
    region = {
        "id": "r1",
        "start_time": 1.0,
        "end_time": 2.0,
        "enabled": True,
        "keyframes": [ellipse(1.0, 500, 900)],
    }
    saved = alice_api.put(
        f"/api/projects/{portrait.pk}/overlay",
        {"version": overlay(alice_api, portrait)["version"], "regions": [region]}, format="json",
    )  # fmt: skip
    assert saved.status_code == 200

    stale = alice_api.put(
        f"/api/projects/{landscape.pk}/overlay", {"version": read["version"], "regions": []}, format="json"
    )

    assert stale.status_code == 409
    assert "changed elsewhere" in stale.json()["detail"]
    assert [r["id"] for r in stale.json()["current"]["regions"]] == ["r1"]  # what it would have deleted


def test_a_region_in_trimmed_away_time_is_noted_and_stays_on_the_clip(alice_api, shared_clip):
    clip, portrait, landscape = shared_clip
    kept = {
        "id": "late",
        "start_time": 8.0,
        "end_time": 9.0,
        "enabled": True,
        "keyframes": [ellipse(8.0, 900, 500)],
    }
    goal = {"id": "goal", "start_time": 0.5, "end_time": 1.5, "enabled": True, "label": "Goal",
            "keyframes": [ellipse(0.5, 900, 500)]}  # fmt: skip
    ClipHighlight.objects.create(clip=clip, regions=[goal, kept])
    ProjectClip.objects.filter(project=portrait).update(
        segments={"trim_start": 3.0, "trim_end": 10.0, "splits": [], "speeds": [1.0]}
    )

    shown = overlay(alice_api, portrait)

    assert shown["notes"] == ["'Goal' is in time this project trims away, so it is not shown."]
    assert [(r["id"], r["start_time"], r["end_time"]) for r in shown["regions"]] == [("late", 5.0, 6.0)]
    # saving what the editor shows (the late one deleted) leaves the trimmed-away one on the clip
    response = alice_api.put(
        f"/api/projects/{portrait.pk}/overlay", {"version": shown["version"], "regions": []}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [r["id"] for r in ClipHighlight.objects.get(clip=clip).regions] == ["goal"]
    assert [r["id"] for r in overlay(alice_api, landscape)["regions"]] == ["goal"]


def test_an_untouched_clamped_region_keeps_its_length_on_the_clip(alice_api, shared_clip):
    clip, portrait, _ = shared_clip
    region = {"id": "long", "start_time": 1.0, "end_time": 5.0, "enabled": True,
              "keyframes": [ellipse(1.0, 900, 500), ellipse(5.0, 1100, 500)]}  # fmt: skip
    ClipHighlight.objects.create(clip=clip, regions=[region])
    ProjectClip.objects.filter(project=portrait).update(
        segments={"trim_start": 3.0, "trim_end": 10.0, "splits": [], "speeds": [1.0]}
    )
    shown = overlay(alice_api, portrait)
    assert [(r["start_time"], r["end_time"]) for r in shown["regions"]] == [(0.0, 2.0)]  # clamped

    response = alice_api.put(
        f"/api/projects/{portrait.pk}/overlay",
        {"version": shown["version"], "effect_type": "dim", "regions": shown["regions"]}, format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.json()
    assert ClipHighlight.objects.get(clip=clip).regions == [region]


def test_at_a_dissolve_the_later_clips_region_starts_when_the_earlier_ones_ends(alice_api, project, clips):
    # two 3 s clips that dissolve over 1 s: the second starts at 2 s of the framed video
    Project.objects.filter(pk=project["id"]).update(transition={"type": "dissolve", "duration": 1.0})
    ProjectClip.objects.filter(project_id=project["id"]).update(
        segments={"trim_start": 0.0, "trim_end": 3.0, "splits": [], "speeds": [1.0]}
    )
    ending = {
        "id": "a",
        "start_time": 2.0,
        "end_time": 3.0,
        "enabled": True,
        "keyframes": [ellipse(2.0, 900, 500)],
    }
    opening = {
        "id": "b",
        "start_time": 0.0,
        "end_time": 2.0,
        "enabled": True,
        "keyframes": [ellipse(0.0, 900, 500)],
    }
    ClipHighlight.objects.create(clip=clips[1], regions=[ending])
    ClipHighlight.objects.create(clip=clips[2], regions=[opening])

    shown = overlay(alice_api, Project.objects.get(pk=project["id"]))

    assert [(r["id"], r["start_time"], r["end_time"]) for r in shown["regions"]] == [
        ("a", 2.0, 3.0),
        ("b", 3.0, 4.0),
    ]
    assert [k["time"] for k in shown["regions"][1]["keyframes"]] == [3.0]
    response = alice_api.put(
        f"/api/projects/{project['id']}/overlay", {"version": shown["version"], "regions": shown["regions"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert ClipHighlight.objects.get(clip=clips[2]).regions == [opening]  # untouched: kept whole


def test_a_region_saved_in_a_project_goes_to_the_clip_showing_most_of_it(alice, media_dir):
    project = ready_project(alice, media_dir, [1.0, 1.5], aspect="16:9")
    first, second = (pc.clip for pc in project.project_clips.order_by("position"))
    region = {
        "id": "r",
        "start_time": 0.9,
        "end_time": 2.0,
        "enabled": True,
        "keyframes": [ellipse(0.9, 60, 50)],
    }

    from_project(project, edits.clean_regions([region], width=1920, height=1080, duration=2.5))

    assert not ClipHighlight.objects.filter(clip=first).exists()
    (stored,) = ClipHighlight.objects.get(clip=second).regions
    assert (stored["start_time"], stored["end_time"]) == (0.0, pytest.approx(1.0))
    assert [(r["start_time"], r["end_time"]) for r in to_project(project)[0]] == [(1.0, 2.0)]


# --- framing exports ----------------------------------------------------------------------


def export(api, project, kind="framing"):
    response = submit(api, project, kind)
    assert response.status_code == 202, response.json()
    worker.run_export(response.json()["job_id"])
    project.refresh_from_db()
    job = project.export_jobs.get(pk=response.json()["job_id"])
    assert job.status == "complete", job.error
    return job


def test_a_clip_gets_a_starter_region_after_its_first_framing_export_only(
    alice, alice_api, media_dir, small_exports
):
    project = ready_project(alice, media_dir, [3.0])
    clip = project.project_clips.get().clip
    ProjectClip.objects.filter(project=project).update(
        segments={"trim_start": 0.5, "trim_end": 3.0, "splits": [], "speeds": [1.0]}
    )

    export(alice_api, project)

    highlight = ClipHighlight.objects.get(clip=clip)
    (starter,) = highlight.regions
    assert starter["label"]
    assert starter["label"] == clip.display_name
    assert (starter["start_time"], starter["end_time"]) == (0.5, 2.5)
    crop = edits.default_crop(320, 180, "9:16")[0]
    key = starter["keyframes"][0]
    centre = (crop["x"] + crop["width"] / 2, crop["y"] + crop["height"] / 2)
    assert (key["x"], key["y"]) == (pytest.approx(centre[0], abs=0.1), pytest.approx(centre[1], abs=0.1))
    (shown,) = overlay(alice_api, project)["regions"]
    assert shown["keyframes"][0]["x"] == pytest.approx(small_exports["9:16"][0] / 2, abs=0.5)
    assert (shown["start_time"], shown["end_time"]) == (0.0, 2.0)

    # the user deletes it; a second export does not bring it back
    response = alice_api.put(
        f"/api/projects/{project.pk}/overlay", {"version": overlay(alice_api, project)["version"],
        "regions": []}, format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    export(alice_api, project)
    assert ClipHighlight.objects.get(clip=clip).regions == []


def test_the_starter_region_follows_the_clips_tracked_player(alice, alice_api, media_dir, small_exports):
    project = ready_project(alice, media_dir, [3.0])
    clip = project.project_clips.get().clip
    # a player walking right across the source: a box per frame for 3 s at 25 fps
    boxes = [[100 + 80 * i / 75, 60.0, 20.0, 40.0] for i in range(75)]
    TrackingJob.objects.create(
        owner=alice, clip=clip, status="complete", clip_file_key=clip.file_key, completed_at=timezone.now(),
        config={"time": 0.0, "box": boxes[0], "resume_of": None},
        track={"fps": 25.0, "frame_count": 75, "boxes": boxes, "confidence": [0.9] * 75},
    )  # fmt: skip

    export(alice_api, project)

    (starter,) = ClipHighlight.objects.get(clip=clip).regions
    assert starter["label"] == clip.display_name
    assert starter["start_time"] == 0.0
    assert starter["end_time"] == pytest.approx(2.0, abs=FRAME)
    for time in (0.5, 1.0, 1.5):
        values = interpolate_keyframes(starter["keyframes"], ("x", "y"), [time])
        centre = 100 + 80 * time / 3 + 10  # the box's centre then
        # within the follow highlight's tolerance: 1 % of the frame width
        assert values["x"][0] == pytest.approx(centre, abs=3.2)
        assert values["y"][0] == pytest.approx(80.0, abs=3.2)


def yellow_centre(final: np.ndarray, working: np.ndarray) -> tuple[float, float]:
    """Where the final frame differs from the working video's (the highlight)."""
    changed = np.abs(final.astype(float) - working.astype(float)).sum(axis=2) > 90
    ys, xs = np.nonzero(changed)
    assert len(xs) > 20, "no highlight in the frame"
    return float(xs.mean()), float(ys.mean())


def test_re_framing_with_a_new_trim_keeps_the_region_on_the_player_and_the_overlay_exports(
    alice, alice_api, media_dir, small_exports
):
    # given a framed 3 s clip with a highlight at its end, on a source point ("the player")
    project = ready_project(alice, media_dir, [3.0])
    clip = project.project_clips.get().clip
    export(alice_api, project)
    height = small_exports["9:16"][1]
    player = (150.0, 100.0)  # source pixels, inside the default crop (110 to 211 of 320)
    region = {"id": "end", "start_time": 1.8, "end_time": 2.8, "enabled": True, "keyframes": [
        ellipse(1.8, player[0], player[1], 12, 12, opacity=1.0, color="#FF8000")]}  # fmt: skip
    ClipHighlight.objects.filter(clip=clip).update(regions=[region], version=5)

    # when the framing trims the start and end (the framed video is now 1.6 s) and pans right
    crop = {"time": 0.0, "x": 80.0, "y": 0.0, "width": 101.0, "height": 180.0}
    ProjectClip.objects.filter(project=project).update(
        crop_keyframes=[crop], segments={"trim_start": 0.8, "trim_end": 2.4, "splits": [], "speeds": [1.0]}
    )
    export(alice_api, project)

    # then the region follows: 1.8 s of the clip is 1.0 s of the new framed video, clamped at its end
    (shown,) = overlay(alice_api, project)["regions"]
    assert (shown["start_time"], shown["end_time"]) == (pytest.approx(1.0), pytest.approx(1.6))
    scale = height / 180  # the render's crop is the output's shape, the frame's height
    expected = ((player[0] - 80) * scale, player[1] * scale)
    assert shown["keyframes"][0]["x"] == pytest.approx(expected[0], abs=0.01)
    assert ClipHighlight.objects.get(clip=clip).regions == [region]  # the clip keeps it whole
    # and the final video draws it there (the old region's 2.8 s would end past the 1.6 s video)
    final = export(alice_api, project, "overlay")
    frames, seconds, _ = decoded(final.final_video.file_key)
    plain, _, _ = decoded(project.working_video.file_key)
    assert seconds == pytest.approx(1.6, abs=0.05)
    x, y = yellow_centre(frames[30], plain[30])  # 1.2 s
    assert (x, y) == (pytest.approx(expected[0], abs=1.5), pytest.approx(expected[1], abs=1.5))
    assert np.abs(frames[10].astype(float) - plain[10].astype(float)).max() < 60  # none before 1.0 s


# --- the migration that moved the overlays' regions onto the clips -------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_projects_regions_onto_its_clips(alice):
    # given, before the migration, a project exported with a 1 s trim (its snapshot) and
    # edited since to a 2 s trim, and one never exported (its current framing)
    executor = MigrationExecutor(connection)
    before, after = ("exports", "0005_tracking_and_clip_highlights"), ("exports", "0006_highlights_on_clips")
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    game = old.get_model("games", "Game").objects.create(
        owner_id=alice.pk, opponent_name="Rovers", video_status="ready", video_width=1920, video_height=1080,
        video_fps=25.0, video_duration=600.0,
    )  # fmt: skip
    make_clip = old.get_model("games", "Clip").objects.create
    exported_clip = make_clip(game=game, start_time=10, end_time=20, rating=4, tags=["Goal"])
    fresh_clip = make_clip(game=game, start_time=30, end_time=40, rating=4, tags=["Goal"])
    crop = [{"time": 0.0, "x": 656.0, "y": 0.0, "width": 607.5, "height": 1080.0}]
    region = {"id": "r1", "start_time": 2.0, "end_time": 3.0, "enabled": True,
              "keyframes": [ellipse(2.0, 540.0, 960.0)]}  # fmt: skip

    def project(clip, trim, name):
        made = old.get_model("exports", "Project").objects.create(owner_id=alice.pk, name=name)
        old.get_model("exports", "Overlay").objects.create(project=made, regions=[region])
        segments = {"trim_start": trim, "trim_end": 10.0, "splits": [], "speeds": [1.0]}
        old.get_model("exports", "ProjectClip").objects.create(
            project=made, clip=clip, position=1, crop_keyframes=crop, segments=segments
        )
        return made, segments

    exported, segments = project(exported_clip, 2.0, "Exported")
    working = old.get_model("exports", "WorkingVideo").objects.create(
        project=exported, version=1, file_key="w.mp4", size=1, duration=9.0, width=1080, height=1920, fps=25.0
    )
    old.get_model("exports", "Project").objects.filter(pk=exported.pk).update(working_video=working)
    old.get_model("exports", "ExportJob").objects.create(
        owner_id=alice.pk, project=exported, type="framing", status="complete", working_video=working,
        config={"output_size": [1080, 1920], "transition": {"type": "cut", "duration": 0.5}, "clips": [
            {"clip_id": exported_clip.pk, "crop_keyframes": crop, "source_size": [1920, 1080],
             "segments": {**segments, "trim_start": 1.0}}]},
    )  # fmt: skip
    project(fresh_clip, 2.0, "Fresh")

    # when the migration runs
    executor = MigrationExecutor(connection)
    executor.migrate([after])

    # then each region is on its clip, in clip seconds (through the exported trim, or the
    # current one) and source pixels; the exported clip has had its first framing export
    moved = ClipHighlight.objects.get(clip_id=exported_clip.pk)
    (on_exported,) = moved.regions
    assert (on_exported["start_time"], on_exported["end_time"]) == (3.0, 4.0)
    assert on_exported["keyframes"][0]["x"] == pytest.approx(656 + 540 * 607.5 / 1080)
    assert on_exported["keyframes"][0]["y"] == pytest.approx(540.0)
    assert moved.starter_made
    (on_fresh,) = ClipHighlight.objects.get(clip_id=fresh_clip.pk).regions
    assert (on_fresh["start_time"], on_fresh["end_time"]) == (4.0, 5.0)
    assert not ClipHighlight.objects.get(clip_id=fresh_clip.pk).starter_made
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_snapshot_without_what_the_mapping_needs_falls_back_to_the_current_framing(alice_api, shared_clip):
    clip, portrait, _ = shared_clip
    working = record_working_video(
        portrait, file_key="w.mp4", size=1, duration=10, width=1080, height=1920, fps=25
    )
    ExportJob.objects.create(
        owner=portrait.owner, project=portrait, type="framing", status="complete", working_video=working,
        config={"aspect_ratio": "9:16", "transition": {"type": "cut", "duration": 0.5},
                "clips": [{"clip_id": clip.pk, "crop_keyframes": [], "segments": {}}]},
    )  # fmt: skip

    shown = overlay(alice_api, Project.objects.get(pk=portrait.pk))

    (starter,) = shown["regions"]  # made by record_working_video, shown through the current framing
    assert (starter["start_time"], starter["end_time"]) == (0.0, 2.0)

"""Projects: made from clips, ordered, renamed, listed in constant queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.models import Project
from exports.projects import group_label
from games.models import Clip, Game
from tests.exports.conftest import make_game

pytestmark = pytest.mark.django_db


def test_a_project_starts_with_centred_crops_whole_segments_and_extraction(project, clips):
    first = project["clips"][0]

    assert [c["clip"]["id"] for c in project["clips"]] == [clips[1].pk, clips[2].pk]
    assert first["crop_keyframes"] == [{"time": 0.0, "x": 656, "y": 0, "width": 608, "height": 1080}]
    assert first["segments"] == {"trim_start": 0.0, "trim_end": 15.0, "splits": [], "speeds": [1.0]}
    assert project["overlay"]["effect_type"] == "yellow"
    assert project["overlay"]["frame"] == {"width": 1080, "height": 1920}
    assert project["transition"] == {"type": "cut", "duration": 0.5}
    assert Clip.objects.get(pk=clips[1].pk).extraction_status == "extracting"


def test_preview_counts_the_matching_clips(alice_api, clips, match):
    response = alice_api.post(
        "/api/projects/preview-clips",
        {"game_ids": [match.pk], "min_rating": 3, "tags": ["Pass"]},
        format="json",
    )

    body = response.json()
    assert body["count"] == 2
    assert body["total_duration"] == 30
    assert [c["id"] for c in body["clips"]] == [clips[1].pk, clips[2].pk]
    assert body["suggested_name"] == "Vs Rovers Oct 4: Pass"


def test_from_clips_keeps_the_order_of_chosen_clips(alice_api, clips):
    response = alice_api.post(
        "/api/projects/from-clips",
        {"aspect_ratio": "16:9", "clip_ids": [clips[3].pk, clips[0].pk]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [c["clip"]["id"] for c in body["clips"]] == [clips[3].pk, clips[0].pk]
    assert body["aspect_ratio"] == "16:9"
    assert body["clips"][0]["crop_keyframes"][0] == {
        "time": 0.0,
        "x": 0,
        "y": 0,
        "width": 1920,
        "height": 1080,
    }


def test_from_clips_with_nothing_matching_says_so(alice_api, clips):
    response = alice_api.post("/api/projects/from-clips", {"min_rating": 5, "tags": ["Save"]}, format="json")

    assert response.status_code == 400
    assert "No clips match" in response.json()["detail"]


def test_reordering_and_removing_clips(alice_api, project, clips):
    first, second = (c["id"] for c in project["clips"])
    url = f"/api/projects/{project['id']}/clips"

    reordered = alice_api.put(f"{url}/order", {"project_clip_ids": [second, first]}, format="json").json()
    assert [c["id"] for c in reordered] == [second, first]
    assert alice_api.put(f"{url}/order", {"project_clip_ids": [second]}, format="json").status_code == 400

    assert alice_api.delete(f"{url}/{second}").status_code == 204
    remaining = alice_api.get(url).json()
    assert [(c["id"], c["position"]) for c in remaining] == [(first, 1)]
    assert alice_api.get(f"/api/projects/{project['id']}").json()["edited"] is True


def test_adding_a_clip_twice_is_refused(alice_api, project, clips):
    response = alice_api.post(
        f"/api/projects/{project['id']}/clips", {"clip_ids": [clips[1].pk]}, format="json"
    )

    assert response.status_code == 400
    assert "already in this project" in response.json()["detail"]


def test_renaming_needs_the_current_version(alice_api, project):
    url = f"/api/projects/{project['id']}"

    assert (
        alice_api.patch(url, {"version": 1, "name": "Fall reel"}, format="json").json()["name"] == "Fall reel"
    )
    stale = alice_api.patch(url, {"version": 1, "name": "Other tab"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["name"] == "Fall reel"


@pytest.mark.parametrize(
    ("transition", "words"),
    [
        ({"type": "wipe"}, "Transitions are cut, fade, dissolve"),
        ({"type": "fade", "duration": 3}, "0.1 to 2"),
    ],
)
def test_bad_transitions_are_refused(alice_api, project, transition, words):
    response = alice_api.patch(
        f"/api/projects/{project['id']}", {"version": 1, "transition": transition}, format="json"
    )

    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_changing_the_aspect_ratio_recentres_the_crops(alice_api, project):
    response = alice_api.patch(
        f"/api/projects/{project['id']}", {"version": 1, "aspect_ratio": "1:1"}, format="json"
    )

    crops = [c["crop_keyframes"] for c in response.json()["clips"]]
    assert crops[0] == [{"time": 0.0, "x": 420, "y": 0, "width": 1080, "height": 1080}]
    assert response.json()["overlay"]["frame"] == {"width": 1080, "height": 1080}


def test_the_list_shows_what_a_dashboard_needs(alice_api, project, clips):
    Clip.objects.filter(pk=clips[1].pk).update(extraction_status="ready")

    item = alice_api.get("/api/projects").json()["results"][0]

    assert item["clip_count"] == 2
    assert item["clips_by_status"] == {"pending": 0, "extracting": 1, "ready": 1, "failed": 0}
    assert (item["edited"], item["exported"], item["working_video"], item["final_video"]) == (
        False,
        False,
        None,
        None,
    )
    assert item["games"] == [{"id": clips[0].game_id, "display_name": "Vs Rovers Oct 4"}]
    assert item["group_label"] == "Vs Rovers Oct 4"


def test_listing_takes_the_same_number_of_queries_for_3_or_30_projects(alice_api, alice):
    def make_projects(count: int) -> None:
        for n in range(count):
            game = make_game(alice, opponent=f"Team {n}")
            clip = Clip.objects.create(game=game, start_time=10, end_time=20, rating=3)
            response = alice_api.post(
                "/api/projects", {"name": f"P{n}", "clip_ids": [clip.pk]}, format="json"
            )
            assert response.status_code == 201

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_api.get("/api/projects?limit=100").status_code == 200
        return len(queries)

    make_projects(3)
    with_three = list_queries()
    make_projects(27)
    with_thirty = list_queries()

    assert with_three == with_thirty


@pytest.mark.parametrize(
    ("dates", "label"),
    [
        ([date(2025, 9, 6), date(2025, 11, 20)], "Fall 2025"),
        ([date(2025, 3, 1), date(2025, 5, 31)], "Spring 2025"),
        ([date(2025, 6, 1), date(2025, 8, 31)], "Summer 2025"),
        ([date(2025, 3, 1), date(2025, 10, 1)], "2025"),
        ([date(2024, 10, 1), date(2025, 3, 1)], "2024-2025"),
    ],
)
def test_group_labels(dates, label):
    games = [Game(opponent_name=f"T{n}", game_date=d) for n, d in enumerate(dates)]

    assert group_label(games) == label


def test_one_game_labels_by_its_name():
    assert group_label([Game(opponent_name="Rovers", game_date=date(2025, 10, 4))]) == "Vs Rovers Oct 4"


def test_deleting_a_project_keeps_its_clips(alice_api, project, clips):
    assert alice_api.delete(f"/api/projects/{project['id']}").status_code == 204

    assert not Project.objects.filter(pk=project["id"]).exists()
    assert Clip.objects.filter(pk=clips[1].pk).exists()


def test_another_users_projects_and_clips_are_404(bob_api, project, clips):
    pid, pcid = project["id"], project["clips"][0]["id"]

    assert bob_api.get(f"/api/projects/{pid}").status_code == 404
    assert (
        bob_api.patch(f"/api/projects/{pid}", {"version": 1, "name": "x"}, format="json").status_code == 404
    )
    assert bob_api.get(f"/api/projects/{pid}/overlay").status_code == 404
    assert (
        bob_api.patch(f"/api/projects/{pid}/clips/{pcid}", {"version": 1}, format="json").status_code == 404
    )
    assert (
        bob_api.post("/api/projects", {"name": "x", "clip_ids": [clips[0].pk]}, format="json").status_code
        == 404
    )
    assert (
        bob_api.post("/api/projects/from-clips", {"clip_ids": [clips[0].pk]}, format="json").status_code
        == 404
    )
    assert bob_api.get("/api/projects").json()["count"] == 0


def test_opening_a_project_is_recorded_without_a_new_version(alice_api, project):
    assert alice_api.post(f"/api/projects/{project['id']}/opened").status_code == 204

    body = alice_api.get(f"/api/projects/{project['id']}").json()
    assert body["last_opened_at"] is not None
    assert body["version"] == 1


def test_the_progress_strip_has_a_stage_per_clip_and_one_for_the_overlay(alice, alice_api, project, clips):
    from exports.models import ExportJob, Project
    from exports.projects import record_working_video

    def stages():
        return next(p for p in alice_api.get("/api/projects").json()["results"] if p["id"] == project["id"])[
            "stages"
        ]

    assert stages() == ["extracting", "extracting", "pending"]  # adding clips asked for their files
    Clip.objects.filter(pk__in=[clips[1].pk, clips[2].pk]).update(extraction_status="ready", file_key="k")
    assert stages() == ["ready", "ready", "pending"]
    p = Project.objects.get(pk=project["id"])
    p.project_clips.filter(clip=clips[1]).update(version=2)
    assert stages() == ["editing", "ready", "pending"]
    job = ExportJob.objects.create(owner=alice, project=p, type="multi_clip")
    assert stages() == ["exporting", "exporting", "pending"]
    ExportJob.objects.filter(pk=job.pk).update(status="complete")
    record_working_video(p, file_key="w.mp4", size=1, duration=30, width=1080, height=1920, fps=25)
    assert stages() == ["done", "done", "ready"]

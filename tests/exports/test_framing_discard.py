"""Framing -> overlay safety: a project says when its framing moved on from what its
working video was rendered from (`framing_changed_since_export`, on the project and
on the list's cards), and "Discard changes" (POST /api/projects/{id}/framing/discard)
puts back the framing the last framing export's snapshot holds, versioned."""

from __future__ import annotations

import pytest

from exports import jobs, projects
from exports.models import ExportJob, JobStatus, JobType, Project, ProjectClip
from games.models import Clip

pytestmark = pytest.mark.django_db


def exported(project_id: int) -> ExportJob:
    """What a finished framing export leaves: the job with its snapshot, and the working video."""
    project = Project.objects.get(pk=project_id)
    Clip.objects.filter(project_clips__project=project).update(extraction_status="ready", file_key="clip.mp4")
    job_type = JobType.MULTI_CLIP if project.project_clips.count() > 1 else JobType.FRAMING
    config = jobs.framing_config(project, job_type)
    width, height = config["output_size"]
    working = projects.record_working_video(
        project, file_key="framed.mp4", size=1000, duration=20.0, width=width, height=height, fps=25.0
    )
    return ExportJob.objects.create(
        owner=project.owner, project=project, type=job_type, status=JobStatus.COMPLETE, config=config,
        working_video=working,
    )  # fmt: skip


def detail(api, project_id: int) -> dict:
    response = api.get(f"/api/projects/{project_id}")
    assert response.status_code == 200
    return response.json()


def card(api, project_id: int) -> dict:
    response = api.get("/api/projects")
    assert response.status_code == 200
    return next(p for p in response.json()["results"] if p["id"] == project_id)


def moved_crop(clip: dict) -> list[dict]:
    first = clip["crop_keyframes"][0]
    return [first, {**first, "time": 5.0, "x": first["x"] + 200}]


def test_a_fresh_export_has_no_framing_changes(alice_api, project):
    # given a project before and after its framing export
    assert detail(alice_api, project["id"])["framing_changed_since_export"] is False
    exported(project["id"])

    # then neither the project nor its card says the framing changed
    assert detail(alice_api, project["id"])["framing_changed_since_export"] is False
    assert card(alice_api, project["id"])["framing_changed_since_export"] is False


def test_a_crop_edit_after_the_export_is_flagged_and_discard_puts_it_back(alice_api, project):
    # given an exported project whose first clip's crop then moves
    exported(project["id"])
    clip = project["clips"][0]
    response = alice_api.patch(
        f"/api/projects/{project['id']}/clips/{clip['id']}",
        {"version": clip["version"], "crop_keyframes": moved_crop(clip)},
        format="json",
    )
    assert response.status_code == 200
    changed = detail(alice_api, project["id"])
    assert changed["framing_changed_since_export"] is True
    assert card(alice_api, project["id"])["framing_changed_since_export"] is True

    # when the changes are discarded
    response = alice_api.post(
        f"/api/projects/{project['id']}/framing/discard", {"version": changed["version"]}, format="json"
    )

    # then the exported crop is back, versions moved on, and nothing is flagged
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["framing_changed_since_export"] is False
    assert body["version"] == changed["version"] + 1
    restored = body["clips"][0]
    assert restored["crop_keyframes"] == clip["crop_keyframes"]
    assert restored["version"] == clip["version"] + 2  # the edit, then the discard
    assert ProjectClip.objects.get(pk=clip["id"]).crop_keyframes == clip["crop_keyframes"]


def test_removed_clips_order_and_transition_come_back(alice_api, project, clips):
    # given an exported two-clip project, then a clip removed, another added, a new transition
    exported(project["id"])
    first, second = project["clips"]
    assert alice_api.delete(f"/api/projects/{project['id']}/clips/{first['id']}").status_code == 204
    assert (
        alice_api.post(
            f"/api/projects/{project['id']}/clips", {"clip_ids": [clips[3].pk]}, format="json"
        ).status_code
        == 201
    )
    version = detail(alice_api, project["id"])["version"]
    response = alice_api.patch(
        f"/api/projects/{project['id']}",
        {"version": version, "transition": {"type": "dissolve", "duration": 1.0}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["framing_changed_since_export"] is True

    # when discarded
    response = alice_api.post(
        f"/api/projects/{project['id']}/framing/discard",
        {"version": response.json()["version"]},
        format="json",
    )

    # then the exported clips are back, in the exported order, with the exported transition
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [c["clip"]["id"] for c in body["clips"]] == [first["clip"]["id"], second["clip"]["id"]]
    assert [c["position"] for c in body["clips"]] == [1, 2]
    assert body["clips"][0]["crop_keyframes"] == first["crop_keyframes"]
    assert body["transition"] == {"type": "cut", "duration": 0.5}
    assert body["framing_changed_since_export"] is False


def test_a_stale_version_is_refused_with_the_current_project(alice_api, project):
    exported(project["id"])
    clip = project["clips"][0]
    alice_api.patch(
        f"/api/projects/{project['id']}/clips/{clip['id']}",
        {"version": clip["version"], "crop_keyframes": moved_crop(clip)},
        format="json",
    )
    stale = detail(alice_api, project["id"])["version"] - 1 or 1
    Project.objects.filter(pk=project["id"]).update(version=stale + 1)

    response = alice_api.post(
        f"/api/projects/{project['id']}/framing/discard", {"version": stale}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["current"]["version"] == stale + 1
    assert ProjectClip.objects.get(pk=clip["id"]).crop_keyframes == moved_crop(clip)


def test_nothing_to_discard_is_a_409_sentence(alice_api, project):
    # before any export
    version = detail(alice_api, project["id"])["version"]
    response = alice_api.post(
        f"/api/projects/{project['id']}/framing/discard", {"version": version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "There is no framing export to go back to; export the framing first."
    assert response.json()["current"]["id"] == project["id"]

    # after an export, with nothing changed since
    exported(project["id"])
    response = alice_api.post(
        f"/api/projects/{project['id']}/framing/discard", {"version": version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "The framing is as it was exported; there are no changes to discard."


def test_a_running_framing_export_is_not_undercut(alice_api, project):
    job = exported(project["id"])
    clip = project["clips"][0]
    alice_api.patch(
        f"/api/projects/{project['id']}/clips/{clip['id']}",
        {"version": clip["version"], "crop_keyframes": moved_crop(clip)},
        format="json",
    )
    ExportJob.objects.create(owner=job.owner, project=job.project, type=job.type, config=job.config)

    version = detail(alice_api, project["id"])["version"]
    response = alice_api.post(
        f"/api/projects/{project['id']}/framing/discard", {"version": version}, format="json"
    )

    assert response.status_code == 409
    assert "framing export is running" in response.json()["detail"]


def test_the_version_is_required_and_others_get_404(alice_api, bob_api, project):
    exported(project["id"])
    response = alice_api.post(f"/api/projects/{project['id']}/framing/discard", {}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()

    response = bob_api.post(f"/api/projects/{project['id']}/framing/discard", {"version": 1}, format="json")
    assert response.status_code == 404

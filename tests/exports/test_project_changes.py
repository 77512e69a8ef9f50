"""Changing a project after making it: every change tells the owner's open pages
(a "changed" message for the project), the home page's status and origin come from
the server, automatic projects get names a person would give and a notification,
and the editor last opened is remembered."""

from __future__ import annotations

import pytest

from exports.models import ExportJob, Project, ProjectClip
from exports.projects import (
    PROJECT_STATUSES,
    auto_project_name,
    five_star_project,
    project_status,
    record_working_video,
)
from games.models import Clip, GameType
from tests.exports.conftest import make_game

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    from notifications import service

    messages = []
    monkeypatch.setattr(service, "_push", lambda user_id, message: messages.append((user_id, message)))
    return messages


def project_changes(pushed, project_id: int) -> list[str]:
    return [
        m["action"]
        for _, m in pushed
        if m.get("type") == "changed" and m["resource"] == "project" and m["id"] == project_id
    ]


def test_making_renaming_reordering_and_deleting_a_project_each_send_a_change(
    alice_api, clips, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = alice_api.post(
            "/api/projects", {"name": "Reel", "clip_ids": [clips[1].pk, clips[2].pk]}, format="json"
        ).json()
    assert project_changes(pushed, made["id"])[0] == "created"

    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renamed = alice_api.patch(
            f"/api/projects/{made['id']}", {"version": made["version"], "name": "Cup run"}, format="json"
        )
    assert renamed.status_code == 200
    assert "updated" in project_changes(pushed, made["id"])

    pushed.clear()
    order = [c["id"] for c in made["clips"]][::-1]
    with django_capture_on_commit_callbacks(execute=True):
        alice_api.put(f"/api/projects/{made['id']}/clips/order", {"project_clip_ids": order}, format="json")
    assert "updated" in project_changes(pushed, made["id"])

    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/projects/{made['id']}").status_code == 204
    assert project_changes(pushed, made["id"]) == ["deleted"]


def test_status_follows_the_projects_progress(alice_api, clips):
    made = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clips[1].pk]}, format="json").json()
    assert made["status"] == "not_started"
    assert set(PROJECT_STATUSES) == {"not_started", "editing", "exported", "complete"}

    alice_api.patch(f"/api/projects/{made['id']}", {"version": 1, "name": "Edited"}, format="json")
    assert alice_api.get(f"/api/projects/{made['id']}").json()["status"] == "editing"

    project = Project.objects.get(pk=made["id"])
    record_working_video(project, file_key="k.mp4", size=1, duration=15, width=1080, height=1920, fps=25)
    listed = alice_api.get("/api/projects").json()["results"][0]
    assert listed["status"] == "exported"
    assert project_status(Project.objects.get(pk=made["id"])) == "exported"


def test_an_automatic_projects_owner_is_told_with_a_link_to_it(alice_api, alice, match):
    save = Clip.objects.create(game=match, start_time=30, end_time=45, rating=5, tags=["Save"])

    project = five_star_project(save)

    told = alice.notifications.get(title__startswith="Project made automatically")
    assert told.title == "Project made automatically: Brilliant Save — vs Rovers"
    assert (told.data["project_id"], told.actions[0]["payload"]["url"]) == (
        project.pk,
        f"/projects/{project.pk}/edit/",
    )
    assert alice_api.get("/api/projects").json()["results"][0]["automatic"] is True


@pytest.mark.parametrize(
    ("game", "clip", "name"),
    [
        ({"opponent": "Riverside"}, {"tags": ["Goal"]}, "Brilliant Goal — vs Riverside"),
        (
            {"opponent": "Eastside", "game_type": GameType.AWAY},
            {"tags": ["Dribble", "Pass"]},
            "Brilliant Dribble and Pass — at Eastside",
        ),
        (
            {"opponent": "Riverside"},
            {"tags": [], "name": "Lena's solo run"},
            "Lena's solo run — vs Riverside",
        ),
        ({"opponent": "Riverside"}, {"tags": []}, "Brilliant moment — vs Riverside"),
        (
            {"opponent": "", "name": "Spring cup final"},
            {"tags": ["Save"]},
            "Brilliant Save — Spring cup final",
        ),
    ],
)
def test_automatic_project_names(alice, game, clip, name):
    match = make_game(alice, **game)
    made = Clip(game=match, start_time=0, end_time=10, rating=5, **clip)
    assert auto_project_name(made) == name


def test_opening_an_editor_is_remembered_for_the_home_card(alice, alice_api, clips, client):
    made = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clips[1].pk]}, format="json").json()
    client.force_login(alice)

    assert client.get(f"/projects/{made['id']}/overlay/").status_code == 200
    assert alice_api.get(f"/api/projects/{made['id']}").json()["mode"] == "overlay"
    assert alice_api.get(f"/api/projects/{made['id']}").json()["version"] == made["version"]  # not an edit

    first = ProjectClip.objects.filter(project_id=made["id"]).first()
    page = client.get(f"/projects/{made['id']}/?clip={first.pk}")
    assert page.status_code == 200
    assert page.context["page_data"] == {"project_id": made["id"], "clip": first.pk}
    assert alice_api.get(f"/api/projects/{made['id']}").json()["mode"] == "framing"

    assert client.get(f"/projects/{made['id']}/?clip=²").context["page_data"]["clip"] is None
    assert client.get(f"/projects/{made['id']}/edit/").status_code == 200


def test_another_users_project_page_is_a_404(bob, alice_api, clips, client):
    made = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clips[1].pk]}, format="json").json()
    client.force_login(bob)
    assert client.get(f"/projects/{made['id']}/edit/").status_code == 404


def test_a_blank_or_overlong_name_is_refused_with_a_sentence(alice_api, clips):
    made = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clips[1].pk]}, format="json").json()

    blank = alice_api.patch(f"/api/projects/{made['id']}", {"version": 1, "name": "  "}, format="json")
    long = alice_api.patch(f"/api/projects/{made['id']}", {"version": 1, "name": "x" * 201}, format="json")

    assert blank.status_code == 400
    assert "A project needs a name." in str(blank.json())
    assert long.status_code == 400
    assert "at most 200 characters" in str(long.json())
    assert Project.objects.get(pk=made["id"]).name == "Reel"


def test_a_project_being_exported_is_not_deleted(alice, alice_api, clips):
    made = alice_api.post("/api/projects", {"name": "Reel", "clip_ids": [clips[1].pk]}, format="json").json()
    ExportJob.objects.create(owner=alice, project_id=made["id"], type="framing", status="processing")

    refused = alice_api.delete(f"/api/projects/{made['id']}")

    assert refused.status_code == 409
    assert "being exported" in refused.json()["detail"]
    assert Project.objects.filter(pk=made["id"]).exists()

"""Every 5-star clip gets its own 9:16 project; leaving 5 stars removes it unless
it was edited or exported."""

from __future__ import annotations

import pytest

from exports.models import Project
from exports.projects import record_working_video

pytestmark = pytest.mark.django_db


def rate(api, clip_id: int, rating: int):
    version = api.get(f"/api/clips/{clip_id}").json()["version"]
    response = api.patch(f"/api/clips/{clip_id}", {"version": version, "rating": rating}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_new_five_star_clip_gets_its_own_phone_project(alice_api, match):
    clip = alice_api.post(
        f"/api/games/{match.id}/clips",
        {"start_time": 30, "end_time": 45, "rating": 5, "tags": ["Goal"]},
        format="json",
    ).json()

    project = Project.objects.get(auto_for_clip_id=clip["id"])
    assert project.name == "Brilliant Goal"
    assert project.aspect_ratio == "9:16"
    assert list(project.project_clips.values_list("clip_id", flat=True)) == [clip["id"]]


def test_rising_to_five_stars_creates_it_and_falling_removes_it(alice_api, clips):
    clip = clips[1]  # rated 4

    rate(alice_api, clip.pk, 5)
    assert Project.objects.filter(auto_for_clip=clip).count() == 1

    rate(alice_api, clip.pk, 3)
    assert not Project.objects.filter(auto_for_clip=clip).exists()


def test_an_edited_five_star_project_stays(alice_api, clips):
    clip = clips[1]
    rate(alice_api, clip.pk, 5)
    project = Project.objects.get(auto_for_clip=clip)
    alice_api.patch(f"/api/projects/{project.pk}", {"version": 1, "name": "Keep me"}, format="json")

    rate(alice_api, clip.pk, 4)

    assert Project.objects.filter(pk=project.pk).exists()


def test_an_exported_five_star_project_stays(alice_api, clips):
    clip = clips[1]
    rate(alice_api, clip.pk, 5)
    project = Project.objects.get(auto_for_clip=clip)
    record_working_video(project, file_key="k.mp4", size=1, duration=15, width=1080, height=1920, fps=25)

    rate(alice_api, clip.pk, 2)

    assert Project.objects.filter(pk=project.pk).exists()


def test_deleting_a_five_star_clip_removes_its_untouched_project(alice_api, clips):
    five = clips[0]
    rate(alice_api, five.pk, 4)
    rate(alice_api, five.pk, 5)
    assert Project.objects.filter(auto_for_clip=five).exists()

    alice_api.delete(f"/api/clips/{five.pk}")

    assert not Project.objects.filter(name__contains="Goal").exists()

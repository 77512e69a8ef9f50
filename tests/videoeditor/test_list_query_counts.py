"""Every list endpoint reads the database a constant number of times, however many
items it lists: 2 items and 20 items cost the same queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from exports import projects
from exports.models import ExportJob, FinalVideo, JobStatus, JobType, WorkingVideo
from games.models import Clip, Game, UploadSession
from notifications.service import notify


def _video_fields(version: int) -> dict:
    return {"version": version, "file_key": f"v{version}.mp4", "size": 1, "duration": 1.0}


def make_items(owner, count: int) -> dict:
    """`count` of each listed thing, each with the relations its list shows."""
    game = None
    for n in range(count):
        game = Game.objects.create(
            owner=owner, name=f"Game {n}", opponent_name=f"Team {n}", video_width=1920, video_height=1080
        )
        UploadSession.objects.create(
            game=game, owner=owner, mode="single", key=f"uploads/{n}.mp4", filename=f"{n}.mp4", size=10
        )
        # the last game and project hold `count` clips and jobs, for the per-parent lists
        per_parent = count if n == count - 1 else 1
        clips = [
            Clip.objects.create(game=game, start_time=10 * c, end_time=10 * c + 5, rating=3)
            for c in range(per_parent)
        ]
        project = projects.create_project(owner, f"Project {n}", "9:16", clips)
        sizes = {"width": 1080, "height": 1920, "fps": 30.0}
        project.working_video = WorkingVideo.objects.create(project=project, **_video_fields(1), **sizes)
        project.final_video = FinalVideo.objects.create(project=project, **_video_fields(1), **sizes)
        project.save(update_fields=["working_video", "final_video"])
        for _ in range(per_parent):
            ExportJob.objects.create(
                owner=owner,
                project=project,
                type=JobType.OVERLAY,
                status=JobStatus.COMPLETE,
                final_video=project.final_video,
            )
        notify(owner, "info", f"Note {n}")
    return {"game": game, "project": project}


LISTS = [
    "/api/games",
    "/api/projects",
    "/api/downloads",
    "/api/exports/recent",
    "/api/notifications",
    "/api/games/{game}/clips",
    "/api/projects/{project}/exports",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_queries_for_2_and_20_items(path, django_user_model, django_assert_num_queries):
    # given two users, one with 2 of everything and one with 20
    few_owner = django_user_model.objects.create_user("few")
    many_owner = django_user_model.objects.create_user("many")
    few = make_items(few_owner, 2)
    many = make_items(many_owner, 20)

    def get(owner, ids: dict) -> int:
        client = APIClient()
        client.force_authenticate(owner)
        response = client.get(path.format(game=ids["game"].pk, project=ids["project"].pk))
        assert response.status_code == 200, response.content
        return response

    with CaptureQueriesContext(connection) as few_queries:
        small = get(few_owner, few)

    # then 20 items cost what 2 did
    with django_assert_num_queries(len(few_queries)):
        large = get(many_owner, many)
    assert len(_listed(large)) >= 20 > len(_listed(small))


def _listed(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body

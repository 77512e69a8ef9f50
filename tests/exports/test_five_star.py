"""Every 5-star clip gets its own 9:16 project; leaving 5 stars removes it unless
it was edited or exported."""

from __future__ import annotations

import pytest

from exports.models import Project
from exports.projects import five_star_project, record_working_video
from games.models import Clip, Game
from games.uploads import announce_video
from tests.games.tsv_files import HEADER as TSV_HEADER
from tests.games.tsv_files import upload as upload_tsv

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
    assert project.name == "Brilliant Goal — vs Rovers"
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


# --- clips rated 5 stars before the game's video was ready --------------------------------


@pytest.fixture
def uploading(alice, media_dir):
    """A game whose video is being uploaded; `finish()` sends its bytes the way a
    client does in this mode, so the video is probed and ready."""
    from tests.games.uploading import read, upload_single
    from tests.media import make_video

    game = Game.objects.create(owner=alice, opponent_name="Alpha")
    body = read(make_video(media_dir))

    def finish(api):
        response = upload_single(api, game, body)
        assert response.status_code == 200, response.json()

    game.finish = finish
    return game


def test_a_clip_rated_five_stars_during_the_upload_gets_its_project_once_the_video_is_ready(
    alice_api, uploading, django_capture_on_commit_callbacks
):
    clip = alice_api.post(
        f"/api/games/{uploading.id}/clips", {"start_time": 0.5, "end_time": 2.5, "rating": 5}, format="json"
    ).json()
    assert not Project.objects.filter(auto_for_clip_id=clip["id"]).exists()  # nothing to frame yet

    with django_capture_on_commit_callbacks(execute=True):
        uploading.finish(alice_api)

    project = Project.objects.get(auto_for_clip_id=clip["id"])
    assert project.aspect_ratio == "9:16"
    assert list(project.project_clips.values_list("clip_id", flat=True)) == [clip["id"]]
    assert project.project_clips.get().crop_keyframes  # framed on the probed video


def test_a_clip_imported_at_five_stars_during_the_upload_gets_its_project_once_the_video_is_ready(
    alice_api, uploading, django_capture_on_commit_callbacks
):
    response = upload_tsv(alice_api, uploading, TSV_HEADER + "\n0:00.5\t5\tGoal\t\t2\t\n0:01\t3\t\t\t1\t\n")
    assert response.status_code == 200, response.json()

    with django_capture_on_commit_callbacks(execute=True):
        uploading.finish(alice_api)

    five = Clip.objects.get(game=uploading, rating=5)
    assert Project.objects.filter(auto_for_clip__isnull=False).count() == 1
    assert Project.objects.get(auto_for_clip=five).project_clips.get().clip == five


def test_a_clip_never_gets_two_automatic_projects(alice_api, uploading, django_capture_on_commit_callbacks):
    alice_api.post(
        f"/api/games/{uploading.id}/clips", {"start_time": 0.5, "end_time": 2.5, "rating": 5}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        uploading.finish(alice_api)
    game = Game.objects.get(pk=uploading.pk)

    announce_video(game, first=True)  # told twice
    clip = Clip.objects.get(game=game)
    assert five_star_project(clip) is None

    assert Project.objects.filter(auto_for_clip=clip).count() == 1


def test_a_later_video_does_not_bring_back_an_automatic_project_its_owner_deleted(
    alice_api, uploading, django_capture_on_commit_callbacks
):
    alice_api.post(
        f"/api/games/{uploading.id}/clips", {"start_time": 0.5, "end_time": 2.5, "rating": 5}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        uploading.finish(alice_api)
    Project.objects.filter(auto_for_clip__isnull=False).delete()

    with django_capture_on_commit_callbacks(execute=True):
        uploading.finish(alice_api)  # a replacement video

    assert not Project.objects.exists()

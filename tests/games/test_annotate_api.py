"""What the annotate page needs from the API: what a game's delete takes with it,
and clips made while the video uploads (accepted, then fitted to the measured length)."""

from __future__ import annotations

import pytest

from exports import projects
from exports.models import ExportJob, FinalVideo, JobType
from games.models import Clip, Game, UploadMode, UploadSession
from notifications.models import Notification
from tests.games.uploading import read, upload_single
from tests.media import make_video

pytestmark = pytest.mark.django_db


def _uploading(game: Game) -> UploadSession:
    Game.objects.filter(pk=game.pk).update(video_status="uploading")
    return UploadSession.objects.create(
        game=game, owner=game.owner, mode=UploadMode.SINGLE, key=f"games/{game.pk}/u.mp4",
        filename="m.mp4", content_type="video/mp4", size=10,
    )  # fmt: skip


def test_deleting_a_game_without_clips_says_so(alice_api, game):
    response = alice_api.get(f"/api/games/{game.id}/deletion")

    assert response.status_code == 200
    assert response.json() == {
        "clips": 0,
        "effects": ["Deleting Vs Rovers removes no clips."],
        "blocker": None,
    }


def test_deleting_a_game_names_its_clips_projects_and_final_videos(alice_api, alice, game):
    sized = {"video_width": 1920, "video_height": 1080}
    Game.objects.filter(pk=game.pk).update(**sized)
    game.refresh_from_db()
    other = Game.objects.create(owner=alice, opponent_name="Athletic", **sized)
    clips = [Clip.objects.create(game=game, start_time=t, end_time=t + 5) for t in (0, 10, 20)]
    elsewhere = Clip.objects.create(game=other, start_time=0, end_time=5)
    only_this = projects.create_project(alice, "Derby day", "9:16", clips[:2])
    projects.create_project(alice, "Season reel", "9:16", [clips[2], elsewhere])
    FinalVideo.objects.create(
        project=only_this,
        version=1,
        file_key="f.mp4",
        size=1,
        duration=1.0,
        width=1080,
        height=1920,
        fps=25.0,
    )

    body = alice_api.get(f"/api/games/{game.id}/deletion").json()

    assert body["clips"] == 3
    assert body["blocker"] is None
    assert body["effects"] == [
        "Deleting Vs Rovers removes 3 clips.",
        "2 projects use them (Derby day, Season reel) and will lose them; 1 is left with no clips;"
        " 1 final video already made stays in the gallery.",
    ]


def test_the_delete_blocker_is_the_sentence_a_delete_would_answer(alice_api, alice, game):
    Game.objects.filter(pk=game.pk).update(video_width=1920, video_height=1080)
    game.refresh_from_db()
    clip = Clip.objects.create(game=game, start_time=0, end_time=5)
    project = projects.create_project(alice, "Derby day", "9:16", [clip])
    ExportJob.objects.create(owner=alice, project=project, type=JobType.FRAMING)

    blocker = alice_api.get(f"/api/games/{game.id}/deletion").json()["blocker"]
    refused = alice_api.delete(f"/api/games/{game.id}")

    assert (
        blocker == "An export of Derby day uses this game's clips; wait for it to finish or cancel it first."
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == blocker


def test_an_uploading_game_cannot_be_deleted_and_the_deletion_says_why(alice_api, game):
    _uploading(game)

    body = alice_api.get(f"/api/games/{game.id}/deletion").json()

    assert body["blocker"] == "This game's video is still uploading; cancel the upload first."


def test_another_users_deletion_is_a_404(alice_api, bobs_game):
    assert alice_api.get(f"/api/games/{bobs_game.id}/deletion").status_code == 404


def test_clips_are_accepted_past_the_old_videos_end_while_a_new_one_uploads(alice_api, game):
    Game.objects.filter(pk=game.pk).update(video_status="ready", video_duration=10)
    refused = alice_api.post(f"/api/games/{game.id}/clips", {"start_time": 12, "end_time": 20}, format="json")
    _uploading(game)

    accepted = alice_api.post(
        f"/api/games/{game.id}/clips", {"start_time": 12, "end_time": 20}, format="json"
    )
    moved = alice_api.patch(
        f"/api/clips/{accepted.json()['id']}", {"end_time": 25, "version": 1}, format="json"
    )

    assert refused.status_code == 400
    assert "only 10 s long" in refused.json()["detail"]
    assert accepted.status_code == 201, accepted.json()
    assert moved.status_code == 200, moved.json()
    assert moved.json()["end_time"] == 25


@pytest.mark.django_db(transaction=True)
def test_clips_made_during_the_upload_are_fitted_to_the_probed_length(alice, alice_api, tmp_path):
    game = Game.objects.create(owner=alice, opponent_name="Rovers")
    post = lambda start, end: alice_api.post(  # noqa: E731
        f"/api/games/{game.id}/clips", {"start_time": start, "end_time": end, "rating": 4}, format="json"
    )
    inside = post(1, 4).json()
    across = post(3, 9).json()  # the video turns out to be 6 s long
    beyond = post(20, 30).json()

    response = upload_single(alice_api, game, read(make_video(tmp_path, seconds=6)))

    assert response.status_code == 200, response.content
    game.refresh_from_db()
    assert game.video_duration == pytest.approx(6, abs=0.1)
    end = round(game.video_duration, 3)
    times = {c.pk: (c.start_time, c.end_time) for c in Clip.objects.filter(game=game)}
    assert times[inside["id"]] == (1, 4)
    assert times[across["id"]] == (3, end)
    assert times[beyond["id"]] == (0, pytest.approx(end - 0.01))  # as long as the video allows
    # Said in the upload's one notification.
    done = Notification.objects.get(owner=alice, type="upload_complete")
    assert done.message.endswith(
        " 2 clips made during the upload reached past the video's end (0:06): they now end there."
    )
    # Once the video is ready, its length is the rule again.
    late = post(5, 7)
    assert late.status_code == 400
    assert "the video is only" in late.json()["detail"]


def test_a_video_shorter_than_a_clip_deletes_the_clips_with_a_sentence(alice, game):
    from games.clips import fit_to_video

    Clip.objects.create(game=game, start_time=2, end_time=8)
    Game.objects.filter(pk=game.pk).update(video_status="ready", video_duration=0.5)
    game.refresh_from_db()

    sentence = fit_to_video(game)

    assert sentence == "1 clip was deleted: the video is shorter than a clip can be."
    assert not Clip.objects.filter(game=game).exists()

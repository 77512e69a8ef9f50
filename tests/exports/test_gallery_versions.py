"""The gallery API: the latest version per project, its older versions, rating counts,
filters with 4xx sentences, posters, and downloads saved under the project's name
(a Content-Disposition locally, a signed one on S3)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from exports.gallery import attachment, download_name
from exports.models import FinalVideo, Project
from exports.projects import record_final_video
from games import pictures
from games.models import Clip, Game
from games.pictures import Source
from tests.exports.exporting import ready_project, store_file
from tests.media import make_video

pytestmark = pytest.mark.django_db


def final(project: Project, key: str, days_ago: int = 0) -> FinalVideo:
    video = record_final_video(project, file_key=key, size=16, duration=2.0, width=180, height=320, fps=25.0)
    if days_ago:
        FinalVideo.objects.filter(pk=video.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return video


@pytest.fixture
def gallery(alice, media_dir):
    """A reel of two clips (rated 4 and 3) in three versions, and a one-clip 16:9
    project (rated 5) in one, made ten days ago."""
    reel = ready_project(alice, media_dir, [2.0, 2.0], name="Rovers reel")
    Clip.objects.filter(project_clips__project=reel).update(rating=3)
    Clip.objects.filter(pk=reel.project_clips.first().clip_id).update(rating=4)
    versions = [final(reel, f"exports/{alice.pk}/reel-{n}.mp4", days_ago=3 - n) for n in (1, 2, 3)]
    single = ready_project(alice, media_dir, [2.0], aspect="16:9", name="Brilliant Goal")
    Clip.objects.filter(project_clips__project=single).update(rating=5)
    old = final(single, f"exports/{alice.pk}/single.mp4", days_ago=10)
    return {"reel": reel, "versions": versions, "single": single, "old": old}


def listed(client, query: str = "") -> list[tuple[str, int]]:
    response = client.get(f"/api/downloads{query}")
    assert response.status_code == 200, response.json()
    return [(v["project"]["name"], v["version"]) for v in response.json()["results"]]


def test_the_latest_version_of_each_project_with_its_versions_and_ratings(alice_api, gallery):
    response = alice_api.get("/api/downloads?latest=1").json()
    items = response["results"]
    assert [(v["project"]["name"], v["version"], v["versions"]) for v in items] == [
        ("Rovers reel", 3, 3),
        ("Brilliant Goal", 1, 1),
    ]
    assert items[0]["clips_by_rating"] == {"5": 0, "4": 1, "3": 1, "2": 0, "1": 0}
    assert items[1]["clips_by_rating"] == {"5": 1, "4": 0, "3": 0, "2": 0, "1": 0}
    assert items[0]["filename"] == "Rovers reel v3.mp4"
    assert items[0]["poster_url"] is None  # no worker has made it yet

    # the older versions, one request away
    reel = gallery["reel"].pk
    assert listed(alice_api, f"?project={reel}") == [
        ("Rovers reel", 3),
        ("Rovers reel", 2),
        ("Rovers reel", 1),
    ]
    # without ?latest every version is listed, newest first
    assert len(listed(alice_api)) == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?latest=1&q=rOVERS", [("Rovers reel", 3)]),
        ("?latest=1&q=nothing", []),
        ("?latest=1&aspect=16:9", [("Brilliant Goal", 1)]),
        ("?latest=1&type=clip", [("Brilliant Goal", 1)]),
        ("?latest=1&type=reel", [("Rovers reel", 3)]),
        ("?latest=1&min_rating=5", [("Brilliant Goal", 1)]),
        ("?latest=1&min_rating=4", [("Rovers reel", 3), ("Brilliant Goal", 1)]),
        ("?type=reel&since={d5}", [("Rovers reel", 3), ("Rovers reel", 2), ("Rovers reel", 1)]),
        ("?until={d5}", [("Brilliant Goal", 1)]),
        ("?since={d2}&until={d1}", [("Rovers reel", 2), ("Rovers reel", 1)]),
        ("?since={d1}&until={d1}", [("Rovers reel", 2)]),
    ],
)
def test_filters_narrow_the_gallery(alice_api, gallery, query, expected):
    today = timezone.localdate()
    days = {f"d{n}": (today - timedelta(days=n)).isoformat() for n in (1, 2, 5)}
    assert listed(alice_api, query.format(**days)) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?aspect=5:4", "aspect"),
        ("?type=film", "type"),
        ("?since=yesterday", "since"),
        ("?since=2026-03-02&until=2026-03-01", "until"),
        ("?min_rating=9", "min_rating"),
        ("?latest=perhaps", "latest"),
        ("?q=two%0Alines", "q"),
        ("?project=abc", "detail"),
    ],
)
def test_bad_filters_are_400_with_a_sentence(alice_api, gallery, query, field):
    response = alice_api.get(f"/api/downloads{query}")
    assert response.status_code == 400
    message = response.json()[field]
    assert (message if isinstance(message, str) else message[0]).endswith(".")


def test_another_users_gallery_is_empty_and_their_files_404(bob_api, gallery):
    assert bob_api.get("/api/downloads?latest=1").json()["count"] == 0
    assert bob_api.get(f"/api/downloads/{gallery['old'].pk}/file?download=1").status_code == 404


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("Rovers reel", "Rovers reel v2.mp4"),
        ('At Eastside: 2/1 "win" *?<>|', "At Eastside 2 1 win v2.mp4"),
        ("Équipe ⚽ finale", "Équipe finale v2.mp4"),
        ("...", "Highlights v2.mp4"),
        ("x" * 300, "x" * 80 + " v2.mp4"),
        ("tab\there_and_under", "tab here and under v2.mp4"),
    ],
)
def test_a_download_is_named_after_its_project_in_safe_characters(name, saved):
    assert download_name(name, 2) == saved


def test_a_download_saves_under_the_projects_name_in_either_storage(alice_api, gallery, media_dir):
    # given a final video of a project whose name is not plain ASCII
    project = gallery["single"]
    Project.objects.filter(pk=project.pk).update(name="Équipe: but!")
    source = make_video(media_dir, seconds=1.0, size="180x320")
    video = final(project, store_file(source, f"exports/{project.owner_id}/named.mp4"))
    expected = "attachment; filename=\"Equipe but! v2.mp4\"; filename*=UTF-8''%C3%89quipe%20but%21%20v2.mp4"
    assert attachment("Équipe but! v2.mp4") == expected

    # when its owner downloads it
    response = alice_api.get(f"/api/downloads/{video.pk}/file?download=1")

    # then the file comes with that name: from our server, or signed into the S3 URL
    if response.status_code == 302:
        signed = parse_qs(urlsplit(response["Location"]).query)
        assert signed["response-content-disposition"] == [expected]
        from_bucket = requests.get(response["Location"], timeout=30)
        assert from_bucket.status_code == 200
        assert from_bucket.headers["Content-Disposition"] == expected
        assert from_bucket.content == source.read_bytes()
    else:
        assert response.status_code == 200
        assert response["Content-Disposition"] == expected
        assert b"".join(response.streaming_content) == source.read_bytes()

    # and playing it (no ?download) names it inline, never as an attachment
    played = alice_api.get(f"/api/downloads/{video.pk}/file")
    if played.status_code == 302:
        assert "response-content-disposition" not in played["Location"]
    else:
        assert played["Content-Disposition"].startswith("inline")


def test_posters_on_gallery_items_and_project_cards(alice, alice_api, gallery, media_dir):
    # given a project with nothing pictured yet
    reel = gallery["reel"]
    assert alice_api.get(f"/api/projects/{reel.pk}").json()["poster_url"] is None

    # its game's poster stands in first (the game's video is the clip's source)
    first = reel.project_clips.select_related("clip__game").first().clip
    game: Game = first.game
    game.video_key = store_file(make_video(media_dir, seconds=2.0), f"users/{alice.pk}/games/{game.pk}/v.mp4")
    game.video_duration = 2.0
    game.save()
    (game_poster,) = pictures.make_pictures(pictures.game_source(game), ["poster"])
    assert alice_api.get(f"/api/projects/{reel.pk}").json()["poster_url"] == f"/api/pictures/{game_poster.pk}"

    # then its first clip's, once cut and pictured
    (clip_poster,) = pictures.make_pictures(pictures.clip_source(first), ["poster"])
    assert alice_api.get(f"/api/projects/{reel.pk}").json()["poster_url"] == f"/api/pictures/{clip_poster.pk}"

    # and its final video's, which the gallery item shows too
    video = final(reel, store_file(make_video(media_dir, seconds=2.0, size="180x320"), "exports/x/v4.mp4"))
    source = Source("final_video", video.pk, alice.pk, video.file_key, video.duration)
    (final_poster,) = pictures.make_pictures(source, ["poster"])
    url = f"/api/pictures/{final_poster.pk}"
    assert final_poster.width == 180  # a portrait video is never scaled up
    assert alice_api.get(f"/api/projects/{reel.pk}").json()["poster_url"] == url
    cards = {p["id"]: p["poster_url"] for p in alice_api.get("/api/projects").json()["results"]}
    assert cards[reel.pk] == url
    items = alice_api.get("/api/downloads?latest=1").json()["results"]
    assert items[0]["poster_url"] == url
    assert alice_api.get(url).status_code in (200, 302)


def test_deleting_a_version_deletes_its_poster(
    alice, alice_api, gallery, media_dir, django_capture_on_commit_callbacks
):
    reel = gallery["reel"]
    video = final(reel, store_file(make_video(media_dir, seconds=1.0, size="180x320"), "exports/x/gone.mp4"))
    (poster,) = pictures.make_pictures(
        Source("final_video", video.pk, alice.pk, video.file_key, video.duration), ["poster"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/downloads/{video.pk}").status_code == 204
    assert alice_api.get(f"/api/pictures/{poster.pk}").status_code == 404
    from games.objects import object_store

    assert object_store().size(poster.key) is None


@pytest.mark.parametrize("clips", [2, 12])
def test_a_projects_clip_pictures_cost_one_query_however_many_clips(
    alice, alice_api, media_dir, clips, django_assert_max_num_queries
):
    project = ready_project(alice, media_dir, [1.0] * clips, name="Many")
    for pc in project.project_clips.select_related("clip__game"):
        pictures.make_pictures(pictures.clip_source(pc.clip), ["poster", "filmstrip"])
    with django_assert_max_num_queries(12):
        shown = alice_api.get(f"/api/projects/{project.pk}").json()
    assert all(c["clip"]["filmstrip"]["count"] == 2 for c in shown["clips"])
    with django_assert_max_num_queries(8):
        listed = alice_api.get(f"/api/projects/{project.pk}/clips").json()
    assert all(c["clip"]["poster_url"] for c in listed)

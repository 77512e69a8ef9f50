"""Rendered versions and the gallery of final videos."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from exports.models import Project
from exports.projects import record_final_video, record_working_video
from games.objects import object_store

pytestmark = pytest.mark.django_db
VIDEO = {"size": 11, "duration": 14.5, "width": 1080, "height": 1920, "fps": 29.97}


def stored(name: str, content: bytes = b"final video") -> str:
    return default_storage.save(name, ContentFile(content))


def test_versions_count_up_and_a_new_framing_clears_the_final_video(project):
    p = Project.objects.get(pk=project["id"])
    first = record_working_video(p, file_key="w1.mp4", **VIDEO)
    final = record_final_video(p, file_key="f1.mp4", **VIDEO)
    p.refresh_from_db()
    assert (p.working_video, p.final_video) == (first, final)

    second = record_working_video(p, file_key="w2.mp4", **VIDEO)

    p.refresh_from_db()
    assert (first.version, second.version, final.version) == (1, 2, 1)
    assert p.working_video == second
    assert p.final_video is None  # the overlay must be redone on the new framing


def test_the_gallery_lists_plays_and_deletes_final_videos(alice_api, project, match):
    p = Project.objects.get(pk=project["id"])
    key = stored(f"users/{p.owner_id}/finals/reel.mp4", b"0123456789abcdef")
    video = record_final_video(p, file_key=key, **{**VIDEO, "size": 16})

    listed = alice_api.get("/api/downloads").json()["results"]
    assert [(v["id"], v["project"]["name"]) for v in listed] == [(video.pk, "Rovers reel")]
    assert alice_api.get(f"/api/downloads?game={match.pk}").json()["count"] == 1
    assert alice_api.get(f"/api/downloads?game={match.pk + 99}").json()["count"] == 0
    assert alice_api.get("/api/downloads?project=abc").status_code == 400

    played = alice_api.get(f"/api/downloads/{video.pk}/file", HTTP_RANGE="bytes=4-7")
    if played.status_code == 302:
        import requests

        played_bytes = requests.get(played["Location"], headers={"Range": "bytes=4-7"}, timeout=30).content
    else:
        assert played.status_code == 206
        played_bytes = b"".join(played.streaming_content)
    assert played_bytes == b"4567"

    assert alice_api.delete(f"/api/downloads/{video.pk}").status_code == 204
    assert alice_api.get("/api/downloads").json()["count"] == 0


def test_another_users_videos_are_404(bob_api, project):
    p = Project.objects.get(pk=project["id"])
    video = record_final_video(p, file_key=stored("users/x/final.mp4"), **VIDEO)

    assert bob_api.get(f"/api/downloads/{video.pk}/file").status_code == 404
    assert bob_api.delete(f"/api/downloads/{video.pk}").status_code == 404
    assert object_store().size(video.file_key) is not None

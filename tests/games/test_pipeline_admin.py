"""The admin shows a clip's cut and an upload session with their history, for triage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from games.extraction import claim, request_extraction
from games.models import Clip, UploadSession
from games.uploads import start_single

pytestmark = pytest.mark.django_db


def test_a_clips_page_shows_its_cut_and_its_history(admin_client, game, enqueued):
    clip = Clip.objects.create(game=game, start_time=10, end_time=25)
    request_extraction(clip)
    claim(clip.pk, 10, 25, "host:7")

    response = admin_client.get(reverse("admin:games_clip_change", args=[clip.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "a project needs the clip&#x27;s file" in page
    assert "claimed by host:7" in page
    listed = admin_client.get(reverse("admin:games_clip_changelist"), {"extraction_status": "extracting"})
    assert "host:7" in listed.content.decode()


def test_an_upload_sessions_page_shows_its_history(admin_client, game):
    session, _ = start_single(game, "match.mp4", "video/mp4", 100)

    response = admin_client.get(reverse("admin:games_uploadsession_change", args=[session.pk]))

    assert response.status_code == 200
    assert "upload of match.mp4 (100 bytes announced)" in response.content.decode()
    assert UploadSession.objects.get(pk=session.pk).events.count() == 1

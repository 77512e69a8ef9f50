"""A notification never fails the action it reports: long file names are shortened
in titles, and a notification that cannot be stored is logged, not raised."""

from __future__ import annotations

import pytest

from games.models import Game, UploadSession
from notifications import service
from notifications.models import Notification
from tests.games.uploading import start_multipart

pytestmark = pytest.mark.django_db
SIZE = 200 * 2**20


@pytest.mark.parametrize("length", [184, 200, 255])
def test_a_long_file_name_starts_an_upload_with_a_shortened_title(alice_api, game, length):
    filename = "m" * (length - 4) + ".mp4"

    response = start_multipart(alice_api, game, SIZE, filename=filename)

    assert response.status_code == 201, response.json()
    title = Notification.objects.get(owner=game.owner, type="upload_started").title
    assert len(title) <= 200
    if length <= 190:
        assert title == f"Uploading {filename}"
    else:
        assert title.endswith("m…")
    assert UploadSession.objects.get().filename == filename


def test_after_a_long_file_name_the_upload_can_be_cancelled_and_started_again(alice_api, game):
    filename = "x" * 251 + ".mp4"
    first = start_multipart(alice_api, game, SIZE, filename=filename).json()

    second = start_multipart(alice_api, game, SIZE, filename=filename)
    cancelled = alice_api.delete(f"/api/games/{game.id}/uploads/{first['upload_id']}")
    again = start_multipart(alice_api, game, SIZE, filename=filename)

    assert second.status_code == 409  # one upload at a time, as with any name
    assert cancelled.status_code == 204
    assert again.status_code == 201, again.json()


def test_a_notification_that_cannot_be_stored_does_not_fail_the_upload(alice_api, game, monkeypatch, caplog):
    def broken_store(*args, **kwargs):
        raise RuntimeError("the notifications table is gone")

    monkeypatch.setattr(service, "_store", broken_store)

    response = start_multipart(alice_api, game, SIZE)

    assert response.status_code == 201, response.json()
    assert Game.objects.get().video_status == "uploading"
    assert "Could not store a notification" in caplog.text


def test_titles_are_shortened_by_the_service_itself(alice):
    stored = service.notify(alice, "info", "t" * 500)

    assert len(stored.title) == 200
    assert stored.title.endswith("…")


def test_progress_titles_are_shortened_too(alice):
    message = service.progress_message("task", 10, "", "upload_progress", "Uploading " + "n" * 300, None)

    assert len(message["title"]) == 200

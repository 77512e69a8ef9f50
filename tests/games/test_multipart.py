"""Resumable multipart uploads: equal parts, a resume point, re-sent parts,
completion checks and clean-up, in the shape of Uppy's S3 multipart protocol."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from games.models import Game, UploadSession
from games.objects import object_store
from games.uploads import MIN_PART_SIZE, part_layout
from tests.games.uploading import parts_of, put_part, read, start_multipart
from tests.media import make_video, sha256

pytestmark = pytest.mark.django_db
MiB = 2**20


@pytest.fixture(scope="module")
def big_video(tmp_path_factory):
    """About 37 MB of lossless noise: three 16 MiB parts, the last one shorter."""
    return make_video(tmp_path_factory.mktemp("big"), seconds=3, size="640x360", noisy=True)


def send_all(api, game, upload_id, body, part_size, skip=()):
    etags = {}
    for number, chunk in enumerate(parts_of(body, part_size), start=1):
        if number in skip:
            continue
        status, etags[number] = put_part(api, game, upload_id, number, chunk)
        assert status == 200
    return etags


def complete(api, game, upload_id, etags):
    parts = [{"number": n, "etag": e} for n, e in sorted(etags.items())]
    return api.post(f"/api/games/{game.id}/uploads/{upload_id}/complete", {"parts": parts}, format="json")


def test_the_part_layout_keeps_to_s3s_limits():
    assert part_layout(1) == (MIN_PART_SIZE, 1)
    assert part_layout(6 * 10**9) == (16 * MiB, 358)
    assert part_layout(700 * 2**30) == (128 * MiB, 5600)
    size, count = part_layout(5 * 2**40)
    assert count <= 10_000
    assert 5 * MiB <= size <= 5 * 2**30
    assert size * count >= 5 * 2**40


def test_a_multipart_upload_becomes_the_games_video(alice_api, game, big_video):
    body = read(big_video)

    started = start_multipart(alice_api, game, len(body))
    assert started.status_code == 201, started.json()
    upload = started.json()
    assert (upload["part_size"], upload["part_count"]) == (16 * MiB, 3)
    assert upload["key"].startswith(f"users/{game.owner_id}/games/{game.id}/")
    etags = send_all(alice_api, game, upload["upload_id"], body, upload["part_size"])

    listed = alice_api.get(f"/api/games/{game.id}/uploads/{upload['upload_id']}/parts").json()["parts"]
    assert [(p["number"], p["size"]) for p in listed] == [
        (1, 16 * MiB),
        (2, 16 * MiB),
        (3, len(body) - 32 * MiB),
    ]
    response = complete(alice_api, game, upload["upload_id"], etags)

    assert response.status_code == 200, response.json()
    assert response.json()["video"]["status"] == "ready"
    assert response.json()["video"]["duration"] == pytest.approx(3, abs=0.1)
    game.refresh_from_db()
    with default_storage.open(game.video_key, "rb") as stored:
        assert sha256(stored.read()) == sha256(body)


def test_an_interrupted_part_is_sent_again_and_the_upload_resumes(alice_api, game, big_video):
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    chunks = parts_of(body, upload["part_size"])
    put_part(alice_api, game, upload["upload_id"], 1, chunks[0])

    # the connection drops halfway through part 2
    put_part(alice_api, game, upload["upload_id"], 2, chunks[1][: 5 * MiB])
    listed = alice_api.get(f"/api/games/{game.id}/uploads/{upload['upload_id']}/parts").json()["parts"]
    complete_parts = {p["number"]: p["etag"] for p in listed if p["size"] == len(chunks[p["number"] - 1])}
    assert set(complete_parts) == {1}  # the resume point: only part 1 is whole

    # the client resumes from the listing, re-sending part 2 and sending part 3
    etags = {
        **complete_parts,
        **send_all(alice_api, game, upload["upload_id"], body, upload["part_size"], skip={1}),
    }
    response = complete(alice_api, game, upload["upload_id"], etags)

    assert response.status_code == 200, response.json()
    game.refresh_from_db()
    with default_storage.open(game.video_key, "rb") as stored:
        assert sha256(stored.read()) == sha256(body)


def test_completing_with_missing_parts_names_them(alice_api, game, big_video):
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    etags = send_all(alice_api, game, upload["upload_id"], body, upload["part_size"], skip={3})

    response = complete(alice_api, game, upload["upload_id"], etags)

    assert response.status_code == 422
    assert response.json()["detail"] == "The upload is missing 1 part(s): 3."
    assert UploadSession.objects.get(pk=upload["upload_id"]).status == "active"


def test_a_short_part_that_is_not_the_last_is_refused(alice_api, game, big_video):
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    chunks = parts_of(body, upload["part_size"])
    etags = {}
    status, etags[1] = put_part(alice_api, game, upload["upload_id"], 1, chunks[0][: 6 * MiB])
    if status == 200:  # S3 takes any part; the check happens when completing
        etags.update(send_all(alice_api, game, upload["upload_id"], body, upload["part_size"], skip={1}))
        response = complete(alice_api, game, upload["upload_id"], etags)
        assert response.status_code == 422
        assert "Part 1 is 6,291,456 bytes; it must be 16,777,216" in response.json()["detail"]
    else:  # our own endpoint refuses the part at once
        assert status == 400


@pytest.mark.parametrize("number", [0, 4, 10_001])
def test_part_numbers_outside_the_upload_are_refused(alice_api, game, number):
    upload = start_multipart(alice_api, game, 40 * MiB).json()

    response = alice_api.get(f"/api/games/{game.id}/uploads/{upload['upload_id']}/parts/{number}/url")

    assert response.status_code == 400
    assert "Part numbers run from 1 to 3" in response.json()["detail"]


def test_aborting_removes_what_was_stored(alice_api, game, big_video):
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    put_part(alice_api, game, upload["upload_id"], 1, parts_of(body, upload["part_size"])[0])
    session = UploadSession.objects.get(pk=upload["upload_id"])

    response = alice_api.delete(f"/api/games/{game.id}/uploads/{upload['upload_id']}")

    assert response.status_code == 204
    session.refresh_from_db()
    assert session.status == "aborted"
    assert alice_api.get(f"/api/games/{game.id}/uploads/{upload['upload_id']}/parts").status_code == 404
    assert_nothing_stored(session)
    assert Game.objects.get(pk=game.pk).video_status == "none"


def assert_nothing_stored(session: UploadSession) -> None:
    store = object_store()
    assert store.size(session.key) is None
    if store.direct:
        pending = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
        assert session.s3_upload_id not in [u["UploadId"] for u in pending]
    else:
        assert not store._parts_dir(session).exists()


def test_abandoned_uploads_are_cleaned_up_by_command_and_schedule(alice_api, game, big_video, capsys):
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    put_part(alice_api, game, upload["upload_id"], 1, parts_of(body, upload["part_size"])[0])
    UploadSession.objects.filter(pk=upload["upload_id"]).update(
        updated_at=timezone.now() - timedelta(hours=49)
    )

    call_command("cleanup_uploads")

    session = UploadSession.objects.get(pk=upload["upload_id"])
    assert session.status == "aborted"
    assert "abandoned" in session.error
    assert_nothing_stored(session)
    assert "Aborted 1 abandoned upload(s)" in capsys.readouterr().out
    assert Schedule.objects.filter(func="games.tasks.cleanup_abandoned_uploads", schedule_type="H").exists()


def test_recent_uploads_are_left_alone(alice_api, game):
    upload = start_multipart(alice_api, game, 40 * MiB).json()

    call_command("cleanup_uploads")

    assert UploadSession.objects.get(pk=upload["upload_id"]).status == "active"


def test_another_users_upload_is_a_404(alice_api, bob_api, game, bobs_game):
    upload = start_multipart(alice_api, game, 40 * MiB).json()

    assert bob_api.get(f"/api/games/{game.id}/uploads/{upload['upload_id']}/parts").status_code == 404
    assert bob_api.get(f"/api/games/{bobs_game.id}/uploads/{upload['upload_id']}/parts").status_code == 404
    assert bob_api.delete(f"/api/games/{game.id}/uploads/{upload['upload_id']}").status_code == 404
    assert UploadSession.objects.get(pk=upload["upload_id"]).status == "active"


def test_reported_progress_reaches_the_owner(alice_api, game):
    upload = start_multipart(alice_api, game, 40 * MiB).json()

    response = alice_api.post(
        f"/api/games/{game.id}/uploads/{upload['upload_id']}/progress",
        {"uploaded_bytes": 10 * MiB},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"progress": 25.0}


def test_the_resume_point_lists_every_part_past_a_page(alice_api, game, big_video, monkeypatch):
    store = object_store()
    if not store.direct:
        pytest.skip("S3 pages its part listings; local storage lists a folder")
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    send_all(alice_api, game, upload["upload_id"], body, upload["part_size"])
    real_list_parts = store.client.list_parts
    pages = []

    def one_part_per_page(**kwargs):
        pages.append(kwargs.get("PartNumberMarker"))
        return real_list_parts(**kwargs, MaxParts=1)

    monkeypatch.setattr(type(store.client), "list_parts", lambda self, **kw: one_part_per_page(**kw))

    listed = alice_api.get(f"/api/games/{game.id}/uploads/{upload['upload_id']}/parts").json()["parts"]

    assert [p["number"] for p in listed] == [1, 2, 3]
    assert len(pages) == 3


def test_a_storage_hiccup_while_probing_lets_the_client_confirm_again(
    alice_api, game, big_video, monkeypatch
):
    body = read(big_video)
    upload = start_multipart(alice_api, game, len(body)).json()
    etags = send_all(alice_api, game, upload["upload_id"], body, upload["part_size"])
    from games import uploads

    def unreachable(location):
        raise TimeoutError("storage did not answer")

    monkeypatch.setattr(uploads, "probe", unreachable)
    first = complete(alice_api, game, upload["upload_id"], etags)
    assert first.status_code == 502
    assert "try confirming again" in first.json()["detail"]
    assert Game.objects.get(pk=game.pk).video_status == "uploading"
    assert UploadSession.objects.get(pk=upload["upload_id"]).status == "active"

    monkeypatch.undo()
    again = complete(alice_api, game, upload["upload_id"], etags)
    assert again.status_code == 200, again.json()
    assert again.json()["video"]["status"] == "ready"

"""Upload sessions have a declared pipeline too: they end once (complete, failed or
aborted), each step is recorded, and the abandoned-upload cleanup goes through it,
so it never aborts an upload that finished or woke up meanwhile."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from games import uploads
from games.models import UploadSession, UploadStatus
from games.objects import object_store
from videoeditor.pipeline import IllegalTransition

pytestmark = pytest.mark.django_db


def started(game, body: bytes = b"x" * 100) -> UploadSession:
    """A session whose bytes are stored (through the web server, as locally)."""
    session, _ = uploads.start_single(game, "match.mp4", "video/mp4", len(body))
    object_store().save_stream(session.key, ContentFile(body), len(body))
    return session


def steps(session: UploadSession) -> list[tuple[str, str]]:
    return [(e.from_status, e.to_status) for e in session.events.all()]


def idle(session: UploadSession, hours: float = 49) -> None:
    UploadSession.objects.filter(pk=session.pk).update(updated_at=timezone.now() - timedelta(hours=hours))


def test_every_declared_step_works_and_an_undeclared_one_raises(game):
    session = started(game)
    for source, targets in uploads.UPLOAD_STEPS.items():
        for target in sorted(targets):
            UploadSession.objects.filter(pk=session.pk).update(status=source)
            assert uploads.UPLOADS.transition(session.pk, target, source=[source], reason="test")
        for target in set(UploadStatus.values) - targets:
            with pytest.raises(IllegalTransition):
                uploads.UPLOADS.transition(session.pk, target, source=[source], reason="test")


def test_a_completed_upload_records_its_steps(game, video):
    body = video.read_bytes()
    session = started(game, body)

    uploads.finish_upload(session)

    assert steps(session) == [("", "active"), ("active", "complete")]
    assert "probed 320x180" in session.events.last().reason


def test_the_abandoned_upload_cleanup_aborts_through_the_pipeline(game):
    session = started(game)
    idle(session)
    report = StringIO()

    call_command("cleanup_uploads", stdout=report)

    assert "Aborted 1 abandoned upload(s)" in report.getvalue()
    session.refresh_from_db()
    assert session.status == "aborted"
    assert steps(session) == [("", "active"), ("active", "aborted")]
    assert session.events.last().reason == "The upload was abandoned and has been cleaned up."
    assert object_store().size(session.key) is None
    game.refresh_from_db()
    assert game.video_status == "none"


def test_an_upload_that_finished_after_the_cleanup_listed_it_keeps_its_file(game, video):
    session = started(game, video.read_bytes())
    listed = UploadSession.objects.get(pk=session.pk)  # as the cleanup read it: active
    uploads.finish_upload(session)  # then the client confirmed

    assert uploads.abort(listed, "The upload was abandoned and has been cleaned up.") is False

    game.refresh_from_db()
    assert (game.video_key, game.video_status) == (session.key, "ready")
    assert object_store().size(session.key) == video.stat().st_size
    assert UploadSession.objects.get(pk=session.pk).status == "complete"


def test_an_upload_that_woke_up_after_the_cleanup_listed_it_is_kept(game):
    session = started(game)
    idle(session)
    cutoff = timezone.now() - timedelta(hours=48)
    UploadSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())  # a part arrived

    assert uploads.abort(session, "abandoned", where={"updated_at__lt": cutoff}) is False

    assert UploadSession.objects.get(pk=session.pk).status == "active"
    assert object_store().size(session.key) == 100

"""A clip whose cut failed (its worker died on every attempt, or no worker took it
on) is not a dead end: exporting its project asks for the cut again."""

from __future__ import annotations

import pytest

from exports import jobs
from games import extraction
from games.models import Clip
from tests.exports.exporting import ready_project

pytestmark = pytest.mark.django_db


def test_exporting_again_asks_again_for_a_cut_that_failed(
    alice, media_dir, small_exports, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[tuple] = []
    monkeypatch.setattr(extraction, "async_task", lambda *args, **kwargs: queued.append(args))
    project = ready_project(alice, media_dir, [1.0])
    clip = project.project_clips.get().clip
    reason = "The worker stopped while cutting this clip (attempt 3 of 3)."
    Clip.objects.filter(pk=clip.pk).update(
        extraction_status="failed", extraction_error=reason, file_key="", extraction_attempts=3
    )

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(jobs.ExportError) as refused:
        jobs.submit(alice, project, "framing")

    assert refused.value.status == 409
    assert "still being cut" in refused.value.message
    clip.refresh_from_db()
    assert (clip.extraction_status, clip.extraction_attempts, clip.extraction_error) == ("extracting", 0, "")
    assert queued == [("games.tasks.extract_clip", clip.pk, clip.start_time, clip.end_time)]

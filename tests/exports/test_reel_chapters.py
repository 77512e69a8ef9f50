"""A multi-clip reel's clips are chapters in the exported files (working and final
video), named after the clips, at the reel's clip starts (a dissolve's in the
middle of its overlap), and the API lists the same chapters as the file."""

from __future__ import annotations

import itertools

import av
import pytest

from exports import worker
from exports.models import ExportJob, Project
from games.objects import object_store
from tests.exports.exporting import ready_project
from tests.render.test_chapters import file_chapters

pytestmark = pytest.mark.django_db(transaction=False)

FRAME = 1 / 25  # the generated clips' frame rate


def export(api, project: Project, kind: str) -> ExportJob:
    response = api.post("/api/exports", {"project_id": project.pk, "type": kind}, format="json")
    assert response.status_code == 202, response.json()
    worker.run_export(response.json()["job_id"])
    job = ExportJob.objects.get(pk=response.json()["job_id"])
    assert job.status == "complete", job.error
    return job


def reel(owner, media_dir, seconds: list[float], names: list[str], transition: dict) -> Project:
    project = ready_project(owner, media_dir, seconds)
    Project.objects.filter(pk=project.pk).update(transition=transition)
    for project_clip, name in zip(project.project_clips.order_by("position"), names, strict=True):
        project_clip.clip.name = name
        project_clip.clip.save(update_fields=["name"])
    return project


def measured(key: str) -> tuple[list[dict], float]:
    """The file's chapters and how long its pictures last (decoded frames)."""
    location = object_store().read_location(key)
    with av.open(str(location)) as container:
        stream = container.streams.video[0]
        seconds = sum(1 for _ in container.decode(stream)) / float(stream.average_rate)
    return file_chapters(location), seconds


def test_a_dissolved_reel_has_a_chapter_per_clip_in_the_file_and_the_api(
    alice, alice_api, media_dir, small_exports
):
    # given three clips of different lengths joined by 0.5 s dissolves
    names = ["Goal from the left", "Save; then = #2", "Pass ⚽"]
    project = reel(alice, media_dir, [1.0, 1.6, 1.2], names, {"type": "dissolve", "duration": 0.5})

    # when the reel and then its final video are exported
    working = export(alice_api, project, "multi_clip").working_video
    final = export(alice_api, project, "overlay").final_video

    # then each file has the clips as chapters: clip 2 starts at 0.5 s and clip 3 at
    # 1.6 s, each chapter a quarter second later (the middle of the dissolve)
    for video in (working, final):
        chapters, seconds = measured(video.file_key)
        assert [c["title"] for c in chapters] == names
        assert seconds == pytest.approx(2.8, abs=FRAME)
        expected = [0.0, 0.75, 1.85, seconds]
        found = [c["start"] for c in chapters] + [chapters[-1]["end"]]
        assert found == pytest.approx(expected, abs=FRAME), found
        assert chapters[-1]["end"] == round(seconds, 3)  # to the millisecond
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(chapters))
        assert video.chapters == chapters

    # and the API lists the file's chapters: the gallery, the job's output, the project
    gallery = alice_api.get("/api/downloads").json()["results"]
    assert [item["chapters"] for item in gallery] == [measured(final.file_key)[0]]
    job = ExportJob.objects.get(final_video=final)
    assert alice_api.get(f"/api/exports/{job.pk}").json()["output"]["chapters"] == final.chapters
    body = alice_api.get(f"/api/projects/{project.pk}").json()
    assert body["working_video"]["chapters"] == working.chapters


def test_a_cut_reel_changes_chapter_where_the_next_clip_starts(alice, alice_api, media_dir, small_exports):
    project = reel(alice, media_dir, [1.0, 1.6], ["Tackle", "Counter"], {"type": "cut", "duration": 0.5})

    working = export(alice_api, project, "multi_clip").working_video

    chapters, seconds = measured(working.file_key)
    assert seconds == pytest.approx(2.6, abs=FRAME)
    assert chapters == [
        {"title": "Tackle", "start": 0.0, "end": 1.0},
        {"title": "Counter", "start": 1.0, "end": round(seconds, 3)},
    ]
    assert working.chapters == chapters


def test_a_single_clip_export_has_no_chapters(alice, alice_api, media_dir, small_exports):
    project = reel(alice, media_dir, [1.2], ["Goal"], {"type": "dissolve", "duration": 0.5})

    working = export(alice_api, project, "framing").working_video

    chapters, seconds = measured(working.file_key)
    assert seconds == pytest.approx(1.2, abs=FRAME)
    assert chapters == []
    assert working.chapters == []
    assert alice_api.get(f"/api/projects/{project.pk}").json()["working_video"]["chapters"] == []

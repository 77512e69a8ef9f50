"""The final video is rendered from the cut clips, with the framing its working
video was made from: never from the working video itself."""

from __future__ import annotations

import pytest

from exports import worker
from exports.highlights import from_project
from exports.models import ExportJob
from games.objects import object_store
from tests.exports.exporting import ready_project, store_file
from tests.exports.test_export_jobs import decoded, submit
from tests.media import make_video

REGION = {
    "id": "r1", "start_time": 0.0, "end_time": 1.0, "enabled": True,
    "keyframes": [{"time": 0.0, "x": 60, "y": 107, "radius_x": 30, "radius_y": 40, "opacity": 1.0,
                   "color": "#FFFF00"}],
}  # fmt: skip


def exported(alice, alice_api, media_dir, seconds=(1.0,)):
    project = ready_project(alice, media_dir, list(seconds))
    job_id = submit(alice_api, project).json()["job_id"]
    worker.run_export(job_id)
    project.refresh_from_db()
    assert project.working_video is not None
    from_project(project, [REGION])
    return project


def test_the_final_video_does_not_read_the_working_video(alice, alice_api, media_dir, small_exports):
    project = exported(alice, alice_api, media_dir)
    object_store().delete(project.working_video.file_key)  # gone: the final cannot be made from it

    response = submit(alice_api, project, "overlay")
    assert response.status_code == 202, response.json()
    worker.run_export(response.json()["job_id"])
    job = ExportJob.objects.get(pk=response.json()["job_id"])

    assert job.status == "complete", job.error
    assert [c["clip_id"] for c in job.config["clips"]] == [project.project_clips.get().clip_id]
    frames, seconds, has_audio = decoded(job.final_video.file_key)
    assert seconds == pytest.approx(1.0, abs=0.05)
    assert has_audio
    centre = frames[5][100:114, 55:65].astype(float).mean(axis=(0, 1))
    assert min(centre[0], centre[1]) > 200, centre  # the highlight, full yellow
    assert centre[2] < 80, centre


def test_a_clip_cut_again_since_the_framing_export_is_refused_with_a_sentence(
    alice, alice_api, media_dir, small_exports
):
    project = exported(alice, alice_api, media_dir)
    clip = project.project_clips.get().clip
    recut = make_video(media_dir, seconds=1.0, size="320x180", fps=30)
    clip.file_key = store_file(recut, f"users/{alice.pk}/clips/{clip.pk}-2.mp4")
    clip.save(update_fields=["file_key"])

    response = submit(alice_api, project, "overlay")

    assert response.status_code == 409
    assert "was cut again or removed since the framing was exported" in response.json()["detail"]
    assert not ExportJob.objects.filter(project=project, type="overlay").exists()

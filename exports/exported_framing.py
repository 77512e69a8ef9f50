"""Framing since the last framing export: the overlay is drawn on the working video,
so when the framing (the clips, their crop keyframes and segments, the transition,
the aspect ratio) has moved on from what that video was rendered from, the overlay
editor and the project card say so. The export job that made the working video
holds that framing in its config snapshot (exports/jobs.framing_config), which is
also what "Discard changes" restores."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from exports import edits
from exports.models import ACTIVE_STATUSES, ExportJob, JobStatus, JobType, Project, ProjectClip
from exports.projects import ProjectError, touch
from games.extraction import request_extraction
from games.models import Clip
from videoeditor.versioning import StaleVersion

FRAMING_TYPES = (JobType.FRAMING, JobType.MULTI_CLIP)


def _snapshots(working_video_ids: list[int]) -> dict[int, dict]:
    """The config of the finished framing export that made each working video."""
    rows = ExportJob.objects.filter(
        working_video_id__in=working_video_ids, status=JobStatus.COMPLETE, type__in=FRAMING_TYPES
    ).values_list("working_video_id", "config")
    return dict(rows)


def framing_snapshot(working_video_id: int) -> dict | None:
    """The framing a working video was rendered from (its export job's snapshot)."""
    snapshot = _snapshots([working_video_id]).get(working_video_id)
    return snapshot if snapshot and "clips" in snapshot else None


def _framing(aspect_ratio: str, transition: dict, clips: list[tuple[int, Any, Any]]) -> tuple:
    """What the render depends on, comparable; the transition only between clips."""
    return (aspect_ratio, transition if len(clips) > 1 else None, clips)


def _exported(snapshot: dict) -> tuple:
    clips = [(c["clip_id"], c["crop_keyframes"], c["segments"]) for c in snapshot["clips"]]
    return _framing(snapshot["aspect_ratio"], snapshot["transition"], clips)


def _current(project: Project, rows: list[tuple[int, Any, Any]]) -> tuple:
    try:
        transition = edits.clean_transition(project.transition)
    except edits.EditError:
        transition = project.transition
    return _framing(project.aspect_ratio, transition, rows)


def attach_framing_changes(projects: list[Project]) -> None:
    """Set `framing_changed` on each project, for a page of them in two queries."""
    exported = [p for p in projects if p.working_video_id]
    for project in projects:
        project.framing_changed = False
    if not exported:
        return
    snapshots = _snapshots([p.working_video_id for p in exported])
    rows: dict[int, list] = {p.pk: [] for p in exported}
    for project_id, clip_id, crop, segments in (
        ProjectClip.objects.filter(project__in=exported)
        .order_by("project_id", "position")
        .values_list("project_id", "clip_id", "crop_keyframes", "segments")
    ):
        rows[project_id].append((clip_id, crop, segments))
    for project in exported:
        snapshot = snapshots.get(project.working_video_id)
        if snapshot and "clips" in snapshot:
            project.framing_changed = _exported(snapshot) != _current(project, rows[project.pk])


def framing_changed(project: Project) -> bool:
    """Whether the framing differs from the one its working video was rendered from
    (False before the first framing export, and for a video no job snapshot describes)."""
    if not hasattr(project, "framing_changed"):
        attach_framing_changes([project])
    return project.framing_changed


def discard_framing_changes(project: Project, version: int, current) -> None:
    """Put the framing back as the last framing export rendered it: the same clips in
    the same order, their crop keyframes and segments, the transition and aspect
    ratio. `version` is the project's as the client read it; `current(project)` is
    the body of a 409 when it is stale."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.version != version:
            raise StaleVersion(current(locked))
        if locked.export_jobs.filter(status__in=ACTIVE_STATUSES, type__in=FRAMING_TYPES).exists():
            raise ProjectError(409, "A framing export is running; wait for it to finish or cancel it first.")
        snapshot = _snapshots([locked.working_video_id]).get(locked.working_video_id)
        if not snapshot or "clips" not in snapshot:
            raise ProjectError(409, "There is no framing export to go back to; export the framing first.")
        if not framing_changed(locked):
            raise ProjectError(409, "The framing is as it was exported; there are no changes to discard.")
        _restore(locked, snapshot)
        Project.objects.filter(pk=locked.pk).update(
            aspect_ratio=snapshot["aspect_ratio"],
            transition=snapshot["transition"],
            version=F("version") + 1,
        )
        touch(locked)


def _restore(project: Project, snapshot: dict) -> None:
    wanted = snapshot["clips"]
    clips = Clip.objects.filter(game__owner=project.owner, pk__in=[c["clip_id"] for c in wanted])
    found = {clip.pk: clip for clip in clips.select_related("game")}
    for number, item in enumerate(wanted, start=1):
        clip = found.get(item["clip_id"])
        if clip is None:
            raise ProjectError(
                409, f"Clip {number} of the exported framing was deleted, so it cannot come back."
            )
        try:
            edits.clean_crop_keyframes(
                item["crop_keyframes"], clip_duration=clip.duration, source_width=clip.game.video_width,
                source_height=clip.game.video_height, aspect_ratio=snapshot["aspect_ratio"],
            )  # fmt: skip
            edits.clean_segments(item["segments"], clip_duration=clip.duration)
        except edits.EditError as error:
            raise ProjectError(
                409, f"Clip {number} changed since the export ({error.message.rstrip('.')}), "
                "so its exported framing no longer fits it.",
            ) from None  # fmt: skip
    keep = {item["clip_id"] for item in wanted}
    project.project_clips.exclude(clip_id__in=keep).delete()
    existing = {pc.clip_id: pc for pc in project.project_clips.all()}
    for position, item in enumerate(wanted, start=1):
        values = {
            "position": position,
            "crop_keyframes": item["crop_keyframes"],
            "segments": item["segments"],
        }
        project_clip = existing.get(item["clip_id"])
        if project_clip is None:
            ProjectClip.objects.create(project=project, clip=found[item["clip_id"]], **values)
            request_extraction(found[item["clip_id"]])
        else:
            ProjectClip.objects.filter(pk=project_clip.pk).update(**values, version=F("version") + 1)

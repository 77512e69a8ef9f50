"""Follow the player: from a clip's finished track (exports/models.TrackingJob) to
what the editors propose for the user to accept, edit or discard: crop keyframes
that keep the player in the crop, and a highlight on the player, both in the
clip's source coordinates and in the framed video's (through the proposed crop in
the framing editor, through the working video's framing in the overlay editor).

The camera and the mapping are exports/render/camera.py's; this module picks the
inputs from the project (its shape, the clip's zoom, trims and place in the reel)
and shapes the answer. `locate_framed_box` goes the other way for the overlay
editor: a box drawn on the framed video to its clip's time and source pixels."""

from __future__ import annotations

import math

import numpy as np
from django.conf import settings

from exports import edits
from exports.exported_framing import framing_snapshot
from exports.highlights import project_framing
from exports.models import Project, ProjectClip, TrackingJob
from exports.region_edits import HIGHLIGHT, rounded
from exports.render import camera
from exports.render.framing import crop_boxes
from exports.render.reel import starts
from exports.render.reprojection import Placement
from exports.render.segments import output_duration, output_time
from exports.tracking_jobs import found_share, lost_spans
from videoeditor.errors import UserFacingError

TARGETS = ("framing", "overlay")


class FollowError(UserFacingError):
    pass


def _times_and_boxes(track: dict, duration: float | None = None) -> tuple[np.ndarray, list]:
    """Clip time of each frame (i / fps) and its box or None; frames past the clip's
    end (a last frame's rounding) are left out."""
    fps = float(track["fps"])
    boxes = list(track["boxes"])
    times = np.arange(len(boxes)) / fps
    if duration is not None:
        keep = times <= duration + 1e-6
        times, boxes = times[keep], [b for b, k in zip(boxes, keep, strict=True) if k]
    return times, [None if b is None or any(not math.isfinite(v) for v in b) else b for b in boxes]


def _rounded_regions(regions: list[dict], label: str | None = None) -> list[dict]:
    """Regions as the editors store them: pixels to the hundredth, times to 1e-4 s."""
    out = []
    for region in regions:
        keyframes = [
            {
                **k,
                "time": rounded(k["time"], 4),
                **{f: rounded(k[f], 2) for f in ("x", "y", "radius_x", "radius_y")},
            }
            for k in region["keyframes"]
        ]
        shaped = {
            **region,
            "start_time": rounded(region["start_time"], 4),
            "end_time": rounded(region["end_time"], 4),
            "keyframes": keyframes,
        }
        if label is not None:
            shaped["label"] = label
        out.append(shaped)
    return out


def source_regions_from_track(
    track: dict,
    *,
    start: float,
    end: float,
    color: str,
    opacity: float,
    placement: str = "around",
    label: str = "",
    source_size: tuple[int, int] | None = None,
    id_prefix: str = "player",
) -> list[dict]:
    """Highlight regions in the clip's own coordinates (clip seconds, source pixels)
    between clip times `start` and `end`: an ellipse around the player (or a disc
    under their feet), smoothed and reduced to the fewest keyframes, one region per
    span the player is found. The mapping is camera.py's with the whole frame as
    the crop and no time change, so it is the same rule as the framed highlight.
    Without `source_size` the frame is taken as the extent of the boxes."""
    times, boxes = _times_and_boxes(track)
    found = [b for b in boxes if b is not None]
    if not found or end - start < edits.MIN_REGION_SECONDS:
        return []
    if source_size is None:
        source_size = (
            math.ceil(max(b[0] + b[2] for b in found)) + 1,
            math.ceil(max(b[1] + b[3] for b in found)) + 1,
        )
    width, height = source_size
    whole = [{"time": 0.0, "x": 0.0, "y": 0.0, "width": float(width), "height": float(height)}]
    segments = {"trim_start": float(start), "trim_end": float(end), "splits": [], "speeds": [1.0]}
    regions = camera.highlight_keyframes_from_track(
        times,
        boxes,
        crop_keyframes=whole,
        segments=segments,
        source_size=(width, height),
        output_size=(width, height),
        color=color,
        opacity=opacity,
        placement=placement,
        offset=float(start),
        min_seconds=edits.MIN_REGION_SECONDS,
        id_prefix=id_prefix,
    )
    return _rounded_regions(regions, label[: edits.MAX_LABEL_LENGTH])


def _crop_width(project_clip: ProjectClip, time: float, source_size: tuple[int, int], aspect: float) -> float:
    """The clip's zoom where the user drew the box: the crop's width at that time."""
    width, height = source_size
    keyframes = project_clip.crop_keyframes or edits.default_crop(
        width, height, project_clip.project.aspect_ratio
    )
    return float(crop_boxes(keyframes, np.array([time]), width, height, aspect)[0, 2])


def _stored_crop(keyframes: list[dict], source_size: tuple[int, int], aspect: float) -> list[dict]:
    """Keyframes as the framing editor stores them (two decimals), still inside the
    frame and of the project's shape (clean_crop_keyframes accepts them)."""
    width, height = source_size
    out = []
    for k in keyframes:
        w = math.floor(k["width"] * 100) / 100
        h = math.floor(w / aspect * 100) / 100
        x = min(max(rounded(k["x"], 2), 0.0), math.floor((width - w) * 100) / 100)
        y = min(max(rounded(k["y"], 2), 0.0), math.floor((height - h) * 100) / 100)
        out.append({"time": rounded(k["time"], 4), "x": x, "y": y, "width": w, "height": h})
    return out


def _reel_offset(durations: list[float], transition: dict, index: int) -> float:
    return starts(durations, transition)[index]


def _framing_mapping(project_clip: ProjectClip, crop: list[dict]) -> dict:
    """Through the proposed crop and the clip's current trims, at its place in the
    project's reel as it is now."""
    project = project_clip.project
    clips = list(project.project_clips.select_related("clip").order_by("position"))
    durations, segments, index = [], None, 0
    for position, pc in enumerate(clips):
        cleaned = _segments_of(pc)
        durations.append(output_duration(cleaned))
        if pc.pk == project_clip.pk:
            segments, index = cleaned, position
    transition = _transition(project.transition)
    return {
        "crop_keyframes": crop,
        "segments": segments,
        "output_size": tuple(settings.OUTPUT_SIZES[project.aspect_ratio]),
        "offset": _reel_offset(durations, transition, index),
    }


def _segments_of(project_clip: ProjectClip) -> dict:
    try:
        return edits.clean_segments(project_clip.segments, clip_duration=project_clip.clip.duration)
    except edits.EditError:
        return edits.default_segments(project_clip.clip.duration)


def _transition(transition) -> dict:
    try:
        return edits.clean_transition(transition)
    except edits.EditError:
        return edits.clean_transition({})


def _overlay_mapping(project_clip: ProjectClip) -> dict:
    """Through the framing the working video was rendered from: the overlay's
    regions are in that video's pixels and times."""
    project = project_clip.project
    snapshot = framing_snapshot(project.working_video_id) if project.working_video_id else None
    if snapshot is None:
        raise FollowError(
            409,
            "This project has no framed video yet: export the framing first, the highlight is drawn on it.",
        )
    clips = snapshot["clips"]
    index = next((i for i, c in enumerate(clips) if c["clip_id"] == project_clip.clip_id), None)
    if index is None:
        raise FollowError(
            409, "This clip is not in the framed video (it was added after the framing export): export the "
            "framing again to highlight it.",
        )  # fmt: skip
    durations = [output_duration(c["segments"]) for c in clips]
    return {
        "crop_keyframes": clips[index]["crop_keyframes"],
        "segments": clips[index]["segments"],
        "output_size": tuple(snapshot["output_size"]),
        "offset": _reel_offset(durations, snapshot["transition"], index),
    }


def _framed_lost_spans(spans: list[dict], segments: dict, offset: float) -> list[dict]:
    """Lost spans as the framed video shows them: the parts inside the trim."""
    shown = []
    for span in spans:
        start = max(span["start_time"], segments["trim_start"])
        end = min(span["end_time"], segments["trim_end"])
        if end > start:
            shown.append(
                {
                    "start_time": rounded(output_time(segments, start) + offset, 4),
                    "end_time": rounded(output_time(segments, end) + offset, 4),
                }
            )
    return shown


def proposal(
    project_clip: ProjectClip,
    track_job: TrackingJob,
    target: str,
    anchor: tuple[float, float] = (0.5, 0.5),
    placement: str = "around",
) -> dict:
    """What the Follow control offers for this project clip from its track: crop
    keyframes (to PATCH onto the clip), the highlight in source coordinates (for
    the clip's highlight) and in the framed video's (for `target` "framing":
    through the proposed crop; "overlay": through the working video's framing),
    and the lost spans in clip and framed seconds."""
    if target not in TARGETS:
        raise FollowError(400, f"target is one of {', '.join(TARGETS)}, not {target!r}.")
    clip, game = project_clip.clip, project_clip.clip.game
    source_size = (int(game.video_width), int(game.video_height))
    aspect = edits.aspect_value(project_clip.project.aspect_ratio)
    track = track_job.track
    times, boxes = _times_and_boxes(track, clip.duration)
    if not any(b is not None for b in boxes):
        raise FollowError(409, "The player was not found anywhere in this clip's track: draw the box again.")
    drawn_at = float((track_job.config or {}).get("time", 0.0))
    crop = _stored_crop(
        camera.crop_keyframes_from_track(
            times,
            boxes,
            source_size=source_size,
            aspect=aspect,
            crop_width=_crop_width(project_clip, drawn_at, source_size, aspect),
            anchor=anchor,
        ),
        source_size,
        aspect,
    )
    mapping = _overlay_mapping(project_clip) if target == "overlay" else _framing_mapping(project_clip, crop)
    style = {"color": HIGHLIGHT["color"], "opacity": HIGHLIGHT["opacity"], "placement": placement}
    prefix = f"follow-{track_job.id[-6:]}"
    framed = camera.highlight_keyframes_from_track(
        times,
        boxes,
        crop_keyframes=mapping["crop_keyframes"],
        segments=mapping["segments"],
        source_size=source_size,
        output_size=mapping["output_size"],
        offset=mapping["offset"],
        min_seconds=edits.MIN_REGION_SECONDS,
        id_prefix=prefix,
        **style,
    )
    spans = lost_spans(track)
    return {
        "job_id": track_job.id,
        "target": target,
        "crop_keyframes": crop,
        "regions": source_regions_from_track(
            track, start=0.0, end=clip.duration, source_size=source_size, id_prefix=prefix, **style
        ),
        "framed_regions": _rounded_regions(framed),
        "lost_spans": spans,
        "framed_lost_spans": _framed_lost_spans(spans, mapping["segments"], mapping["offset"]),
        "found_share": found_share(track),
    }


# --- a box drawn on the framed video ------------------------------------------------------


def _showing(places: list[tuple[int, Placement]], time: float) -> tuple[int, Placement] | None:
    """The clip the framed video shows at `time`: in a dissolve the one that weighs
    more (the later clip from the dissolve's middle on)."""
    inside = [
        (clip_id, place) for clip_id, place in places if place.offset - 1e-6 <= time <= place.end + 1e-6
    ]
    return max(inside, key=lambda item: min(time - item[1].offset, item[1].end - time), default=None)


def locate_framed_box(
    project: Project, time: float, box: tuple[float, float, float, float]
) -> tuple[ProjectClip, float, tuple[float, float, float, float]]:
    """A box drawn on the framed video (framed seconds and pixels) -> the project clip
    it shows, the clip time and the box in that clip's source pixels, through the
    framing the framed video was rendered from (its export's snapshot), not the
    project's current framing."""
    snapshot = framing_snapshot(project.working_video_id) if project.working_video_id else None
    if snapshot is None:
        raise FollowError(
            409,
            "This project has no framed video yet: export the framing first, the player is followed on it.",
        )
    framing = project_framing(project, snapshot)
    if not all(math.isfinite(v) for v in (time, *box)):
        raise FollowError(400, "time and the box's x, y, width and height must be finite numbers.")
    if not 0 <= time <= framing.duration + 1e-6:
        raise FollowError(
            400,
            f"time {time:g} s is outside the framed video, which runs from 0 to {framing.duration:.2f} s.",
        )
    found = _showing(framing.places, time)
    if found is None:
        raise FollowError(400, f"The framed video shows no clip at {time:g} s.")
    clip_id, place = found
    out_w, out_h = place.output_size
    x, y, width, height = box
    if width <= 0 or height <= 0:
        raise FollowError(400, f"The box is {width:g}x{height:g} pixels; drag it around the player.")
    if x < 0 or y < 0 or x + width > out_w or y + height > out_h:
        raise FollowError(
            400, f"The box must lie inside the {out_w}x{out_h} framed picture; draw it around the player."
        )
    corners, clip_times = camera.to_source([(x, y), (x + width, y + height)], [time, time], *place.mapping())
    project_clip = (
        project.project_clips.select_related("clip__game")
        .filter(clip_id=clip_id)
        .order_by("position")
        .first()
    )
    if project_clip is None:
        raise FollowError(
            409, "The clip shown there was taken out of the project after the framing export: export the "
            "framing again to follow a player in it.",
        )  # fmt: skip
    src_w, src_h = place.source_size
    (left, top), (right, bottom) = np.clip(corners, 0, [src_w, src_h])
    clip_time = min(max(float(clip_times[0]), 0.0), project_clip.clip.duration)
    return project_clip, clip_time, (float(left), float(top), float(right - left), float(bottom - top))

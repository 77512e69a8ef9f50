"""Highlights live on the clip (exports.models.ClipHighlight: clip seconds, source
pixels), the one truth every project shows through its own framing: a highlight
made in one project appears in every other project using the clip, and
re-framing re-maps the regions instead of breaking them.

- to_project: a project's framed regions (and a note for each region it cannot
  show), through the framing its working video was rendered from (the export's
  snapshot; before the first framing export, the project's current framing);
- from_project: the inverse for a save: each clip keeps what this project does
  not show, plus the saved regions mapped back (an untouched region keeps its
  source form); every project using a changed clip gets a new overlay version;
- add_starter_regions: after a clip's first framing export, a 2 s region at its
  start labelled with its name, on the crop's centre (or on the followed player).

The geometry is exports/render/reprojection.py's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F

from exports import edits
from exports.exported_framing import framing_snapshot
from exports.models import ClipHighlight, Overlay, Project, ProjectClip
from exports.region_edits import rounded
from exports.render.framing import crop_boxes
from exports.render.reel import reel_duration, starts
from exports.render.reprojection import Placement, to_framed_region, to_source_region
from exports.render.segments import output_duration
from games.models import Clip
from videoeditor.versioning import StaleVersion

STARTER_SECONDS = 2.0
# The shortest region a clip keeps: the shortest framed region at the slowest speed.
MIN_SOURCE_REGION_SECONDS = edits.MIN_REGION_SECONDS * min(edits.SPEEDS)
# Sampling rate for a framing no video was rendered from, when the game's rate is unknown.
FALLBACK_FPS = 25.0


@dataclass(frozen=True)
class Shown:
    """One clip region as a project shows it."""

    clip_id: int
    source: dict
    framed: dict


@dataclass
class ProjectFraming:
    """What a project's framed video is made of."""

    places: list[tuple[int, Placement]]  # (clip id, its placement), in reel order
    duration: float
    step: float  # a frame of the framed video, in seconds
    clip_names: dict[int, str]


def project_framing(project: Project, framing: dict | None = None) -> ProjectFraming:
    """The framing of `project`'s framed video: `framing` (an export's snapshot),
    else its working video's snapshot, else (before the first framing export) its
    current framing."""
    working = project.working_video if project.working_video_id else None
    if framing is None and working is not None:
        framing = framing_snapshot(working.pk)
    if framing is not None and not _mappable(framing):
        framing = None  # a snapshot of an older editor: the current framing is the best guess
    if framing is not None:
        rows = [
            (c["clip_id"], c["crop_keyframes"], c["segments"], tuple(c["source_size"]), c.get("name") or "")
            for c in framing["clips"]
        ]
        output, transition = tuple(framing["output_size"]), framing["transition"]
        fps = working.fps if working is not None else FALLBACK_FPS
    else:
        project_clips = list(project.project_clips.select_related("clip__game").order_by("position"))
        rows = [
            (pc.clip_id, pc.crop_keyframes, pc.segments,
             (pc.clip.game.video_width, pc.clip.game.video_height), pc.clip.display_name)
            for pc in project_clips
        ]  # fmt: skip
        output = tuple(settings.OUTPUT_SIZES[project.aspect_ratio])
        try:
            transition = edits.clean_transition(project.transition)
        except edits.EditError:
            transition = {"type": "cut", "duration": edits.DEFAULT_TRANSITION_SECONDS}
        fps = (project_clips[0].clip.game.video_fps if project_clips else None) or FALLBACK_FPS
    lengths = [output_duration(segments) for _, _, segments, _, _ in rows]
    offsets = starts(lengths, transition)
    places = [
        (clip_id, Placement(crop, segments, size, output, offset))
        for (clip_id, crop, segments, size, _), offset in zip(rows, offsets, strict=True)
    ]
    duration = working.duration if framing is not None and working is not None else None
    if duration is None:
        duration = reel_duration(lengths, transition) if lengths else 0.0
    names = {clip_id: name for clip_id, _, _, _, name in rows}
    return ProjectFraming(places, duration, 1.0 / (fps or FALLBACK_FPS), names)


SEGMENT_KEYS = {"trim_start", "trim_end", "splits", "speeds"}


def _mappable(framing: dict) -> bool:
    """Whether a snapshot holds what the re-projection reads."""
    return "output_size" in framing and all(
        c.get("crop_keyframes") and c.get("source_size") and set(c.get("segments") or ()) >= SEGMENT_KEYS
        for c in framing["clips"]
    )


def _highlights(clip_ids, lock: bool = False) -> dict[int, ClipHighlight]:
    rows = ClipHighlight.objects.filter(clip_id__in=list(clip_ids))
    if lock:
        rows = rows.select_for_update().order_by("clip_id")
    return {h.clip_id: h for h in rows}


def _region_name(region: dict, clip_name: str) -> str:
    if region.get("label"):
        return f"'{region['label']}'"
    return f"The highlight at {region['start_time']:.1f} s of {clip_name or 'a clip'}"


def shown(
    project: Project,
    highlights: dict[int, ClipHighlight] | None = None,
    framing: ProjectFraming | None = None,
) -> tuple[ProjectFraming, list[Shown], list[str]]:
    """(framing, [Shown], notes): every clip region the project shows, in framed
    order with framed ids unique, and a sentence for each it cannot show."""
    framing = framing or project_framing(project)
    if highlights is None:
        highlights = _highlights(clip_id for clip_id, _ in framing.places)
    entries: list[Shown] = []
    notes: list[str] = []
    used: set[str] = set()
    for clip_id, place in framing.places:
        # At a dissolve two clips show at once: a later clip's region starts after the
        # earlier clips' regions end (regions never overlap).
        not_before = max((e.framed["end_time"] for e in entries), default=0.0)
        highlight = highlights.get(clip_id)
        for region in highlight.regions if highlight else []:
            framed = to_framed_region(
                region, place, step=framing.step, min_seconds=edits.MIN_REGION_SECONDS,
                not_before=not_before, not_after=framing.duration,
            )  # fmt: skip
            if framed is None:
                name = _region_name(region, framing.clip_names.get(clip_id, ""))
                notes.append(f"{name} is in time this project trims away, so it is not shown.")
                continue
            if framed["id"] in used:  # two clips' regions may share an id; a project's may not
                framed["id"] = f"{framed['id']}@{clip_id}"
            used.add(framed["id"])
            entries.append(Shown(clip_id, region, framed))
    entries.sort(key=lambda e: e.framed["start_time"])
    return framing, entries, notes


def to_project(project: Project) -> tuple[list[dict], list[str]]:
    """The project's highlight regions in its framed video, and the notes."""
    _, entries, notes = shown(project)
    return [e.framed for e in entries], notes


def _owner_place(region: dict, places: list[tuple[int, Placement]]) -> tuple[int, Placement] | None:
    """The clip that shows most of a framed region (the one showing at its start,
    unless the region lies mostly in the next)."""

    def overlap(place: Placement) -> float:
        return min(region["end_time"], place.end) - max(region["start_time"], place.offset)

    best = max(places, key=lambda item: overlap(item[1]), default=None)
    return best if best is not None and overlap(best[1]) > 0 else None


@transaction.atomic
def from_project(project: Project, framed_regions: list[dict]) -> list[int]:
    """Save a project's framed regions (cleaned) onto its clips; returns the ids of
    the clips whose highlights changed. Inside the overlay write's transaction, it
    locks the clips' highlights and bumps the overlay version of every other
    project that shows one of them."""
    framing = project_framing(project)
    clip_ids = [clip_id for clip_id, _ in framing.places]
    highlights = _highlights(clip_ids, lock=True)
    _, entries, _ = shown(project, highlights, framing)
    before = {e.framed["id"]: e for e in entries}
    mapped: dict[int, list[dict]] = defaultdict(list)
    for number, region in enumerate(framed_regions, start=1):
        owner = _owner_place(region, framing.places)
        if owner is None:
            raise edits.EditError(f"Region {number} is after the end of the framed video.")
        clip_id, place = owner
        entry = before.get(region["id"])
        if entry is not None and entry.clip_id == clip_id and entry.framed == region:
            mapped[clip_id].append(entry.source)  # untouched: a clamped region keeps its full length
            continue
        source = to_source_region(region, place, step=framing.step)
        if entry is not None:
            source["id"] = entry.source["id"]
        if source["end_time"] - source["start_time"] < MIN_SOURCE_REGION_SECONDS - 1e-9:
            raise edits.EditError(
                f"Region {number} lies across two clips with too little of it in either; "
                "make it longer or move it into one clip."
            )
        mapped[clip_id].append(source)
    shown_ids = {(e.clip_id, e.source["id"]) for e in entries}
    changed = []
    clips = Clip.objects.select_related("game").in_bulk(clip_ids)
    for clip_id in dict.fromkeys(clip_ids):
        highlight = highlights.get(clip_id)
        current = highlight.regions if highlight else []
        hidden = [r for r in current if (clip_id, r["id"]) not in shown_ids]
        regions = _merged(hidden, mapped[clip_id])
        if regions == current or clip_id not in clips:
            continue
        regions = clean_source_regions(regions, clips[clip_id])
        _save(clip_id, highlight, regions)
        changed.append(clip_id)
    bump_overlays(changed, except_project=project)
    return changed


def _merged(hidden: list[dict], saved: list[dict]) -> list[dict]:
    """A clip's regions this project does not show, then the saved ones: a hidden
    region that a saved one now overlaps gives way (it is cut short, or goes when
    shorter than a clip keeps)."""
    kept = []
    for region in hidden:
        start, end = region["start_time"], region["end_time"]
        for other in saved:
            if other["start_time"] < end and start < other["end_time"]:
                if other["start_time"] > start:
                    end = other["start_time"]
                else:
                    start = max(start, other["end_time"])
        if end - start >= MIN_SOURCE_REGION_SECONDS - 1e-9:
            keyframes = [k for k in region["keyframes"] if start - 1e-6 <= k["time"] <= end + 1e-6]
            if keyframes:
                kept.append({**region, "start_time": start, "end_time": end, "keyframes": keyframes})
    return sorted(kept + saved, key=lambda r: r["start_time"])


def clean_source_regions(regions, clip: Clip) -> list[dict]:
    """Regions in the clip's coordinates: its duration and the game's frame size."""
    return edits.clean_regions(
        regions, width=clip.game.video_width, height=clip.game.video_height, duration=clip.duration,
        min_seconds=MIN_SOURCE_REGION_SECONDS, of="the clip",
    )  # fmt: skip


def _save(clip_id: int, highlight: ClipHighlight | None, regions: list[dict]) -> None:
    if highlight is None:
        ClipHighlight.objects.create(clip_id=clip_id, regions=regions, version=2)
    else:
        ClipHighlight.objects.filter(pk=highlight.pk).update(regions=regions, version=F("version") + 1)


def bump_overlays(clip_ids: list[int], except_project: Project | None = None) -> None:
    """Every project showing one of these clips has new highlights: an editor
    holding the old ones gets 409 on its next save, not an overwrite."""
    if not clip_ids:
        return
    projects = ProjectClip.objects.filter(clip_id__in=clip_ids).values("project_id")
    overlays = Overlay.objects.filter(project_id__in=projects)
    if except_project is not None:
        overlays = overlays.exclude(project_id=except_project.pk)
    overlays.update(version=F("version") + 1)


def save_clip_regions(clip: Clip, version: int, regions: list[dict], current) -> ClipHighlight:
    """The clip highlight API's write: `regions` (cleaned) if the highlight is still
    at `version`, else StaleVersion with `current(highlight)`."""
    with transaction.atomic():
        highlight, _ = ClipHighlight.objects.select_for_update().get_or_create(clip=clip)
        if highlight.version != version:
            raise StaleVersion(current(highlight))
        ClipHighlight.objects.filter(pk=highlight.pk).update(regions=regions, version=F("version") + 1)
        bump_overlays([clip.pk])
        highlight.refresh_from_db()
    return highlight


# --- the starter region -------------------------------------------------------------------


def add_starter_regions(project: Project, framing: dict | None = None) -> list[int]:
    """After a framing export (its snapshot: `framing`): each clip exported for the
    first time gets a 2 s region at its trim start labelled with its name, on the
    player its latest track follows, else on the crop's centre. Returns the clips
    that got one."""
    places = dict(project_framing(project, framing).places)
    clips = Clip.objects.select_related("game").in_bulk(list(places))
    made = []
    for clip_id, place in places.items():
        clip = clips.get(clip_id)
        if clip is None:
            continue
        with transaction.atomic():
            highlight, _ = ClipHighlight.objects.select_for_update().get_or_create(clip=clip)
            if highlight.starter_made:
                continue
            regions = highlight.regions
            starters = _starter(clip, place)
            if not any(
                r["start_time"] < s["end_time"] and s["start_time"] < r["end_time"]
                for r in regions
                for s in starters
            ):
                regions = sorted([*regions, *starters], key=lambda r: r["start_time"])
            ClipHighlight.objects.filter(pk=highlight.pk).update(
                regions=regions, starter_made=True,
                version=F("version") + (1 if highlight.regions or highlight.version > 1 else 0),
            )  # fmt: skip
            if regions != highlight.regions:
                bump_overlays([clip_id])
                made.append(clip_id)
    return made


def _starter(clip: Clip, place: Placement) -> list[dict]:
    """The starter region: on the player where the clip's latest track finds them
    (a region per span found), else on the crop's centre; none when the trimmed
    clip is shorter than a region."""
    segments = place.segments
    start = float(segments["trim_start"])
    end = min(start + STARTER_SECONDS, float(segments["trim_end"]))
    if end - start < edits.MIN_REGION_SECONDS:
        return []
    # here, not at the top: tracking_jobs reads exports.jobs, which reads this module
    from exports.follow import source_regions_from_track
    from exports.tracking_jobs import latest_track

    label = clip.display_name[: edits.MAX_LABEL_LENGTH]
    job = latest_track(clip)
    if job is not None:
        followed = source_regions_from_track(
            job.track, start=start, end=end, color=edits.DEFAULT_COLOR, opacity=edits.DEFAULT_OPACITY,
            label=label, source_size=place.source_size, id_prefix=f"starter-{clip.pk}",
        )  # fmt: skip
        if followed:
            return followed
    ((x, y, width, height),) = crop_boxes(
        place.crop_keyframes,
        np.array([start]),
        *place.source_size,
        place.output_size[0] / place.output_size[1],
    )
    ellipse = {
        "time": start, "x": rounded(x + width / 2, 2), "y": rounded(y + height / 2, 2),
        "radius_x": rounded(height * edits.DEFAULT_RADIUS_X, 2),
        "radius_y": rounded(height * edits.DEFAULT_RADIUS_Y, 2),
        "opacity": edits.DEFAULT_OPACITY, "color": edits.DEFAULT_COLOR,
    }  # fmt: skip
    return [
        {
            "id": f"starter-{clip.pk}", "start_time": start, "end_time": end, "enabled": True,
            "label": label, "keyframes": [ellipse],
        }
    ]  # fmt: skip

"""Highlights move from the projects' overlays (framed coordinates) onto their clips
(ClipHighlight: clip seconds, source pixels), re-projected through the framing each
project's working video was rendered from (else its current framing); then
Overlay.regions goes: the clips' highlights are the one truth."""

from django.conf import settings
from django.db import migrations

from exports.render.reel import starts
from exports.render.reprojection import Placement, to_source_region
from exports.render.segments import output_duration

FRAMING_TYPES = ("framing", "multi_clip")


def _places(project, ExportJob, ProjectClip):
    """(clip id, Placement) in reel order, and the framed video's frame step."""
    snapshot = None
    if project.working_video_id:
        job = ExportJob.objects.filter(
            working_video_id=project.working_video_id, status="complete", type__in=FRAMING_TYPES
        ).first()
        snapshot = job.config if job and "clips" in job.config else None
    if snapshot:
        rows = [
            (c["clip_id"], c["crop_keyframes"], c["segments"], tuple(c["source_size"]))
            for c in snapshot["clips"]
        ]
        output, transition = tuple(snapshot["output_size"]), snapshot["transition"]
        fps = project.working_video.fps
    else:
        rows = [
            (
                pc.clip_id,
                pc.crop_keyframes,
                pc.segments,
                (pc.clip.game.video_width, pc.clip.game.video_height),
            )
            for pc in ProjectClip.objects.filter(project=project)
            .select_related("clip__game")
            .order_by("position")
        ]
        output = tuple(settings.OUTPUT_SIZES[project.aspect_ratio])
        transition = project.transition if isinstance(project.transition, dict) else {"type": "cut"}
        transition = {"type": transition.get("type", "cut"), "duration": transition.get("duration", 0.5)}
        fps = 25.0
    offsets = starts([output_duration(segments) for _, _, segments, _ in rows], transition)
    places = [
        (clip_id, Placement(crop, segments, size, output, offset))
        for (clip_id, crop, segments, size), offset in zip(rows, offsets, strict=True)
    ]
    return places, 1.0 / (fps or 25.0)


def _overlaps(region, regions) -> bool:
    return any(r["start_time"] < region["end_time"] and region["start_time"] < r["end_time"] for r in regions)


def move_regions_to_clips(apps, schema_editor):
    Overlay = apps.get_model("exports", "Overlay")
    ExportJob = apps.get_model("exports", "ExportJob")
    ProjectClip = apps.get_model("exports", "ProjectClip")
    ClipHighlight = apps.get_model("exports", "ClipHighlight")
    Clip = apps.get_model("games", "Clip")
    moved: dict[int, list[dict]] = {}
    for overlay in Overlay.objects.select_related("project__working_video"):
        if not overlay.regions:
            continue
        project = overlay.project
        places, step = _places(project, ExportJob, ProjectClip)
        for region in overlay.regions:
            shown = [
                min(region["end_time"], place.end) - max(region["start_time"], place.offset)
                for _, place in places
            ]
            if not shown or max(shown) <= 0:
                continue
            best = places[shown.index(max(shown))]
            source = to_source_region(region, best[1], step=step)
            clip_regions = moved.setdefault(best[0], [])
            if any(r["id"] == source["id"] for r in clip_regions):
                source["id"] = f"{source['id']}-{project.pk}"
            if not _overlaps(source, clip_regions):  # another project's region there comes first
                clip_regions.append(source)
    existing = set(Clip.objects.filter(pk__in=list(moved)).values_list("pk", flat=True))
    for clip_id, regions in moved.items():
        if clip_id in existing:
            ClipHighlight.objects.update_or_create(
                clip_id=clip_id,
                defaults={"regions": sorted(regions, key=lambda r: r["start_time"]), "version": 2},
            )
    # Clips already exported had their first framing export: no starter region for them.
    exported = ProjectClip.objects.filter(project__working_video__isnull=False).values_list(
        "clip_id", flat=True
    )
    for clip_id in set(exported):
        ClipHighlight.objects.update_or_create(clip_id=clip_id, defaults={"starter_made": True})


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0005_tracking_and_clip_highlights"),
    ]

    operations = [
        migrations.RunPython(move_regions_to_clips, migrations.RunPython.noop),
        migrations.RemoveField(model_name="overlay", name="regions"),
    ]

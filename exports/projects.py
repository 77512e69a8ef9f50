"""Project actions: making projects from clips, ordering them, framing and overlay
edits (versioned), rendered-video bookkeeping, and the 5-star rule."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from exports import edits
from exports.models import FinalVideo, Overlay, Project, ProjectClip, WorkingVideo
from games.extraction import request_extraction
from games.models import Clip, Game, GameType
from games.tags import RATING_ADJECTIVES, unknown_tags
from notifications.service import notify, send_change
from videoeditor.errors import UserFacingError
from videoeditor.versioning import StaleVersion

SEASONS = {**dict.fromkeys(range(1, 6), "Spring"), **dict.fromkeys(range(6, 9), "Summer")}
SEASONS.update(dict.fromkeys(range(9, 13), "Fall"))


class ProjectError(UserFacingError):
    pass


def output_size(aspect_ratio: str) -> tuple[int, int]:
    return tuple(settings.OUTPUT_SIZES[aspect_ratio])


# --- choosing clips ---------------------------------------------------------------------


def matching_clips(owner, game_ids: list[int] | None, min_rating: int, tags: list[str]) -> list[Clip]:
    """The owner's clips on those games (all games when none given) rated at least
    `min_rating` and carrying any of `tags` (any tag when none given)."""
    if unknown := unknown_tags(tags):
        raise ProjectError(400, f"Unknown tag(s): {', '.join(unknown)}.")
    if not 1 <= min_rating <= 5:
        raise ProjectError(400, "The minimum rating is 1 to 5.")
    clips = Clip.objects.filter(game__owner=owner, rating__gte=min_rating).select_related("game")
    if game_ids:
        owned = set(Game.objects.filter(owner=owner, pk__in=game_ids).values_list("pk", flat=True))
        if missing := set(game_ids) - owned:
            raise ProjectError(404, f"No such game(s): {', '.join(map(str, sorted(missing)))}.")
        clips = clips.filter(game_id__in=game_ids)
    chosen = list(clips.order_by("game__game_date", "game_id", "start_time"))
    if tags:
        wanted = set(tags)
        chosen = [c for c in chosen if wanted & set(c.tags)]  # tags are a small JSON list per clip
    return chosen


def owned_clips_in_order(owner, clip_ids: list[int]) -> list[Clip]:
    if len(set(clip_ids)) != len(clip_ids):
        raise ProjectError(400, "A clip can be in a project only once.")
    found = {c.pk: c for c in Clip.objects.filter(game__owner=owner, pk__in=clip_ids).select_related("game")}
    if missing := [i for i in clip_ids if i not in found]:
        raise ProjectError(404, f"No such clip(s): {', '.join(map(str, missing))}.")
    return [found[i] for i in clip_ids]


# --- making and editing projects --------------------------------------------------------


def _framing_defaults(clip: Clip, aspect_ratio: str) -> dict[str, Any]:
    game = clip.game
    if not game.video_width or not game.video_height:
        raise ProjectError(409, f"{game.display_name} has no video yet, so its clips cannot be framed.")
    return {
        "crop_keyframes": edits.default_crop(game.video_width, game.video_height, aspect_ratio),
        "segments": edits.default_segments(clip.duration),
    }


def add_clips(project: Project, clips: list[Clip]) -> list[ProjectClip]:
    """Append clips (in order) and ask for their files to be cut."""
    already = set(project.project_clips.values_list("clip_id", flat=True))
    if duplicates := [c.pk for c in clips if c.pk in already]:
        raise ProjectError(400, f"Clip(s) {', '.join(map(str, duplicates))} are already in this project.")
    start = (project.project_clips.aggregate(last=Max("position"))["last"] or 0) + 1
    added = [
        ProjectClip.objects.create(
            project=project, clip=clip, position=start + n, **_framing_defaults(clip, project.aspect_ratio)
        )
        for n, clip in enumerate(clips)
    ]
    for clip in clips:
        request_extraction(clip)
    return added


def create_project(owner, name: str, aspect_ratio: str, clips: list[Clip], **fields) -> Project:
    name = (name or "").strip()
    if not name:
        raise ProjectError(400, "A project needs a name.")
    if aspect_ratio not in settings.OUTPUT_SIZES:
        raise ProjectError(400, f"Aspect ratios are {', '.join(settings.OUTPUT_SIZES)}.")
    with transaction.atomic():
        project = Project.objects.create(owner=owner, name=name[:200], aspect_ratio=aspect_ratio, **fields)
        Overlay.objects.create(project=project)
        add_clips(project, clips)
    return project


def suggested_name(clips: list[Clip], min_rating: int, tags: list[str]) -> str:
    games = {c.game_id: c.game for c in clips}
    where = next(iter(games.values())).display_name if len(games) == 1 else f"{len(games)} games"
    what = " and ".join(tags) if tags else ("best moments" if min_rating >= 4 else "highlights")
    return f"{where}: {what}"


def reorder(project: Project, project_clip_ids: list[int]) -> None:
    current = set(project.project_clips.values_list("pk", flat=True))
    if sorted(project_clip_ids) != sorted(current):
        raise ProjectError(400, "Send every clip of the project exactly once, in the new order.")
    with transaction.atomic():
        for position, pk in enumerate(project_clip_ids, start=1):
            ProjectClip.objects.filter(pk=pk).update(position=position)
        touch(project)


def touch(project: Project) -> None:
    """Record that the project was edited (the 5-star rule keeps edited projects),
    and tell the owner's open pages (the home list refreshes itself)."""
    Project.objects.filter(pk=project.pk).update(edited_at=timezone.now())
    send_change(project.owner_id, "project", project.pk, "updated")


def update_project_clip(project_clip: ProjectClip, version: int, changes: dict[str, Any]) -> ProjectClip:
    from exports.serializers import ProjectClipSerializer

    clip, project = project_clip.clip, project_clip.project
    values = {}
    if "crop_keyframes" in changes:
        values["crop_keyframes"] = edits.clean_crop_keyframes(
            changes["crop_keyframes"],
            clip_duration=clip.duration,
            source_width=clip.game.video_width,
            source_height=clip.game.video_height,
            aspect_ratio=project.aspect_ratio,
        )
    if "segments" in changes:
        values["segments"] = edits.clean_segments(changes["segments"], clip_duration=clip.duration)
    with transaction.atomic():
        updated = ProjectClip.objects.filter(pk=project_clip.pk, version=version).update(
            **values, version=F("version") + 1
        )
        fresh = ProjectClip.objects.select_related("clip__game", "project").get(pk=project_clip.pk)
        if not updated:
            raise StaleVersion(ProjectClipSerializer(fresh).data)
        touch(project)
    return fresh


def remove_clip(project_clip: ProjectClip) -> None:
    with transaction.atomic():
        project = project_clip.project
        project_clip.delete()
        for position, pk in enumerate(
            project.project_clips.order_by("position").values_list("pk", flat=True), 1
        ):
            ProjectClip.objects.filter(pk=pk).update(position=position)
        touch(project)


def update_project(project: Project, version: int, changes: dict[str, Any]) -> Project:
    from exports.serializers import ProjectSerializer

    values: dict[str, Any] = {}
    if "name" in changes:
        if not str(changes["name"]).strip():
            raise ProjectError(400, "A project needs a name.")
        values["name"] = str(changes["name"]).strip()[:200]
    if "transition" in changes:
        values["transition"] = edits.clean_transition(changes["transition"])
    if "slow_motion" in changes:
        values["slow_motion"] = changes["slow_motion"]
    if "mode" in changes:
        values["mode"] = changes["mode"]
    aspect = changes.get("aspect_ratio")
    if aspect is not None and aspect not in settings.OUTPUT_SIZES:
        raise ProjectError(400, f"Aspect ratios are {', '.join(settings.OUTPUT_SIZES)}.")
    with transaction.atomic():
        updated = Project.objects.filter(pk=project.pk, version=version).update(
            **values, version=F("version") + 1
        )
        if not updated:
            raise StaleVersion(ProjectSerializer(projects_of(project.owner).get(pk=project.pk)).data)
        if aspect is not None and aspect != project.aspect_ratio:
            # Crops of another shape mean nothing in the new one: start them again, centred.
            Project.objects.filter(pk=project.pk).update(aspect_ratio=aspect)
            for project_clip in project.project_clips.select_related("clip__game"):
                project_clip.crop_keyframes = _framing_defaults(project_clip.clip, aspect)["crop_keyframes"]
                project_clip.version += 1
                project_clip.save(update_fields=["crop_keyframes", "version"])
        if values.keys() - {"mode"} or aspect is not None:
            touch(project)
        else:
            send_change(project.owner_id, "project", project.pk, "updated")
    return projects_of(project.owner).get(pk=project.pk)


def framed_duration(project: Project) -> float | None:
    return project.working_video.duration if project.working_video_id else None


def update_overlay(overlay: Overlay, version: int, changes: dict[str, Any]) -> Overlay:
    """The overlay editor's save: the effect, and the regions in the framed video,
    which are kept on the clips (exports/highlights.from_project)."""
    from exports import highlights
    from exports.serializers import OverlaySerializer

    project = overlay.project
    values: dict[str, Any] = {}
    if "effect_type" in changes:
        values["effect_type"] = changes["effect_type"]
    regions = None
    if "regions" in changes:
        width, height = output_size(project.aspect_ratio)
        framing = highlights.project_framing(project)
        regions = edits.clean_regions(
            changes["regions"], width=width, height=height, duration=framing.duration
        )
    with transaction.atomic():
        updated = Overlay.objects.filter(pk=overlay.pk, version=version).update(
            **values, version=F("version") + 1
        )
        fresh = Overlay.objects.select_related("project").get(pk=overlay.pk)
        if not updated:
            raise StaleVersion(OverlaySerializer(fresh).data)
        if regions is not None:
            highlights.from_project(project, regions)
        touch(project)
    return fresh


# --- rendered videos ----------------------------------------------------------------------


def record_working_video(project: Project, framing: dict | None = None, **video) -> WorkingVideo:
    """A framing export finished (`framing`: its snapshot): the new working video
    becomes current, and the final video goes (its overlay was drawn on the old
    framing). The overlay's coordinates change with it, so an editor holding the
    old ones must read them again; a clip exported for the first time gets its
    starter highlight."""
    from exports.highlights import add_starter_regions

    with transaction.atomic():
        number = (project.workingvideos.aggregate(last=Max("version"))["last"] or 0) + 1
        working = WorkingVideo.objects.create(project=project, version=number, **video)
        Project.objects.filter(pk=project.pk).update(working_video=working, final_video=None)
        Overlay.objects.filter(project=project).update(version=F("version") + 1)
        add_starter_regions(project, framing)
        send_change(project.owner_id, "project", project.pk, "updated")
    return working


def record_final_video(project: Project, **video) -> FinalVideo:
    with transaction.atomic():
        number = (project.finalvideos.aggregate(last=Max("version"))["last"] or 0) + 1
        final = FinalVideo.objects.create(project=project, version=number, **video)
        Project.objects.filter(pk=project.pk).update(final_video=final)
        send_change(project.owner_id, "project", project.pk, "updated")
    return final


# --- listing --------------------------------------------------------------------------

# Where a project stands, as the home page filters it (served in the vocabulary).
PROJECT_STATUSES = {
    "not_started": "Not started",
    "editing": "Editing",
    "exported": "Framing exported",
    "complete": "Complete",
}
# Who made it: the person, or the 5-star rule.
PROJECT_ORIGINS = {"mine": "Made by me", "automatic": "Made automatically"}


def project_status(project: Project) -> str:
    """complete: a final video exists; exported: the framing was exported (the
    overlay is next); editing: edited since it was made; else not started."""
    if project.final_video_id is not None:
        return "complete"
    if project.working_video_id is not None:
        return "exported"
    return "editing" if project.edited_at is not None else "not_started"


# What Game.display_name reads.
GAME_NAME_FIELDS = ("name", "opponent_name", "game_date", "game_type", "tournament_name")


class CardClip(NamedTuple):
    """What a project card shows of one of its clips (a tuple: a list makes hundreds)."""

    version: int
    extraction_status: str
    game: Game
    id: int  # the project clip's (the strip links each segment to it)


def card_clips(project: Project) -> list[CardClip]:
    """The project's clips as its card shows them, in order: those attach_card_clips()
    set, else read from the (prefetched) project clips."""
    if not hasattr(project, "card_clips"):
        project.card_clips = [
            CardClip(pc.version, pc.clip.extraction_status, pc.clip.game, pc.pk)
            for pc in project.project_clips.all()
        ]
    return project.card_clips


def attach_card_clips(projects: list[Project]) -> None:
    """Set the card clips of a page of projects in two queries of plain rows: a list
    of 50 projects has hundreds of clips, and a card needs three columns of each."""
    rows = list(
        ProjectClip.objects.filter(project__in=projects)
        .order_by("project_id", "position")
        .values_list("project_id", "version", "clip__extraction_status", "clip__game_id", "pk")
    )
    games = Game.objects.only(*GAME_NAME_FIELDS).in_bulk({row[3] for row in rows})
    by_project: dict[int, list[CardClip]] = defaultdict(list)
    for project_id, version, extraction_status, game_id, pk in rows:
        by_project[project_id].append(CardClip(version, extraction_status, games[game_id], pk))
    for project in projects:
        project.card_clips = by_project[project.pk]


def project_cards_of(owner):
    """projects_of() for lists, without the clips' prefetch: attach_card_clips() reads
    them for the page actually sent."""
    return projects_of(owner).prefetch_related(None)


def projects_of(owner):
    """Projects with what a dashboard shows, in a constant number of queries. Clip
    counts come from the card clips (card_clips()), not from SQL aggregates: those
    made every list, and its count query, group a join of all the projects' clips."""
    from django.db.models import Exists, OuterRef, Prefetch

    from exports.models import ACTIVE_STATUSES, ClipHighlight, ExportJob, JobType

    exporting = {
        f"exporting_{stage}": Exists(
            ExportJob.objects.filter(project=OuterRef("pk"), status__in=ACTIVE_STATUSES, type__in=types)
        )
        for stage, types in (
            ("framing", [JobType.FRAMING, JobType.MULTI_CLIP]),
            ("overlay", [JobType.OVERLAY]),
        )
    }
    return (
        Project.objects.filter(owner=owner)
        .select_related("working_video", "final_video", "overlay")
        .annotate(**exporting)
        .annotate(
            # the clips' highlights were edited (a starter region alone is not an edit)
            highlights_edited=Exists(
                ClipHighlight.objects.filter(clip__project_clips__project=OuterRef("pk"), version__gt=1)
            )
        )
        .prefetch_related(
            Prefetch("project_clips", ProjectClip.objects.select_related("clip__game").order_by("position"))
        )
    )


GROUP_NAMES_SHOWN = 2  # past this many games, an undated group's label ends in "..."


def group_label(games: list[Game]) -> str:
    """One game: its name. Otherwise the season, year or span of years they share;
    games without dates are named, as the earlier version did ("Vs Alpha / Vs Bravo / ...")."""
    if len(games) == 1:
        return games[0].display_name
    dates = [g.game_date for g in games if g.game_date]
    if not dates:
        names = [g.display_name for g in games[:GROUP_NAMES_SHOWN]]
        return " / ".join(names + (["..."] if len(games) > GROUP_NAMES_SHOWN else []))
    years = {d.year for d in dates}
    seasons = {(SEASONS[d.month], d.year) for d in dates}
    if len(seasons) == 1:
        season, year = seasons.pop()
        return f"{season} {year}"
    if len(years) == 1:
        return str(years.pop())
    return f"{min(years)}-{max(years)}"


# --- the 5-star rule --------------------------------------------------------------------


def project_page(project: Project) -> str:
    """The project's own page (clips, order, name, shape)."""
    return f"/projects/{project.pk}/edit/"


def auto_project_name(clip: Clip) -> str:
    """What a person would call a 5-star clip's project: "Brilliant Goal — vs Riverside"
    (the clip's own or derived name, then whom or what the game was against)."""
    what = clip.display_name or f"{RATING_ADJECTIVES[clip.rating]} moment"
    game = clip.game
    if not game.opponent_name:
        against = game.name or f"game {game.pk}"
    elif game.game_type == GameType.AWAY:
        against = f"at {game.opponent_name}"
    else:
        against = f"vs {game.opponent_name}"
    return f"{what} — {against}"


def five_star_project(clip: Clip) -> Project | None:
    """Every 5-star clip gets its own 9:16 project, named as a person would, and
    its owner is told (the notification opens it)."""
    if clip.rating != 5 or Project.objects.filter(auto_for_clip=clip).exists():
        return None
    if not clip.game.video_width:
        return None  # nothing to frame yet
    name = auto_project_name(clip)
    try:
        with transaction.atomic():
            project = create_project(clip.game.owner, name, "9:16", [clip], auto_for_clip=clip)
    except IntegrityError:
        return None  # made meanwhile by another request: one automatic project per clip
    notify(
        clip.game.owner_id,
        "info",
        f"Project made automatically: {project.name}",
        "A 5★ clip gets its own 9:16 project; frame it when you like.",
        data={"project_id": project.pk, "automatic": True},
        actions=[{"label": "Open", "action": "open_url", "payload": {"url": project_page(project)}}],
    )
    return project


def drop_five_star_project(clip: Clip) -> bool:
    """Leaving 5 stars removes the automatic project only if nobody touched it."""
    untouched = Project.objects.filter(
        auto_for_clip=clip, edited_at__isnull=True, workingvideos__isnull=True, finalvideos__isnull=True
    )
    return bool(Project.objects.filter(pk__in=list(untouched.values_list("pk", flat=True))).delete()[0])

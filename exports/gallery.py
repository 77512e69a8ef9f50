"""The gallery: final videos, narrowed by its filters, with what a card shows (a
poster, the project's clips by rating, how many versions the project has), and the
name a download is saved under. Posters of projects (cards on the home page) are
here too: the latest final video's, else the first clip's, else its game's."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from urllib.parse import quote

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from exports.models import FinalVideo, Project, ProjectClip
from games.models import Picture, PictureKind
from games.pictures import picture_url

NAME_MAX = 80
# Letters and digits of any script, spaces and a few marks every file system takes.
UNSAFE = re.compile(r"[^\w \-.,()'&+!]|_")
RATINGS = range(5, 0, -1)
# What a finished video is, as the gallery filters them (served in the vocabulary).
GALLERY_TYPES = {"clip": "One clip", "reel": "Reel (several clips)"}


# --- the name of a download ------------------------------------------------------------


def download_name(project_name: str, version: int, label: str = "") -> str:
    """The name a download is saved under, "<Project name> v3.mp4": characters a
    file system or a browser might refuse (/ \\ : * ? " < > |, controls) become
    spaces; never empty, never hidden."""
    name = " ".join(UNSAFE.sub(" ", project_name).split())[:NAME_MAX].strip(" .")
    return f"{name or 'Highlights'}{f' {label}' if label else ''} v{version}.mp4"


def attachment(filename: str) -> str:
    """A Content-Disposition that saves the file under `filename`: UTF-8 for browsers
    (RFC 6266), and a plain-ASCII fallback for the rest."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = fallback.replace('"', "").replace("\\", "") or "video.mp4"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- filtering ---------------------------------------------------------------------------


def _clip_total() -> Subquery:
    per_project = (
        ProjectClip.objects.filter(project=OuterRef("project")).order_by().values("project")
        .annotate(n=Count("pk")).values("n")
    )  # fmt: skip
    return Coalesce(Subquery(per_project, output_field=IntegerField()), Value(0))


def narrow(videos: QuerySet, filters: dict) -> QuerySet:
    """The gallery's filters, already validated (GalleryFilterSerializer): `latest`
    keeps each project's newest version; `q` searches project names; `aspect`; `type`
    "clip" (one clip) or "reel"; `since`/`until` (dates made, inclusive); `min_rating`:
    projects with a clip rated at least that."""
    if filters.get("latest"):
        newer = FinalVideo.objects.filter(project=OuterRef("project"), version__gt=OuterRef("version"))
        videos = videos.filter(~Exists(newer))
    if filters.get("q"):
        videos = videos.filter(project__name__icontains=filters["q"])
    if filters.get("aspect"):
        videos = videos.filter(project__aspect_ratio=filters["aspect"])
    if filters.get("type"):
        videos = videos.annotate(clip_total=_clip_total())
        videos = videos.filter(clip_total=1) if filters["type"] == "clip" else videos.filter(clip_total__gt=1)
    if filters.get("since"):
        videos = videos.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        videos = videos.filter(created_at__date__lte=filters["until"])
    if filters.get("min_rating"):
        rated = ProjectClip.objects.filter(
            project=OuterRef("project"), clip__rating__gte=filters["min_rating"]
        )
        videos = videos.filter(Exists(rated))
    return videos


# --- what a card shows -----------------------------------------------------------------------


def attach(videos: list[FinalVideo]) -> None:
    """Set each video's poster_url, versions and clips_by_rating, in three queries
    for a whole page."""
    projects = {video.project_id for video in videos}
    versions = dict(
        FinalVideo.objects.filter(project__in=projects).order_by().values("project")
        .annotate(n=Count("pk")).values_list("project", "n")
    )  # fmt: skip
    by_rating: dict[int, dict[str, int]] = defaultdict(lambda: {str(r): 0 for r in RATINGS})
    counted = (
        ProjectClip.objects.filter(project__in=projects).order_by().values("project", "clip__rating")
        .annotate(n=Count("pk")).values_list("project", "clip__rating", "n")
    )  # fmt: skip
    for project, rating, n in counted:
        by_rating[project][str(rating)] = n
    posters = posters_of({video.file_key for video in videos})
    for video in videos:
        video.versions = versions.get(video.project_id, 1)
        video.clips_by_rating = by_rating[video.project_id]
        video.poster_url = picture_url(posters.get(video.file_key))


def attach_project_posters(projects: list[Project]) -> None:
    """Set each project's poster_url: its final video's poster, else its first clip's,
    else that clip's game's (two queries for a whole page)."""
    first: dict[int, tuple[str, str]] = {}
    rows = (
        ProjectClip.objects.filter(project__in=projects).order_by("project_id", "position")
        .values_list("project_id", "clip__file_key", "clip__game__video_key")
    )  # fmt: skip
    for project_id, clip_key, game_key in rows:
        first.setdefault(project_id, (clip_key, game_key))
    candidates = {
        project.pk: [
            project.final_video.file_key if project.final_video_id else "",
            *first.get(project.pk, ()),
        ]
        for project in projects
    }
    posters = posters_of({key for keys in candidates.values() for key in keys})
    for project in projects:
        found = next((posters[key] for key in candidates[project.pk] if key in posters), None)
        project.poster_url = picture_url(found)


def posters_of(keys: set[str]) -> dict[str, Picture]:
    keys = keys - {""}
    if not keys:
        return {}
    return {p.source_key: p for p in Picture.objects.filter(source_key__in=keys, kind=PictureKind.POSTER)}

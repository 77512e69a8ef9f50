"""Game reviews and before/after videos: submission (validation and the config
snapshot), the render with its segment cache, and the ReviewVideo each job makes.

A game review shows a game's clips in game order, each letterboxed from the game
video with a caption; before/after shows a final video's clips as filmed ("Before"),
then the final video ("After"). Both are export jobs (exports/jobs.py): the worker
claims them, beats, stops on cancel and is swept like any other export.

The cache: each review clip's captioned piece is stored once under a digest of
everything it shows (`segment_key`), as a ReviewSegment row and the object
`review-segments/{owner}/{clip}/{digest}.mp4`, so a re-render after editing one clip
encodes that clip alone. A piece is stored as soon as it is encoded: a cancelled or
killed job leaves its finished pieces for the next try.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from exports import jobs
from exports.exported_framing import framing_snapshot
from exports.jobs import ExportError
from exports.models import (
    ACTIVE_STATUSES,
    ExportJob,
    FinalVideo,
    JobType,
    ReviewKind,
    ReviewSegment,
    ReviewVideo,
)
from exports.render import handout
from exports.render.captions import CAPTION_STYLE_VERSION, caption_overlay
from exports.render.chapters import as_json, sequence_chapters
from exports.render.pipeline import RenderResult
from games.models import Clip, Game, VideoStatus
from games.objects import object_store
from games.tags import RATING_COLOURS, RATING_SYMBOLS, TAGS, tag_named

log = logging.getLogger(__name__)

REVIEW_SETTINGS = ("min_rating", "tags", *jobs.USER_SETTINGS)
FULL_HD = (1920, 1080)
CACHED_WEIGHT = 0.02  # a cached piece's share of the progress, against encoding it (1.0 per second)


# --- submission ---------------------------------------------------------------------------


def clean_review_settings(raw: Any) -> dict:
    """{"min_rating": 1..5, "tags": [tag names] (any of), "quality", "audio"}, every key optional."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ExportError(
            400, 'The review settings are an object, such as {"min_rating": 4, "tags": ["Goal"]}.'
        )
    if unknown := sorted(set(raw) - set(REVIEW_SETTINGS)):
        shown = ", ".join(printable(str(key)) for key in unknown[:5])
        raise ExportError(
            400, f"Unknown review setting(s): {shown}. The settings are {', '.join(REVIEW_SETTINGS)}."
        )
    min_rating = raw.get("min_rating", 1)
    # JSON true is a Python int, and "5" or 5.0 are not what a client means to send: refused alike.
    if type(min_rating) is not int or not 1 <= min_rating <= 5:
        raise ExportError(
            400, "min_rating is a whole number from 1 to 5 (the lowest rating a clip may have)."
        )
    return {
        "min_rating": min_rating,
        "tags": clean_tags(raw.get("tags", [])),
        **jobs.clean_settings({key: raw[key] for key in jobs.USER_SETTINGS if key in raw}),
    }


def clean_tags(raw: Any) -> list[str]:
    """Tag names (short or long, any case) as their short names, in vocabulary order."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(tag, str) for tag in raw):
        raise ExportError(400, 'tags is a list of tag names, such as ["Goal", "Assist"].')
    if len(raw) > 2 * len(TAGS):
        raise ExportError(400, f"tags lists at most {2 * len(TAGS)} names; there are {len(TAGS)} tags.")
    found = {name: tag_named(name) for name in raw}
    if unknown := [name for name, tag in found.items() if tag is None]:
        shown = ", ".join(f'"{printable(name)}"' for name in unknown[:5])
        raise ExportError(400, f"Unknown tag(s): {shown}. The tags are {', '.join(TAGS)}.")
    wanted = {tag.short for tag in found.values() if tag}
    return [short for short in TAGS if short in wanted]


def printable(text: str, limit: int = 40) -> str:
    """User text quoted back in a sentence: control characters shown escaped, cut short."""
    shown = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def output_size(game_height: int | None) -> tuple[int, int]:
    """1920x1080, or the game's own height (16:9, even numbers) when it has fewer lines."""
    height = min(FULL_HD[1], game_height or FULL_HD[1])
    height -= height % 2
    width = 2 * round(height * 16 / 9 / 2)
    return width, height


def caption_title(rating: int, name: str) -> str:
    return f"{RATING_SYMBOLS[rating]}  {name}"


def matching_clips(game: Game, min_rating: int, tags: list[str]) -> list[Clip]:
    clips = Clip.objects.filter(game=game, rating__gte=min_rating).order_by("start_time", "pk")
    wanted = set(tags)
    return [clip for clip in clips if not wanted or wanted & set(clip.tags)]


def no_match_sentence(min_rating: int, tags: list[str]) -> str:
    rated = f"rated {min_rating} or more" if min_rating > 1 else ""
    tagged = ""
    if tags:
        names = tags[0] if len(tags) == 1 else ", ".join(tags[:-1]) + " or " + tags[-1]
        tagged = f"with the tag{'s' if len(tags) > 1 else ''} {names}"
    what = " ".join(part for part in (rated, tagged) if part)
    if not what:
        return "This game has no clips yet; mark some moments, then make the review."
    return f"No clips of this game are {what}."


def review_config(game: Game, chosen: dict) -> dict:
    """What the job renders, as it is now: later edits do not change a running review."""
    if game.video_status != VideoStatus.READY or not game.video_key:
        raise ExportError(409, "This game has no video yet; upload it, then make the review.")
    clips = matching_clips(game, chosen["min_rating"], chosen["tags"])
    if not clips:
        raise ExportError(409, no_match_sentence(chosen["min_rating"], chosen["tags"]))
    width, height = output_size(game.video_height)
    return {
        "title": f"Game review — {game.display_name}",
        "game_id": game.pk,
        "video_key": game.video_key,
        "output_size": [width, height],
        "quality": chosen["quality"],
        "audio": chosen["audio"],
        "filters": {"min_rating": chosen["min_rating"], "tags": chosen["tags"]},
        "clips": [
            {
                "clip_id": clip.pk,
                "start": clip.start_time,
                "end": clip.end_time,
                "rating": clip.rating,
                "name": clip.label,
                "notes": clip.notes,
                "tags": list(clip.tags),
                "title": caption_title(clip.rating, clip.label),
                "border": RATING_COLOURS[clip.rating],
            }
            for clip in clips
        ],
    }


def submit_review(owner, game: Game, raw: Any) -> ExportJob:
    """Validate, snapshot and queue a game review (the API has checked the game is the owner's)."""
    chosen = clean_review_settings(raw)
    busy = "A review of this game is already being made; wait for it or cancel it."
    with transaction.atomic():
        Game.objects.select_for_update().filter(pk=game.pk).first()  # one submission at a time per game
        config = review_config(game, chosen)
        if ExportJob.objects.filter(game=game, type=JobType.GAME_REVIEW, status__in=ACTIVE_STATUSES).exists():
            raise ExportError(409, busy)
        return jobs.create_and_queue(owner, busy, game=game, type=JobType.GAME_REVIEW, config=config)


def before_after_config(final: FinalVideo) -> dict:
    """The final video's clips as its framing export snapshotted them (each trimmed
    part of the game video), then the final video itself."""
    made_by = (
        ExportJob.objects.filter(final_video=final, type=JobType.OVERLAY)
        .values_list("config", flat=True)
        .first()
    )
    framing = (
        framing_snapshot(made_by["working_video_id"]) if made_by and "working_video_id" in made_by else None
    )
    if framing is None:
        raise ExportError(
            409,
            "The clips this final video was made from are no longer known (it predates this "
            "feature or its framed video was deleted); export the final video again.",
        )
    current = {
        clip.pk: clip
        for clip in Clip.objects.filter(pk__in=[c["clip_id"] for c in framing["clips"]]).select_related(
            "game"
        )
    }
    clips = []
    for number, snapped in enumerate(framing["clips"], start=1):
        clip = current.get(snapped["clip_id"])
        if clip is None or clip.file_key != snapped["file_key"] or not clip.game.video_key:
            raise ExportError(
                409,
                f"Clip {number} ({snapped['name'] or 'unnamed'}) was cut again or removed since this "
                "final video was made; export it again to make its before/after.",
            )
        segments = snapped["segments"]
        clips.append(
            {
                "clip_id": clip.pk,
                "name": snapped["name"] or clip.label,
                "video_key": clip.game.video_key,
                "start": clip.start_time + segments["trim_start"],
                "duration": segments["trim_end"] - segments["trim_start"],
            }
        )
    return {
        "title": f"Before / after — {final.project.name} v{final.version}",
        "final_video_id": final.pk,
        "final_key": final.file_key,
        "final_duration": final.duration,
        "output_size": [final.width, final.height],
        "clips": clips,
    }


def submit_before_after(owner, final: FinalVideo, raw: Any) -> ExportJob:
    chosen = jobs.clean_settings(raw)
    busy = f"A before/after of {final.project.name} is already being made; wait for it or cancel it."
    with transaction.atomic():
        FinalVideo.objects.select_for_update().filter(pk=final.pk).first()
        config = {**before_after_config(final), **chosen}
        running = ExportJob.objects.filter(
            project=final.project, type=JobType.BEFORE_AFTER, status__in=ACTIVE_STATUSES
        )
        if running.exists():
            raise ExportError(409, busy)
        return jobs.create_and_queue(
            owner, busy, project=final.project, source_video=final, type=JobType.BEFORE_AFTER, config=config
        )


# --- the segment cache ----------------------------------------------------------------------


def segment_key(
    clip: dict, *, video_key: str, size: list[int] | tuple[int, int], quality: str, audio: bool
) -> str:
    """The digest of everything a review piece shows: a change to any of it is another piece."""
    shown = {
        "video_key": video_key,
        "start": clip["start"],
        "end": clip["end"],
        "rating": clip["rating"],
        "name": clip["name"],
        "notes": clip["notes"],
        "tags": clip["tags"],
        "style": CAPTION_STYLE_VERSION,
        "size": list(size),
        "quality": quality,
        "audio": audio,
        "fps": handout.SEGMENT_FPS,
    }
    canonical = json.dumps(shown, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def segment_object(owner_id: int, clip_id: int, digest: str) -> str:
    return f"review-segments/{owner_id}/{clip_id}/{digest}.mp4"


def remember_segment(digest: str, clip_id: int, file_key: str, path: Path, duration: float) -> None:
    """The row of a piece just stored; a clip deleted meanwhile keeps no row (its object goes)."""
    try:
        with transaction.atomic():
            ReviewSegment.objects.update_or_create(
                key=digest,
                defaults={
                    "clip_id": clip_id,
                    "file_key": file_key,
                    "size": path.stat().st_size,
                    "duration": duration,
                },
            )
    except IntegrityError:
        object_store().delete(file_key)


def forget_older_segments(used: dict[int, str]) -> None:
    """After a successful render, each clip's other pieces show what it no longer is."""
    stale = ReviewSegment.objects.filter(clip_id__in=used)
    for segment in stale:
        if used.get(segment.clip_id) != segment.key:
            segment.delete()  # its object goes after commit (exports.receivers)


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewResult(RenderResult):
    chapters: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for the bench


def with_chapters(result: RenderResult, chapters: list[dict], timings: dict[str, float]) -> ReviewResult:
    return ReviewResult(
        **{f.name: getattr(result, f.name) for f in fields(RenderResult)}, chapters=chapters, timings=timings
    )


def render_review(job: ExportJob, folder: Path, progress, checks) -> ReviewResult:
    """Each clip's piece from the cache, or encoded from the game video and stored at
    once; then the pieces joined, one chapter per clip."""
    from exports.worker import fetch

    config, store = job.config, object_store()
    size = tuple(config["output_size"])
    ffmpeg = settings.FFMPEG_BINARY
    clips = config["clips"]
    digests = [
        segment_key(
            c, video_key=config["video_key"], size=size, quality=config["quality"], audio=config["audio"]
        )
        for c in clips
    ]
    found = {s.key: s for s in ReviewSegment.objects.filter(key__in=digests)}
    cached = [d in found and store.size(found[d].file_key) is not None for d in digests]
    progress.phases(
        [
            (c["end"] - c["start"]) * (CACHED_WEIGHT if hit else 1.0)
            for c, hit in zip(clips, cached, strict=True)
        ]
        + [CACHED_WEIGHT * sum(c["end"] - c["start"] for c in clips)]
    )
    timings = {"encode": 0.0, "store": 0.0, "fetch": 0.0, "join": 0.0}
    pieces, durations = [], []
    for index, (clip, digest, hit) in enumerate(zip(clips, digests, cached, strict=True)):
        checks.now()
        path = folder / f"piece-{index}.mp4"
        began = time.perf_counter()
        if hit:
            fetch(found[digest].file_key, path)
            duration = found[digest].duration
            progress.of(index)(1, 1)
            timings["fetch"] += time.perf_counter() - began
        else:
            # A fresh location for each piece: a presigned URL lasts minutes, a review may last longer.
            source = store.read_location(config["video_key"])
            caption = caption_overlay(
                size[0], size[1], title=clip["title"], notes=clip["notes"], border=clip["border"]
            )
            piece = handout.Piece(source, clip["start"], clip["end"] - clip["start"], caption.image)
            duration = handout.encode_piece(
                piece,
                path,
                size=size,
                ffmpeg=ffmpeg,
                quality=config["quality"],
                audio=config["audio"],
                should_cancel=checks,
                on_progress=progress.of(index),
            )
            stored = time.perf_counter()
            timings["encode"] += stored - began
            key = segment_object(job.owner_id, clip["clip_id"], digest)
            with open(path, "rb") as stream:
                store.save_stream(key, stream, path.stat().st_size)
            remember_segment(digest, clip["clip_id"], key, path, duration)
            timings["store"] += time.perf_counter() - stored
        pieces.append(path)
        durations.append(duration)
    checks.now()
    began = time.perf_counter()
    chapters = sequence_chapters([c["title"] for c in clips], durations)
    result = handout.join(pieces, folder / "review.mp4", ffmpeg=ffmpeg, chapters=chapters)
    progress.of(len(clips))(1, 1)
    timings["join"] = time.perf_counter() - began
    with transaction.atomic():
        forget_older_segments({c["clip_id"]: d for c, d in zip(clips, digests, strict=True)})
    return with_chapters(result, as_json(chapters), timings)


def render_before_after(job: ExportJob, folder: Path, progress, checks) -> ReviewResult:
    """Each trimmed clip letterboxed into the final's frame under "Before", then the
    final video under "After"; nothing is cached (the final video is the point)."""
    from exports.worker import fetch

    config, store = job.config, object_store()
    size = tuple(config["output_size"])
    final = fetch(config["final_key"], folder / "final.mp4")
    # The clips' sources are their keys until each is encoded (a presigned URL lasts minutes).
    pieces = handout.before_after_pieces(
        [(c["video_key"], c["start"], c["duration"]) for c in config["clips"]], str(final), size
    )
    progress.phases([piece.duration for piece in pieces])
    paths, durations = [], []
    for index, piece in enumerate(pieces):
        checks.now()
        path = folder / f"piece-{index}.mp4"
        if index < len(config["clips"]):
            piece = replace(piece, source=store.read_location(piece.source))
        durations.append(
            handout.encode_piece(
                piece,
                path,
                size=size,
                ffmpeg=settings.FFMPEG_BINARY,
                quality=config["quality"],
                audio=config["audio"],
                should_cancel=checks,
                on_progress=progress.of(index),
            )
        )
        paths.append(path)
    checks.now()
    titles = [f"Before — {c['name']}" for c in config["clips"]] + ["After"]
    chapters = sequence_chapters(titles, durations)
    result = handout.join(
        paths, folder / "before-after.mp4", ffmpeg=settings.FFMPEG_BINARY, chapters=chapters
    )
    return with_chapters(result, as_json(chapters), {})


def render(job: ExportJob, folder: Path, progress, checks) -> ReviewResult:
    if job.type == JobType.GAME_REVIEW:
        return render_review(job, folder, progress, checks)
    return render_before_after(job, folder, progress, checks)


# --- the output -----------------------------------------------------------------------------


def record_review_video(job: ExportJob, file_key: str, result: ReviewResult) -> ReviewVideo:
    """The job's ReviewVideo, numbered after the others of its game (or final video);
    inside the worker's finish transaction. The summary is what the video shows."""
    config = job.config
    if job.type == JobType.GAME_REVIEW:
        # The lock numbers two reviews of one game apart; a deleted game ends the job (DoesNotExist).
        Game.objects.select_for_update().get(pk=job.game_id)
        versions = ReviewVideo.objects.filter(game_id=job.game_id, kind=ReviewKind.GAME_REVIEW)
        by_rating = {str(rating): 0 for rating in range(5, 0, -1)}
        for clip in config["clips"]:
            by_rating[str(clip["rating"])] += 1
        summary = {"clips": len(config["clips"]), "by_rating": by_rating, "filters": config["filters"]}
        owner = {"kind": ReviewKind.GAME_REVIEW, "game_id": job.game_id}
    else:
        FinalVideo.objects.select_for_update().get(pk=job.source_video_id)
        versions = ReviewVideo.objects.filter(
            source_video_id=job.source_video_id, kind=ReviewKind.BEFORE_AFTER
        )
        summary = {"clips": len(config["clips"])}
        owner = {"kind": ReviewKind.BEFORE_AFTER, "source_video_id": job.source_video_id}
    version = (versions.aggregate(n=Max("version"))["n"] or 0) + 1
    return ReviewVideo.objects.create(
        owner_id=job.owner_id,
        title=config["title"][:300],
        version=version,
        file_key=file_key,
        size=result.path.stat().st_size,
        duration=result.duration,
        width=result.width,
        height=result.height,
        fps=float(result.fps),
        summary=summary,
        chapters=result.chapters,
        **owner,
    )


def delete_object_after_commit(key: str) -> None:
    def delete() -> None:
        try:
            object_store().delete(key)
        except Exception:
            log.exception("Could not delete %s", key)

    transaction.on_commit(delete)

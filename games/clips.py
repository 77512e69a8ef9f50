"""Clip actions: every change to a game's clips goes through here, so the rules
(times, length, rating, tags, names), the game's aggregates and the
`clip_changed` signal stay right whichever page or API made the change."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q

from games.extraction import invalidate_file
from games.models import Clip, Game, VideoStatus
from games.signals import clip_changed
from games.tags import TAGS, derived_name, unknown_tags
from videoeditor.errors import UserFacingError
from videoeditor.text import TextRefused, multi_line, single_line
from videoeditor.versioning import StaleVersion

EDITABLE = ("start_time", "end_time", "rating", "tags", "name", "notes")


class ClipError(UserFacingError):
    pass


def _snapshot(clip: Clip) -> dict[str, Any]:
    return {"start_time": clip.start_time, "end_time": clip.end_time, "rating": clip.rating}


def clean(game: Game, fields: dict[str, Any]) -> dict[str, Any]:
    """Check a clip's complete field set; return it normalised (sorted unique tags,
    a name equal to the derived one stored empty so it stays derived)."""
    start, end = float(fields["start_time"]), float(fields["end_time"])
    if start < 0:
        raise ClipError(400, "A clip cannot start before the video does.")
    if end <= start:
        raise ClipError(400, f"A clip must end after it starts ({end:g} s is not after {start:g} s).")
    length = end - start
    if not Clip.MIN_LENGTH <= length <= Clip.MAX_LENGTH:
        raise ClipError(400, f"A clip is 1 to 60 seconds long; this one is {length:.1f} s.")
    # While a video uploads its length is unknown (a replacement's may differ from the old
    # one's): clips are accepted and fitted once the probe has measured it (fit_to_video).
    ready = game.video_status == VideoStatus.READY
    if ready and game.video_duration and end > game.video_duration + 1e-6:
        raise ClipError(
            400, f"The clip ends at {end:g} s but the video is only {game.video_duration:g} s long."
        )
    rating = fields.get("rating", 3)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ClipError(400, f"Ratings run from 1 to 5; {rating!r} is not one.")
    tags = fields.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ClipError(400, "Tags must be a list of tag names.")
    if unknown := unknown_tags(tags):
        raise ClipError(400, f"Unknown tag(s): {', '.join(unknown)}. Known tags: {', '.join(TAGS)}.")
    tags = list(dict.fromkeys(tags))
    try:
        # The TSV import reaches here without a serializer: the text rule is applied again.
        notes = multi_line(fields.get("notes") or "", "The notes")
        name = single_line(fields.get("name") or "", "The clip's name").strip()
    except TextRefused as refused:
        raise ClipError(400, refused.message) from None
    if len(notes) > Clip.NOTES_MAX:
        raise ClipError(400, f"Notes are at most {Clip.NOTES_MAX} characters; these are {len(notes)}.")
    if len(name) > 200:
        raise ClipError(400, "A clip name is at most 200 characters.")
    if name == derived_name(rating, tags):
        name = ""
    return {
        "start_time": start,
        "end_time": end,
        "rating": rating,
        "tags": tags,
        "name": name,
        "notes": notes,
    }


def refresh_aggregates(game_id: int) -> None:
    """Recount the game's clips in one query (cheaper to get right than increments)."""
    counts = Clip.objects.filter(game_id=game_id).aggregate(
        clip_count=Count("id"), **{f"clips_rated_{r}": Count("id", filter=Q(rating=r)) for r in range(1, 6)}
    )
    Game.objects.filter(pk=game_id).update(**counts)


def _duplicate_end(game: Game, end: float) -> ClipError:
    return ClipError(
        400, f"This game already has a clip ending at {end:g} s; clips are told apart by their end."
    )


def create_clip(game: Game, fields: dict[str, Any]) -> Clip:
    values = clean(game, fields)
    try:
        with transaction.atomic():
            clip = Clip.objects.create(game=game, **values)
            refresh_aggregates(game.pk)
            clip_changed.send(sender=Clip, clip=clip, before=None)
    except IntegrityError:
        raise _duplicate_end(game, values["end_time"]) from None
    return clip


def update_clip(clip: Clip, version: int, changes: dict[str, Any]) -> Clip:
    """Apply a partial change if `version` is still current (else StaleVersion)."""
    merged = {field: getattr(clip, field) for field in EDITABLE} | {
        k: v for k, v in changes.items() if k in EDITABLE
    }
    values = clean(clip.game, merged)
    before = _snapshot(clip)
    try:
        with transaction.atomic():
            updated = Clip.objects.filter(pk=clip.pk, version=version).update(
                **values, version=F("version") + 1
            )
            if not updated:
                from games.serializers import ClipSerializer

                raise StaleVersion(ClipSerializer(Clip.objects.get(pk=clip.pk)).data)
            fresh = Clip.objects.select_related("game").get(pk=clip.pk)
            if (values["start_time"], values["end_time"]) != (before["start_time"], before["end_time"]):
                invalidate_file(fresh)
                fresh.refresh_from_db()
            refresh_aggregates(clip.game_id)
            clip_changed.send(sender=Clip, clip=fresh, before=before)
    except IntegrityError:
        raise _duplicate_end(clip.game, values["end_time"]) from None
    return fresh


def delete_clip(clip: Clip) -> None:
    with transaction.atomic():
        before = _snapshot(clip)
        invalidate_file(clip)
        clip_changed.send(sender=Clip, clip=clip, before=before, deleted=True)
        clip.delete()
        refresh_aggregates(clip.game_id)


def replace_clips(game: Game, items: list[dict[str, Any]]) -> list[Clip]:
    """Make the game's clips exactly `items`, matched by end_time: existing clips
    are updated, missing ones created, the rest deleted, in one transaction.
    Nothing is written if any item is bad; errors name the item."""
    cleaned = []
    for index, item in enumerate(items, start=1):
        try:
            cleaned.append(clean(game, item))
        except ClipError as error:
            raise ClipError(error.status, f"Clip {index}: {error.message}") from None
    ends = [c["end_time"] for c in cleaned]
    if len(set(ends)) != len(ends):
        raise ClipError(400, "Two clips end at the same time; clips are told apart by their end.")
    return upsert_clips(game, cleaned, delete_missing=True)


def upsert_clips(game: Game, cleaned: list[dict[str, Any]], delete_missing: bool) -> list[Clip]:
    """Write already-cleaned clips, matched by end_time, in one transaction."""
    with transaction.atomic():
        existing = {c.end_time: c for c in Clip.objects.select_for_update().filter(game=game)}
        written = []
        for values in cleaned:
            clip = existing.pop(values["end_time"], None)
            if clip is None:
                clip = Clip.objects.create(game=game, **values)
                clip_changed.send(sender=Clip, clip=clip, before=None)
            elif any(getattr(clip, k) != v for k, v in values.items()):
                before = _snapshot(clip)
                for field, value in values.items():
                    setattr(clip, field, value)
                clip.version += 1
                clip.save()
                if clip.start_time != before["start_time"]:
                    invalidate_file(clip)
                clip_changed.send(sender=Clip, clip=clip, before=before)
            written.append(clip)
        if delete_missing:
            for clip in existing.values():
                delete_clip(clip)
        refresh_aggregates(game.pk)
    return sorted(written, key=lambda c: c.start_time)


def fit_to_video(game: Game) -> str:
    """Clips made while the video uploaded may reach past its measured end: each such
    clip is cut to end where the video does (moved back, keeping its length, when too
    little of it is left), or deleted when the video is shorter than a clip can be. Called
    where the probe's result is stored, inside its transaction; returns a sentence
    for the owner ("" when every clip fits)."""
    duration = game.video_duration or 0.0
    over = list(Clip.objects.select_related("game").filter(game=game, end_time__gt=duration + 1e-6))
    if not over:
        return ""
    ends = set(
        Clip.objects.filter(game=game, end_time__lte=duration + 1e-6).values_list("end_time", flat=True)
    )
    moved, removed = 0, 0
    for clip in sorted(over, key=lambda c: c.start_time):
        end = round(duration, 3)
        while end in ends:  # clips are told apart by their end
            end = round(end - 0.01, 3)
        if end < Clip.MIN_LENGTH:
            delete_clip(clip)
            removed += 1
            continue
        # Cut at the end; a clip that would be left too short keeps its length instead.
        start = clip.start_time if end - clip.start_time >= Clip.MIN_LENGTH else max(0.0, end - clip.duration)
        update_clip(clip, clip.version, {"start_time": round(start, 3), "end_time": end})
        ends.add(end)
        moved += 1
    minutes, seconds = divmod(int(duration), 60)
    sentences = []
    if moved:
        many = moved != 1
        sentences.append(
            f"{moved} clip{'s' if many else ''} made during the upload reached past the video's end "
            f"({minutes}:{seconds:02d}): {'they now end' if many else 'it now ends'} there."
        )
    if removed:
        sentences.append(
            f"{removed} clip{'s were' if removed != 1 else ' was'} deleted: "
            "the video is shorter than a clip can be."
        )
    return " ".join(sentences)

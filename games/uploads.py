"""Upload actions: every way a game gets its video ends in finish_upload(), which
checks the stored object, probes it and either makes it the game's video or
deletes it. Errors are UploadError with an HTTP status and a sentence.

Modes:
- single: a presigned PUT straight to the bucket (S3), up to UPLOAD_SINGLE_MAX_BYTES;
- multipart: resumable, equal parts (presigned per part on S3, our endpoint locally);
- backend: the bytes stream through the web server (the fallback).
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from datetime import timedelta
from functools import partial
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from games.extraction import cut_again
from games.models import Game, UploadEvent, UploadMode, UploadSession, UploadStatus, VideoStatus
from games.objects import Part, PartTooLarge, object_store
from games.probe import NotAVideo, probe
from games.signals import video_ready
from notifications.models import NotificationType
from notifications.service import notify, send_change
from videoeditor.errors import UserFacingError
from videoeditor.pipeline import Pipeline, sentence
from videoeditor.text import TextRefused, single_line

log = logging.getLogger(__name__)

MiB = 2**20
MIN_PART_SIZE = 16 * MiB
# Clients that slice the file themselves (Uppy: 5 MiB by default) may use any
# equal part size S3 accepts.
S3_MIN_PART_SIZE = 5 * MiB
S3_MAX_PART_SIZE = 5 * 2**30
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 * 2**40  # S3's largest object: 5 TiB
PART_URL_EXPIRES = 15 * 60
PUT_URL_EXPIRES = 3600
VIDEO_EXTENSIONS = {
    "mp4",
    "mov",
    "m4v",
    "mkv",
    "webm",
    "avi",
    "mts",
    "m2ts",
    "ts",
    "mpg",
    "mpeg",
    "3gp",
    "wmv",
}


class UploadError(UserFacingError):
    pass


# An upload session's pipeline: it ends once, in one of three ways, each step an UploadEvent.
ACTIVE = UploadStatus.ACTIVE
UPLOAD_STEPS: dict[str, frozenset[str]] = {
    ACTIVE: frozenset({UploadStatus.COMPLETE, UploadStatus.FAILED, UploadStatus.ABORTED}),
    UploadStatus.COMPLETE: frozenset(),
    UploadStatus.FAILED: frozenset(),
    UploadStatus.ABORTED: frozenset(),
}
UPLOADS = Pipeline(UploadSession, UPLOAD_STEPS, event=UploadEvent, owner="session", noun="An upload")


def size_label(size: int) -> str:
    """A size as the pages write it (static/js/ui.js bytes()): 1000-based units,
    "950 B", "1.5 MB", "150 MB", "2.1 GB"."""
    value, unit = float(max(0, size)), 0
    units = ["B", "KB", "MB", "GB", "TB"]
    while value >= 999.95 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    return f"{value:.{0 if unit == 0 or value >= 100 else 1}f} {units[unit]}"


def part_layout(size: int) -> tuple[int, int]:
    """(part_size, part_count): equal 16 MiB parts, doubled until they fit in 10,000
    (64 MiB covers 625 GiB; a 5 TiB object gets 1 GiB parts)."""
    part_size = MIN_PART_SIZE
    while math.ceil(size / part_size) > MAX_PARTS:
        part_size *= 2
    return part_size, max(1, math.ceil(size / part_size))


def clean_filename(filename: str) -> str:
    """The client's file name, for display only; refused if it tries to be a path."""
    if not filename or not filename.strip():
        raise UploadError(400, "The file needs a name.")
    try:
        single_line(filename, "The file name")
    except TextRefused as refused:
        raise UploadError(400, refused.message) from None
    if "/" in filename or "\\" in filename or filename.strip() in (".", ".."):
        raise UploadError(400, "The file name must be a plain name, not a path.")
    if len(filename) > 255:
        raise UploadError(400, "The file name is longer than 255 characters.")
    return filename.strip()


def clean_content_type(content_type: str) -> str:
    content_type = (content_type or "").split(";")[0].strip().lower()
    if not re.fullmatch(r"video/[a-z0-9.+-]+", content_type):
        raise UploadError(
            415, f"Only video files can be uploaded ({content_type or 'no type'} is not video/*)."
        )
    return content_type


def clean_size(size, limit: int) -> int:
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise UploadError(400, "The file size must be a whole number of bytes.") from None
    if size <= 0:
        raise UploadError(400, "The file is empty.")
    if size > limit:
        raise UploadError(413, f"The file is {size:,} bytes; the most this upload takes is {limit:,} bytes.")
    return size


def new_key(game: Game, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = extension if extension in VIDEO_EXTENSIONS else "video"
    return f"users/{game.owner_id}/games/{game.pk}/{uuid.uuid4().hex}.{extension}"


def _start(game: Game, mode: str, filename: str, content_type: str, size: int, **fields) -> UploadSession:
    try:
        with transaction.atomic():
            session = UploadSession.objects.create(
                game=game,
                owner_id=game.owner_id,
                mode=mode,
                key=new_key(game, filename),
                filename=filename,
                content_type=content_type,
                size=size,
                **fields,
            )
            UPLOADS.record(session.pk, ACTIVE, f"{mode} upload of {filename} ({size:,} bytes announced)")
            Game.objects.filter(pk=game.pk).update(video_status=VideoStatus.UPLOADING)
            send_change(game.owner_id, "game", game.pk, "updated")
    except IntegrityError:
        raise UploadError(
            409, "This game already has an upload in progress; finish or cancel it first."
        ) from None
    notify(
        game.owner_id,
        NotificationType.UPLOAD_STARTED,
        f"Uploading {filename}",
        f"{game.display_name}: {size_label(size)}" if size else game.display_name,
        data={"game_id": game.pk, "upload_id": str(session.id)},
    )
    return session


def start_single(game: Game, filename: str, content_type: str, size) -> tuple[UploadSession, dict]:
    filename, content_type = clean_filename(filename), clean_content_type(content_type)
    store = object_store()
    size = clean_size(size, settings.UPLOAD_SINGLE_MAX_BYTES if store.direct else MAX_OBJECT_SIZE)
    mode = UploadMode.SINGLE if store.direct else UploadMode.BACKEND
    session = _start(game, mode, filename, content_type, size)
    if store.direct:
        put = store.presigned_put(session.key, content_type, PUT_URL_EXPIRES)
        return session, {
            "direct": True,
            "method": "PUT",
            "upload_url": put["url"],
            "headers": put["headers"],
            "video_filename": session.key,
            "expires_in": PUT_URL_EXPIRES,
        }
    return session, {
        "direct": False,
        "method": "PUT",
        "upload_url": f"/api/games/{game.pk}/video",
        "headers": {"Content-Type": content_type},
        "video_filename": session.key,
        "expires_in": None,
    }


def active_session(game: Game, upload_id=None) -> UploadSession:
    sessions = UploadSession.objects.filter(game=game, status=UploadStatus.ACTIVE)
    if upload_id is not None:
        sessions = sessions.filter(id=upload_id)
    session = sessions.first()
    if session is None:
        raise UploadError(404, "There is no upload in progress with that id for this game.")
    return session


def confirm_single(game: Game, key: str) -> Game:
    session = active_session(game)
    if session.mode != UploadMode.SINGLE or key != session.key:
        raise UploadError(400, "That is not the file this game's upload was announced for.")
    return finish_upload(session)


def start_multipart(game: Game, filename: str, content_type: str, size=None) -> UploadSession:
    """With a size, we decide the parts (part_layout); without one (Uppy never sends
    it), the client slices the file and the layout is read from the parts at
    completion: size 0, part_size and part_count None until then."""
    filename, content_type = clean_filename(filename), clean_content_type(content_type)
    if size is None:
        size, part_size, part_count = 0, None, None
    else:
        size = clean_size(size, MAX_OBJECT_SIZE)
        part_size, part_count = part_layout(size)
    session = _start(
        game, UploadMode.MULTIPART, filename, content_type, size, part_size=part_size, part_count=part_count
    )
    try:
        session.s3_upload_id = object_store().create_multipart(session.key, content_type)
    except Exception:
        fail(session, "The storage service refused to start the upload.")
        raise
    session.save(update_fields=["s3_upload_id", "updated_at"])
    return session


def _check_part_number(session: UploadSession, number: int) -> None:
    if session.mode != UploadMode.MULTIPART:
        raise UploadError(400, "This upload is not a multipart upload.")
    last = session.part_count or MAX_PARTS
    if not 1 <= number <= last:
        raise UploadError(400, f"Part numbers run from 1 to {last}; {number} is not one of them.")


def part_upload(session: UploadSession, number: int) -> dict:
    _check_part_number(session, number)
    UploadSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    return {
        "number": number,
        "size": session.expected_part_size(number) if session.part_count else None,
        **object_store().part_upload(session, number, PART_URL_EXPIRES),
    }


def store_part(session: UploadSession, number: int, stream: IO[bytes], length: int | None) -> Part:
    """Local storage only: a part's bytes through our endpoint."""
    _check_part_number(session, number)
    if session.part_count:
        expected = session.expected_part_size(number)
    elif length is None:
        raise UploadError(411, "Send the part's size in the Content-Length header.")
    elif not 0 < length <= S3_MAX_PART_SIZE:
        raise UploadError(400, f"A part holds 1 to {S3_MAX_PART_SIZE:,} bytes; this one is {length:,}.")
    else:
        expected = length  # sliced by the client: checked against the others at completion
    if length is not None and length != expected:
        raise UploadError(400, f"Part {number} must be {expected:,} bytes; this one is {length:,}.")
    try:
        part = object_store().store_part(session, number, stream, expected)
    except PartTooLarge as exc:
        raise UploadError(400, f"Part {number} must be {expected:,} bytes; it had {exc}.") from None
    UploadSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    return part


def list_parts(session: UploadSession) -> list[Part]:
    if session.mode != UploadMode.MULTIPART:
        raise UploadError(400, "This upload is not a multipart upload.")
    return object_store().list_parts(session)


def complete_multipart(session: UploadSession, claimed: list[dict]) -> Game:
    if object_store().size(session.key) == session.size:
        # Assembled by an earlier call whose probe could not finish: just check again.
        return finish_upload(session)
    stored = {p.number: p for p in list_parts(session)}
    if not session.part_count:
        _settle_client_layout(session, stored)
    try:
        claimed_etags = {int(p["number"]): str(p["etag"]).strip('"') for p in claimed}
    except (KeyError, TypeError, ValueError):
        raise UploadError(400, "Each part needs a number and an etag.") from None
    missing = [n for n in range(1, session.part_count + 1) if n not in stored or n not in claimed_etags]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise UploadError(422, f"The upload is missing {len(missing)} part(s): {shown}.")
    for number, part in stored.items():
        if number > session.part_count:
            raise UploadError(422, f"Part {number} is beyond the {session.part_count} parts of this upload.")
        if part.etag != claimed_etags[number]:
            raise UploadError(422, f"Part {number}'s etag does not match the stored part; send it again.")
        if part.size != session.expected_part_size(number):
            raise UploadError(
                422,
                f"Part {number} is {part.size:,} bytes; it must be {session.expected_part_size(number):,}.",
            )
    object_store().complete_multipart(session, [stored[n] for n in sorted(stored)])
    return finish_upload(session)


def _settle_client_layout(session: UploadSession, stored: dict[int, Part]) -> None:
    """A client-sliced upload's layout, read from its stored parts: numbered 1..n,
    equal parts of at least S3's 5 MiB, the last one no larger."""
    count = max(stored, default=0)
    if count == 0 or len(stored) != count:
        missing = [n for n in range(1, count + 1) if n not in stored] or [1]
        raise UploadError(422, f"The upload is missing part(s): {', '.join(map(str, missing[:10]))}.")
    part_size = stored[1].size
    if count > 1 and part_size < S3_MIN_PART_SIZE:
        raise UploadError(422, f"Parts must be at least {S3_MIN_PART_SIZE:,} bytes, except the last.")
    if stored[count].size > part_size:
        raise UploadError(422, f"The last part is larger than the {part_size:,}-byte parts before it.")
    session.size = clean_size(sum(p.size for p in stored.values()), MAX_OBJECT_SIZE)
    session.part_size, session.part_count = part_size, count
    session.save(update_fields=["size", "part_size", "part_count", "updated_at"])


def receive_backend_upload(game: Game, stream: IO[bytes], filename: str, content_type: str, size) -> Game:
    """The fallback: bytes through the web server, streamed to storage in chunks."""
    filename, content_type = clean_filename(filename), clean_content_type(content_type)
    size = clean_size(size, MAX_OBJECT_SIZE)
    session = UploadSession.objects.filter(
        game=game, status=UploadStatus.ACTIVE, mode=UploadMode.BACKEND
    ).first()
    if session is None:
        session = _start(game, UploadMode.BACKEND, filename, content_type, size)
    elif session.size != size:
        raise UploadError(400, f"The body is {size:,} bytes but {session.size:,} were announced.")
    store = object_store()
    try:
        written = store.save_stream(session.key, stream, size)
    except PartTooLarge:
        store.delete(session.key)
        fail(session, "The upload sent more bytes than it announced.")
        raise UploadError(400, "The upload sent more bytes than it announced.") from None
    except Exception:
        store.delete(session.key)
        fail(session, "The upload was interrupted.")
        raise
    if written != size:
        store.delete(session.key)
        fail(session, f"Only {written:,} of {size:,} bytes arrived.")
        raise UploadError(400, f"Only {written:,} of {size:,} bytes arrived; the upload was cut short.")
    return finish_upload(session)


def finish_upload(session: UploadSession) -> Game:
    """Check the stored object, probe it through a readable location (a presigned
    GET on S3: the header and tail only, never the whole file), then make it the
    game's video, or delete it and say why."""
    store = object_store()
    stored_size = store.size(session.key)
    if stored_size is None:
        raise UploadError(400, "The file has not arrived in storage yet; upload it, then confirm.")
    if stored_size != session.size:
        store.delete(session.key)
        fail(session, f"The stored file is {stored_size:,} bytes but {session.size:,} were announced.")
        raise UploadError(
            422, f"The stored file is {stored_size:,} bytes but {session.size:,} were announced."
        )
    Game.objects.filter(pk=session.game_id).update(video_status=VideoStatus.PROCESSING)
    send_change(session.owner_id, "game", session.game_id, "updated")
    try:
        info = probe(store.read_location(session.key))
    except NotAVideo as exc:
        store.delete(session.key)
        fail(session, str(exc), invalid=True)
        raise UploadError(422, str(exc)) from None
    except Exception:
        # Storage unreachable, a timeout: the file may be fine; let the client confirm again.
        log.exception("Probing upload %s failed", session.pk)
        Game.objects.filter(pk=session.game_id).update(video_status=VideoStatus.UPLOADING)
        raise UploadError(502, "We could not read the stored file just now; try confirming again.") from None
    with transaction.atomic():
        game = Game.objects.select_for_update().get(pk=session.game_id)
        replaced = game.video_key
        game.video_key = session.key
        game.video_status = VideoStatus.READY
        game.video_size = stored_size
        game.video_duration, game.video_width, game.video_height = info.duration, info.width, info.height
        game.video_fps, game.video_codec, game.video_has_audio = info.fps, info.codec, info.has_audio
        game.version += 1
        # Two confirms racing (or a cancel): only the one that ends the active session goes on.
        if not UPLOADS.transition(
            session.pk, UploadStatus.COMPLETE, source=[ACTIVE], updated_at=timezone.now(),
            reason=f"stored {stored_size:,} bytes, probed {info.width}x{info.height}, {info.duration:.2f} s",
        ):  # fmt: skip
            raise UploadError(409, "This upload has already been finished.")
        game.save()
        # Clips made while it uploaded are checked against the measured length now (said below).
        from games.clips import fit_to_video

        fitted = fit_to_video(game)
        transaction.on_commit(partial(announce_video, game, first=not replaced))
        # One notification: a replaced video says its clips are cut again (and are).
        recut = cut_again(game.pk) if replaced else 0
        notify(
            game.owner_id,
            NotificationType.UPLOAD_COMPLETE,
            "Video replaced" if replaced else "Upload complete",
            (
                replaced_sentence(game, recut)
                if replaced
                else f"{game.display_name} is ready to annotate "
                f"({int(info.duration) // 60}:{int(info.duration) % 60:02d}, {info.width}x{info.height})."
            )
            + (f" {fitted}" if fitted else ""),
            data={"game_id": game.pk, "upload_id": str(session.id), "task_id": f"upload_{session.id}"},
            actions=[{"label": "Annotate", "action": "open_url", "payload": {"url": f"/games/{game.pk}/"}}],
        )
    if replaced and replaced != session.key:
        store.delete(replaced)
    return game


def replaced_sentence(game: Game, recut: int) -> str:
    """What the owner reads once a game's video was replaced."""
    if not recut:
        return f"Replaced the video of {game.display_name}."
    clips = "its clip" if recut == 1 else f"its {recut} clips"
    return f"Replaced the video of {game.display_name}; cutting {clips} again."


def announce_video(game: Game, first: bool) -> None:
    """Tell other apps (after commit) that the game's video is ready; `first` when the
    game had none before. A receiver that fails is logged: the upload stays done."""
    for receiver, answer in video_ready.send_robust(sender=Game, game=game, first=first):
        if isinstance(answer, Exception):
            log.error("%s failed after game %s got its video", receiver, game.pk, exc_info=answer)


def fail(
    session: UploadSession,
    reason: str,
    invalid: bool = False,
    status: str = UploadStatus.FAILED,
    where: dict | None = None,
) -> bool:
    """End a session that will not complete (only while it is active and `where`
    holds); the game keeps any earlier video. False when it had already ended."""
    reason = sentence(reason, 500)
    with transaction.atomic():
        if not UPLOADS.transition(
            session.pk, status, source=[ACTIVE], where=where, reason=reason, error=reason,
            updated_at=timezone.now(),
        ):  # fmt: skip
            return False
        session.status, session.error = status, reason
        game = Game.objects.select_for_update().get(pk=session.game_id)
        game.video_status = (
            VideoStatus.READY if game.video_key else VideoStatus.INVALID if invalid else VideoStatus.NONE
        )
        game.save(update_fields=["video_status"])
        if status == UploadStatus.FAILED:
            notify(
                game.owner_id,
                NotificationType.UPLOAD_FAILED,
                f"Upload of {session.filename} failed",
                reason,
                data={"game_id": game.pk, "upload_id": str(session.id), "task_id": f"upload_{session.id}"},
            )
    return True


def abort(
    session: UploadSession, reason: str = "The upload was cancelled.", where: dict | None = None
) -> bool:
    """End the session, then delete what it stored. In that order: an upload that
    completed meanwhile is not aborted, so its file (now the game's video) stays."""
    if not fail(session, reason, status=UploadStatus.ABORTED, where=where):
        return False
    store = object_store()
    try:
        if session.mode == UploadMode.MULTIPART:
            store.abort_multipart(session)
        store.delete(session.key)
    except Exception:
        log.exception("Upload %s was aborted but what it stored could not be deleted", session.pk)
    return True


def abort_abandoned(older_than: timedelta) -> int:
    """Abort uploads with no activity for `older_than` (the 48 h schedule); each
    only while still idle, so a part arriving meanwhile keeps its upload alive."""
    cutoff = timezone.now() - older_than
    stale = list(UploadSession.objects.filter(status=ACTIVE, updated_at__lt=cutoff))
    aborted = 0
    for session in stale:
        try:
            aborted += abort(
                session, "The upload was abandoned and has been cleaned up.", where={"updated_at__lt": cutoff}
            )
        except Exception:
            log.exception("Could not clean up upload %s", session.pk)
    return aborted


def report_progress(session: UploadSession, uploaded_bytes) -> float:
    from notifications.service import send_progress

    try:
        uploaded = max(0, min(int(uploaded_bytes), session.size))
    except (TypeError, ValueError):
        raise UploadError(400, "uploaded_bytes must be a whole number.") from None
    percent = 100.0 * uploaded / session.size if session.size else 0.0
    send_progress(
        session.owner_id,
        f"upload_{session.id}",
        percent,
        f"{size_label(uploaded)} of {size_label(session.size)}",
        type=NotificationType.UPLOAD_PROGRESS,
        title=f"Uploading {session.filename}",
        data={"game_id": session.game_id, "upload_id": str(session.id)},
    )
    UploadSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    return percent

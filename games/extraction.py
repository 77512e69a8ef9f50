"""Clip extraction: cutting a clip's own file out of the game video.

A clip is a pair of times on the game video. When a project uses it, a django-q2
task cuts those seconds into a file of their own, so editing and rendering never
read the whole game again. The cut is a durable job with a declared pipeline
(CUT_STEPS, moved only by `CUTS.transition()`, an ExtractionEvent per step):

    pending ──request──> extracting ──cut──> ready
       ^                  │   ^  │ ╲
       │                  │   │  │  └──> failed ──request──> extracting
       │                  │   └──┘ claimed by a worker; queued again by the sweeper
       └───── edited ─────┴── (from extracting, ready or failed: the file no longer fits)

The web side requests the cut with one conditional UPDATE (pending/failed ->
extracting) and wakes a worker after commit, so two requests run one cut. A worker
claims it with one conditional UPDATE (no worker yet -> this worker, attempts + 1),
keeps a heartbeat in Redis while it cuts, and finishes only while the claim is still
its own (poison-pill guard), so an edit made meanwhile wins and a stale file is
deleted. A worker sent SIGTERM mid-cut stops ffmpeg and gives the cut back (that
attempt does not count). The sweeper (games/sweeper.py) queues again a cut whose
worker stopped beating or that no worker took on, and fails it after
EXTRACTION_MAX_ATTEMPTS. How a cut is planned and run (copy or re-encode) is
games/cutting.py.

The game video is read where it lies: a local path, or on S3 a presigned GET URL.
FFmpeg's http input seeks with Range requests, so only the bytes around the clip
are read, never the whole game.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from games.cutting import ExtractionError, cut_file
from games.models import Clip, ExtractionEvent, ExtractionStatus
from games.objects import object_store
from games.pictures import clip_source, request_pictures
from notifications.models import NotificationType
from notifications.service import notify, send_progress
from videoeditor.liveness import Heartbeat, worker_id
from videoeditor.pipeline import Pipeline, sentence, wake_after_commit
from videoeditor.stopping import StopSignal

log = logging.getLogger(__name__)

ERROR_MAX = 500  # Clip.extraction_error's length

PENDING, EXTRACTING, READY, FAILED = (
    ExtractionStatus.PENDING,
    ExtractionStatus.EXTRACTING,
    ExtractionStatus.READY,
    ExtractionStatus.FAILED,
)
# status -> the statuses it may become
CUT_STEPS: dict[str, frozenset[str]] = {
    PENDING: frozenset({EXTRACTING}),
    EXTRACTING: frozenset({EXTRACTING, READY, FAILED, PENDING}),
    READY: frozenset({PENDING}),
    FAILED: frozenset({EXTRACTING, PENDING}),
}
CUTS = Pipeline(
    Clip, CUT_STEPS, event=ExtractionEvent, owner="clip", noun="A clip's cut", field="extraction_status"
)
CLAIMABLE = [PENDING, FAILED]


class Stopped(Exception):
    """The worker was sent SIGTERM mid-cut: the cut goes back to the queue."""


# --- The web side ----------------------------------------------------------------------


def task_id(clip_id: int) -> str:
    """The cut's name in django-q2, in notifications and in its Redis heartbeat."""
    return f"extract_{clip_id}"


def request_extraction(clip: Clip, reason: str = "a project needs the clip's file") -> bool:
    """Ask for the clip's cut and wake a worker; False when it already has a file
    or a cut under way (two requests run one cut). A new request starts counting
    attempts again."""
    with transaction.atomic():
        requested = CUTS.transition(
            clip.pk, EXTRACTING, source=CLAIMABLE, reason=reason,
            extraction_error="", extraction_attempts=0, extraction_requeues=0, extraction_worker="",
            extraction_started_at=None, extraction_queued_at=timezone.now(),
        )  # fmt: skip
        if not requested:
            return False
        # The times as stored, not as this instance holds them: the task compares them.
        start, end = Clip.objects.filter(pk=clip.pk).values_list("start_time", "end_time").get()
        clip.extraction_status, clip.extraction_error = EXTRACTING, ""
        enqueue(clip.pk, start, end)
    return True


def enqueue(clip_id: int, start_time: float, end_time: float) -> None:
    """Wake a worker once the transaction commits (a broker that is down leaves the
    clip waiting for the sweeper)."""
    name = task_id(clip_id)

    def send() -> None:
        async_task(
            "games.tasks.extract_clip", clip_id, start_time, end_time,
            group="extraction", task_name=name, cluster="cpu",
        )  # fmt: skip

    wake_after_commit(send, f"the cut of clip {clip_id}")


def invalidate_file(clip: Clip, reason: str = "its times changed") -> None:
    """The clip's times changed (or its game's video): its file is wrong. Delete it
    once the change commits and make the clip pending again (an extraction under way
    finds its claim stale and throws its result away)."""
    with transaction.atomic():
        # Locked and read here, so a file an extraction stored a moment ago is seen.
        key = Clip.objects.select_for_update().filter(pk=clip.pk).values_list("file_key", flat=True).first()
        CUTS.transition(
            clip.pk, PENDING, source=[EXTRACTING, READY, FAILED], reason=reason,
            file_key="", file_lead_in=0.0, extraction_error="", extraction_worker="",
            extraction_started_at=None, extraction_queued_at=None,
        )  # fmt: skip
        if key:
            transaction.on_commit(partial(_delete_quietly, key))
    clip.file_key, clip.file_lead_in = "", 0.0
    clip.extraction_status, clip.extraction_error = PENDING, ""


def cut_again(game_id: int) -> int:
    """The game's video was replaced (call inside the transaction that replaces it):
    every clip cut, being cut or failed from the old video is invalidated (its file
    deleted once this commits; a cut under way finds its claim gone and throws its
    result away) and cut again from the new video. Clips nobody asked to cut stay
    pending. Returns how many clips are cut again."""
    clips = list(Clip.objects.filter(game_id=game_id).exclude(extraction_status=PENDING).order_by("pk"))
    for clip in clips:
        invalidate_file(clip, reason="the game's video was replaced")
        request_extraction(clip, reason="cut again from the game's new video")
    return len(clips)


# --- The worker side ---------------------------------------------------------------------


def claim(clip_id: int, start_time: float, end_time: float, me: str) -> Clip | None:
    """One conditional UPDATE: the cut of these times is ours, or it is someone
    else's, stale (the clip was edited, deleted, or no longer waits) and we leave."""
    claimed = CUTS.transition(
        clip_id, EXTRACTING, source=[EXTRACTING], reason=f"claimed by {me}", actor=me,
        where={"start_time": start_time, "end_time": end_time, "extraction_worker": ""},
        extraction_worker=me, extraction_attempts=F("extraction_attempts") + 1,
        extraction_started_at=timezone.now(),
    )  # fmt: skip
    if not claimed:
        return None
    return Clip.objects.select_related("game").get(pk=clip_id)


def extract_clip(clip_id: int, start_time: float, end_time: float) -> str | None:
    """Cut the clip, store it and make it ready; returns its key, or None when the
    task is stale (clip gone, edited, not waiting, another worker's) or the cut failed."""
    me = worker_id()
    clip = claim(clip_id, start_time, end_time, me)
    if clip is None:
        log.info("Extraction of clip %s skipped: it no longer waits for a cut of these times", clip_id)
        return None
    # Only while the cut is still this attempt's: an edit or a sweeper's requeue wins.
    mine = {
        "start_time": start_time, "end_time": end_time,
        "extraction_worker": me, "extraction_attempts": clip.extraction_attempts,
    }  # fmt: skip
    for left in Path(tempfile.gettempdir()).glob(f"{task_id(clip.pk)}-*"):  # an attempt killed on this host
        shutil.rmtree(left, ignore_errors=True)
    game = clip.game
    data = {"clip_id": clip.pk, "game_id": game.pk, "task_id": task_id(clip.pk)}
    notify(
        game.owner_id,
        NotificationType.EXTRACTION_STARTED,
        "Cutting a clip",
        f"{clip.label} from {game.display_name}",
        data=data,
    )
    stored_key = ""
    stop = StopSignal()
    try:
        with (
            stop,
            Heartbeat(task_id(clip.pk), me, settings.EXTRACTION_HEARTBEAT_SECONDS) as heart,
            tempfile.TemporaryDirectory(prefix=f"{task_id(clip.pk)}-") as folder,
        ):
            target = Path(folder) / "clip.mp4"
            lead_in = _cut(clip, target, Path(folder), heart, stop)
            stored_key = _store(clip, target)
            with transaction.atomic():
                finished = CUTS.transition(
                    clip.pk, READY, source=[EXTRACTING], where={**mine, "file_key": ""}, actor=me,
                    reason=f"cut by {me} (attempt {clip.extraction_attempts})",
                    file_key=stored_key, file_lead_in=lead_in,
                )  # fmt: skip
                if finished:
                    notify(
                        game.owner_id,
                        NotificationType.EXTRACTION_COMPLETE,
                        "Clip ready",
                        f"{clip.label} is cut and ready to edit.",
                        data=data,
                    )
                    request_pictures(clip_source(clip, key=stored_key, lead_in=lead_in))
    except Stopped:
        release(clip, where=mine, actor=me)
        return None
    except Exception as exc:
        if stored_key:
            _delete_quietly(stored_key)
        if isinstance(exc, ExtractionError):
            reason = str(exc)
            log.warning("Extraction of clip %s failed: %s", clip_id, reason)
        else:
            reason = "Something went wrong while cutting this clip; try again."
            log.exception("Extraction of clip %s failed", clip_id)
        fail(clip, reason, where=mine, actor=me)
        return None
    finally:
        if stop.received:  # the job is handled: now the process may end
            stop.deliver()
    if not finished:
        log.info("Extraction of clip %s finished after the clip changed; its file is discarded", clip_id)
        _delete_quietly(stored_key)
        return None
    return stored_key


def release(clip: Clip, *, where: dict, actor: str) -> None:
    """The worker is stopping: give the cut back to the queue; this attempt does not count."""
    with transaction.atomic():
        if CUTS.transition(
            clip.pk, EXTRACTING, source=[EXTRACTING], where=where, actor=actor,
            reason=f"worker {actor} was asked to stop; queued again",
            extraction_attempts=F("extraction_attempts") - 1, extraction_worker="",
            extraction_started_at=None, extraction_queued_at=timezone.now(),
        ):  # fmt: skip
            enqueue(clip.pk, clip.start_time, clip.end_time)


def fail(clip: Clip, reason: str, *, where: dict, actor: str = "") -> bool:
    """End the cut with `reason` (a sentence the owner reads) while `where` still
    holds, and tell the owner; False when an edit or a new request came first (then
    nobody needs to hear this)."""
    reason = sentence(reason, ERROR_MAX)
    with transaction.atomic():
        failed = CUTS.transition(
            clip.pk, FAILED, source=[EXTRACTING], where=where, actor=actor, reason=reason,
            extraction_error=reason,
        )  # fmt: skip
        if failed:
            notify(
                clip.game.owner_id,
                NotificationType.EXTRACTION_FAILED,
                "Could not cut a clip",
                reason,
                data={"clip_id": clip.pk, "game_id": clip.game_id, "task_id": task_id(clip.pk)},
            )
    return failed


def _cut(clip: Clip, target: Path, folder: Path, heart: Heartbeat, stop: StopSignal) -> float:
    """Write the clip to `target`; return its file_lead_in."""
    game = clip.game
    if not game.video_key:
        raise ExtractionError("The game has no video to cut this clip from.")
    if game.video_duration and clip.start_time >= game.video_duration:
        raise ExtractionError("This clip starts after the end of the game video.")
    store = object_store()
    if store.size(game.video_key) is None:
        raise ExtractionError("The game's video is missing from storage, so this clip cannot be cut.")
    source = store.read_location(game.video_key)
    report = partial(_report_progress, clip, heart, stop)
    return cut_file(source, clip.start_time, clip.end_time, target, folder, report, codec=game.video_codec)


def _store(clip: Clip, path: Path) -> str:
    game = clip.game
    key = f"users/{game.owner_id}/games/{game.pk}/clips/{clip.pk}-{uuid.uuid4().hex}.mp4"
    with open(path, "rb") as handle:
        return default_storage.save(key, File(handle, name=path.name))


def _delete_quietly(key: str) -> None:
    try:
        object_store().delete(key)
    except Exception:
        log.exception("Could not delete the clip file %s", key)


def _report_progress(clip: Clip, heart: Heartbeat, stop: StopSignal, duration: float, done: float) -> None:
    if stop.received:  # raised through run_ffmpeg, which kills ffmpeg on the way out
        raise Stopped()
    percent = max(0.0, min(100.0, 100.0 * done / duration)) if duration > 0 else 100.0
    heart.progress = percent
    send_progress(
        clip.game.owner_id,
        task_id(clip.pk),
        percent,
        clip.label,
        type=NotificationType.EXTRACTION_PROGRESS,
        title="Cutting a clip",
        data={"clip_id": clip.pk, "game_id": clip.game_id},
    )

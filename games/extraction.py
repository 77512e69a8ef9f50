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
deleted. The sweeper (games/sweeper.py) queues again a cut whose worker stopped
beating or that no worker took on, and fails it after EXTRACTION_MAX_ATTEMPTS.

The game video is read where it lies: a local path, or on S3 a presigned GET URL.
FFmpeg's http input seeks with Range requests, so only the bytes around the clip
are read, never the whole game.

Copy or re-encode
-----------------
Stream copy (`-c copy`) is fast and lossless, but a copied video can only start
at a keyframe. We find the last keyframe at or before the clip's start:

- if it lies at most MAX_LEAD_IN seconds before the start, we copy from that
  keyframe (`-ss keyframe` before `-i`, so no frame before it is needed) and
  record `file_lead_in`: where the marked start lies in the file. It is the
  distance from the keyframe plus wherever the muxer placed the keyframe
  (`-avoid_negative_ts make_zero` moves it later by the B-frame decode delay,
  usually a frame or two), measured by decoding the file's first frame, never
  assumed from a frame rate;
- otherwise copying would add up to a whole GOP (cameras use 1 to 10 s) before
  the start, so we re-encode from the exact start: ffmpeg decodes from the
  keyframe and drops frames before the start, the file starts at the marked
  start and `file_lead_in` is 0.

A copy that FFmpeg cannot write (a codec MP4 does not carry) falls back to a
re-encode.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import av
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from games.models import Clip, ExtractionEvent, ExtractionStatus
from games.objects import object_store
from games.probe import NotAVideo, probe
from notifications.models import NotificationType
from notifications.service import notify, send_progress
from videoeditor.liveness import Heartbeat, worker_id
from videoeditor.pipeline import Pipeline, sentence, wake_after_commit

log = logging.getLogger(__name__)

# Copy only when the file would start at most this long before the marked start.
MAX_LEAD_IN = 0.5
FFMPEG_TIMEOUT = 15 * 60  # seconds for one cut; a 60 s clip takes a fraction of that
READ_TIMEOUT = 30  # seconds without an answer from storage before giving up
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


class ExtractionError(Exception):
    """The clip cannot be cut; the message is a sentence for the user."""


@dataclass(frozen=True)
class Cut:
    """How to cut one clip: seek to `seek` seconds of the game and write `duration`."""

    copy: bool
    seek: float
    duration: float
    lead_in: float  # seconds from the keyframe to the marked start (copy only)
    codec: str = ""


# --- The web side ----------------------------------------------------------------------


def task_id(clip_id: int) -> str:
    """The cut's name in django-q2, in notifications and in its Redis heartbeat."""
    return f"extract_{clip_id}"


def request_extraction(clip: Clip) -> bool:
    """Ask for the clip's cut and wake a worker; False when it already has a file
    or a cut under way (two requests run one cut). A new request starts counting
    attempts again."""
    with transaction.atomic():
        requested = CUTS.transition(
            clip.pk, EXTRACTING, source=CLAIMABLE, reason="a project needs the clip's file",
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


def invalidate_file(clip: Clip) -> None:
    """The clip's times changed: its file is wrong. Delete it once the change
    commits and make the clip pending again (an extraction under way finds its
    times stale and throws its result away)."""
    with transaction.atomic():
        # Locked and read here, so a file an extraction stored a moment ago is seen.
        key = Clip.objects.select_for_update().filter(pk=clip.pk).values_list("file_key", flat=True).first()
        CUTS.transition(
            clip.pk, PENDING, source=[EXTRACTING, READY, FAILED], reason="its times changed",
            file_key="", file_lead_in=0.0, extraction_error="", extraction_worker="",
            extraction_started_at=None, extraction_queued_at=None,
        )  # fmt: skip
        if key:
            transaction.on_commit(partial(_delete_quietly, key))
    clip.file_key, clip.file_lead_in = "", 0.0
    clip.extraction_status, clip.extraction_error = PENDING, ""


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
    try:
        with (
            Heartbeat(task_id(clip.pk), me, settings.EXTRACTION_HEARTBEAT_SECONDS) as heart,
            tempfile.TemporaryDirectory(prefix=f"{task_id(clip.pk)}-") as folder,
        ):
            target = Path(folder) / "clip.mp4"
            lead_in = _cut(clip, target, Path(folder), heart)
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
    if not finished:
        log.info("Extraction of clip %s finished after the clip changed; its file is discarded", clip_id)
        _delete_quietly(stored_key)
        return None
    return stored_key


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


def _cut(clip: Clip, target: Path, folder: Path, heart: Heartbeat) -> float:
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
    cut = plan_cut(source, clip.start_time, clip.end_time)
    report = partial(_report_progress, clip, heart, cut.duration)
    try:
        run_ffmpeg(ffmpeg_command(source, cut, target), folder, report)
    except ExtractionError:
        if not cut.copy:
            raise
        log.warning("Stream copy of clip %s failed; re-encoding it", clip.pk, exc_info=True)
        cut = reencode_cut(clip.start_time, clip.end_time)
        run_ffmpeg(ffmpeg_command(source, cut, target), folder, report)
    try:
        probe(str(target))
        first_frame = first_frame_time(target)
    except NotAVideo as exc:
        raise ExtractionError(f"The cut clip came out unreadable: {exc}") from None
    except av.error.FFmpegError as exc:
        raise ExtractionError(f"The cut clip came out unreadable ({exc.strerror}).") from None
    report(cut.duration)  # the final 100 % always goes out
    return cut.lead_in + first_frame if cut.copy else 0.0


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


def _report_progress(clip: Clip, heart: Heartbeat, duration: float, done: float) -> None:
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


# --- Planning and running the cut (no ORM below) -------------------------------------


def keyframe_before(source: str, time: float) -> tuple[float | None, str]:
    """(seconds of the last video keyframe at or before `time`, the video codec).
    Seconds count from the file's start, as FFmpeg's -ss does. Reads the index and
    a packet or two: a few range requests over http."""
    try:
        with av.open(source, timeout=READ_TIMEOUT) as container:
            if not container.streams.video:
                raise ExtractionError("The game video has no video stream to cut this clip from.")
            video = container.streams.video[0]
            origin = (container.start_time or 0) / av.time_base
            container.seek(int((time + origin) / video.time_base), stream=video, backward=True)
            for packet in container.demux(video):
                if packet.pts is None:
                    continue
                at = float(packet.pts * video.time_base) - origin
                if packet.is_keyframe:
                    return (at if at <= time else None), video.codec_context.name
                if at > time:
                    break
            return None, video.codec_context.name
    except av.error.FFmpegError as exc:
        raise ExtractionError(f"The game video could not be read ({exc.strerror or exc}).") from None


def plan_cut(source: str, start: float, end: float) -> Cut:
    """Copy from the keyframe before `start` when it is close enough, else re-encode."""
    keyframe, codec = keyframe_before(source, start)
    if keyframe is not None and 0 <= start - keyframe <= MAX_LEAD_IN:
        return Cut(copy=True, seek=keyframe, duration=end - keyframe, lead_in=start - keyframe, codec=codec)
    return reencode_cut(start, end)


def reencode_cut(start: float, end: float) -> Cut:
    return Cut(copy=False, seek=start, duration=end - start, lead_in=0.0)


def _seconds(value: float, up: bool = False) -> str:
    """Microseconds, as FFmpeg parses them. A keyframe's time rounds up, so the
    backward seek lands on that keyframe and not on the one before."""
    micro = math.ceil(value * 1_000_000) if up else round(value * 1_000_000)
    return f"{micro / 1_000_000:.6f}"


def ffmpeg_command(source: str, cut: Cut, target: Path) -> list[str]:
    command = [settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    if source.startswith(("http://", "https://")):
        command += ["-rw_timeout", str(READ_TIMEOUT * 1_000_000)]
    command += ["-ss", _seconds(cut.seek, up=cut.copy), "-i", source, "-t", _seconds(cut.duration)]
    # The first video and audio streams only: cameras add data tracks MP4 players choke on.
    command += ["-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn"]
    if cut.copy:
        command += ["-c", "copy", "-avoid_negative_ts", "make_zero"]
        if cut.codec == "hevc":
            command += ["-tag:v", "hvc1"]  # Apple players refuse HEVC tagged hev1
    else:
        command += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
        command += ["-c:a", "aac"]
    return [*command, "-movflags", "+faststart", "-progress", "pipe:1", str(target)]


def run_ffmpeg(command: list[str], folder: Path, on_progress) -> None:
    """Run FFmpeg, calling on_progress(seconds written) as it reports; raise
    ExtractionError with its last error line if it fails or runs too long."""
    errors_path = folder / "ffmpeg.log"
    with open(errors_path, "w+b") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        expired = threading.Event()

        def expire() -> None:  # a stalled read or a runaway encode: stop it
            expired.set()
            process.kill()

        timer = threading.Timer(FFMPEG_TIMEOUT, expire)
        timer.start()
        try:
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    on_progress(int(value) / 1_000_000)
            code = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        if expired.is_set():
            raise ExtractionError(
                f"Cutting this clip took longer than {FFMPEG_TIMEOUT // 60} minutes, so it was stopped."
            )
        if code != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            detail = lines[-1].strip() if lines else f"exit status {code}"
            # Never show a presigned URL or a server path to the user.
            detail = detail.replace(command[command.index("-i") + 1], "the game video")
            raise ExtractionError(f"FFmpeg could not cut this clip from the game video ({detail}).")


def first_frame_time(path: Path) -> float:
    """Seconds from the file's start to its first video frame."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        origin = (container.start_time or 0) / av.time_base
        for frame in container.decode(video):
            if frame.time is not None:
                return max(0.0, frame.time - origin)
    return 0.0

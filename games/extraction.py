"""Clip extraction: cutting a clip's own file out of the game video.

A clip is a pair of times on the game video. When a project uses it, a django-q2
task cuts those seconds into a file of their own, so editing and rendering never
read the whole game again. The web side claims the clip with one conditional
UPDATE (pending/failed -> extracting) and enqueues after commit, so two requests
run one extraction; the worker re-checks that claim before and after the cut
(poison-pill guard), so an edit made meanwhile wins and a stale file is deleted.

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
from django_q.tasks import async_task

from games.models import Clip, ExtractionStatus
from games.objects import object_store
from games.probe import NotAVideo, probe
from notifications.models import NotificationType
from notifications.service import notify, send_progress

log = logging.getLogger(__name__)

# Copy only when the file would start at most this long before the marked start.
MAX_LEAD_IN = 0.5
FFMPEG_TIMEOUT = 15 * 60  # seconds for one cut; a 60 s clip takes a fraction of that
READ_TIMEOUT = 30  # seconds without an answer from storage before giving up
ERROR_MAX = 500  # Clip.extraction_error's length

CLAIMABLE = [ExtractionStatus.PENDING, ExtractionStatus.FAILED]


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


def request_extraction(clip: Clip) -> bool:
    """Claim the clip and enqueue its extraction; False when it already has a
    file or an extraction under way (two requests run one extraction)."""
    with transaction.atomic():
        claimed = Clip.objects.filter(pk=clip.pk, extraction_status__in=CLAIMABLE).update(
            extraction_status=ExtractionStatus.EXTRACTING, extraction_error=""
        )
        if claimed != 1:
            return False
        # The times as stored, not as this instance holds them: the task compares them.
        start, end = Clip.objects.filter(pk=clip.pk).values_list("start_time", "end_time").get()
        clip.extraction_status, clip.extraction_error = ExtractionStatus.EXTRACTING, ""
        transaction.on_commit(
            partial(
                async_task,
                "games.tasks.extract_clip",
                clip.pk,
                start,
                end,
                group="extraction",
                task_name=f"extract_{clip.pk}",
                cluster="cpu",
            )
        )
    return True


def invalidate_file(clip: Clip) -> None:
    """The clip's times changed: its file is wrong. Delete it once the change
    commits and make the clip pending again (an extraction under way finds its
    times stale and throws its result away)."""
    with transaction.atomic():
        # Locked and read here, so a file an extraction stored a moment ago is seen.
        key = Clip.objects.select_for_update().filter(pk=clip.pk).values_list("file_key", flat=True).first()
        Clip.objects.filter(pk=clip.pk).update(
            file_key="", file_lead_in=0.0, extraction_status=ExtractionStatus.PENDING, extraction_error=""
        )
        if key:
            transaction.on_commit(partial(_delete_quietly, key))
    clip.file_key, clip.file_lead_in = "", 0.0
    clip.extraction_status, clip.extraction_error = ExtractionStatus.PENDING, ""


# --- The worker side ---------------------------------------------------------------------


def extract_clip(clip_id: int, start_time: float, end_time: float) -> str | None:
    """Cut the clip, store it and make it ready; returns its key, or None when the
    task is stale (clip gone, edited, not claimed) or the cut failed."""
    clip = Clip.objects.select_related("game").filter(pk=clip_id).first()
    if clip is None:
        log.info("Extraction of clip %s skipped: the clip no longer exists", clip_id)
        return None
    if (clip.start_time, clip.end_time) != (start_time, end_time):
        log.info("Extraction of clip %s skipped: its times changed since it was queued", clip_id)
        return None
    if clip.extraction_status != ExtractionStatus.EXTRACTING:
        log.info("Extraction of clip %s skipped: its status is %s", clip_id, clip.extraction_status)
        return None

    game = clip.game
    data = {"clip_id": clip.pk, "game_id": game.pk, "task_id": f"extract_{clip.pk}"}
    notify(
        game.owner_id,
        NotificationType.EXTRACTION_STARTED,
        "Cutting a clip",
        f"{clip.label} from {game.display_name}",
        data=data,
    )
    stored_key = ""
    try:
        with tempfile.TemporaryDirectory(prefix="extract-") as folder:
            target = Path(folder) / "clip.mp4"
            lead_in = _cut(clip, target, Path(folder))
            stored_key = _store(clip, target)
        with transaction.atomic():
            # Only a clip still waiting for this very cut takes the file.
            finished = (
                still_claimed(clip.pk, start_time, end_time)
                .filter(file_key="")
                .update(file_key=stored_key, file_lead_in=lead_in, extraction_status=ExtractionStatus.READY)
            )
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
        _fail(clip, start_time, end_time, reason, data)
        return None
    if not finished:
        log.info("Extraction of clip %s finished after the clip changed; its file is discarded", clip_id)
        _delete_quietly(stored_key)
        return None
    return stored_key


def still_claimed(clip_id: int, start_time: float, end_time: float):
    """The clip, only while it still waits for the cut of these times (an edit or a
    new claim made meanwhile wins)."""
    return Clip.objects.filter(
        pk=clip_id, extraction_status=ExtractionStatus.EXTRACTING, start_time=start_time, end_time=end_time
    )


def _fail(clip: Clip, start_time: float, end_time: float, reason: str, data: dict) -> None:
    reason = reason if len(reason) <= ERROR_MAX else reason[: ERROR_MAX - 1] + "…"
    with transaction.atomic():
        failed = still_claimed(clip.pk, start_time, end_time).update(
            extraction_status=ExtractionStatus.FAILED, extraction_error=reason
        )
        if failed:  # an edit made meanwhile already asked for a new cut: nobody needs to hear this
            notify(
                clip.game.owner_id,
                NotificationType.EXTRACTION_FAILED,
                "Could not cut a clip",
                reason,
                data=data,
            )


def _cut(clip: Clip, target: Path, folder: Path) -> float:
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
    report = partial(_report_progress, clip, cut.duration)
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


def _report_progress(clip: Clip, duration: float, done: float) -> None:
    percent = max(0.0, min(100.0, 100.0 * done / duration)) if duration > 0 else 100.0
    send_progress(
        clip.game.owner_id,
        f"extract_{clip.pk}",
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

"""Pictures of videos: a poster frame, and a filmstrip (a sprite sheet of frames in
a grid, the way video sites build storyboards) that editors draw under their
timelines.

Made by a worker after a video arrives (a game's upload is probed, a clip is cut, an
export finishes), stored as JPEGs in object storage and recorded as `Picture` rows
keyed by the video's storage key: a replaced video or a clip cut again has a new key,
so it gets new pictures and the old ones are deleted. The API finds a page's pictures
by its videos' keys in one query (`attach`) and serves them, owner only, from
/api/pictures/<id> (`PictureFile` in games/api.py).

Frames are read with PyAV where the video lies (a local path, or on S3 a presigned
GET: FFmpeg seeks with Range requests), one seek per far-apart frame, so a 90-minute
game is never decoded whole.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import av
import numpy as np
from django.db import transaction
from django_q.tasks import async_task
from PIL import Image

from games.filmstrip import Layout, even, filmstrip_layout
from games.models import Picture, PictureKind, PictureSubject
from games.objects import object_store
from videoeditor.pipeline import wake_after_commit

log = logging.getLogger(__name__)

POSTER_WIDTH = 480
POSTER_AT = 0.10  # of the duration: past the kick-off's black frames and titles
JPEG_QUALITY = 82
SEEK_AHEAD = 3.0  # seconds: a frame further ahead than this is sought, nearer ones decoded to
MAX_BYTES = 20 * 2**20


class PictureError(Exception):
    """The video could not be read; the pictures are skipped (the page shows none)."""


# --- reading frames ------------------------------------------------------------------------


class FrameReader:
    """Frames of one video at given times, scaled; times in seconds from `offset`
    (a clip file's lead-in before its marked start)."""

    def __init__(self, source: str, offset: float = 0.0) -> None:
        try:
            self.container = av.open(source, timeout=30)
        except av.error.FFmpegError as exc:
            raise PictureError(f"cannot open the video ({exc.strerror or exc})") from None
        if not self.container.streams.video:
            self.container.close()
            raise PictureError("the file has no video stream")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self.width = self.stream.codec_context.width
        self.height = self.stream.codec_context.height
        rate = self.stream.average_rate or self.stream.guessed_rate
        self.half_frame = 0.5 / float(rate) if rate else 0.0
        self.origin = (self.container.start_time or 0) / av.time_base + offset
        self._frames: Iterator | None = None
        self._at: float | None = None  # time of the last decoded frame
        self._last = None

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.container.close()

    def _seek(self, time: float) -> None:
        target = int((self.origin + max(0.0, time)) / self.stream.time_base)
        self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
        self._frames, self._at = self.container.decode(self.stream), None

    def frame_at(self, time: float, width: int, height: int) -> np.ndarray:
        """The frame shown at `time` (the first whose start is within half a frame of
        it), as a height x width x 3 RGB array; the last frame past the end."""
        far = self._at is None or time - self._at > SEEK_AHEAD or time < self._at - self.half_frame
        if self._frames is None or far:
            self._seek(time)
        picked = None
        try:
            for frame in self._frames:
                if frame.time is None:
                    continue
                self._at, self._last = frame.time - self.origin, frame
                if self._at >= time - self.half_frame:
                    picked = frame
                    break
        except av.error.FFmpegError as exc:
            raise PictureError(f"cannot decode the video ({exc.strerror or exc})") from None
        picked = picked or self._last
        if picked is None:
            raise PictureError("the video has no frames")
        return picked.to_ndarray(format="rgb24", width=width, height=height)


# --- the pictures ------------------------------------------------------------------------


def jpeg(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def poster(reader: FrameReader, duration: float) -> tuple[bytes, int, int]:
    width = min(POSTER_WIDTH, even(reader.width))
    height = even(width * reader.height / reader.width)
    return jpeg(reader.frame_at(duration * POSTER_AT, width, height)), width, height


def filmstrip(reader: FrameReader, layout: Layout) -> bytes:
    sheet = np.zeros((layout.rows * layout.tile_height, layout.columns * layout.tile_width, 3), np.uint8)
    for index, time in enumerate(layout.times()):
        row, column = divmod(index, layout.columns)
        y, x = row * layout.tile_height, column * layout.tile_width
        sheet[y : y + layout.tile_height, x : x + layout.tile_width] = reader.frame_at(
            time, layout.tile_width, layout.tile_height
        )
    return jpeg(sheet)


# --- making and keeping them -------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A video to make pictures of: whose, which file, how long, and from where in it."""

    subject_type: str
    subject_id: int
    owner_id: int
    key: str
    duration: float
    offset: float = 0.0


def task_name(source: Source) -> str:
    return f"pictures_{source.subject_type}_{source.subject_id}"


def request_pictures(
    source: Source, kinds: Iterable[str] = (PictureKind.POSTER, PictureKind.FILMSTRIP)
) -> None:
    """Wake a worker to make the pictures once the transaction commits (a broker that
    is down costs the pictures, never the upload or the cut)."""
    if not source.key or not source.duration or source.duration <= 0:
        return
    kinds = [str(kind) for kind in kinds]

    def send() -> None:
        async_task(
            "games.tasks.make_pictures", source.__dict__, kinds,
            group="pictures", task_name=task_name(source), cluster="cpu",
        )  # fmt: skip

    wake_after_commit(send, f"the pictures of {source.subject_type} {source.subject_id}")


def draw(reader: FrameReader, kind: str, duration: float) -> tuple[bytes, dict]:
    """The JPEG of one kind of picture, and the fields of its row."""
    if kind == PictureKind.POSTER:
        data, width, height = poster(reader, duration)
        return data, {"width": width, "height": height}
    layout = filmstrip_layout(duration, reader.width, reader.height)
    width, height = layout.columns * layout.tile_width, layout.rows * layout.tile_height
    return filmstrip(reader, layout), {**layout.__dict__, "width": width, "height": height}


def make_pictures(source: Source, kinds: Iterable[str]) -> list[Picture]:
    """Make the missing pictures of this video and store them; the subject's
    pictures of older videos go. Nothing is kept when the video went meanwhile."""
    kinds = [kind for kind in kinds if not Picture.objects.filter(source_key=source.key, kind=kind).exists()]
    store = object_store()
    if not kinds or store.size(source.key) is None:
        return []
    subject = {"subject_type": source.subject_type, "subject_id": source.subject_id}
    made, keys = [], []
    try:
        with FrameReader(store.read_location(source.key), source.offset) as reader:
            for kind in kinds:
                data, fields = draw(reader, kind, source.duration)
                key = f"users/{source.owner_id}/pictures/{source.subject_type}-{source.subject_id}-{kind}-"
                key += f"{uuid.uuid4().hex[:12]}.jpg"
                store.save_stream(key, io.BytesIO(data), MAX_BYTES)
                keys.append(key)
                row = {"owner_id": source.owner_id, "source_key": source.key, "kind": kind, "key": key}
                made.append(Picture(**subject, **row, **fields))
        if store.size(source.key) is None:  # the video was deleted or replaced while we read it
            raise PictureError("the video went while its pictures were made")
        with transaction.atomic():
            Picture.objects.bulk_create(made, ignore_conflicts=True)
            forget(Picture.objects.filter(**subject).exclude(source_key=source.key))
    except Exception as exc:
        for key in keys:
            delete_quietly(key)
        if isinstance(exc, PictureError):
            log.warning("No pictures of %s %s: %s", source.subject_type, source.subject_id, exc)
            return []
        raise
    # A concurrent worker may have stored the same pictures first: keep only the rows' files.
    kept = set(Picture.objects.filter(key__in=keys).values_list("key", flat=True))
    for key in set(keys) - kept:
        delete_quietly(key)
    return list(Picture.objects.filter(key__in=kept))


def forget(pictures) -> None:
    """Delete these pictures, their files once the transaction commits."""
    keys = list(pictures.values_list("key", flat=True))
    pictures.delete()
    for key in keys:
        transaction.on_commit(partial(delete_quietly, key))


def forget_subject(subject_type: str, subject_id) -> None:
    """The pictures of one subject, or of several (`subject_id` a query of their ids)."""
    lookup = "subject_id__in" if hasattr(subject_id, "query") else "subject_id"
    forget(Picture.objects.filter(subject_type=subject_type, **{lookup: subject_id}))


def delete_quietly(key: str) -> None:
    try:
        object_store().delete(key)
    except Exception:
        log.exception("Could not delete the picture %s", key)


# --- what the API shows --------------------------------------------------------------------

CACHE = "_pictures"


def attach(objects: Iterable, key_of) -> None:
    """Look up the pictures of many objects in one query; `key_of(obj)` is the
    video key each object's pictures were made from (or "")."""
    objects = list(objects)
    keys = {key_of(obj) for obj in objects} - {""}
    found: dict[str, dict[str, Picture]] = {}
    for picture in Picture.objects.filter(source_key__in=keys) if keys else []:
        found.setdefault(picture.source_key, {})[picture.kind] = picture
    for obj in objects:
        setattr(obj, CACHE, found.get(key_of(obj), {}))


def pictures_of(obj, key: str) -> dict[str, Picture]:
    """The pictures made from `key`, attached by `attach` or read now."""
    cached = getattr(obj, CACHE, None)
    if cached is None:
        cached = {p.kind: p for p in Picture.objects.filter(source_key=key)} if key else {}
        setattr(obj, CACHE, cached)
    return cached


def picture_url(picture: Picture | None) -> str | None:
    return f"/api/pictures/{picture.pk}" if picture else None


def poster_url(obj, key: str) -> str | None:
    return picture_url(pictures_of(obj, key).get(PictureKind.POSTER))


def filmstrip_data(obj, key: str) -> dict | None:
    sheet = pictures_of(obj, key).get(PictureKind.FILMSTRIP)
    if sheet is None:
        return None
    return {
        "url": picture_url(sheet), "columns": sheet.columns, "rows": sheet.rows,
        "tile_width": sheet.tile_width, "tile_height": sheet.tile_height,
        "interval": sheet.interval, "count": sheet.count,
    }  # fmt: skip


# --- sources ------------------------------------------------------------------------------


def game_source(game) -> Source:
    return Source(PictureSubject.GAME, game.pk, game.owner_id, game.video_key, game.video_duration or 0.0)


def clip_source(clip, key: str | None = None, lead_in: float | None = None) -> Source:
    """A cut clip (its file `key`, by default the stored one): times from its marked
    start, as editors count them; the file begins `lead_in` seconds earlier."""
    return Source(
        PictureSubject.CLIP, clip.pk, clip.game.owner_id, clip.file_key if key is None else key,
        clip.duration, clip.file_lead_in if lead_in is None else lead_in,
    )  # fmt: skip

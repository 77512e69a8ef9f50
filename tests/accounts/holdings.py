"""An account holding one of everything the product stores for a person, written as
rows plus real objects in the configured storage (local files, or S3 over moto), and
a look at what is left under a person's prefixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts import purge
from exports.models import (
    FinalVideo,
    Project,
    ProjectClip,
    ReviewKind,
    ReviewSegment,
    ReviewVideo,
    WorkingVideo,
)
from games.models import Clip, Game, Picture
from games.objects import S3Objects, object_store
from tests.media import make_video


@dataclass
class Holdings:
    game: Game
    clips: list[Clip]
    project: Project
    final: FinalVideo
    review: ReviewVideo
    keys: list[str] = field(default_factory=list)  # every object stored for the account
    multipart: str = ""  # the key of an unfinished S3 multipart upload ("" on local storage)


# The accounts that stored objects here: ids come back after a test's rollback (SQLite),
# so what a test stored is removed after it (forget_stored) and before (account_holdings).
TOUCHED: set[int] = set()


def forget_stored() -> None:
    while TOUCHED:
        purge.remove_all(TOUCHED.pop())


def store(key: str, data: bytes) -> str:
    TOUCHED.add(int(key.split("/")[1]))
    saved = default_storage.save(key, ContentFile(data))
    assert saved == key, saved
    return key


def store_file(key: str, path: Path) -> str:
    return store(key, path.read_bytes())


def account_holdings(user, media: Path) -> Holdings:
    """A game with its (tiny, real) video, two clips (one cut), a project with a
    working and a final video, a game review and one of its cached pieces, a poster,
    a stray object no row points at and, on S3, an unfinished multipart upload."""
    uid = user.pk
    purge.remove_all(uid)  # another test's, under a reused id
    TOUCHED.add(uid)
    video = make_video(media, seconds=1, size="160x90")
    game = Game.objects.create(
        owner=user, opponent_name="Rovers", video_status="ready", video_duration=1.0, video_width=160,
        video_height=90, video_fps=25.0, video_size=video.stat().st_size,
    )  # fmt: skip
    keys = [store_file(f"users/{uid}/games/{game.pk}/match.mp4", video)]
    game.video_key = keys[0]
    game.save(update_fields=["video_key"])
    cut, uncut = (
        Clip.objects.create(game=game, start_time=0.0, end_time=0.5, rating=4, tags=["Goal"]),
        Clip.objects.create(game=game, start_time=0.5, end_time=1.0, rating=3, tags=["Pass"]),
    )
    cut.file_key = store_file(f"users/{uid}/games/{game.pk}/clips/{cut.pk}-abc.mp4", video)
    cut.extraction_status = "ready"
    cut.save(update_fields=["file_key", "extraction_status"])
    keys.append(cut.file_key)
    project = Project.objects.create(owner=user, name="Rovers reel")
    ProjectClip.objects.create(project=project, clip=cut, position=0)
    rendered = {"duration": 1.0, "width": 90, "height": 160, "fps": 25.0, "version": 1}
    working = WorkingVideo.objects.create(
        project=project, file_key=store_file(f"exports/{uid}/{project.pk}/j1-a1-working.mp4", video),
        size=video.stat().st_size, **rendered,
    )  # fmt: skip
    final = FinalVideo.objects.create(
        project=project, file_key=store_file(f"exports/{uid}/{project.pk}/j2-a1-final.mp4", video),
        size=video.stat().st_size, **rendered,
    )  # fmt: skip
    keys += [working.file_key, final.file_key]
    review = ReviewVideo.objects.create(
        owner=user, kind=ReviewKind.GAME_REVIEW, game=game, title="Game review — Rovers",
        file_key=store_file(f"reviews/{uid}/j3-a1.mp4", video), size=video.stat().st_size, **rendered,
    )  # fmt: skip
    segment = ReviewSegment.objects.create(
        key=f"{uid:064d}", clip=cut, file_key=store(f"review-segments/{uid}/{cut.pk}/d1.mp4", b"piece"),
        size=5, duration=0.5,
    )  # fmt: skip
    picture = Picture.objects.create(
        owner=user, subject_type="game", subject_id=game.pk, source_key=game.video_key, kind="poster",
        key=store(f"users/{uid}/pictures/game-{game.pk}-poster-abc.jpg", b"\xff\xd8jpeg"),
        width=160, height=90,
    )  # fmt: skip
    keys += [
        review.file_key,
        segment.file_key,
        picture.key,
        store(f"users/{uid}/stray/orphan.bin", b"x" * 10),
    ]
    holdings = Holdings(game, [cut, uncut], project, final, review, keys)
    objects = object_store()
    if isinstance(objects, S3Objects):
        holdings.multipart = f"users/{uid}/games/{game.pk}/upload.mp4"
        upload = objects.client.create_multipart_upload(Bucket=objects.bucket, Key=holdings.multipart)
        objects.client.upload_part(
            Bucket=objects.bucket, Key=holdings.multipart, UploadId=upload["UploadId"], PartNumber=1,
            Body=b"p" * 1024,
        )  # fmt: skip
    return holdings


def listed(folder: str) -> list[str]:
    """Every object under `folder`, found by Django's storage API (not the code under test)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # local storage: no such folder
        return []
    return [f"{folder}{name}" for name in files] + [
        key for sub in folders for key in listed(f"{folder}{sub}/")
    ]


def left_in_storage(user_id: int) -> list[str]:
    """Every object (and, on S3, unfinished multipart upload) under the person's prefixes."""
    left = sorted(key for prefix in purge.prefixes(user_id) for key in listed(prefix))
    objects = object_store()
    if isinstance(objects, S3Objects):
        for prefix in purge.prefixes(user_id):
            answer = objects.client.list_multipart_uploads(Bucket=objects.bucket, Prefix=prefix)
            left += [f"multipart:{upload['Key']}" for upload in answer.get("Uploads", [])]
    return left

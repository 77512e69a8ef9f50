"""Where uploaded videos go: S3-compatible object storage or local files, behind
one interface (presigned or proxied writes, multipart parts, HEAD, delete,
a location FFmpeg can read).

With S3 the bytes go straight from the browser to the bucket through presigned
URLs; with local storage the same calls are served by our own endpoints and the
parts are kept under VAR_DIR/uploads until they are assembled.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.urls import reverse

COPY_CHUNK = 4 * 1024 * 1024
DELETE_BATCH = 1000  # the most keys S3's DeleteObjects takes at once


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str


class PartTooLarge(ValueError):
    pass


class ObjectStore(Protocol):
    direct: bool

    def size(self, key: str) -> int | None: ...
    def delete(self, key: str) -> None: ...
    def read_location(self, key: str) -> str: ...
    def save_stream(self, key: str, stream: IO[bytes], limit: int) -> int: ...
    def presigned_put(self, key: str, content_type: str, expires: int) -> dict: ...  # direct stores only
    def create_multipart(self, key: str, content_type: str) -> str: ...
    def part_upload(self, session, number: int, expires: int) -> dict: ...
    def list_parts(self, session) -> list[Part]: ...
    def complete_multipart(self, session, parts: list[Part]) -> None: ...
    def abort_multipart(self, session) -> None: ...
    def objects_under(self, prefix: str, page: int = 1000) -> Iterator[tuple[str, int]]: ...
    def anything_under(self, prefix: str) -> bool: ...
    def remove_under(self, prefix: str) -> Removed: ...


def copy_limited(source: IO[bytes], target: IO[bytes], limit: int) -> tuple[int, str]:
    """Copy at most `limit` bytes in chunks (memory stays flat); return (bytes, md5 hex).
    Raise PartTooLarge as soon as the source holds more."""
    digest = hashlib.md5(usedforsecurity=False)
    written = 0
    while chunk := source.read(COPY_CHUNK):
        written += len(chunk)
        if written > limit:
            raise PartTooLarge(f"more than the {limit} bytes announced")
        digest.update(chunk)
        target.write(chunk)
    return written, digest.hexdigest()


@dataclass
class Removed:
    """What a sweep of a prefix removed."""

    objects: int = 0
    bytes: int = 0
    uploads: int = 0  # unfinished multipart uploads aborted

    def add(self, other: Removed) -> None:
        self.objects += other.objects
        self.bytes += other.bytes
        self.uploads += other.uploads


class LocalObjects:
    direct = False

    def __init__(self, storage: FileSystemStorage) -> None:
        self.storage = storage
        self.parts_root = Path(settings.VAR_DIR) / "uploads"

    def size(self, key: str) -> int | None:
        try:
            return os.stat(self.storage.path(key)).st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.storage.delete(key)

    def read_location(self, key: str) -> str:
        return self.storage.path(key)

    def _write_atomically(self, path: Path, fill) -> object:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".incoming-", delete=False)  # noqa: SIM115
        try:
            with handle:
                result = fill(handle)
            os.replace(handle.name, path)
        except BaseException:
            os.unlink(handle.name)
            raise
        return result

    def save_stream(self, key: str, stream: IO[bytes], limit: int) -> int:
        written, _ = self._write_atomically(
            Path(self.storage.path(key)), lambda f: copy_limited(stream, f, limit)
        )
        return written

    # Multipart: parts are files named "<number>.<md5>.part" in the session's folder.
    def _parts_dir(self, session) -> Path:
        return self.parts_root / str(session.id)

    def create_multipart(self, key: str, content_type: str) -> str:
        return ""

    def part_upload(self, session, number: int, expires: int) -> dict:
        url = reverse(
            "upload-part", kwargs={"game_id": session.game_id, "upload_id": session.id, "number": number}
        )
        return {"url": url, "method": "PUT", "direct": False, "headers": {}}

    def store_part(self, session, number: int, stream: IO[bytes], expected: int) -> Part:
        folder = self._parts_dir(session)
        folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".incoming-", delete=False)  # noqa: SIM115
        try:
            with handle:
                written, etag = copy_limited(stream, handle, expected)
            if written != expected:
                raise PartTooLarge(f"{written} bytes where {expected} were expected")
            for old in folder.glob(f"{number}.*.part"):  # a re-sent part replaces the old one
                old.unlink()
            os.replace(handle.name, folder / f"{number}.{etag}.part")
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return Part(number, written, etag)

    def list_parts(self, session) -> list[Part]:
        parts = []
        for path in self._parts_dir(session).glob("*.part"):
            number, etag, _ = path.name.split(".")
            parts.append(Part(int(number), path.stat().st_size, etag))
        return sorted(parts, key=lambda p: p.number)

    def complete_multipart(self, session, parts: list[Part]) -> None:
        folder = self._parts_dir(session)

        def assemble(target: IO[bytes]) -> None:
            for part in parts:
                with open(folder / f"{part.number}.{part.etag}.part", "rb") as source:
                    shutil.copyfileobj(source, target, COPY_CHUNK)

        self._write_atomically(Path(self.storage.path(session.key)), assemble)
        shutil.rmtree(folder, ignore_errors=True)

    def abort_multipart(self, session) -> None:
        shutil.rmtree(self._parts_dir(session), ignore_errors=True)

    def objects_under(self, prefix: str, page: int = 1000) -> Iterator[tuple[str, int]]:
        """(key, size) of every file under the prefix (a folder here)."""
        root = Path(self.storage.location)
        for folder, _, names in os.walk(root / prefix):
            for name in names:
                path = Path(folder) / name
                try:
                    yield path.relative_to(root).as_posix(), path.stat().st_size
                except FileNotFoundError:  # deleted meanwhile
                    continue

    def anything_under(self, prefix: str) -> bool:
        return next(self.objects_under(prefix), None) is not None

    def remove_under(self, prefix: str) -> Removed:
        removed = Removed()
        for key, size in list(self.objects_under(prefix)):
            try:
                os.unlink(self.storage.path(key))
            except FileNotFoundError:
                continue
            removed.objects += 1
            removed.bytes += size
        # The folders (now empty, unless a late writer is at work: the next sweep gets it).
        folder = Path(self.storage.location) / prefix
        if folder.is_dir() and not any(path.is_file() for path in folder.rglob("*")):
            shutil.rmtree(folder, ignore_errors=True)
        return removed


class S3Objects:
    direct = True

    def __init__(self, storage) -> None:
        self.storage = storage
        self.bucket = storage.bucket_name
        self.client = storage.connection.meta.client

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def read_location(self, key: str) -> str:
        return self.presigned_get(key, expires=600)

    def presigned_get(
        self, key: str, expires: int, disposition: str | None = None, content_type: str | None = None
    ) -> str:
        """A GET URL; `disposition` (a Content-Disposition) asks the bucket to answer
        with it, so a browser saves the file under a name of ours; `content_type`
        names what the object is when it was stored without a type."""
        params = {"Bucket": self.bucket, "Key": key}
        if disposition:
            params["ResponseContentDisposition"] = disposition
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def save_stream(self, key: str, stream: IO[bytes], limit: int) -> int:
        from boto3.s3.transfer import TransferConfig

        counted = _CountingReader(stream, limit)
        # 16 MiB parts, two in flight: memory stays around 32 MiB whatever the size.
        config = TransferConfig(multipart_chunksize=16 * 2**20, max_concurrency=2, use_threads=True)
        self.client.upload_fileobj(counted, self.bucket, key, Config=config)
        return counted.read_bytes

    def presigned_put(self, key: str, content_type: str, expires: int) -> dict:
        url = self.client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=expires,
        )
        return {"url": url, "method": "PUT", "headers": {"Content-Type": content_type}}

    def create_multipart(self, key: str, content_type: str) -> str:
        return self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type)[
            "UploadId"
        ]

    def part_upload(self, session, number: int, expires: int) -> dict:
        url = self.client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket,
                "Key": session.key,
                "UploadId": session.s3_upload_id,
                "PartNumber": number,
            },
            ExpiresIn=expires,
        )
        return {"url": url, "method": "PUT", "direct": True, "headers": {}, "expires_in": expires}

    def list_parts(self, session) -> list[Part]:
        parts, marker = [], 0
        while True:  # S3 answers at most 1,000 parts per call
            page = self.client.list_parts(
                Bucket=self.bucket, Key=session.key, UploadId=session.s3_upload_id, PartNumberMarker=marker
            )
            parts += [Part(p["PartNumber"], p["Size"], p["ETag"].strip('"')) for p in page.get("Parts", [])]
            if not page.get("IsTruncated"):
                return parts
            marker = page["NextPartNumberMarker"]

    def complete_multipart(self, session, parts: list[Part]) -> None:
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=session.key,
            UploadId=session.s3_upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": f'"{p.etag}"'} for p in parts]},
        )

    def abort_multipart(self, session) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=session.key, UploadId=session.s3_upload_id
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise

    def objects_under(self, prefix: str, page: int = 1000) -> Iterator[tuple[str, int]]:
        """(key, size) of every object whose key starts with the prefix."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": page}
        )
        for answer in pages:
            for item in answer.get("Contents", []):
                yield item["Key"], item["Size"]

    def _uploads_under(self, prefix: str, page: int = 1000) -> Iterator[tuple[str, str]]:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": page}
        )
        for answer in pages:
            for upload in answer.get("Uploads", []):
                yield upload["Key"], upload["UploadId"]

    def anything_under(self, prefix: str) -> bool:
        """Cheap: at most one object and one upload looked at."""
        return (
            next(self.objects_under(prefix, page=1), None) is not None
            or next(self._uploads_under(prefix, page=1), None) is not None
        )

    def remove_under(self, prefix: str) -> Removed:
        """Every object under the prefix deleted (in batches of DELETE_BATCH) and its
        unfinished multipart uploads aborted."""
        from botocore.exceptions import ClientError

        removed = Removed()
        batch: list[tuple[str, int]] = []

        def flush() -> None:
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key, _ in batch], "Quiet": True}
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise RuntimeError(f"S3 did not delete {first.get('Key')}: {first.get('Message')}")
            removed.objects += len(batch)
            removed.bytes += sum(size for _, size in batch)
            batch.clear()

        # Listed first, deleted after: deleting while paginating could skip keys.
        for item in list(self.objects_under(prefix)):
            batch.append(item)
            if len(batch) == DELETE_BATCH:
                flush()
        if batch:
            flush()
        for key, upload_id in list(self._uploads_under(prefix)):
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                removed.uploads += 1
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchUpload":  # finished meanwhile
                    raise
        return removed


class _CountingReader:
    """A read-only stream that counts and refuses to go past `limit` bytes."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream, self.limit, self.read_bytes = stream, limit, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size and size > 0 else COPY_CHUNK)
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise PartTooLarge(f"more than the {self.limit} bytes announced")
        return chunk


def object_store(storage: Storage | None = None) -> ObjectStore:
    backend = storage or storages["default"]
    if isinstance(backend, FileSystemStorage):
        return LocalObjects(backend)
    if hasattr(backend, "bucket_name"):
        return S3Objects(backend)
    raise TypeError(f"Uploads do not support the storage backend {type(backend).__name__}.")

"""Saving a large file through the storage layer versus copying it on disk, and the
latency of S3 calls made on a fresh thread.

Uploads and extracted clips pass through `default_storage`; its overhead over a
plain file copy should stay small (ratio near 1 for local storage).

Each request's sync code runs on a fresh thread. A presigned URL and a HEAD, each on
a new thread, against moto's S3 HTTP server on loopback: our storage (one boto3
client per process, videoeditor/storage.py) versus stock django-storages (a client
built per thread), the baseline. The ratio should be far below 1.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from bench.timing import Result, best_of

SIZE = 128 * 1024 * 1024
FRESH_THREADS = 15


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.bin"
        with source.open("wb") as handle:
            for _ in range(SIZE // (1 << 20)):
                handle.write(os.urandom(1 << 20))

        def baseline() -> None:
            with source.open("rb") as src, (Path(tmp) / "copy.bin").open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)

        def ours() -> None:
            with source.open("rb") as src:
                name = default_storage.save("bench/source.bin", File(src))
            default_storage.delete(name)

        results = [Result("storage save, 128 MiB (vs file copy)", best_of(ours), best_of(baseline))]
    return results + s3_fresh_thread_latency()


def _on_fresh_thread(call: Callable[[], object]) -> float:
    """Median seconds of `call`, each time on a new thread, as each request runs."""
    times: list[float] = []

    def timed() -> None:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)

    for _ in range(FRESH_THREADS):
        thread = threading.Thread(target=timed)
        thread.start()
        thread.join()
    return statistics.median(times)


def s3_fresh_thread_latency() -> list[Result]:
    from moto.server import ThreadedMotoServer
    from storages.backends.s3 import S3Storage as StockS3Storage

    from games.objects import object_store
    from videoeditor.storage import S3Storage

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        options = {
            "bucket_name": "bench", "endpoint_url": f"http://127.0.0.1:{port}", "access_key": "bench",
            "secret_key": "bench", "region_name": "us-east-1", "signature_version": "s3v4",
            "addressing_style": "path",
        }  # fmt: skip
        ours, stock = object_store(S3Storage(**options)), object_store(StockS3Storage(**options))
        ours.client.create_bucket(Bucket="bench")
        ours.client.put_object(Bucket="bench", Key="clip.mp4", Body=b"x" * 1024)
        # The first call of the process builds our client; time the steady state after it.
        ours.size("clip.mp4")

        def presign(store) -> Callable[[], object]:
            return lambda: object_store(store.storage).presigned_get("clip.mp4", expires=600)

        def head(store) -> Callable[[], object]:
            return lambda: object_store(store.storage).size("clip.mp4")

        return [
            Result(
                "S3 presign, fresh thread (vs per-thread client)",
                _on_fresh_thread(presign(ours)),
                _on_fresh_thread(presign(stock)),
                unit="ms",
            ),
            Result(
                "S3 HEAD, fresh thread (vs per-thread client)",
                _on_fresh_thread(head(ours)),
                _on_fresh_thread(head(stock)),
                unit="ms",
            ),
        ]
    finally:
        server.stop()

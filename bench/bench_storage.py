"""Saving a large file through the storage layer versus copying it on disk.

Uploads and extracted clips pass through `default_storage`; its overhead over a
plain file copy should stay small (ratio near 1 for local storage).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from bench.timing import Result, best_of

SIZE = 128 * 1024 * 1024


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

        return [Result("storage save, 128 MiB (vs file copy)", best_of(ours), best_of(baseline))]

"""What every render shares: its result, the device, cancelling, and decoding ahead
in a thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import torch


@dataclass(frozen=True)
class RenderResult:
    path: Path
    frame_count: int
    width: int
    height: int
    fps: Fraction
    duration: float
    device: str
    has_audio: bool
    encoder: str


@dataclass(frozen=True)
class FramingResult(RenderResult):
    upscaler: str  # the network that upscaled, or the resampling used


RESAMPLER = "bicubic"  # reported when no network upscales


def default_device(device: str | None = None) -> str:
    """The device asked for, else cuda when there is one, else cpu."""
    return device or ("cuda" if torch.cuda.is_available() else "cpu")


class Cancelled(Exception):
    """The render was asked to stop; nothing was left behind."""


class Prefetch:
    """Decode ahead in a thread (PyAV decodes without holding the GIL), so reading,
    the torch work and the encoder run side by side. Iterate it; close() it."""

    _END = object()

    def __init__(self, source: Iterator, depth: int = 16) -> None:
        self.source = source
        self.items: queue.Queue = queue.Queue(maxsize=depth)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._fill, name="decode-ahead", daemon=True)
        self.thread.start()

    def _fill(self) -> None:
        try:
            for item in self.source:
                while not self._offer(item):
                    if self.stopping.is_set():
                        return
            self._offer_until_stopped(self._END)
        except BaseException as error:  # handed to the reading side
            self._offer_until_stopped(error)
        finally:
            close = getattr(self.source, "close", None)
            if close:
                close()

    def _offer(self, item) -> bool:
        try:
            self.items.put(item, timeout=0.1)
            return True
        except queue.Full:
            return False

    def _offer_until_stopped(self, item) -> None:
        while not self._offer(item) and not self.stopping.is_set():
            pass

    def __iter__(self):
        return self

    def __next__(self):
        item = self.items.get()
        if item is self._END:
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(10)


def remove_partial(path: str | Path) -> None:
    Path(path).unlink(missing_ok=True)

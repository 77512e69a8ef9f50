"""The frame loop shared by every render: decode in order, transform batches in
torch, feed the encoder; progress after each batch, and a cancel check that
kills the encoder and removes the partial file."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from exports.render.video_io import Encoder


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


def default_device(device: str | None = None) -> str:
    """The device asked for, else cuda when there is one, else cpu."""
    return device or ("cuda" if torch.cuda.is_available() else "cpu")


class Cancelled(Exception):
    """The render was asked to stop; nothing was left behind."""


Transform = Callable[[torch.Tensor, np.ndarray], torch.Tensor]


def run(
    pictures: Iterator[tuple[float, np.ndarray]],
    encoder: Encoder,
    transform: Transform,
    *,
    total: int,
    batch_size: int,
    device: str,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> int:
    """Push (time, RGB frame) pairs through `transform` (a batch N x 3 x H x W in
    the pictures' dtype, and its times -> the frames to encode, uint8 or float
    0-255) into `encoder`; returns frames written."""
    written = 0
    pictures = Prefetch(pictures)
    try:
        batch: list[np.ndarray] = []
        times: list[float] = []
        for time, picture in pictures:
            batch.append(picture)
            times.append(time)
            if len(batch) == batch_size:
                written += _flush(encoder, transform, batch, times, device)
                batch, times = [], []
                if on_progress:
                    on_progress(min(written, total), total)
                if should_cancel and should_cancel():
                    raise Cancelled()
        if batch:
            written += _flush(encoder, transform, batch, times, device)
        if on_progress:
            on_progress(total, total)
        encoder.close()
    except BaseException:
        encoder.abort()
        raise
    finally:
        pictures.close()
    return written


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


def _flush(encoder: Encoder, transform: Transform, batch: list, times: list, device: str) -> int:
    # (N, 3, H, W) over the decoder's (N, H, W, 3) memory: channels-last, as the fast paths want
    tensor = torch.from_numpy(np.stack(batch)).to(device).permute(0, 3, 1, 2)
    out = transform(tensor, np.asarray(times)).permute(0, 2, 3, 1)
    if out.dtype != torch.uint8:
        out = out.add(0.5).clamp_(0, 255).to(torch.uint8)  # +0.5 then truncation rounds
    encoder.write(out.cpu().numpy())
    return len(batch)


def remove_partial(path: str | Path) -> None:
    Path(path).unlink(missing_ok=True)

"""The frame loop shared by every render: decode in order, transform batches in
torch, feed the encoder; progress after each batch, and a cancel check that
kills the encoder and removes the partial file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch

from exports.render.video_io import Encoder


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
    return written


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

"""Multi-clip reels: which clip (and how much of it) each output frame shows.

- cut: clips back to back; the reel lasts the sum of the clips.
- fade: the outgoing clip fades to black over the first half of the transition
  (its last D/2 seconds), the incoming one fades in from black over the second
  half (its first D/2 seconds); the reel lasts the sum of the clips.
- dissolve: the clips overlap by D seconds and cross-fade; the reel is shorter
  by D for every join.
Audio follows the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Layer:
    clip: int
    time: float  # seconds into that clip
    weight: float


def starts(durations: list[float], transition: dict) -> list[float]:
    overlap = transition["duration"] if transition["type"] == "dissolve" else 0.0
    clock, result = 0.0, []
    for duration in durations:
        result.append(clock)
        clock += duration - overlap
    return result


def reel_duration(durations: list[float], transition: dict) -> float:
    overlap = transition["duration"] if transition["type"] == "dissolve" else 0.0
    return sum(durations) - overlap * (len(durations) - 1)


def layers_at(time: float, durations: list[float], transition: dict) -> list[Layer]:
    """What shows at reel time `time`: one layer, or two during a dissolve."""
    kind, length = transition["type"], transition["duration"]
    shown = []
    for index, (start, duration) in enumerate(zip(starts(durations, transition), durations, strict=True)):
        local = time - start
        if not 0 <= local < duration and not (index == len(durations) - 1 and abs(local - duration) < 1e-9):
            continue
        weight = 1.0
        if kind == "dissolve":
            if index > 0 and local < length:
                weight = local / length
            elif index < len(durations) - 1 and local > duration - length:
                weight = (duration - local) / length
        elif kind == "fade":
            half = length / 2
            if index > 0 and local < half:
                weight = local / half
            elif index < len(durations) - 1 and local > duration - half:
                weight = (duration - local) / half
        shown.append(Layer(index, local, weight))
    return shown


def compose(pictures: list[torch.Tensor], weights: list[float], black=0.0) -> torch.Tensor:
    """Blend frames (float) by their weights; weights below 1 in total fade to `black`
    (0 for RGB; the packed YUV black frame for the renderer's frames)."""
    out = torch.zeros_like(pictures[0]) + black
    for picture, weight in zip(pictures, weights, strict=True):
        out += (picture - black) * weight
    return out

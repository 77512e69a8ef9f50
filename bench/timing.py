"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    ours_s: float
    baseline_s: float
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s

    def line(self) -> str:
        if self.unit == "ms":  # short calls: seconds would print as 0.000
            ours, baseline = self.ours_s * 1000, self.baseline_s * 1000
            return f"{self.name:<44} {ours:>8.1f}ms {baseline:>8.1f}ms {self.ratio:>6.2f}x"
        return f"{self.name:<44} {self.ours_s:>9.3f}s {self.baseline_s:>9.3f}s {self.ratio:>6.2f}x"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)

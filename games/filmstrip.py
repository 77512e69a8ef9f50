"""The shape of a filmstrip (a sprite sheet of a video's frames, made by
games/pictures.py): how many tiles, how far apart, in what grid, and which tile
shows a given time. static/js/filmstrip.js draws the sheet with the same rule
(`tileAt`), checked against filmstrip_fixture.json, which this module writes:
`python -m games.filmstrip`."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

TILE_HEIGHT = 90  # tiles are 160x90 for 16:9 footage; the width follows the video's shape
MAX_TILES = 150
MIN_INTERVAL = 0.5  # seconds; a 15 s clip gets 30 tiles, a 90-minute game 150 (one per 36 s)
COLUMNS = 10
FIXTURE = Path(__file__).with_name("filmstrip_fixture.json")


def even(value: float) -> int:
    return max(2, 2 * round(value / 2))


@dataclass(frozen=True)
class Layout:
    """Where the tiles of a filmstrip go: tile i, at column i % columns and row
    i // columns, shows the video at i * interval seconds."""

    interval: float
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int

    def times(self) -> list[float]:
        return [round(i * self.interval, 3) for i in range(self.count)]


def filmstrip_layout(duration: float, width: int, height: int) -> Layout:
    """At most MAX_TILES tiles, one every MIN_INTERVAL seconds or a multiple of it,
    TILE_HEIGHT high and as wide as the video's shape makes them."""
    interval = max(MIN_INTERVAL, math.ceil(duration / MAX_TILES / MIN_INTERVAL) * MIN_INTERVAL)
    count = max(1, math.ceil(duration / interval - 1e-6))
    columns = min(COLUMNS, count)
    return Layout(
        interval=interval, count=count, columns=columns, rows=math.ceil(count / columns),
        tile_width=even(TILE_HEIGHT * width / height), tile_height=TILE_HEIGHT,
    )  # fmt: skip


def tile_at(layout: Layout, time: float) -> int:
    """The tile that shows `time` (seconds): the nearest one made (halves round up)."""
    return min(max(math.floor(time / layout.interval + 0.5), 0), layout.count - 1)


def build_fixture() -> dict:
    cases = []
    for duration, width, height in (
        (8.0, 320, 180),
        (15.0, 1920, 1080),
        (5400.0, 1280, 720),
        (2.0, 180, 320),
    ):
        layout = filmstrip_layout(duration, width, height)
        sheet = asdict(layout)
        for time in (
            0.0,
            0.24,
            0.25,
            0.26,
            duration / 3,
            duration / 2 + 0.1,
            duration - 0.01,
            duration + 5,
            -1,
        ):
            cases.append({"sheet": sheet, "t": round(time, 3), "expected": tile_at(layout, round(time, 3))})
    return {
        "about": "games/filmstrip.py tile_at: which tile of a sprite sheet shows time t "
        "(written by python -m games.filmstrip)",
        "cases": cases,
    }


if __name__ == "__main__":  # python -m games.filmstrip: rewrite the fixture
    FIXTURE.write_text(json.dumps(build_fixture(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")

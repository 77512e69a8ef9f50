"""Highlight regions between a clip's own coordinates (clip seconds, source
pixels) and a framed video's (framed seconds, output pixels), through one clip's
placement in that video: its crop keyframes, its segments (trims, speeds) and
where it starts in the reel.

The crop moves and the speed changes between a region's keyframes, so a region
is sampled at every frame of the framed video it covers and reduced again to the
fewest keyframes within a quarter of a pixel (camera.reduce_keyframes), always
keeping the images of the region's own keyframes: a keyframe stays where it was
put, and a round trip gives back the same keyframes. An ellipse maps centre and
radii alike (the crop scales both axes by output / crop size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exports.render.camera import reduce_keyframes, to_framed, to_source
from exports.render.effects import ELLIPSE_FIELDS
from exports.render.segments import output_duration, output_time, source_times
from exports.render.timeline import interpolate_keyframes

PIXEL_TOLERANCE = 0.25
OPACITY_TOLERANCE = 0.005
DIGITS = 6  # framed and source values are rounded to a millionth: stable, comparable JSON


@dataclass(frozen=True)
class Placement:
    """One clip in a framed video."""

    crop_keyframes: list[dict]
    segments: dict
    source_size: tuple[int, int]
    output_size: tuple[int, int]
    offset: float  # framed seconds at which the clip starts

    @property
    def end(self) -> float:
        return self.offset + output_duration(self.segments)

    def framed_time(self, clip_time: float) -> float:
        return output_time(self.segments, clip_time) + self.offset

    def clip_times(self, framed_times: np.ndarray) -> np.ndarray:
        return source_times(self.segments, np.asarray(framed_times, dtype=np.float64) - self.offset)

    def mapping(self) -> tuple:
        return self.crop_keyframes, self.segments, self.source_size, self.output_size, self.offset


def to_framed_region(
    region: dict, place: Placement, *, step: float, min_seconds: float, not_before: float = 0.0,
    not_after: float = float("inf"),
) -> dict | None:  # fmt: skip
    """A source region as the framed video shows it: clamped to the trimmed span
    (and to [not_before, not_after] framed seconds); None when nothing of it, or
    less than `min_seconds`, is shown."""
    segments = place.segments
    first = max(region["start_time"], segments["trim_start"])
    last = min(region["end_time"], segments["trim_end"])
    if last <= first:
        return None
    start = max(place.framed_time(first), not_before)
    end = min(place.framed_time(last), not_after)
    if end - start < min_seconds - 1e-9:
        return None
    own = [k["time"] for k in region["keyframes"]]
    shown = [c for c in own if place.framed_time(c) >= start - 1e-9 and place.framed_time(c) <= end + 1e-9]
    framed_t, clip_t, keep = _samples(start, end, step, [place.framed_time(c) for c in shown], shown)
    clip_t[~keep] = place.clip_times(framed_t[~keep])
    values = interpolate_keyframes(region["keyframes"], ELLIPSE_FIELDS, clip_t)
    centre = np.stack([values["x"], values["y"]], axis=1)
    mapped, _ = to_framed(centre, clip_t, *place.mapping())
    radii = _radii(centre, values, lambda p: to_framed(p, clip_t, *place.mapping())[0], mapped)
    colours = _colours(region["keyframes"], clip_t)
    return _reduced(region, start, end, framed_t, mapped, radii, values, colours, keep, place.output_size)


def to_source_region(region: dict, place: Placement, *, step: float) -> dict | None:
    """A framed region in the clip's coordinates: the part of it this clip shows
    (None when the clip shows none of it)."""
    start, end = max(region["start_time"], place.offset), min(region["end_time"], place.end)
    if end <= start:
        return None
    own = [k["time"] for k in region["keyframes"] if start - 1e-9 <= k["time"] <= end + 1e-9]
    framed_t, _, keep = _samples(start, end, step, own, own)
    clip_t = place.clip_times(framed_t)
    if np.any(np.diff(clip_t) <= 0):  # a sample finer than the time map resolves
        unique = np.concatenate([[True], np.diff(clip_t) > 0])
        framed_t, clip_t, keep = framed_t[unique], clip_t[unique], keep[unique]
    values = interpolate_keyframes(region["keyframes"], ELLIPSE_FIELDS, framed_t)
    centre = np.stack([values["x"], values["y"]], axis=1)
    mapped, _ = to_source(centre, framed_t, *place.mapping())
    radii = _radii(centre, values, lambda p: to_source(p, framed_t, *place.mapping())[0], mapped)
    colours = _colours(region["keyframes"], framed_t)
    first, last = float(clip_t[0]), float(clip_t[-1])
    return _reduced(region, first, last, clip_t, mapped, radii, values, colours, keep, place.source_size)


def _samples(
    start: float, end: float, step: float, own_framed: list[float], own_times: list[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Framed sample times from start to end: every frame of the framed video (the
    times the render draws), both ends and the own keyframes' images (a frame
    within a microsecond of one gives way to it); the own keyframes' times in
    their own domain (NaN elsewhere); which samples are own keyframes."""
    frames = np.arange(np.ceil(start / step - 1e-6), np.floor(end / step + 1e-6) + 1) * step
    inside = frames[(frames > start + 1e-6) & (frames < end - 1e-6)]
    grid = np.concatenate([[start], inside, [end]])
    own = np.asarray(own_framed, dtype=np.float64)
    if len(own):
        grid = grid[np.min(np.abs(grid[:, None] - own[None, :]), axis=1) > 1e-6]
    framed = np.concatenate([grid, own])
    times = np.concatenate([np.full(len(grid), np.nan), np.asarray(own_times, dtype=np.float64)])
    keep = np.concatenate([np.zeros(len(grid), dtype=bool), np.ones(len(own), dtype=bool)])
    order = np.argsort(framed, kind="stable")
    return framed[order], times[order], keep[order]


def _radii(centre: np.ndarray, values: dict, project, mapped: np.ndarray) -> np.ndarray:
    """Radii through the same (per-axis linear) map as the centre."""
    right = project(centre + np.stack([values["radius_x"], np.zeros(len(centre))], axis=1))
    below = project(centre + np.stack([np.zeros(len(centre)), values["radius_y"]], axis=1))
    return np.stack([right[:, 0] - mapped[:, 0], below[:, 1] - mapped[:, 1]], axis=1)


def _colours(keyframes: list[dict], times: np.ndarray) -> list[str]:
    """The colour of the keyframe at or before each time (the renderer's rule); the
    times are in the keyframes' own domain."""
    key_times = np.array([k["time"] for k in keyframes])
    which = np.clip(np.searchsorted(key_times, times + 1e-9, side="right") - 1, 0, len(keyframes) - 1)
    return [keyframes[i].get("color", "#FFFF00") for i in which]


def _reduced(region, start, end, times, centre, radii, values, colours, keep, size) -> dict:
    """The region's keyframes from the mapped samples; a centre beyond the picture
    (the player outside this crop) is held at its edge, where the ellipse still
    reaches in."""
    fields = {
        "x": np.clip(centre[:, 0], 0, size[0]),
        "y": np.clip(centre[:, 1], 0, size[1]),
        "radius_x": radii[:, 0],
        "radius_y": radii[:, 1],
        "opacity": values["opacity"],
    }
    tolerance = {**dict.fromkeys(fields, PIXEL_TOLERANCE), "opacity": OPACITY_TOLERANCE}
    # a region clamped past its own keyframes starts with one where it now starts
    kept = np.flatnonzero(keep) if keep.any() else [0]
    keyframes = reduce_keyframes(times, fields, tolerance, keep=kept)
    index = {float(t): i for i, t in enumerate(times)}
    return {
        **{key: value for key, value in region.items() if key != "keyframes"},
        "start_time": round(float(start), DIGITS),
        "end_time": round(float(end), DIGITS),
        "keyframes": [
            {
                **{name: round(value, DIGITS) for name, value in k.items()},
                "color": colours[index[k["time"]]],
            }
            for k in keyframes
        ],
    }

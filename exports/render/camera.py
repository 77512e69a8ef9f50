"""Follow the player: from one player's track (a box per frame, in source pixels
at clip times; NaN rows where the tracker lost them) to proposals the editors
offer, in the shapes the product stores (exports/edits.py):

- crop keyframes: a virtual camera keeps the player at an anchor of the crop. A
  dead zone around the anchor lets small steps pass without moving the camera,
  and speed and acceleration are limited. The camera runs over the clip forwards
  and backwards and the two paths are averaged: each lags behind the player in
  its own direction of time, so the average neither lags nor leads, and it keeps
  both limits (an average of two paths within a bound is within it);
- highlight regions: an ellipse around (or under) the player in framed-video
  pixels and times, through the crop (framing.crop_boxes, the render's rule) and
  the trims and speeds (segments.py); one region for each span the player is
  found in the picture.

Both are reduced to the fewest keyframes whose interpolation (timeline.py, the
one rule the JavaScript editors share) stays within a tolerance of the path at
every frame.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike

from exports.render.framing import crop_boxes
from exports.render.segments import output_time, source_times
from exports.render.timeline import interpolate

# The virtual camera's defaults. Speed and acceleration are shares of the frame's
# size on that axis (per second, per second squared) so that one setting suits any
# resolution: a sprinting player crosses about a fifth of a wide shot a second.
DEAD_ZONE = 0.08  # share of the crop on either side of the anchor
MAX_SPEED = 0.5
MAX_ACCEL = 1.0
# How quickly the camera closes a small gap (seconds); below this it would
# chase every step of the target, above it the camera drifts behind.
SETTLE_SECONDS = 0.3
TOLERANCE = 0.01  # keyframes stay within this share of the frame width of the path
HIGHLIGHT_PADDING = 1.5  # "around": radii as a share of half the box (corners at 1.41)
UNDER_RADII = (0.8, 0.25)  # "under": a disc at the feet, radii as shares of the box width
PLACEMENTS = ("around", "under")


def track_array(boxes: ArrayLike | Sequence) -> np.ndarray:
    """(N, 4) floats x, y, width, height from an array or a list of boxes with
    None (lost) in it; lost frames are rows of NaN."""
    if isinstance(boxes, np.ndarray):
        return boxes.astype(np.float64).reshape(-1, 4)
    rows = [(np.nan,) * 4 if box is None else tuple(box) for box in boxes]
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def _check_times(times: ArrayLike, count: int) -> np.ndarray:
    t = np.asarray(times, dtype=np.float64)
    if t.shape != (count,):
        raise ValueError(f"{count} positions need {count} times, not {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    return t


# --- the virtual camera -----------------------------------------------------------------


def virtual_camera(
    times: ArrayLike,
    centres: ArrayLike,
    *,
    frame_width: float,
    crop_width: float,
    anchor: float = 0.5,
    dead_zone: float = DEAD_ZONE,
    max_speed: float = MAX_SPEED,
    max_accel: float = MAX_ACCEL,
) -> np.ndarray:
    """The crop's left edge at each time (source pixels, inside the frame) that
    keeps the player's centre (NaN where lost) at `anchor` of the crop width.

    One axis: for the vertical one pass heights and top edges. The player may
    move `dead_zone` (a share of the crop) either side of the anchor before the
    camera moves; `max_speed` and `max_accel` are shares of `frame_width` per
    second and per second squared. While the player is lost the camera coasts
    to a stop where it was heading, and it starts where the first sighting
    wants it."""
    p = np.asarray(centres, dtype=np.float64)
    t = _check_times(times, len(p))
    if anchor - dead_zone < 0 or anchor + dead_zone > 1:
        raise ValueError("the dead zone around the anchor must lie inside the crop")
    high = max(0.0, float(frame_width) - float(crop_width))
    if len(p) == 0:
        return np.empty(0)
    if np.all(np.isnan(p)):
        return np.full(len(p), high / 2)
    speed, accel = max_speed * frame_width, max_accel * frame_width
    zone = (anchor, dead_zone * crop_width, crop_width)
    forwards = _follow(t, _dead_zone_target(p, *zone, high), high, speed, accel)
    backwards = _follow(-t[::-1], _dead_zone_target(p[::-1], *zone, high), high, speed, accel)[::-1]
    return np.clip((forwards + backwards) / 2, 0.0, high)


def _dead_zone_target(
    centres: np.ndarray, anchor: float, half_zone: float, crop: float, high: float
) -> np.ndarray:
    """Where the camera must be for the player to sit inside the dead zone,
    moving only as far as needed (a backlash: small steps back and forth leave it
    still); lost frames hold the last value, frames before the first sighting
    take the first."""
    target = np.empty(len(centres))
    current = np.nan
    for k, centre in enumerate(centres):
        if not np.isnan(centre):
            wanted = centre - anchor * crop
            if np.isnan(current):
                current = wanted
            current = min(max(current, wanted - half_zone), wanted + half_zone)
            current = min(max(current, 0.0), high)
        target[k] = current
    first = np.flatnonzero(~np.isnan(target))[0]
    target[:first] = target[first]
    return target


def _follow(times: np.ndarray, target: np.ndarray, high: float, speed: float, accel: float) -> np.ndarray:
    """A camera of limited speed and acceleration chasing `target`, starting on it
    at rest. It asks for the speed from which it can still stop on the target
    (sqrt(2 a d)), or the gap over SETTLE_SECONDS when that is smaller, so it
    slows down before arriving instead of overshooting."""
    path = np.empty(len(target))
    path[0], velocity = target[0], 0.0
    for k in range(1, len(target)):
        dt = times[k] - times[k - 1]
        gap = target[k] - path[k - 1]
        # stopping distance of the discrete steps below: v^2 / 2a + v dt / 2
        stop = -accel * dt / 2 + np.sqrt((accel * dt / 2) ** 2 + 2 * accel * abs(gap))
        wanted = np.sign(gap) * min(speed, stop, abs(gap) / SETTLE_SECONDS)
        velocity += min(max(wanted - velocity, -accel * dt), accel * dt)
        path[k] = min(max(path[k - 1] + velocity * dt, 0.0), high)
        velocity = (path[k] - path[k - 1]) / dt
    return path


# --- fewest keyframes ---------------------------------------------------------------------


def reduce_keyframes(
    times: ArrayLike,
    values: Mapping[str, ArrayLike],
    tolerance: float | Mapping[str, float],
    keep: Sequence[int] = (),
) -> list[dict]:
    """The fewest samples ({"time", field: value, ...}) whose interpolation
    (timeline.interpolate) stays within `tolerance` (one for every field, or one
    per field) of every field at every time. Greedy: from the two ends, add the
    sample of the largest error until none is too large; then drop every keyframe
    the others can do without. With `keep` (indices: a user's keyframes, which stay
    where they were put) the search starts from those instead of the two ends (a
    value holds before the first keyframe and after the last)."""
    t = np.asarray(times, dtype=np.float64)
    fields = {name: np.asarray(v, dtype=np.float64) for name, v in values.items()}
    if len(t) == 0:
        raise ValueError("at least one sample is needed")
    limits = {name: tolerance[name] if isinstance(tolerance, Mapping) else tolerance for name in fields}
    kept = sorted({int(i) for i in keep})
    chosen = list(kept) or sorted({0, len(t) - 1})
    while True:
        errors = _errors(t, fields, chosen, limits)
        worst = int(np.argmax(errors))
        if errors[worst] <= 1.0:
            break
        bisect.insort(chosen, worst)  # a keyframe has no error, so worst is new
    k = 0 if kept else 1
    while k < len(chosen) - (0 if kept else 1):
        trial = chosen[:k] + chosen[k + 1 :]
        if chosen[k] not in kept and trial and _errors(t, fields, trial, limits).max() <= 1.0:
            chosen = trial
        else:
            k += 1
    return [{"time": float(t[i]), **{name: float(v[i]) for name, v in fields.items()}} for i in chosen]


def _errors(
    times: np.ndarray, fields: dict[str, np.ndarray], chosen: list[int], limits: dict[str, float]
) -> np.ndarray:
    """Each sample's worst error as a share of its field's tolerance."""
    errors = np.zeros(len(times))
    for name, values in fields.items():
        fitted = interpolate(times[chosen], values[chosen], times)
        errors = np.maximum(errors, np.abs(fitted - values) / max(limits[name], 1e-12))
    return errors


# --- crop keyframes -----------------------------------------------------------------------


def crop_keyframes_from_track(
    times: ArrayLike,
    boxes: ArrayLike | Sequence,
    *,
    source_size: tuple[int, int],
    aspect: float,
    crop_width: float | None = None,
    anchor: tuple[float, float] = (0.5, 0.5),
    dead_zone: float = DEAD_ZONE,
    max_speed: float = MAX_SPEED,
    max_accel: float = MAX_ACCEL,
    tolerance: float | None = None,
) -> list[dict]:
    """Crop keyframes ({time, x, y, width, height}, as clean_crop_keyframes takes
    them) following the tracked player at a fixed zoom: `crop_width` (the clip's
    current crop width; by default the largest rectangle of `aspect`). The crop
    moves vertically only where it is shorter than the frame. Keyframes stay
    within `tolerance` pixels (1 % of the frame width) of the camera's path."""
    width, height = source_size
    track = track_array(boxes)
    t = _check_times(times, len(track))
    if np.all(np.isnan(track[:, 0])):
        raise ValueError("the player is never found in this clip")
    largest = min(float(width), height * aspect)
    crop_w = largest if crop_width is None else min(float(crop_width), largest)
    crop_h = crop_w / aspect
    options = {"dead_zone": dead_zone, "max_speed": max_speed, "max_accel": max_accel}
    centre_x = track[:, 0] + track[:, 2] / 2
    x = virtual_camera(t, centre_x, frame_width=width, crop_width=crop_w, anchor=anchor[0], **options)
    if crop_h < height - 1:
        centre_y = track[:, 1] + track[:, 3] / 2
        y = virtual_camera(t, centre_y, frame_width=height, crop_width=crop_h, anchor=anchor[1], **options)
    else:
        y = np.full(len(t), max(0.0, (height - crop_h) / 2))
    limit = TOLERANCE * width if tolerance is None else tolerance
    keyframes = reduce_keyframes(t, {"x": x, "y": y}, limit)
    return [{**k, "width": crop_w, "height": crop_h} for k in keyframes]


# --- source <-> framed ----------------------------------------------------------------------


def _boxes(crop_keyframes, clip_times, source_size, output_size) -> np.ndarray:
    (width, height), (out_w, out_h) = source_size, output_size
    return crop_boxes(crop_keyframes, np.asarray(clip_times, dtype=np.float64), width, height, out_w / out_h)


def to_framed(
    points: ArrayLike,
    times: ArrayLike,
    crop_keyframes: list[dict],
    segments: dict,
    source_size: tuple[int, int],
    output_size: tuple[int, int],
    offset: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Source points (N, 2) at clip times -> framed-video points and times (the
    clip starts `offset` seconds into the framed video). Times outside the trim
    are not shown: NaN."""
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    clip_times = np.asarray(times, dtype=np.float64)
    box = _boxes(crop_keyframes, clip_times, source_size, output_size)
    out_w, out_h = output_size
    framed = np.stack(
        [(xy[:, 0] - box[:, 0]) * out_w / box[:, 2], (xy[:, 1] - box[:, 1]) * out_h / box[:, 3]], axis=1
    )
    shown = (clip_times >= segments["trim_start"]) & (clip_times <= segments["trim_end"])
    framed_times = np.array(
        [output_time(segments, c) + offset if s else np.nan for c, s in zip(clip_times, shown, strict=True)]
    )
    return framed, framed_times


def to_source(
    points: ArrayLike,
    framed_times: ArrayLike,
    crop_keyframes: list[dict],
    segments: dict,
    source_size: tuple[int, int],
    output_size: tuple[int, int],
    offset: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Framed-video points (N, 2) at framed times -> source points and clip times."""
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    clip_times = source_times(segments, np.asarray(framed_times, dtype=np.float64) - offset)
    box = _boxes(crop_keyframes, clip_times, source_size, output_size)
    out_w, out_h = output_size
    source = np.stack(
        [box[:, 0] + xy[:, 0] * box[:, 2] / out_w, box[:, 1] + xy[:, 1] * box[:, 3] / out_h], axis=1
    )
    return source, clip_times


# --- highlight regions ----------------------------------------------------------------------


def highlight_keyframes_from_track(
    times: ArrayLike,
    boxes: ArrayLike | Sequence,
    *,
    crop_keyframes: list[dict],
    segments: dict,
    source_size: tuple[int, int],
    output_size: tuple[int, int],
    color: str,
    opacity: float,
    placement: str = "around",
    offset: float = 0.0,
    max_gap: float = 0.25,
    smoothing: float = 0.5,
    min_seconds: float = 0.5,
    tolerance: float | None = None,
    id_prefix: str = "player",
) -> list[dict]:
    """Highlight regions ({id, start_time, end_time, enabled, keyframes}, as
    clean_regions takes them) with an ellipse around the player (or a disc under
    their feet) in framed pixels and framed times: one region for each span the
    player is found and in the picture. Losses shorter than `max_gap` seconds are
    bridged; the ellipse is averaged over `smoothing` seconds (about a stride) so
    that it does not sway with the tracker's boxes; spans shorter than
    `min_seconds` (the shortest region) are left out. `color` and `opacity` are
    the caller's (edits.DEFAULT_COLOR, DEFAULT_OPACITY: this library stays pure)."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement is one of {PLACEMENTS}, not {placement!r}")
    track = track_array(boxes)
    t = _check_times(times, len(track))
    if len(t) < 2:
        return []
    step = float(np.median(np.diff(t)))
    track = _bridge(t, track, max_gap)
    x, y, w, h = track.T
    if placement == "around":
        centre = np.stack([x + w / 2, y + h / 2], axis=1)
        radii = np.stack([w / 2, h / 2], axis=1) * HIGHLIGHT_PADDING
    else:
        centre = np.stack([x + w / 2, y + h], axis=1)
        radii = np.stack([w * UNDER_RADII[0], w * UNDER_RADII[1]], axis=1)
    mapping = (crop_keyframes, segments, source_size, output_size, offset)
    player, framed_t = to_framed(np.stack([x + w / 2, y + h / 2], axis=1), t, *mapping)
    framed, _ = to_framed(centre, t, *mapping)
    box = _boxes(crop_keyframes, t, source_size, output_size)
    out_w, out_h = output_size
    framed_radii = radii * np.stack([out_w / box[:, 2], out_h / box[:, 3]], axis=1)
    seen = ~np.isnan(framed_t) & ~np.isnan(player[:, 0])
    seen &= (player[:, 0] >= 0) & (player[:, 0] <= out_w) & (player[:, 1] >= 0) & (player[:, 1] <= out_h)
    limit = TOLERANCE * out_w if tolerance is None else tolerance
    window = 2 * round(smoothing / step / 2) + 1  # odd: centred
    regions = []
    for first, last in _runs(seen):
        span = slice(first, last + 1)
        start = float(framed_t[first])
        end = output_time(segments, min(t[last] + step, segments["trim_end"])) + offset
        if end - start < min_seconds:
            continue
        values = {
            "x": np.clip(_smooth(framed[span, 0], window), 0, out_w),
            "y": np.clip(_smooth(framed[span, 1], window), 0, out_h),
            "radius_x": np.maximum(_smooth(framed_radii[span, 0], window), 1.0),
            "radius_y": np.maximum(_smooth(framed_radii[span, 1], window), 1.0),
        }
        keyframes = reduce_keyframes(framed_t[span], values, limit)
        regions.append(
            {
                "id": f"{id_prefix}-{len(regions) + 1}",
                "start_time": start,
                "end_time": end,
                "enabled": True,
                "keyframes": [{**k, "opacity": float(opacity), "color": color} for k in keyframes],
            }
        )
    return regions


def _bridge(times: np.ndarray, track: np.ndarray, max_gap: float) -> np.ndarray:
    """Losses shorter than `max_gap` seconds between two sightings, filled linearly."""
    filled = track.copy()
    found = np.flatnonzero(~np.isnan(track[:, 0]))
    for before, after in pairwise(found):
        if after - before > 1 and times[after] - times[before] <= max_gap:
            share = (times[before + 1 : after] - times[before]) / (times[after] - times[before])
            filled[before + 1 : after] = track[before] + share[:, None] * (track[after] - track[before])
    return filled


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    """A centred moving average of `window` samples (fewer at the ends)."""
    kernel = np.ones(window)
    return np.convolve(values, kernel, mode="same") / np.convolve(np.ones(len(values)), kernel, mode="same")

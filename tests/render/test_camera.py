"""Follow the player: the virtual camera is smooth and keeps the player in the crop,
its keyframes are few and within 1 % of the frame width, and the highlight sits on
the player in framed pixels and times (checked by mapping back to the source)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from exports.edits import aspect_value, clean_crop_keyframes, clean_regions
from exports.render.camera import (
    MAX_ACCEL,
    MAX_SPEED,
    crop_keyframes_from_track,
    highlight_keyframes_from_track,
    reduce_keyframes,
    to_framed,
    to_source,
    virtual_camera,
)
from exports.render.effects import ELLIPSE_FIELDS
from exports.render.segments import output_duration
from exports.render.timeline import interpolate, interpolate_keyframes

FPS = 30
WIDTH, HEIGHT = 1280, 720  # the source
OUTPUT = (1080, 1920)  # the framed video at 9:16
CROP = HEIGHT * 9 / 16  # the largest 9:16 crop of the source: 405 px wide
PLAYER = (40.0, 100.0)  # a player's box in a wide shot, width and height


def clock(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * FPS)) / FPS


def walk(times: np.ndarray, jitter: float = 10.0) -> np.ndarray:
    """A player's centre x: walking right, slowing and turning, with a `jitter` px
    step to either side at every stride (how a tracker's box sways on a walker)."""
    steady = 300 + 45 * times + 120 * np.sin(0.6 * times)
    return steady + jitter * np.sign(np.sin(2 * np.pi * 1.7 * times))


def boxes_at(centre_x: np.ndarray, centre_y: np.ndarray | float = 400.0) -> np.ndarray:
    w, h = PLAYER
    y = np.broadcast_to(centre_y, centre_x.shape)
    return np.stack(
        [centre_x - w / 2, y - h / 2, np.full_like(centre_x, w), np.full_like(centre_x, h)], axis=1
    )


def accelerations(path: np.ndarray) -> np.ndarray:
    return np.diff(path, 2) * FPS * FPS


def test_the_camera_smooths_a_jittery_walk_and_keeps_the_player_in_the_crop():
    times = clock(15)
    centre = walk(times)

    x = virtual_camera(times, centre, frame_width=WIDTH, crop_width=CROP)

    # measured: the camera's summed |acceleration| is 1/52 of the raw centre's
    assert np.abs(accelerations(x)).sum() < np.abs(accelerations(centre)).sum() / 20
    placed = (centre - x) / CROP  # where the player sits across the crop: measured 0.41 to 0.59
    assert placed.min() > 0.25
    assert placed.max() < 0.75
    assert x.min() >= 0
    assert x.max() <= WIDTH - CROP


def test_small_steps_inside_the_dead_zone_leave_the_camera_still():
    times = clock(6)
    # the dead zone is 8 % of the crop (32 px) either side; these steps span 30 px
    centre = 640 + 12 * np.sign(np.sin(2 * np.pi * 1.3 * times)) + 3 * np.sin(times)

    x = virtual_camera(times, centre, frame_width=WIDTH, crop_width=CROP)

    assert np.ptp(x) == 0
    assert abs(x[0] + CROP / 2 - 640) < 20


def test_speed_and_acceleration_stay_within_their_limits_even_at_the_frame_edge():
    times = clock(12)
    # stands, sprints right past the frame's edge, stands, sprints back
    centre = np.interp(times, [0, 2, 5, 7, 10, 12], [500, 500, 1240, 1240, 100, 100])
    centre += 10 * np.sign(np.sin(2 * np.pi * 1.7 * times))

    x = virtual_camera(times, centre, frame_width=WIDTH, crop_width=CROP)

    assert np.abs(accelerations(x)).max() <= MAX_ACCEL * WIDTH * (1 + 1e-9)
    assert np.abs(np.diff(x) * FPS).max() <= MAX_SPEED * WIDTH * (1 + 1e-9)
    assert x.max() == pytest.approx(WIDTH - CROP, abs=1)  # it reached the frame's right edge
    assert x.min() == pytest.approx(0, abs=1)  # and came back to the left one
    placed = (centre - x) / CROP
    assert placed.min() > 0  # never out of the picture: measured 0.18 to 0.94
    assert placed.max() < 1


def test_a_lost_player_holds_the_camera_and_is_picked_up_again():
    times = clock(8)
    centre = 300 + 80 * times
    centre[90:150] = np.nan  # lost from 3 s to 5 s

    x = virtual_camera(times, centre, frame_width=WIDTH, crop_width=CROP)

    assert np.isfinite(x).all()
    assert np.abs(accelerations(x)).max() <= MAX_ACCEL * WIDTH * (1 + 1e-9)
    # found again: in the crop at once, and back near the middle within a second
    assert 0 < (centre[150] - x[150]) / CROP < 1
    later = (times > 6) & (times < 7.5)
    assert np.abs((centre[later] - x[later]) / CROP - 0.5).max() < 0.15


def test_crop_keyframes_are_few_valid_and_within_one_percent_of_the_path():
    times = clock(15)
    boxes = boxes_at(walk(times))
    boxes[200:215] = np.nan  # half a second lost

    started = time.perf_counter()
    keyframes = crop_keyframes_from_track(times, boxes, source_size=(WIDTH, HEIGHT), aspect=9 / 16)
    seconds = time.perf_counter() - started

    centre = walk(times)
    centre[200:215] = np.nan
    path = virtual_camera(times, centre, frame_width=WIDTH, crop_width=CROP)
    fitted = interpolate_keyframes(keyframes, ("x", "y", "width", "height"), times)
    assert np.abs(fitted["x"] - path).max() <= 0.01 * WIDTH
    assert len(keyframes) <= 10  # measured: 6 for these 450 frames
    assert {k["width"] for k in keyframes} == {CROP}  # the zoom holds
    assert clean_crop_keyframes(
        keyframes, clip_duration=15.0, source_width=WIDTH, source_height=HEIGHT, aspect_ratio="9:16"
    ) == [{**k} for k in keyframes]
    assert seconds < 1.0  # measured: about 7 ms


def test_a_zoomed_crop_follows_the_player_vertically_too():
    times = clock(10)
    centre_x = 200 + 80 * times
    centre_y = 150 + 40 * times + 8 * np.sign(np.sin(2 * np.pi * 1.7 * times))
    width = 480.0  # a 16:9 crop zoomed in: 480x270 of the 1280x720 frame

    keyframes = crop_keyframes_from_track(
        times, boxes_at(centre_x, centre_y), source_size=(WIDTH, HEIGHT), aspect=16 / 9, crop_width=width
    )

    clean_crop_keyframes(
        keyframes, clip_duration=10.0, source_width=WIDTH, source_height=HEIGHT, aspect_ratio="16:9"
    )
    fitted = interpolate_keyframes(keyframes, ("x", "y", "width", "height"), times)
    assert np.ptp(fitted["y"]) > 300
    placed_x = (centre_x - fitted["x"]) / fitted["width"]
    placed_y = (centre_y - fitted["y"]) / fitted["height"]
    assert np.abs(placed_x - 0.5).max() < 0.2  # measured: 0.10, and 0.08 vertically
    assert np.abs(placed_y - 0.5).max() < 0.2


def test_fewest_keyframes_of_a_straight_line_are_its_two_ends():
    times = clock(4)

    keyframes = reduce_keyframes(times, {"x": 10 + 50 * times, "y": np.full(len(times), 3.0)}, 1.0)

    assert [k["time"] for k in keyframes] == [times[0], times[-1]]
    assert keyframes[-1]["x"] == pytest.approx(10 + 50 * times[-1])


# --- highlights, in framed pixels and times ----------------------------------------------------


SLOW_MIDDLE = {"trim_start": 0.5, "trim_end": 9.5, "splits": [3.0, 6.0], "speeds": [1.0, 0.5, 1.0]}


def player_track(times: np.ndarray, jitter: float = 10.0) -> np.ndarray:
    return boxes_at(walk(times, jitter), 420 + 20 * np.sin(0.8 * times))


def follow(times: np.ndarray, boxes: np.ndarray) -> list[dict]:
    return crop_keyframes_from_track(times, boxes, source_size=(WIDTH, HEIGHT), aspect=aspect_value("9:16"))


def highlight(times, boxes, crop, segments, **options) -> list[dict]:
    return highlight_keyframes_from_track(
        times, boxes, crop_keyframes=crop, segments=segments, source_size=(WIDTH, HEIGHT),
        output_size=OUTPUT, color="#FFFF00", opacity=0.5, **options,
    )  # fmt: skip


def test_the_highlight_sits_on_the_player_through_a_moving_crop_and_slow_motion():
    # given a player followed by the camera, in a clip trimmed and slowed in the middle
    times = clock(10)
    boxes = player_track(times)
    crop = follow(times, boxes)
    assert len(crop) > 2  # the crop really moves

    # when
    regions = highlight(times, boxes, crop, SLOW_MIDDLE)

    # then one region covers the whole framed clip (13.5 s: 2.5 + 6 + 3.5 s)
    duration = output_duration(SLOW_MIDDLE)
    assert clean_regions(regions, width=OUTPUT[0], height=OUTPUT[1], duration=duration) == regions
    [region] = regions
    assert region["start_time"] == pytest.approx(0)
    assert region["end_time"] == pytest.approx(duration)
    assert len(region["keyframes"]) < 20  # measured: 8
    # every output frame: the ellipse, mapped back to the source, is on the player,
    # on where they walk (the stride's 10 px sway is averaged out, less so at the ends)
    framed_times = np.arange(0, duration - 1e-9, 1 / FPS)
    ellipse = interpolate_keyframes(region["keyframes"], ELLIPSE_FIELDS, framed_times)
    centre = np.stack([ellipse["x"], ellipse["y"]], axis=1)
    back, clip_times = to_source(centre, framed_times, crop, SLOW_MIDDLE, (WIDTH, HEIGHT), OUTPUT)
    steady = player_track(times, jitter=0)
    player = np.stack(
        [interpolate(times, steady[:, i] + steady[:, i + 2] / 2, clip_times) for i in (0, 1)], 1
    )
    miss = np.hypot(*(back - player).T)
    inner = (framed_times > 0.5) & (framed_times < duration - 0.5)
    assert miss.max() < 10  # measured: 8.3 px, at the first frame
    assert miss[inner].max() < 6  # measured: 4.7 px
    # and in framed pixels the player's centre is well inside the ellipse
    framed, _ = to_framed(player, clip_times, crop, SLOW_MIDDLE, (WIDTH, HEIGHT), OUTPUT)
    reach = np.hypot(
        (framed[:, 0] - ellipse["x"]) / ellipse["radius_x"],
        (framed[:, 1] - ellipse["y"]) / ellipse["radius_y"],
    )
    assert reach.max() < 0.35  # measured: 0.27


def test_a_lost_span_splits_the_highlight_and_a_blink_does_not():
    times = clock(10)
    boxes = player_track(times)
    boxes[150:180] = np.nan  # lost from 5 s to 6 s
    boxes[60:63] = np.nan  # a 0.1 s blink
    segments = {"trim_start": 0.0, "trim_end": 10.0, "splits": [], "speeds": [1.0]}
    crop = follow(times, boxes)

    # the tracker's own shape: a box, or None where it lost the player
    regions = highlight(times, [None if np.isnan(b[0]) else tuple(b) for b in boxes], crop, segments)

    assert clean_regions(regions, width=OUTPUT[0], height=OUTPUT[1], duration=10.0) == regions
    assert [(r["start_time"], r["end_time"]) for r in regions] == [
        pytest.approx((0.0, 5.0)),
        pytest.approx((6.0, 10.0)),
    ]


def test_a_highlight_under_the_player_sits_at_their_feet():
    times = clock(3)
    boxes = player_track(times)
    segments = {"trim_start": 0.0, "trim_end": 3.0, "splits": [], "speeds": [1.0]}
    crop = follow(times, boxes)

    [region] = highlight(times, boxes, crop, segments, placement="under")

    ellipse = interpolate_keyframes(region["keyframes"], ("x", "y", "radius_x", "radius_y"), times)
    feet, _ = to_framed(
        np.stack([boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3]], axis=1),
        times, crop, segments, (WIDTH, HEIGHT), OUTPUT,
    )  # fmt: skip
    assert np.abs(ellipse["y"] - feet[:, 1]).max() < 0.01 * OUTPUT[0]
    assert (ellipse["radius_x"] > ellipse["radius_y"]).all()  # flat, on the ground


def test_source_to_framed_and_back_is_within_a_pixel_and_a_frame():
    times = clock(10)
    crop = follow(times, player_track(times))
    rng = np.random.default_rng(7)
    clip_times = np.sort(rng.uniform(0.5, 9.5, 200))
    points = np.stack([rng.uniform(0, WIDTH, 200), rng.uniform(0, HEIGHT, 200)], axis=1)

    framed, framed_times = to_framed(
        points, clip_times, crop, SLOW_MIDDLE, (WIDTH, HEIGHT), OUTPUT, offset=4.0
    )
    back, back_times = to_source(framed, framed_times, crop, SLOW_MIDDLE, (WIDTH, HEIGHT), OUTPUT, offset=4.0)

    assert np.abs(back - points).max() < 1.0
    assert np.abs(back_times - clip_times).max() < 1 / FPS
    # the slow middle lasts twice as long in the framed video
    slow = (clip_times > 3.0) & (clip_times < 6.0)
    assert np.diff(framed_times[slow]) == pytest.approx(2 * np.diff(clip_times[slow]))
    _, shown_at = to_framed(points[:1], [0.2], crop, SLOW_MIDDLE, (WIDTH, HEIGHT), OUTPUT)
    assert np.isnan(shown_at[0])  # trimmed away: not shown

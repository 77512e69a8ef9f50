"""Follow the player: the tracker on generated match footage with ground truth
(exports/render/scenes.py), small (640x360, 4 s) so the whole file takes seconds."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from exports.render.pipeline import Cancelled
from exports.render.scenes import Scene
from exports.render.tracking import Track, resume, track

SIZE = {"width": 640, "height": 360, "seconds": 4.0}


def iou(a, b) -> float:
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def centre_error(box, truth, height: int = SIZE["height"]) -> float:
    """Distance between the centres, in % of the frame height."""
    centre = np.array(box[:2]) + np.array(box[2:]) / 2
    true_centre = np.array(truth[:2]) + np.array(truth[2:]) / 2
    return float(np.linalg.norm(centre - true_centre)) / height * 100


def assert_always_on_the_target(scene: Scene, result: Track) -> None:
    """Every box the track gives sits on the target, never on another player (where the
    target is hidden, on the place it is hidden at)."""
    for i, box in enumerate(result.boxes):
        if box is None:
            continue
        truth = scene.target_box(i)
        others = [iou(box, scene.boxes[p, i]) for p in range(len(scene.players)) if p != scene.target]
        assert centre_error(box, truth, scene.height) < 3, f"frame {i}: {box} is away from the target {truth}"
        if scene.visible[i] > 0.5:
            assert iou(box, truth) >= max(others), f"frame {i}: {box} is on another player"


def test_it_follows_the_player_through_the_clip_in_both_directions():
    scene = Scene(1, **SIZE)

    result = track(scene, 33, scene.target_box(33), fps=scene.fps)

    assert len(result) == len(scene)
    assert result.lost_spans() == []
    overlaps = [iou(box, scene.target_box(i)) for i, box in enumerate(result.boxes)]
    errors = [centre_error(box, scene.target_box(i)) for i, box in enumerate(result.boxes)]
    assert np.mean(np.array(overlaps) > 0.5) >= 0.95
    assert np.mean(errors) < 2
    assert min(result.confidence) > 0


def test_it_tracks_backward_from_a_later_click_on_packed_yuv_frames():
    # given: the decoder's frames (packed YUV 4:2:0) through a callable, clicked late in the clip
    scene = Scene(3, **SIZE)
    start = 66

    result = track(scene.yuv, start, scene.target_box(start), count=len(scene), fps=scene.fps)

    # then: every frame before the click has the player
    assert result.lost_spans() == []
    before = [iou(result.boxes[i], scene.target_box(i)) for i in range(start)]
    assert np.mean(np.array(before) > 0.5) >= 0.95
    assert_always_on_the_target(scene, result)


def test_it_reports_the_player_lost_rather_than_following_a_look_alike_team_mate():
    # given: a team-mate in the same kit walks in front of the player (hidden from frame 59)
    scene = Scene(3, occlusion=True, **SIZE)
    hidden = np.nonzero(scene.visible < 0.5)[0]

    result = track(scene, 33, scene.target_box(33), fps=scene.fps)

    # then: the track stops around the occlusion and the rest of the clip is lost
    (first, last), *_ = result.lost_spans()
    assert hidden[0] - 10 <= first <= hidden[0] + 5
    assert last == len(scene) - 1
    assert_always_on_the_target(scene, result)


def test_it_stops_when_the_team_mate_that_hid_the_player_comes_out_where_it_went_in():
    # given: the decoder's frames at the analysis size (packed YUV, 640x360) of a 720p scene
    # where a team-mate walks across in front of the player (hidden in frames 81-88). The
    # user clicked at frame 117; tracked backward, the match comes out of the occlusion
    # with the team-mate, and a look-alike shows again on the side the team-mate went in.
    scene = Scene(47, occlusion=True, seconds=6.0)
    frames = [
        cv2.cvtColor(cv2.resize(scene[i], (640, 360), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2YUV_I420)
        for i in range(len(scene))
    ]
    hidden = np.nonzero(scene.visible < 0.5)[0]

    found = track(frames, 117, tuple(v / 2 for v in scene.target_box(117)), fps=scene.fps)

    # then: the track stops at the occlusion instead of following the team-mate on
    result = Track([None if b is None else tuple(v * 2 for v in b) for b in found.boxes], found.confidence)
    (first, last), *others = result.lost_spans()
    assert first == 0
    assert others == []
    assert hidden[0] <= last <= hidden[-1] + 5
    assert_always_on_the_target(scene, result)


def test_it_keeps_the_player_when_a_team_mate_walks_past_in_front():
    scene = Scene(10, occlusion=True, **SIZE)
    assert (scene.visible < 0.2).any()  # the team-mate does hide the player

    result = track(scene, 33, scene.target_box(33), fps=scene.fps)

    assert result.lost_spans() == []
    assert_always_on_the_target(scene, result)
    hidden = scene.visible < 0.5
    assert max(np.array(result.confidence)[hidden]) < 1  # the hidden frames are a guess, and say so


def test_it_stops_where_the_player_disappears():
    # given: from frame 60 the player is painted over with grass
    scene = Scene(1, **SIZE)

    def frames(i: int) -> np.ndarray:
        frame = scene[i]
        if i >= 60:
            x, y, w, h = (round(v) for v in scene.target_box(i))
            frame[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = np.median(frame, axis=(0, 1))
        return frame

    result = track(frames, 33, scene.target_box(33), count=len(scene), fps=scene.fps)

    assert result.lost_spans() == [(60, len(scene) - 1)]
    assert_always_on_the_target(scene, result)


def test_a_second_click_fills_the_lost_span():
    scene = Scene(3, occlusion=True, **SIZE)
    first = track(scene, 33, scene.target_box(33), fps=scene.fps)
    (lost_from, _), *_ = first.lost_spans()
    again = 80

    result = resume(first, scene, again, scene.target_box(again), fps=scene.fps)

    # then: the frames tracked before are kept, the span after the second click is filled
    assert result.boxes[:lost_from] == first.boxes[:lost_from]
    assert all(result.boxes[i] is not None for i in range(again, len(scene)))
    assert sum(b is None for b in result.boxes) < sum(b is None for b in first.boxes)
    assert_always_on_the_target(scene, result)


def test_a_second_click_after_the_team_mate_passed_never_hands_it_the_track():
    # given: the player is lost where a team-mate walks in front of it (hidden from frame
    # 59); the user clicks it again at frame 78, clear of the team-mate. Tracked back from
    # there the new run comes out on the team-mate before it meets the first run.
    scene = Scene(3, occlusion=True, **SIZE)
    first = track(scene, 33, scene.target_box(33), fps=scene.fps)
    (lost_from, _), *_ = first.lost_spans()
    again = 78

    result = resume(first, scene, again, scene.target_box(again), fps=scene.fps)

    # then: the first run's boxes stay, the clip after the click is filled, and no box is
    # more on the team-mate than on the player (what the new run cannot vouch for stays lost)
    assert result.boxes[:lost_from] == first.boxes[:lost_from]
    assert all(result.boxes[i] is not None for i in range(again, len(scene)))
    assert result.lost_spans() == [(lost_from, again - 1)]
    for i, box in enumerate(result.boxes):
        if box is not None:
            assert iou(box, scene.target_box(i)) > iou(box, scene.boxes[scene.occluder, i]), f"frame {i}"
    assert_always_on_the_target(scene, result)


def test_merging_fills_lost_frames_and_keeps_the_boxes_there_are():
    have = Track([(10.0, 10.0, 5.0, 5.0), None, None], [0.6, 0.0, 0.0])
    other = Track([(50.0, 10.0, 5.0, 5.0), (11.0, 10.0, 5.0, 5.0), None], [1.0, 0.9, 0.0])

    merged = have.merge(other)

    assert merged.boxes == [(10.0, 10.0, 5.0, 5.0), (11.0, 10.0, 5.0, 5.0), None]
    assert merged.confidence == [0.6, 0.9, 0.0]


def test_a_track_survives_json():
    scene = Scene(3, occlusion=True, **SIZE)
    result = track(scene, 33, scene.target_box(33), fps=scene.fps)

    text = result.to_json()
    back = Track.from_json(text)

    data = json.loads(text)
    assert all(b is None or all(isinstance(v, (int, float)) for v in b) for b in data["boxes"])
    assert back.lost_spans() == result.lost_spans()
    for a, b in zip(back.boxes, result.boxes, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert np.allclose(a, b, atol=0.05)
    assert np.allclose(back.confidence, result.confidence, atol=0.001)


def test_it_reports_progress_and_can_be_cancelled():
    scene = Scene(1, **SIZE)
    progress = []

    track(scene, 33, scene.target_box(33), on_progress=lambda done, total: progress.append((done, total)))

    assert progress[-1] == (len(scene), len(scene))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    asked = []

    def should_cancel() -> bool:
        asked.append(1)
        return len(asked) > 10

    with pytest.raises(Cancelled):
        track(scene, 33, scene.target_box(33), should_cancel=should_cancel)
    assert len(asked) == 11

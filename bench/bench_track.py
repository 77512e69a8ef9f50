"""Player tracking: each tracker on generated scenes with ground truth
(exports/render/scenes.py), 10 seeds where the target stays in plain view and 10
where a look-alike team-mate walks in front of it.

Per tracker: the mean centre error (% of frame height) and the share of frames
with IoU > 0.5 on the plain scenes; per occlusion scene whether it kept the
target, reported it lost, or followed another player for more than a second (a
failure); and the analysis speed (frames/s, the scene's own drawing excluded).
The occlusion outcomes print one letter a scene: K kept, L lost, W wrong.
Targets: error <= 2 %, IoU > 0.5 on >= 95 % of frames, >= 9 of 10 occlusion
scenes kept or lost, >= 100 frames/s. BENCH_TRACK_SECONDS sets the scene length
(default 6), BENCH_TRACK_METHODS the trackers (default ncc,csrt).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from exports.render.scenes import Scene
from exports.render.tracking import track

SECONDS = float(os.environ.get("BENCH_TRACK_SECONDS", "6"))
METHODS = os.environ.get("BENCH_TRACK_METHODS", "ncc,csrt").split(",")
SEEDS = range(10)


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


class TimedFrames:
    """The scene's frames, counting the time spent drawing them (not the tracker's)."""

    def __init__(self, scene: Scene) -> None:
        self.scene, self.drawing = scene, 0.0

    def __len__(self) -> int:
        return len(self.scene)

    def __getitem__(self, i: int):
        started = time.perf_counter()
        frame = self.scene[i]
        self.drawing += time.perf_counter() - started
        return frame


def click_frame(scene: Scene) -> int:
    """Where the user draws the box: from a third into the clip (so both directions are
    tracked), the first frame where the target stands clear of the other players, as a
    user picks a moment that shows the player."""
    for i in range(len(scene) // 3, len(scene)):
        target = scene.target_box(i)
        others = (iou(target, scene.boxes[p, i]) for p in range(len(scene.players)) if p != scene.target)
        if scene.visible[i] > 0.95 and max(others) == 0:
            return i
    return len(scene) // 3


def run_scene(scene: Scene, method: str):
    start = click_frame(scene)
    frames = TimedFrames(scene)
    started = time.perf_counter()
    result = track(frames, start, scene.target_box(start), method=method, fps=scene.fps)
    analysis = time.perf_counter() - started - frames.drawing
    return result, analysis


def occlusion_outcome(scene: Scene, result, fps: float) -> str:
    """ "wrong" when the box sat on another player for more than a second; else "kept"
    when the track covers the whole clip, "lost" when it stopped."""
    run = worst = 0
    for i, box in enumerate(result.boxes):
        wrong = False
        if box is not None:
            overlaps = [iou(box, scene.boxes[p, i]) for p in range(len(scene.players))]
            best = int(np.argmax(overlaps))
            wrong = best != scene.target and overlaps[best] > 0.3 and iou(box, scene.target_box(i)) < 0.3
        run = run + 1 if wrong else 0
        worst = max(worst, run)
    if worst > fps:
        return "wrong"
    return "lost" if result.lost_spans() else "kept"


@dataclass
class TrackResult:
    method: str
    centre_error: float  # % of frame height, mean over tracked frames of the plain scenes
    iou_share: float  # % of all frames of the plain scenes with IoU > 0.5
    outcomes: list[str]
    fps: float
    load: str

    def line(self) -> str:
        good = sum(o != "wrong" for o in self.outcomes)
        verdicts = [
            f"err {self.centre_error:.2f}% ({'met' if self.centre_error <= 2 else 'MISSED'})",
            f"IoU>0.5 {self.iou_share:.1f}% ({'met' if self.iou_share >= 95 else 'MISSED'})",
            f"occlusions {''.join(o[0].upper() for o in self.outcomes)} ({'met' if good >= 9 else 'MISSED'})",
            f"{self.fps:.0f} fps ({'met' if self.fps >= 100 else 'MISSED'})",
        ]
        return f"{'track ' + self.method:<44} " + "  ".join(verdicts) + f"  [load {self.load}]"


def scenes(seeds=SEEDS, seconds: float = SECONDS) -> list[tuple[Scene, Scene]]:
    """(plain, occlusion) scene per seed; they draw their frames on demand."""
    return [(Scene(seed, seconds=seconds), Scene(seed, occlusion=True, seconds=seconds)) for seed in seeds]


def evaluate(method: str, pairs: list[tuple[Scene, Scene]]) -> TrackResult:
    errors, good_frames, all_frames, outcomes = [], 0, 0, []
    analysed, analysis_s = 0, 0.0
    for scene, occluded in pairs:
        result, took = run_scene(scene, method)
        analysed, analysis_s = analysed + len(scene), analysis_s + took
        for i, box in enumerate(result.boxes):
            truth = scene.target_box(i)
            all_frames += 1
            if box is None:
                continue
            centre = np.array(box[:2]) + np.array(box[2:]) / 2
            true_centre = np.array(truth[:2]) + np.array(truth[2:]) / 2
            errors.append(np.linalg.norm(centre - true_centre) / scene.height * 100)
            good_frames += iou(box, truth) > 0.5
        result, took = run_scene(occluded, method)
        analysed, analysis_s = analysed + len(occluded), analysis_s + took
        outcomes.append(occlusion_outcome(occluded, result, occluded.fps))
    load = os.getloadavg()[0]
    return TrackResult(
        method=method,
        centre_error=float(np.mean(errors)) if errors else float("inf"),
        iou_share=100 * good_frames / all_frames,
        outcomes=outcomes,
        fps=analysed / analysis_s,
        load=f"{load:.1f}/{os.cpu_count()} cpus",
    )


def run() -> list[TrackResult]:
    pairs = scenes()
    return [evaluate(method, pairs) for method in METHODS]


if __name__ == "__main__":
    for result in run():
        print(result.line())
        print("  occlusion outcomes:", " ".join(result.outcomes))

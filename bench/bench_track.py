"""Player tracking: each tracker on generated scenes with ground truth
(exports/render/scenes.py), one table row per tracker.

Per seed a plain scene (the target stays in plain view; other players cross behind
it) and an occlusion scene (a look-alike team-mate walks in front of it). Columns:
- err: the mean centre error on the plain scenes (% of frame height, tracked frames);
- IoU: the share of all plain-scene frames with IoU > 0.5 (lost frames count as misses);
- occlusions: per occlusion scene K kept the target, L reported it lost, W followed
  another player for more than a second (a failure); and how many were K or L;
- fps: frames analysed per second (the scene's drawing excluded);
- 15 s clip: a 15 s 720p scene encoded to H.264, decoded at the analysis size
  (exports/render/clip_frames.read_clip, as the worker does) and tracked, in seconds.
Targets: err <= 2 %, IoU > 0.5 on >= 95 % of frames, >= 9 of 10 occlusion scenes
kept or lost (the same share on other seed counts), >= 100 fps, the clip in < 5 s.

The trackers get the frames the worker gives them: packed YUV 4:2:0 at the analysis
size (each scene is drawn once and shared by the trackers). Environment:
BENCH_TRACK_SEEDS ("0-9", the default; "10-59" for held-out seeds; or "3,7,12"),
BENCH_TRACK_SECONDS (scene length, default 6), BENCH_TRACK_METHODS (default
ncc,csrt,kcf), BENCH_TRACK_CLIP=0 to leave out the 15 s clip.

Measured on 2 cores shared with other work (load 2 to 6), seeds 0-9: ncc 0.23 %,
95.7 %, KKLLLLLKKK 10/10, 350-690 fps, the clip in 1.5-2.8 s: all met. csrt 2.81 %,
93.7 %, WWKKWWWWWK 3/10 (it drifts onto the team-mate), 27-63 fps, 6-14 s. kcf 1.07 %
but 17.9 % (it reports failure within a few frames and stops), 10/10 lost,
1200-3800 fps. The whole run: 100 s of CPU (83 s to 170 s on the clock).
Held-out seeds 10-59, ncc: 94.1 % on the plain scenes; on the occlusion scenes
the tracker followed a team-mate in 3 of 50 (seeds 40, 47, 50) before a merged
look-alike seen again on the side it went in stopped the track, 2 of 50 after
(40, 50: the click, the first frame in full view, already has the team-mate
overlapping the player, and the match moves with it from the start). The earlier
bench (RGB input, and the click at a third of the clip whenever no frame showed
the player clear, even half hidden) counted 7 of 50.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from exports.render.clip_frames import read_clip
from exports.render.scenes import Scene
from exports.render.tracking import Track, track

ANALYSIS_HEIGHT = 360
CLIP_SECONDS = 15.0


def seeds_from(text: str) -> list[int]:
    """ "0-9" or "3,7,12" (or both, comma-separated)."""
    seeds = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


SEEDS_TEXT = os.environ.get("BENCH_TRACK_SEEDS", "0-9")
SEEDS = seeds_from(SEEDS_TEXT)
SECONDS = float(os.environ.get("BENCH_TRACK_SECONDS", "6"))
METHODS = os.environ.get("BENCH_TRACK_METHODS", "ncc,csrt,kcf").split(",")
WITH_CLIP = os.environ.get("BENCH_TRACK_CLIP", "1") != "0"


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def click_frame(scene: Scene) -> int:
    """Where the user draws the box: from a third into the clip (so both directions are
    tracked), the first frame where the target stands clear of the other players, as a
    user picks a moment that shows the player; failing that, the first where it is in
    full view (a user does not draw the box around a player half hidden by another)."""
    shown = [i for i in range(len(scene) // 3, len(scene)) if scene.visible[i] > 0.95]
    for i in shown:
        target = scene.target_box(i)
        if max(iou(target, scene.boxes[p, i]) for p in range(len(scene.players)) if p != scene.target) == 0:
            return i
    return shown[0] if shown else len(scene) // 3


def analysis_frames(scene: Scene) -> tuple[list[np.ndarray], float]:
    """The scene's frames as the worker hands them to the tracker (packed YUV at the
    analysis size), and the factor from scene pixels to analysis pixels."""
    scale = ANALYSIS_HEIGHT / scene.height
    size = (round(scene.width * scale / 2) * 2, ANALYSIS_HEIGHT)
    frames = [
        cv2.cvtColor(cv2.resize(scene[i], size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2YUV_I420)
        for i in range(len(scene))
    ]
    return frames, scale


def run_scene(scene: Scene, frames: list[np.ndarray], scale: float, method: str) -> tuple[Track, float]:
    """The track in scene pixels, and the seconds the tracker took."""
    start = click_frame(scene)
    box = tuple(v * scale for v in scene.target_box(start))
    started = time.perf_counter()
    result = track(frames, start, box, method=method, fps=scene.fps, analysis_height=ANALYSIS_HEIGHT)
    took = time.perf_counter() - started
    boxes = [None if b is None else tuple(v / scale for v in b) for b in result.boxes]
    return Track(boxes, result.confidence), took


def occlusion_outcome(scene: Scene, result: Track) -> str:
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
    if worst > scene.fps:
        return "wrong"
    return "lost" if result.lost_spans() else "kept"


@dataclass
class TrackerRow:
    method: str
    errors: list[float] = field(default_factory=list)
    good_frames: int = 0
    all_frames: int = 0
    outcomes: list[str] = field(default_factory=list)
    analysed: int = 0
    analysis_s: float = 0.0
    clip_s: float | None = None

    def add_plain(self, scene: Scene, result: Track, took: float) -> None:
        self.analysed, self.analysis_s = self.analysed + len(scene), self.analysis_s + took
        for i, box in enumerate(result.boxes):
            self.all_frames += 1
            if box is None:
                continue
            truth = scene.target_box(i)
            centre = np.array(box[:2]) + np.array(box[2:]) / 2
            true_centre = np.array(truth[:2]) + np.array(truth[2:]) / 2
            self.errors.append(float(np.linalg.norm(centre - true_centre)) / scene.height * 100)
            self.good_frames += iou(box, truth) > 0.5

    def add_occlusion(self, scene: Scene, result: Track, took: float) -> None:
        self.analysed, self.analysis_s = self.analysed + len(scene), self.analysis_s + took
        self.outcomes.append(occlusion_outcome(scene, result))

    @property
    def centre_error(self) -> float:
        return float(np.mean(self.errors)) if self.errors else float("inf")

    @property
    def iou_share(self) -> float:
        return 100 * self.good_frames / max(1, self.all_frames)

    @property
    def fps(self) -> float:
        return self.analysed / self.analysis_s

    def missed(self) -> list[str]:
        good = sum(o != "wrong" for o in self.outcomes)
        checks = {
            "err": self.centre_error <= 2,
            "IoU": self.iou_share >= 95,
            "occlusions": good >= 0.9 * len(self.outcomes),
            "fps": self.fps >= 100,
            "clip": self.clip_s is None or self.clip_s < 5,
        }
        return [name for name, met in checks.items() if not met]

    def line(self) -> str:
        good = sum(o != "wrong" for o in self.outcomes)
        letters = "".join(o[0].upper() for o in self.outcomes)
        clip = "-" if self.clip_s is None else f"{self.clip_s:.1f}s"
        missed = self.missed()
        verdict = "all met" if not missed else "MISSED " + ",".join(missed)
        return (
            f"{'track ' + self.method:<12} {self.centre_error:>5.2f}% {self.iou_share:>5.1f}% "
            f"{letters:<{max(10, len(letters))}} {good:>2}/{len(self.outcomes):<2} "
            f"{self.fps:>5.0f} {clip:>6}  {verdict}"
        )


@dataclass
class Heading:
    """The table's heading and the run's conditions, printed above the rows."""

    width: int  # of the occlusions column

    def line(self) -> str:
        load = os.getloadavg()[0]
        return (
            f"tracking: seeds {SEEDS_TEXT}, {SECONDS:g} s scenes, load {load:.1f}/{os.cpu_count()} cpus\n"
            f"{'tracker':<12} {'err':>6} {'IoU':>6} {'occlusions':<{self.width}} {'K+L':>5} "
            f"{'fps':>5} {'15s clip':>6}  targets (err<=2%, IoU>=95%, K+L>=90%, >=100 fps, clip<5s)"
        )


def encoded_clip(folder: Path, seconds: float = CLIP_SECONDS) -> tuple[Path, Scene]:
    """A plain 720p scene of `seconds`, encoded to H.264 (as an uploaded clip would be)."""
    from django.conf import settings

    scene = Scene(0, seconds=seconds)
    path = folder / "clip.mp4"
    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{scene.width}x{scene.height}", "-r", f"{scene.fps:g}",
        "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    encoder = subprocess.Popen(command, stdin=subprocess.PIPE)
    for i in range(len(scene)):
        encoder.stdin.write(scene[i].tobytes())
    encoder.stdin.close()
    if encoder.wait(timeout=120) != 0:
        raise RuntimeError("ffmpeg could not encode the benchmark clip")
    return path, scene


def time_clip(path: Path, scene: Scene, method: str) -> float:
    """Seconds to decode the clip at the analysis size and track the target through it."""
    start = click_frame(scene)
    started = time.perf_counter()
    clip = read_clip(path, lead_in=0.0, duration=len(scene) / scene.fps, analysis_height=ANALYSIS_HEIGHT)
    sx, sy = clip.scale
    x, y, w, h = scene.target_box(start)
    track(clip.frames, start, (x / sx, y / sy, w / sx, h / sy), method=method, fps=clip.fps)
    return time.perf_counter() - started


def run() -> list:
    rows = {method: TrackerRow(method) for method in METHODS}
    for seed in SEEDS:
        for occlusion in (False, True):
            scene = Scene(seed, occlusion=occlusion, seconds=SECONDS)
            frames, scale = analysis_frames(scene)
            for method, row in rows.items():
                result, took = run_scene(scene, frames, scale, method)
                (row.add_occlusion if occlusion else row.add_plain)(scene, result, took)
    if WITH_CLIP:
        with tempfile.TemporaryDirectory() as folder:
            path, scene = encoded_clip(Path(folder))
            for method, row in rows.items():
                row.clip_s = time_clip(path, scene, method)
    return [Heading(max(10, len(SEEDS))), *rows.values()]

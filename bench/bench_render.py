"""Render speed: the final export in one pass from the source clip, against the
encoder-bound limit and a naive moviepy implementation, on the same generated
1080p source, at the "fast" encoder settings.

1. ours: onepass.render (keyframed crop panning across the pitch, one 0.5x
   segment with in-between frames, a highlight), 1080x1920 output;
2. one bare ffmpeg command: crop + scale + encode, same encoder settings, with
   the crop panning along the same path (an x expression of t), and, as a
   second line, a still crop (cheaper to encode: a panning picture costs x264
   about a third more);
3. moviepy, per-frame crop + resize + highlight through its clip API, as a user
   would write it;
4. a 3-clip reel with dissolves against the same three crops joined by ffmpeg's
   xfade (and acrossfade);
5. slow motion: an all-0.5x clip with in-between frames and with repeated frames.
Prints fps and the ratios with their targets. With CUDA, also the compact
upscaler's fps at 1080x1920 output (target >= 60). BENCH_RENDER_SECONDS sets the
source length (default 10).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from django.conf import settings

from exports.render.onepass import ClipPlan, render
from exports.render.video_io import PRESETS, source_info

SECONDS = float(os.environ.get("BENCH_RENDER_SECONDS", "10"))
OUTPUT = (1080, 1920)
CROP_WIDTH = 1080 * 9 / 16


@dataclass
class FpsResult:
    name: str
    fps: float
    baseline_fps: float | None = None
    target: float | None = None

    def line(self) -> str:
        if self.baseline_fps is None:
            return f"{self.name:<44} {self.fps:>8.1f} fps"
        ratio = self.fps / self.baseline_fps
        verdict = (
            ""
            if self.target is None
            else f"  target >= {self.target:g}: {'met' if ratio >= self.target else 'MISSED'}"
        )
        return f"{self.name:<44} {self.fps:>8.1f} fps {self.baseline_fps:>7.1f} fps {ratio:>6.2f}x{verdict}"


def make_source(path: Path) -> None:
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(path),
        ],
        check=True,
        timeout=600,
    )  # fmt: skip


def edits() -> tuple[list[dict], dict, list[dict]]:
    crop = [
        {"time": 0.0, "x": 100.0, "y": 0.0, "width": CROP_WIDTH, "height": 1080.0},
        {"time": SECONDS / 2, "x": 900.0, "y": 0.0, "width": CROP_WIDTH, "height": 1080.0},
        {"time": SECONDS, "x": 1200.0, "y": 0.0, "width": CROP_WIDTH, "height": 1080.0},
    ]
    segments = {"trim_start": 0.0, "trim_end": SECONDS, "splits": [2.0, 3.0], "speeds": [1.0, 0.5, 1.0]}
    region = {
        "id": "r", "start_time": 1.0, "end_time": 3.0, "enabled": True,
        "keyframes": [
            {"time": 1.0, "x": 540, "y": 1400, "radius_x": 115, "radius_y": 230, "opacity": 0.15},
            {"time": 3.0, "x": 600, "y": 1300, "radius_x": 115, "radius_y": 230, "opacity": 0.15},
        ],
    }  # fmt: skip
    return crop, segments, [region]


def pan(offset: float = 0.0) -> str:
    """The crop keyframes' x path (edits()) in ffmpeg's expression language, for a
    video starting `offset` seconds into the source."""
    t, half = f"(t+{offset:g})", SECONDS / 2
    return f"if(lt({t},{half:g}),100+{t}*{800 / half:g},900+({t}-{half:g})*{300 / half:g})"


def ours(source: Path, folder: Path, segments: dict | None = None, slow_motion: str = "smooth") -> float:
    """The final video in one pass from the source clip."""
    crop, default_segments, regions = edits()
    started = time.perf_counter()
    final = render(
        [ClipPlan(source, crop, segments or default_segments)], folder / "final.mp4", output_size=OUTPUT,
        regions=regions, ffmpeg=settings.FFMPEG_BINARY, slow_motion=slow_motion,
    )  # fmt: skip
    return final.frame_count / (time.perf_counter() - started)


def encode_fps(arguments: list[str], frames: int, target: Path) -> float:
    """Frames per second of one ffmpeg run: `arguments` (inputs and filters), then
    the encoder settings every line here shares."""
    started = time.perf_counter()
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y", *arguments,
            "-c:v", "libx264", *PRESETS["fast"]["libx264"], "-pix_fmt", "yuv420p", "-c:a", "aac", str(target),
        ],
        check=True,
        timeout=1200,
    )  # fmt: skip
    return frames / (time.perf_counter() - started)


def bare_ffmpeg(source: Path, folder: Path, x: str | None = None) -> float:
    crop = f"crop={round(CROP_WIDTH)}:1080:'{x or pan()}':0,scale={OUTPUT[0]}:{OUTPUT[1]}"
    frames = round(source_info(source).duration * 30)
    return encode_fps(["-i", str(source), "-vf", crop], frames, folder / "bare.mp4")


REEL = [(0.0, 4.0), (3.0, 7.0), (6.0, 10.0)]  # three 4 s clips of the source
DISSOLVE = 0.5


def reel_ours(source: Path, folder: Path) -> float:
    crop, _, _ = edits()
    plans = [
        ClipPlan(source, [{**k, "time": k["time"] - start} for k in crop],
                 {"trim_start": start, "trim_end": end, "splits": [], "speeds": [1.0]})
        for start, end in REEL
    ]  # fmt: skip
    started = time.perf_counter()
    result = render(
        plans, folder / "reel.mp4", output_size=OUTPUT, ffmpeg=settings.FFMPEG_BINARY,
        transition={"type": "dissolve", "duration": DISSOLVE},
    )  # fmt: skip
    return result.frame_count / (time.perf_counter() - started)


def reel_bare(source: Path, folder: Path) -> float:
    """The same three spans, cropped, scaled and joined with xfade/acrossfade."""
    inputs, chains = [], []
    for n, (start, end) in enumerate(REEL):
        inputs += ["-ss", str(start), "-t", str(end - start), "-i", str(source)]
        x = pan(start)
        chains.append(f"[{n}:v]crop={round(CROP_WIDTH)}:1080:'{x}':0,scale={OUTPUT[0]}:{OUTPUT[1]},"
                      f"setpts=PTS-STARTPTS[v{n}]")  # fmt: skip
    length = REEL[0][1] - REEL[0][0]
    chains.append(f"[v0][v1]xfade=transition=fade:duration={DISSOLVE}:offset={length - DISSOLVE}[x1]")
    chains.append(f"[x1][v2]xfade=transition=fade:duration={DISSOLVE}:offset={2 * (length - DISSOLVE)}[vout]")
    chains.append(f"[0:a][1:a]acrossfade=d={DISSOLVE}[a1];[a1][2:a]acrossfade=d={DISSOLVE}[aout]")
    frames = round((3 * length - 2 * DISSOLVE) * 30)
    graph = ["-filter_complex", ";".join(chains), "-map", "[vout]", "-map", "[aout]"]
    return encode_fps([*inputs, *graph], frames, folder / "reel-bare.mp4")


def naive_moviepy(source: Path, folder: Path) -> float:
    """What a user would write with moviepy: a per-frame function over the clip."""
    from moviepy import VideoFileClip
    from PIL import Image

    from exports.render.timeline import interpolate

    crop, _, regions = edits()
    times, xs = [k["time"] for k in crop], [k["x"] for k in crop]
    ys, xs_grid = np.mgrid[0 : OUTPUT[1], 0 : OUTPUT[0]]
    seconds = min(SECONDS, 3.0)  # moviepy is slow; fps does not depend on length

    def frame(get_frame, t):
        picture = get_frame(t)
        x = int(interpolate(times, xs, t)[0])
        cropped = Image.fromarray(picture[:, x : x + round(CROP_WIDTH)]).resize(OUTPUT, Image.BICUBIC)
        out = np.asarray(cropped).astype(np.float32)
        key = regions[0]["keyframes"][0]
        inside = ((xs_grid - key["x"]) / key["radius_x"]) ** 2 + ((ys - key["y"]) / key["radius_y"]) ** 2 <= 1
        out[inside] = out[inside] * 0.85 + np.array([255, 255, 0]) * 0.15
        return out.astype(np.uint8)

    clip = VideoFileClip(str(source)).subclipped(0, seconds)
    started = time.perf_counter()
    clip.transform(frame).write_videofile(
        str(folder / "moviepy.mp4"), codec="libx264", preset="veryfast", ffmpeg_params=["-crf", "21"],
        audio_codec="aac", logger=None,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    clip.close()
    return seconds * 30 / elapsed


def gpu_upscaler_fps() -> float:
    from exports.render.upscale import SRVGGNetCompact, upscale

    model = SRVGGNetCompact().cuda().half().eval()
    batch = torch.rand(8, 3, OUTPUT[1] // 4, OUTPUT[0] // 4, device="cuda")
    upscale(model, batch)
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(10):
        upscale(model, batch)
    torch.cuda.synchronize()
    return 80 / (time.perf_counter() - started)


def run() -> list:
    slow = {"trim_start": 2.0, "trim_end": 5.0, "splits": [], "speeds": [0.5]}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.mp4"
        make_source(source)
        our_fps = ours(source, folder)
        ffmpeg_fps = bare_ffmpeg(source, folder)
        still_fps = bare_ffmpeg(source, folder, x="656")
        moviepy_fps = naive_moviepy(source, folder)
        reel_fps, reel_bare_fps = reel_ours(source, folder), reel_bare(source, folder)
        smooth_fps = ours(source, folder, slow, "smooth")
        repeat_fps = ours(source, folder, slow, "repeat")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = [
        FpsResult(f"final export 1080p -> 1080x1920, {device}", our_fps),
        FpsResult("final vs bare ffmpeg, same panning crop", our_fps, ffmpeg_fps, 0.8),
        FpsResult("final vs bare ffmpeg, still crop", our_fps, still_fps, 0.8),
        FpsResult("final vs naive moviepy", our_fps, moviepy_fps, 5.0),
        FpsResult("3-clip reel, dissolves, vs ffmpeg xfade", reel_fps, reel_bare_fps, 0.7),
        FpsResult("all-0.5x clip: in-between vs repeated", smooth_fps, repeat_fps),
    ]
    if torch.cuda.is_available():
        results.append(FpsResult("compact upscaler, 1080x1920 output (fp16)", gpu_upscaler_fps(), 60.0, 1.0))
    return results

"""Slow motion quality: in-between frames rebuilt against a known truth.

A generated 60 fps scene (a textured pitch under a camera pan, a ball on its own
arc, two players crossing) loses every other frame (a 30 fps video); the dropped
frames are rebuilt by
1. repetition of the previous frame (what a renderer without interpolation shows),
2. ours (exports.render.motion.MotionInterpolator, t=0.5),
3. ffmpeg's minterpolate (mi_mode=mci, aobmc, bidir, vsbmc), the product's
   earlier method, fed the 30 fps frames as lossless raw yuv420p.
Each is compared with the true frames: Y PSNR and Y SSIM (11x11 Gaussian
window, sigma 1.5), and ms per in-between frame (ours: flow pair + warp + blend;
minterpolate: its whole run over the in-between frames it made).
Verdict: ours vs repetition in Y PSNR, target >= 4 dB.
BENCH_SLOWMO_SIZE (default 1280x720) and BENCH_SLOWMO_SECONDS (default 1.5) set the scene.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from dataclasses import dataclass

import cv2
import numpy as np
from django.conf import settings

from exports.render.motion import MotionInterpolator, planes

WIDTH, HEIGHT = (int(n) for n in os.environ.get("BENCH_SLOWMO_SIZE", "1280x720").split("x"))
SECONDS = float(os.environ.get("BENCH_SLOWMO_SECONDS", "1.5"))
RATE = 60
TARGET_DB = 4.0
MINTERPOLATE = "minterpolate=fps=60:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1"


@dataclass
class QualityResult:
    method: str
    psnr: float
    ssim: float
    ms_per_frame: float | None

    def line(self) -> str:
        ms = "" if self.ms_per_frame is None else f"{self.ms_per_frame:>8.1f} ms/frame"
        return f"slowmo {self.method:<37} {self.psnr:>7.2f} dB  SSIM {self.ssim:.4f} {ms}"


@dataclass
class VerdictResult:
    gain_db: float

    def line(self) -> str:
        met = "met" if self.gain_db >= TARGET_DB else "MISSED"
        return f"slowmo ours vs repetition: {self.gain_db:+.2f} dB (target >= {TARGET_DB:g} dB): {met}"


# -- the scene -----------------------------------------------------------------


def pitch_texture(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A BGR pitch: mowing stripes, grass noise at two scales, white lines."""
    stripes = ((np.arange(width) // 90) % 2).astype(np.float32) * 14 - 7
    noise = sum(
        cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), sigma) * gain
        for sigma, gain in ((1.2, 40.0), (6.0, 120.0))
    )
    grass = np.stack([40 + 0.3 * noise, 120 + noise, 50 + 0.3 * noise], axis=2) + stripes[None, :, None]
    pitch = np.clip(grass, 0, 255).astype(np.uint8)
    white = (235, 235, 235)
    cv2.line(pitch, (width // 2, 0), (width // 2, height), white, 5, cv2.LINE_AA)
    cv2.circle(pitch, (width // 2, height // 2), height // 4, white, 5, cv2.LINE_AA)
    cv2.rectangle(pitch, (width // 10, height // 4), (width // 4, 3 * height // 4), white, 5, cv2.LINE_AA)
    return pitch


def _poly(frame: np.ndarray, points: np.ndarray, colour: tuple[int, int, int]) -> None:
    # Sub-pixel positions (4 fractional bits), so slow motion is smooth.
    cv2.fillPoly(frame, [np.rint(points * 16).astype(np.int32)], colour, cv2.LINE_AA, shift=4)


def _disc(frame: np.ndarray, centre: np.ndarray, radius: float, colour: tuple[int, int, int]) -> None:
    cx, cy = np.rint(centre * 16).astype(int)
    cv2.circle(frame, (int(cx), int(cy)), int(radius * 16), colour, -1, cv2.LINE_AA, shift=4)


def _player(frame: np.ndarray, feet: np.ndarray, unit: float, shirt: tuple[int, int, int]) -> None:
    legs = np.array([[-0.9, 0], [0.9, 0], [0.7, -3.2], [-0.7, -3.2]]) * unit + feet
    shorts = np.array([[-1.0, -3.0], [1.0, -3.0], [1.1, -4.4], [-1.1, -4.4]]) * unit + feet
    body = np.array([[-1.2, -4.3], [1.2, -4.3], [1.4, -7.6], [-1.4, -7.6]]) * unit + feet
    _poly(frame, legs, (90, 140, 210))
    _poly(frame, shorts, (30, 30, 30))
    _poly(frame, body, shirt)
    _disc(frame, feet + np.array([0.0, -8.6]) * unit, 1.0 * unit, (80, 120, 190))


def scene(width: int, height: int, frames: int, seed: int = 7) -> list[np.ndarray]:
    """Packed yuv420p frames at 60 fps: a camera pan over a pitch, a ball on an arc,
    and two players crossing (the blue one passes in front of the red one)."""
    rng = np.random.default_rng(seed)
    duration = frames / RATE
    pan = 9.0 * width / 1280  # pixels per frame at 60 fps
    pitch = pitch_texture(int(width + pan * frames + 200), height + 200, rng)
    unit = height / 50
    ball_radius = height / 70
    out = []
    for n in range(frames):
        s = n / RATE
        camera = np.array([100 + pan * n, 100 + 20 * np.sin(2 * np.pi * s / duration)])
        # Sub-pixel pan: crop at the whole pixel, shift by the fraction.
        whole = np.floor(camera).astype(int)
        crop = pitch[whole[1] : whole[1] + height + 4, whole[0] : whole[0] + width + 4]
        shift = np.float32([[1, 0, whole[0] - camera[0]], [0, 1, whole[1] - camera[1]]])
        frame = cv2.warpAffine(crop, shift, (width, height), flags=cv2.INTER_CUBIC)
        # Screen positions: each moves on its own path, unlike the pitch under the pan.
        red = np.array([0.30 * width + 0.45 * width * s / duration, 0.62 * height])
        blue = np.array([0.80 * width - 0.45 * width * s / duration, 0.70 * height])
        _player(frame, red, unit, (40, 40, 200))
        _player(frame, blue, unit, (200, 90, 30))
        arc = np.sin(np.pi * s / duration)
        ball = np.array([0.15 * width + 0.75 * width * s / duration, 0.85 * height - 0.7 * height * arc])
        _disc(frame, ball, ball_radius, (240, 240, 250))
        out.append(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420))
    return out


# -- measures ------------------------------------------------------------------


def luma(frame: np.ndarray) -> np.ndarray:
    return planes(frame, WIDTH, HEIGHT)[0]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean(np.square(a.astype(np.float64) - b.astype(np.float64)))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1=0.01, K2=0.03."""
    x, y = a.astype(np.float64), b.astype(np.float64)

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ssim_map = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(ssim_map.mean())


def quality(
    method: str, rebuilt: list[np.ndarray], truth: list[np.ndarray], ms: float | None
) -> QualityResult:
    return QualityResult(
        method,
        float(np.mean([psnr(luma(r), luma(t)) for r, t in zip(rebuilt, truth, strict=True)])),
        float(np.mean([ssim(luma(r), luma(t)) for r, t in zip(rebuilt, truth, strict=True)])),
        ms,
    )


# -- methods -------------------------------------------------------------------


def ours(kept: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    interpolator = MotionInterpolator(WIDTH, HEIGHT)
    interpolator.between(kept[0], kept[1], 0.5)  # first call allocates the buffers
    started = time.perf_counter()
    rebuilt = [interpolator.between(a, b, 0.5) for a, b in itertools.pairwise(kept)]
    return rebuilt, (time.perf_counter() - started) * 1000 / len(rebuilt)


def minterpolate(
    kept: list[np.ndarray], lead_out: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """ffmpeg's in-betweens and the frames it passed through (to check alignment).

    minterpolate holds back the last frames it is given, so `lead_out` (the scene's
    next frames at 30 fps) follows the kept ones; what it makes of them is not kept.
    """
    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{WIDTH}x{HEIGHT}", "-r", "30", "-i", "-",
        "-vf", MINTERPOLATE, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-",
    ]  # fmt: skip
    stream = b"".join(f.tobytes() for f in [*kept, *lead_out])
    started = time.perf_counter()
    result = subprocess.run(command, input=stream, capture_output=True, check=True)
    elapsed = time.perf_counter() - started
    size = WIDTH * HEIGHT * 3 // 2
    out = [
        np.frombuffer(result.stdout, np.uint8, size, i * size).reshape(HEIGHT * 3 // 2, WIDTH)
        for i in range(len(result.stdout) // size)
    ]
    # Output frame 2k is input frame k at the same time; 2k+1 is the in-between.
    between = out[1 : 2 * len(kept) - 1 : 2]
    passed = out[0 : 2 * len(kept) - 1 : 2]
    return between, passed, elapsed * 1000 / len(between)


def run() -> list:
    frames = int(SECONDS * RATE) | 1  # odd: the last frame is a kept one
    truth = scene(WIDTH, HEIGHT, frames + 6)
    kept, dropped, lead_out = truth[0:frames:2], truth[1:frames:2], truth[frames + 1 :: 2]

    repeated = kept[:-1]
    rebuilt, ours_ms = ours(kept)
    mci, passed, mci_ms = minterpolate(kept, lead_out)
    # minterpolate must hand back the kept frames untouched, else its frames are misaligned.
    aligned = min(psnr(luma(p), luma(k)) for p, k in zip(passed, kept, strict=True))
    if len(mci) != len(dropped) or aligned < 45:
        raise RuntimeError(f"minterpolate's frames do not line up ({len(mci)} in-betweens, {aligned:.1f} dB)")

    results = [
        quality("repetition", repeated, dropped, None),
        quality("ours (MotionInterpolator)", rebuilt, dropped, ours_ms),
        quality("ffmpeg minterpolate mci", mci, dropped, mci_ms),
    ]
    results.append(VerdictResult(results[1].psnr - results[0].psnr))
    return results

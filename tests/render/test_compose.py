"""The overlay step and multi-clip reels, measured on decoded output."""

from __future__ import annotations

import subprocess

import av
import numpy as np
import pytest
from django.conf import settings

from exports.render.onepass import render_overlay, render_reel
from exports.render.video_io import source_info


def solid(path, colour: str, seconds: float, fps: int = 25, size: str = "160x96", tone: int = 440) -> None:
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c={colour}:s={size}:r={fps}:d={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "4", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip


def rgb_frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]


def audio_seconds(path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


AAC_SLACK = 2048 / 48000 + 1 / 25  # priming samples and a frame
YELLOW = "#FFFF00"


def test_a_highlight_is_drawn_only_while_its_region_lasts(tmp_path):
    source = tmp_path / "grey.mp4"
    solid(source, "0x646464", 2.0)
    region = {
        "id": "r", "start_time": 0.5, "end_time": 1.5, "enabled": True,
        "keyframes": [
            {"time": 0.5, "x": 80, "y": 48, "radius_x": 20, "radius_y": 30, "opacity": 0.5, "color": YELLOW}
        ],
    }  # fmt: skip

    result = render_overlay(
        source, tmp_path / "final.mp4", effect="yellow", regions=[region], ffmpeg=settings.FFMPEG_BINARY
    )

    pictures = rgb_frames(result.path)
    assert len(pictures) == 50
    before, during = pictures[5], pictures[25]  # 0.2 s and 1.0 s
    assert np.abs(before[48, 80] - [100, 100, 100]).max() <= 4
    red, green, blue = during[48, 80]
    # half way to #FFFF00
    assert abs(red - 178) <= 6
    assert abs(green - 178) <= 6
    assert abs(blue - 50) <= 6
    assert np.abs(during[5, 5] - [100, 100, 100]).max() <= 4  # outside: untouched
    assert audio_seconds(result.path) == pytest.approx(2.0, abs=AAC_SLACK)


def test_a_dissolve_blends_in_the_middle_and_shortens_the_reel(tmp_path):
    red, blue = tmp_path / "red.mp4", tmp_path / "blue.mp4"
    solid(red, "0xC80000", 1.0)
    solid(blue, "0x0000C8", 1.0, tone=660)

    result = render_reel(
        [red, blue], tmp_path / "reel.mp4", transition={"type": "dissolve", "duration": 0.5},
        ffmpeg=settings.FFMPEG_BINARY,
    )  # fmt: skip

    pictures = rgb_frames(result.path)
    assert len(pictures) == 37  # 1.5 s at 25 fps: 1 + 1 - 0.5
    middle = pictures[round(0.75 * 25)][48, 80]  # half way through the overlap
    assert abs(middle[0] - 100) <= 8
    assert abs(middle[2] - 100) <= 8
    assert np.abs(pictures[2][48, 80] - [200, 0, 0]).max() <= 6
    assert np.abs(pictures[-1][48, 80] - [0, 0, 200]).max() <= 6
    assert audio_seconds(result.path) == pytest.approx(1.5, abs=AAC_SLACK)
    assert source_info(result.path).fps == 25


def test_a_fade_goes_through_black_and_keeps_the_length(tmp_path):
    red, blue = tmp_path / "red.mp4", tmp_path / "blue.mp4"
    solid(red, "0xC80000", 1.0)
    solid(blue, "0x0000C8", 1.0)

    result = render_reel(
        [red, blue], tmp_path / "reel.mp4", transition={"type": "fade", "duration": 0.4},
        ffmpeg=settings.FFMPEG_BINARY,
    )  # fmt: skip

    pictures = rgb_frames(result.path)
    assert len(pictures) == 50
    assert pictures[25][48, 80].max() <= 10  # the join is black
    assert audio_seconds(result.path) == pytest.approx(2.0, abs=AAC_SLACK)


def test_without_a_gpu_the_encoder_is_libx264_at_either_preset(tmp_path):
    import torch

    from exports.render.video_io import video_encoder

    source = tmp_path / "grey.mp4"
    solid(source, "0x646464", 0.4)
    if not torch.cuda.is_available():
        assert video_encoder(settings.FFMPEG_BINARY) == "libx264"
    sizes = {}
    for quality in ("fast", "quality"):
        result = render_overlay(
            source, tmp_path / f"{quality}.mp4", effect="dim", regions=[], ffmpeg=settings.FFMPEG_BINARY,
            quality=quality,
        )  # fmt: skip
        assert result.encoder == video_encoder(settings.FFMPEG_BINARY)
        with av.open(str(result.path)) as container:
            assert container.streams.video[0].codec_context.name == "h264"
        sizes[quality] = result.path.stat().st_size
    assert sizes["quality"] >= sizes["fast"]

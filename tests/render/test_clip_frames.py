"""The tracker's clip reader: frame i is the file's frame at lead_in + i / fps, at the
analysis size, as packed YUV; measured on a file whose every frame says its number
in its brightness."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from django.conf import settings

from exports.render.clip_frames import analysis_size, read_clip
from exports.render.pipeline import Cancelled

FPS, COUNT, WIDTH, HEIGHT = 25, 30, 320, 180


def level(k: int) -> int:
    return 20 + 7 * k  # frame k's luma, 20..223


@pytest.fixture(scope="module")
def numbered(tmp_path_factory):
    """30 frames at 25 fps, 320x180, frame k flat grey at level(k), losslessly coded."""
    path = tmp_path_factory.mktemp("clip-frames") / "numbered.mp4"
    raw = b"".join(
        np.full(WIDTH * HEIGHT, level(k), np.uint8).tobytes()
        + np.full(WIDTH * HEIGHT // 2, 128, np.uint8).tobytes()
        for k in range(COUNT)
    )
    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-",
        "-c:v", "libx264", "-qp", "0", "-g", "10", "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    subprocess.run(command, input=raw, check=True, timeout=60)
    return path


def luma_levels(clip) -> list[int]:
    height = clip.size[1]
    return [round(float(frame[:height].mean())) for frame in clip.frames]


def test_frame_i_is_the_files_frame_at_the_lead_in_plus_i_over_fps(numbered):
    clip = read_clip(numbered, lead_in=0.4, duration=0.6)

    assert clip.fps == FPS
    assert len(clip) == 15
    assert luma_levels(clip) == [level(k) for k in range(10, 25)]
    assert clip.source_size == (WIDTH, HEIGHT)


def test_it_decodes_at_the_analysis_height_and_says_how_to_scale_boxes_back(numbered):
    clip = read_clip(numbered, lead_in=0.0, duration=1.0, analysis_height=90)

    assert clip.frames.shape == (25, 135, 160)  # packed 4:2:0 of a 160x90 picture
    assert clip.size == (160, 90)
    assert clip.scale == (2.0, 2.0)
    assert (clip.frames[:, 90:] == 128).all()  # the chroma planes, neutral as coded


def test_a_lead_in_between_frames_takes_the_nearest_and_a_tie_the_later(numbered):
    near = read_clip(numbered, lead_in=0.41, duration=0.2)  # 10.25 frames in: frame 10 is nearest
    tie = read_clip(numbered, lead_in=0.42, duration=0.2)  # 10.5 frames in: the later, 11

    assert luma_levels(near)[:2] == [level(10), level(11)]
    assert luma_levels(tie)[:2] == [level(11), level(12)]


def test_a_clip_longer_than_its_file_holds_the_last_picture(numbered):
    clip = read_clip(numbered, lead_in=1.0, duration=0.4)  # frames 25..34 of a 30-frame file

    assert luma_levels(clip) == [level(k) for k in range(25, 30)] + [level(29)] * 5


def test_a_long_clip_is_analysed_smaller_to_fit_the_memory_budget():
    # 60 s of 1080p at 60 fps at 360 lines would take 1.2 GB
    width, height = analysis_size((1920, 1080), 3600, 360, 512 * 2**20)

    assert height < 360
    assert (width % 2, height % 2) == (0, 0)
    assert 3600 * width * height * 1.5 <= 512 * 2**20
    assert width / height == pytest.approx(16 / 9, abs=0.02)
    assert analysis_size((640, 360), 100, 360, 512 * 2**20) == (640, 360)  # never above the source
    assert analysis_size((320, 180), 100, 360, 512 * 2**20) == (320, 180)


def test_it_reports_progress_and_stops_when_cancelled(numbered):
    seen = []
    read_clip(numbered, lead_in=0.0, duration=1.0, on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (25, 25)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    asked = []
    with pytest.raises(Cancelled):
        read_clip(
            numbered, lead_in=0.0, duration=1.0, should_cancel=lambda: asked.append(1) or len(asked) > 3
        )
    assert len(asked) == 4

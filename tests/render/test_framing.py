"""Framing, measured on decoded output: the crop follows a moving square, speeds
and trims change durations exactly, rates are kept, sizes are even, cancel is real."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import av
import numpy as np
import psutil
import pytest
from django.conf import settings

from exports.render.framing import crop_boxes
from exports.render.onepass import render_framing
from exports.render.pipeline import Cancelled
from exports.render.video_io import even, source_info

SPEED_PX = 50  # the square moves right this many pixels a second


def moving_square(path, fps: int, seconds: float = 4.0, audio: bool = False) -> None:
    """A white 40x40 square on black, centre (120 + 50 t, 180), in a 640x360 frame;
    with `audio`, a 440 Hz tone as long as the video."""
    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"color=c=black:s=640x360:r={fps}:d={seconds}",
        "-f", "lavfi", "-i", f"color=c=white:s=40x40:r={fps}:d={seconds}",
    ]  # fmt: skip
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    command += [
        "-filter_complex", f"[0:v][1:v]overlay=x='100+{SPEED_PX}*t':y=160:eval=frame[v]", "-map", "[v]",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "10", "-pix_fmt", "yuv420p", "-g", str(fps),
    ]  # fmt: skip
    if audio:
        command += ["-map", "2:a", "-c:a", "aac"]
    subprocess.run([*command, str(path)], check=True, timeout=120)


def audio_seconds(path) -> float:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return 0.0
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


def following_crop(seconds: float = 4.0) -> list[dict]:
    width = 360 * 9 / 16
    return [
        {"time": 0.0, "x": 120 - width / 2, "y": 0, "width": width, "height": 360},
        {"time": seconds, "x": 120 + SPEED_PX * seconds - width / 2, "y": 0, "width": width, "height": 360},
    ]


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


def centroid(gray: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(gray > 128)
    return float(xs.mean()), float(ys.mean())


@pytest.fixture(scope="module")
def square_25(tmp_path_factory):
    path = tmp_path_factory.mktemp("square") / "square25.mp4"
    moving_square(path, 25, audio=True)
    return path


def render(source, out, **kwargs):
    defaults = {
        "crop_keyframes": following_crop(),
        "segments": {"trim_start": 0.0, "trim_end": 4.0, "splits": [], "speeds": [1.0]},
        "output_size": (180, 320),
        "ffmpeg": settings.FFMPEG_BINARY,
    }
    return render_framing(source, out, **{**defaults, **kwargs})


def test_the_crop_follows_the_square_to_within_two_pixels(square_25, tmp_path):
    result = render(square_25, tmp_path / "out.mp4")

    pictures = decoded(result.path)
    assert len(pictures) == 100
    assert pictures[0].shape == (320, 180)
    for number, gray in enumerate(pictures):
        x, y = centroid(gray)
        assert abs(x - 90) <= 2, (number, x)
        assert abs(y - 160) <= 2, (number, y)


def test_half_speed_doubles_its_segment(square_25, tmp_path):
    segments = {"trim_start": 0.0, "trim_end": 4.0, "splits": [1.0, 2.0], "speeds": [1.0, 0.5, 1.0]}

    result = render(square_25, tmp_path / "slow.mp4", segments=segments)

    assert result.frame_count == 125  # 1 s + 2 s + 2 s at 25 fps
    assert len(decoded(result.path)) == 125
    assert result.has_audio
    # the sound is re-timed with the picture: 5 s, within a frame (AAC adds its priming samples)
    assert audio_seconds(result.path) == pytest.approx(5.0, abs=1 / 25 + 2048 / 48000)


def test_audio_false_leaves_the_sound_out(square_25, tmp_path):
    silent = render(square_25, tmp_path / "silent.mp4", audio=False)
    with_sound = render(square_25, tmp_path / "sound.mp4")

    assert not silent.has_audio
    with av.open(str(silent.path)) as container:
        assert len(container.streams.audio) == 0
        assert len(container.streams.video) == 1
    assert with_sound.has_audio
    assert audio_seconds(with_sound.path) == pytest.approx(4.0, abs=1 / 25 + 2048 / 48000)


def test_trims_remove_exactly_the_trimmed_time(square_25, tmp_path):
    segments = {"trim_start": 0.4, "trim_end": 3.0, "splits": [], "speeds": [1.0]}

    result = render(square_25, tmp_path / "trim.mp4", segments=segments)

    assert len(decoded(result.path)) == 65  # 2.6 s at 25 fps
    assert audio_seconds(result.path) == pytest.approx(2.6, abs=1 / 25 + 2048 / 48000)
    first_x = centroid(decoded(result.path)[0])[0]
    assert abs(first_x - 90) <= 2  # still centred: the crop path is in clip time


@pytest.mark.parametrize("fps", [25, 30, 60])
def test_the_source_frame_rate_is_kept(tmp_path, fps):
    source = tmp_path / f"square{fps}.mp4"
    moving_square(source, fps, seconds=1.0)

    result = render(
        source, tmp_path / "out.mp4", crop_keyframes=following_crop(1.0),
        segments={"trim_start": 0.0, "trim_end": 1.0, "splits": [], "speeds": [1.0]},
    )  # fmt: skip

    assert source_info(result.path).fps == Fraction(fps)
    assert len(decoded(result.path)) == fps


def test_odd_sizes_become_even(square_25, tmp_path):
    result = render(
        square_25, tmp_path / "odd.mp4", output_size=(181, 321),
        segments={"trim_start": 0.0, "trim_end": 0.4, "splits": [], "speeds": [1.0]},
    )  # fmt: skip

    assert (result.width, result.height) == (even(181), even(321))
    assert result.width % 2 == 0
    assert result.height % 2 == 0
    assert decoded(result.path)[0].shape == (result.height, result.width)


def test_a_crop_path_leaving_the_frame_is_held_inside():
    crop = [{"time": 0, "x": 600, "y": -50, "width": 202.5, "height": 360}]

    x, y, width, height = crop_boxes(crop, np.array([0.0]), 640, 360, 9 / 16)[0]

    assert (x + width, y, height) == (640, 0, 360)


def test_cancel_stops_and_leaves_nothing_behind(square_25, tmp_path):
    out = tmp_path / "cancelled.mp4"
    checks = []

    def cancel_after_first_batch() -> bool:
        checks.append(1)
        return True

    with pytest.raises(Cancelled):
        render(square_25, out, should_cancel=cancel_after_first_batch, batch_size=8)

    assert checks == [1]
    assert not out.exists()
    ffmpegs = [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in " ".join(p.cmdline())]
    assert ffmpegs == []


def test_a_quarter_speed_segment_chains_tempo_stages(square_25, tmp_path):
    segments = {"trim_start": 0.0, "trim_end": 1.0, "splits": [0.5], "speeds": [1.0, 0.25]}

    result = render(square_25, tmp_path / "quarter.mp4", segments=segments)

    assert (
        len(decoded(result.path)) == 62
    )  # 0.5 s + 2 s at 25 fps (62.5 frames: the last half frame is not shown)
    assert audio_seconds(result.path) == pytest.approx(2.5, abs=1 / 25 + 2048 / 48000)


def test_a_silent_source_makes_a_silent_video(tmp_path):
    source = tmp_path / "silent.mp4"
    moving_square(source, 25, seconds=1.0)

    result = render(
        source, tmp_path / "out.mp4", crop_keyframes=following_crop(1.0),
        segments={"trim_start": 0.0, "trim_end": 1.0, "splits": [], "speeds": [1.0]},
    )  # fmt: skip

    assert not result.has_audio
    assert audio_seconds(result.path) == 0.0


def identity_upscaler():
    """A compact network with zero weights: it adds nothing to the nearest-neighbour base."""
    import torch

    from exports.render.upscale import SRVGGNetCompact

    model = SRVGGNetCompact(num_feat=8, num_conv=2)
    for parameter in model.parameters():
        torch.nn.init.zeros_(parameter)
    return model.eval()


def test_a_small_crop_goes_through_the_upscaler_and_says_so(square_25, tmp_path):
    one_second = {"trim_start": 0.0, "trim_end": 1.0, "splits": [], "speeds": [1.0]}

    result = render(
        square_25, tmp_path / "up.mp4", output_size=(720, 1280), segments=one_second,
        upscaler=identity_upscaler(),
    )  # fmt: skip

    assert result.upscaler == "SRVGGNetCompact"
    pictures = decoded(result.path)
    assert pictures[0].shape == (1280, 720)
    for gray in pictures[::5]:
        x, y = centroid(gray)
        assert abs(x - 360) <= 4
        assert abs(y - 640) <= 4


def test_a_crop_larger_than_the_output_skips_the_network(square_25, tmp_path):
    one_second = {"trim_start": 0.0, "trim_end": 1.0, "splits": [], "speeds": [1.0]}

    result = render(square_25, tmp_path / "down.mp4", segments=one_second, upscaler=identity_upscaler())

    assert result.upscaler == "bicubic"


def test_the_crop_fixture_matches_the_implementation():
    import json

    from exports.render.framing import CROP_FIXTURE, build_crop_fixture

    assert json.loads(CROP_FIXTURE.read_text()) == build_crop_fixture()

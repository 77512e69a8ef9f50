"""cut_file lets FFmpeg find the keyframe: the copy starts at once, seeking to the
clip's start, and stands when FFmpeg reports a close keyframe. Its files must be the
ones the lookup-first cut made (the keyframe looked up with PyAV, then copied from;
reproduced here as the reference), frame for frame, with the same lead-in; and
nothing may be left behind when it fails."""

from __future__ import annotations

import math
import subprocess
from fractions import Fraction

import av
import numpy as np
import pytest
from django.conf import settings

from games import cutting
from games.cutting import ExtractionError, cut_file
from tests.media import make_video

TICK = 1e-4  # timestamps may differ by one time-base tick (1/12800 s): rounding of the seek


def ffmpeg(*args) -> None:
    subprocess.run(
        [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
        check=True,
        timeout=120,
    )


def encoded(path, *video_args, seconds=8, extra=()):
    """testsrc2 at 25 fps with a tone, encoded as asked; made once per session."""
    if not path.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            *video_args, "-pix_fmt", "yuv420p", "-t", seconds, "-c:a", "aac", *extra, path,
        )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def games(media_dir) -> dict:
    """Games in the containers cameras and phones write. Keyframes every second."""
    mp4 = make_video(media_dir, seconds=8)  # H.264 with B-frames, a keyframe a second
    x264 = ["-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-sc_threshold", "0"]
    x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=25:scenecut=0:log-level=error"]
    mkv = media_dir / "b-frames.mkv"
    if not mkv.exists():
        ffmpeg("-i", mp4, "-c", "copy", mkv)
    return {
        "mp4": mp4,
        # A phone's MOV whose timestamps do not start at 0.
        "mov": encoded(media_dir / "offset.mov", *x264, extra=["-output_ts_offset", "3.3"]),
        "hevc": encoded(media_dir / "hevc.mp4", *x265, seconds=5),
        # MPEG-TS has no keyframe index: FFmpeg's seek lands after the keyframe.
        "ts": encoded(media_dir / "camera.ts", *x264, "-bf", "0", extra=["-f", "mpegts"]),
        # MKV with B-frames: FFmpeg seeks 0.13 s early and may land a keyframe early.
        "mkv": mkv,
        "long gop": encoded(media_dir / "one-keyframe.mp4", *x264[:4], "-g", "250", "-sc_threshold", "0"),
    }


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "extract_1-work"
    path.mkdir()
    return path


@pytest.fixture
def runs(monkeypatch) -> list:
    """Every FFmpeg cut_file starts, as started."""
    started = []
    start = cutting.start_ffmpeg

    def recorded(command, folder):
        run = start(command, folder)
        started.append(command)
        return run

    monkeypatch.setattr(cutting, "start_ffmpeg", recorded)
    return started


@pytest.fixture
def processes(monkeypatch) -> list:
    """The FFmpeg processes cut_file starts."""
    started = []
    init = cutting.FFmpeg.__init__

    def kept(self, command, process, errors):
        started.append(process)
        init(self, command, process, errors)

    monkeypatch.setattr(cutting.FFmpeg, "__init__", kept)
    return started


def keyframe_before(source: str, time: float) -> tuple[float | None, str]:
    """The lookup cut_file made first until FFmpeg found the keyframe itself: (seconds of
    the last video keyframe at or before `time` from the file's start, the video codec)."""
    with av.open(source) as container:
        video = container.streams.video[0]
        origin = (container.start_time or 0) / av.time_base
        container.seek(int((time + origin) / video.time_base), stream=video, backward=True)
        for packet in container.demux(video):
            if packet.pts is None:
                continue
            at = float(packet.pts * video.time_base) - origin
            if packet.is_keyframe:
                return (at if at <= time else None), video.codec_context.name
            if at > time:
                break
        return None, video.codec_context.name


def lookup_first_cut(source, start: float, end: float, target) -> float:
    """The cut as made before FFmpeg found the keyframe: the keyframe looked up, then
    copied from (`-ss keyframe -t length`), else a re-encode. Returns its lead-in."""
    keyframe, codec = keyframe_before(str(source), start)
    streams = ["-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn"]
    if keyframe is not None and 0 <= start - keyframe <= cutting.MAX_LEAD_IN:
        tag = ["-tag:v", "hvc1"] if codec == "hevc" else []
        ffmpeg(
            # The keyframe's time rounded up, so the backward seek lands on it.
            "-ss", f"{math.ceil(keyframe * 1e6) / 1e6:.6f}", "-i", source, "-t", f"{end - keyframe:.6f}",
            *streams,
            "-c", "copy", "-avoid_negative_ts", "make_zero", *tag, "-movflags", "+faststart", target,
        )  # fmt: skip
        return start - keyframe + decoded(target)[0][0]
    ffmpeg(
        "-ss", f"{start:.6f}", "-i", source, "-t", f"{end - start:.6f}", *streams,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-movflags", "+faststart", target,
    )  # fmt: skip
    return 0.0


def decoded(path) -> list[tuple[float, np.ndarray]]:
    """(seconds from the file's start, grey pixels) of every video frame."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        origin = (container.start_time or 0) / av.time_base
        return [
            (frame.time - origin, frame.to_ndarray(format="gray").astype(np.float32))
            for frame in container.decode(video)
        ]


def audio_samples(path) -> int:
    with av.open(str(path)) as container:
        return sum(frame.samples for frame in container.decode(audio=0))


def frame_at(frames, seconds: float) -> np.ndarray:
    return min(frames, key=lambda frame: abs(frame[0] - seconds))[1]


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def assert_same_clip(ours, theirs) -> None:
    """The same frames at the same times, and the same sound."""
    mine, reference = decoded(ours), decoded(theirs)
    assert len(mine) == len(reference)
    assert max(abs(a[0] - b[0]) for a, b in zip(mine, reference, strict=True)) <= TICK
    assert max(difference(a[1], b[1]) for a, b in zip(mine, reference, strict=True)) < 0.5
    assert audio_samples(ours) == audio_samples(theirs)


def assert_starts_at(path, lead_in: float, source, start: float) -> None:
    """The frame at the lead-in is the game's frame at the marked start (testsrc2 moves)."""
    frames, game = decoded(path), decoded(source)
    assert difference(frame_at(frames, lead_in), frame_at(game, start)) < 1
    assert difference(frame_at(frames, lead_in), frame_at(game, start + 1)) > 5


def cut(source, start, end, folder, **options) -> tuple[float, list]:
    progress = []
    lead_in = cut_file(
        str(source),
        start,
        end,
        folder / "clip.mp4",
        folder,
        lambda *report: progress.append(report),
        **options,
    )
    return lead_in, progress


@pytest.mark.parametrize("container", ["mp4", "mov"])
@pytest.mark.parametrize(("second", "after"), [(2, 0.2), (4, 0.0), (5, 0.44)])
def test_an_mp4_or_mov_copy_is_the_lookup_first_file_from_one_ffmpeg_run(
    games, container, second, after, folder, tmp_path, runs
):
    # given: a start `after` seconds after a keyframe
    source = games[container]
    keyframe, _ = keyframe_before(str(source), second + 0.01)
    start = keyframe + after
    end = start + 2.5

    # when
    lead_in, progress = cut(source, start, end, folder)

    # then: FFmpeg's own seek found the keyframe; no lookup, no second run
    assert len(runs) == 1
    theirs = tmp_path / "lookup-first.mp4"
    assert lead_in == pytest.approx(lookup_first_cut(source, start, end, theirs), abs=TICK)
    assert 0 <= lead_in - after < 0.1  # the muxer places the keyframe a frame or two in
    assert_same_clip(folder / "clip.mp4", theirs)
    assert_starts_at(folder / "clip.mp4", lead_in, source, start)
    length = progress[-1][0]
    assert progress[-1] == (length, length)
    assert length == pytest.approx(end - keyframe, abs=TICK)
    assert [path.name for path in folder.iterdir()] == ["clip.mp4"]


def test_an_hevc_copy_keeps_the_apple_tag_and_the_codec_spares_a_second_run(games, folder, tmp_path, runs):
    source, start, end = games["hevc"], 2.2, 4.0
    theirs = tmp_path / "lookup-first.mp4"
    expected = lookup_first_cut(source, start, end, theirs)

    lead_in, _ = cut(source, start, end, folder)
    assert len(runs) == 2  # the first copy had no tag: stopped at FFmpeg's first report
    lead_in_knowing, _ = cut(source, start, end, folder, codec="hevc")
    assert len(runs) == 3

    assert lead_in == lead_in_knowing == pytest.approx(expected, abs=TICK)
    assert_same_clip(folder / "clip.mp4", theirs)
    with av.open(str(folder / "clip.mp4")) as container:
        assert container.streams.video[0].codec_context.codec_tag == "hvc1"


def test_a_far_keyframe_stops_the_copy_and_re_encodes_from_the_exact_start(games, folder, tmp_path, runs):
    source, start, end = games["long gop"], 3.2, 5.7

    lead_in, progress = cut(source, start, end, folder)

    assert lead_in == 0.0
    assert len(runs) == 2  # the copy, stopped at FFmpeg's first report, then the re-encode
    assert ("copy" in runs[0], "libx264" in runs[1]) == (True, True)
    theirs = tmp_path / "lookup-first.mp4"
    assert lookup_first_cut(source, start, end, theirs) == 0.0
    assert_same_clip(folder / "clip.mp4", theirs)
    assert decoded(folder / "clip.mp4")[0][0] == pytest.approx(0, abs=1e-3)
    assert_starts_at(folder / "clip.mp4", 0.0, source, start)
    assert progress[-1] == (pytest.approx(2.5), pytest.approx(2.5))


def test_an_mpeg_ts_game_is_re_encoded_as_before(games, folder, tmp_path, runs):
    """MPEG-TS has no keyframe index: FFmpeg's seek, as the lookup's did, lands after the start."""
    source, start, end = games["ts"], 4.2, 6.7

    lead_in, _ = cut(source, start, end, folder)

    assert lead_in == 0.0
    assert len(runs) == 2  # the copy, stopped at FFmpeg's first report, then the re-encode
    assert lookup_first_cut(source, start, end, tmp_path / "lookup-first.mp4") == 0.0
    assert_same_clip(folder / "clip.mp4", tmp_path / "lookup-first.mp4")


@pytest.mark.parametrize("start", [2.2, 4.04])
def test_an_mkv_copy_whose_seek_lands_a_keyframe_early_is_not_trusted(games, start, folder, tmp_path):
    """4.04 s is 0.04 s after a keyframe: FFmpeg seeking 0.13 s early copies from the one
    before (3 s), 1.04 s early. Its report says so, and the clip is re-encoded (the lookup
    trusted the keyframe at 4 s and its lead-in missed the start by a second)."""
    source = games["mkv"]

    lead_in, _ = cut(source, start, start + 2.5, folder)

    if start == 4.04:
        mistaken = lookup_first_cut(source, start, start + 2.5, tmp_path / "lookup-first.mp4")
        frames, game = decoded(tmp_path / "lookup-first.mp4"), decoded(source)
        assert difference(frame_at(frames, mistaken), frame_at(game, start - 1)) < 1

    assert_starts_at(folder / "clip.mp4", lead_in, source, start)
    assert lead_in == (pytest.approx(0.2, abs=0.1) if start == 2.2 else 0.0)


def test_a_copy_ffmpeg_cannot_write_falls_back_to_a_re_encode(games, folder, tmp_path, monkeypatch, runs):
    command = cutting.ffmpeg_command

    def broken_copy(source, cut, target):  # an output format FFmpeg does not know, for copies only
        full = command(source, cut, target)
        return [*full[:-1], "-f", "nope", full[-1]] if cut.copy else full

    monkeypatch.setattr(cutting, "ffmpeg_command", broken_copy)
    source, start, end = games["mp4"], 2.2, 4.7

    lead_in, _ = cut(source, start, end, folder)

    assert lead_in == 0.0
    assert len(runs) == 2  # the failed copy, then the re-encode: no second copy
    theirs = tmp_path / "re-encoded.mp4"
    monkeypatch.setattr(cutting, "MAX_LEAD_IN", -1)  # the reference re-encodes too
    lookup_first_cut(source, start, end, theirs)
    assert_same_clip(folder / "clip.mp4", theirs)
    assert [path.name for path in folder.iterdir()] == ["clip.mp4"]


@pytest.mark.parametrize(
    ("game", "message"),
    [
        ("corrupt", "The game video could not be read (Invalid data found when processing input)."),
        ("sound only", "The game video has no video stream to cut this clip from."),
    ],
)
def test_a_game_we_cannot_read_fails_with_a_sentence_and_leaves_nothing(media_dir, game, message, folder):
    source = media_dir / f"{game}.m4a"
    if game == "corrupt":
        source.write_bytes(b"not a match video, just bytes" * 2000)
    else:
        ffmpeg("-f", "lavfi", "-i", "sine=duration=8", "-c:a", "aac", source)

    with pytest.raises(ExtractionError) as failure:
        cut(source, 2.2, 4.7, folder)

    assert str(failure.value) == message
    assert list(folder.iterdir()) == []


def test_a_failing_copy_and_check_leave_no_file_and_no_ffmpeg_running(games, folder, monkeypatch, processes):
    command = cutting.ffmpeg_command
    monkeypatch.setattr(
        cutting, "ffmpeg_command", lambda *a: [*command(*a)[:-1], "-f", "nope", command(*a)[-1]]
    )
    monkeypatch.setattr(cutting, "check_readable", lambda source: 1 / 0)  # an error nobody planned for

    with pytest.raises(ZeroDivisionError):
        cut(games["mp4"], 2.2, 4.7, folder)

    assert len(processes) == 1
    assert processes[0].poll() is not None
    assert list(folder.iterdir()) == []


def test_a_cut_ffmpeg_cannot_write_at_all_fails_with_its_error_and_leaves_nothing(games, folder, monkeypatch):
    command = cutting.ffmpeg_command
    monkeypatch.setattr(
        cutting, "ffmpeg_command", lambda *a: [*command(*a)[:-1], "-f", "nope", command(*a)[-1]]
    )

    with pytest.raises(ExtractionError, match=r"^FFmpeg could not cut this clip from the game video \("):
        cut(games["mp4"], 2.2, 4.7, folder)

    assert list(folder.iterdir()) == []


def test_a_worker_stop_during_the_copy_kills_ffmpeg_and_leaves_nothing(games, folder, processes):
    class Stopped(Exception):
        pass

    def stop(length, done):
        raise Stopped()

    with pytest.raises(Stopped):
        cut_file(str(games["mp4"]), 2.2, 7.0, folder / "clip.mp4", folder, stop)

    assert len(processes) == 1
    assert processes[0].poll() is not None
    assert list(folder.iterdir()) == []


def test_a_cut_that_runs_too_long_is_stopped_and_leaves_nothing(games, folder, monkeypatch):
    monkeypatch.setattr(cutting, "FFMPEG_TIMEOUT", 0)  # each FFmpeg is killed as it starts

    with pytest.raises(ExtractionError, match=r"^Cutting this clip took longer than"):
        cut(games["mp4"], 2.2, 4.7, folder)

    assert list(folder.iterdir()) == []


def test_ffmpeg_reports_the_keyframe_the_lookup_finds(games, folder):
    """The keyframe and codec FFmpeg reports are the ones PyAV finds, to the tick, in a game
    whose timestamps start at 3.3 s."""
    source = str(games["mov"])
    for start in (1.0, 2.2, 6.96):
        copy = cutting.Cut(start, start + 1, copy=True)
        with cutting.start_ffmpeg(cutting.ffmpeg_command(source, copy, folder / "clip.mp4"), folder) as run:
            reported, codec = run.first_packet()
            run.finish(lambda done: None)
        keyframe, expected_codec = keyframe_before(source, start)
        assert (codec, expected_codec) == ("h264", "h264")
        assert reported == pytest.approx(keyframe, abs=float(Fraction(1, 12800)))
        assert 0 <= start - keyframe < 1

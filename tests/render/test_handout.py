"""Handout pieces and joining them: exact frame counts, letterboxing, sound (a tone
keeps its energy, a silent source gives digital silence), joins that copy the
pictures and keep sound continuous, chapters, cancelling, and sources read over
HTTP with Range requests."""

from __future__ import annotations

import http.server
import re
import threading
import time
from functools import partial
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings

from exports.render.captions import caption_overlay
from exports.render.chapters import sequence_chapters
from exports.render.handout import SEGMENT_FPS, Piece, before_after_pieces, encode_piece, join
from exports.render.pipeline import Cancelled
from tests.media import make_video

FFMPEG = settings.FFMPEG_BINARY


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("handout-media")


@pytest.fixture(scope="module")
def tone_4_3(media) -> Path:
    return make_video(media, fps=25, seconds=2, size="320x240")


@pytest.fixture(scope="module")
def tone_16_9(media) -> Path:
    return make_video(media, fps=25, seconds=2, size="320x180")


@pytest.fixture(scope="module")
def silent(media) -> Path:
    return make_video(media, fps=30, seconds=2, size="640x360", audio=False)


def decoded(path: Path) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Every frame (RGB) and the sound (channels x samples, float) of a file."""
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return frames, None
        sound = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    return frames, sound


def streams(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        info = {
            "size": (video.codec_context.width, video.codec_context.height),
            "rate": video.average_rate,
            "time_base": video.time_base,
            "video_seconds": float(video.duration * video.time_base),
            "packets": [p.size for p in container.demux(video) if p.size],
        }
        if container.streams.audio:
            audio = container.streams.audio[0]
            info.update(
                audio_codec=audio.codec_context.name,
                sample_rate=audio.codec_context.sample_rate,
                channels=audio.codec_context.channels,
                audio_seconds=float(audio.duration * audio.time_base),
            )
        return info


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


def nal_units(packet: bytes) -> list[bytes]:
    """The H.264 units of an MP4 packet (each after a 4-byte length)."""
    units, at = [], 0
    while at < len(packet):
        length = int.from_bytes(packet[at : at + 4], "big")
        units.append(packet[at + 4 : at + 4 + length])
        at += 4 + length
    return units


def encode(source: Path | str, out: Path, start: float, duration: float, **options) -> float:
    options.setdefault("size", (640, 360))
    return encode_piece(Piece(str(source), start, duration, options.pop("overlay", None)), out,
                        ffmpeg=FFMPEG, **options)  # fmt: skip


# --- one piece ------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [1.0, 0.77, 1.234])
def test_a_piece_has_exactly_its_frames_at_30_fps_and_the_asked_size(tone_16_9, tmp_path, duration):
    out = tmp_path / "piece.mp4"

    written = encode(tone_16_9, out, 0.4, duration, size=(640, 360))

    info = streams(out)
    frames, sound = decoded(out)
    assert len(frames) == round(duration * 30) == len(info["packets"])
    assert written == pytest.approx(round(duration * 30) / 30)
    assert info["size"] == (640, 360)
    assert frames[0].shape == (360, 640, 3)
    assert info["rate"] == SEGMENT_FPS
    assert info["time_base"].denominator == 15360
    assert (info["audio_codec"], info["sample_rate"], info["channels"]) == ("aac", 48000, 2)
    assert abs(info["audio_seconds"] - info["video_seconds"]) < 0.03
    assert abs(sound.shape[1] / 48000 - written) < 1024 / 48000


def test_a_piece_starts_at_the_asked_time(tone_16_9, tmp_path):
    out = tmp_path / "piece.mp4"
    with av.open(str(tone_16_9)) as container:
        source = [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]

    encode(tone_16_9, out, 1.0, 0.5, size=(320, 180), quality="quality")

    first = decoded(out)[0][0].astype(float)
    differences = {round(t, 2): np.abs(first - picture).mean() for t, picture in source}
    assert min(differences, key=differences.get) == 1.0
    assert differences[1.0] < 3 < min(differences[0.96], differences[1.04])


def test_a_4_3_source_is_letterboxed_with_black_bars(tone_4_3, tmp_path):
    out = tmp_path / "piece.mp4"

    encode(tone_4_3, out, 0.0, 0.3, size=(640, 360))

    frame = decoded(out)[0][0].astype(int)
    # 320x240 fits 360 lines as 480x360: 80 px of black each side.
    assert frame[:, :76].max() < 20
    assert frame[:, -76:].max() < 20
    assert frame[:, 84:-84].mean() > 60
    assert frame[:, 84:-84].std() > 30


def test_a_tone_keeps_its_energy_and_silence_stays_digital_silence(tone_16_9, silent, tmp_path):
    toned, quiet = tmp_path / "tone.mp4", tmp_path / "quiet.mp4"

    encode(tone_16_9, toned, 0.2, 1.0)
    encode(silent, quiet, 0.2, 1.0)

    tone_sound = decoded(toned)[1]
    quiet_sound = decoded(quiet)[1]
    middle = tone_sound[:, 2048:-2048]
    assert np.sqrt((middle**2).mean()) > 0.05
    assert np.abs(quiet_sound).max() == 0.0
    assert streams(quiet)["sample_rate"] == 48000


def test_without_audio_a_piece_has_no_sound(tone_16_9, tmp_path):
    out = tmp_path / "piece.mp4"

    encode(tone_16_9, out, 0.0, 0.5, audio=False)

    assert decoded(out)[1] is None


def test_a_piece_past_the_end_of_its_source_keeps_the_last_picture(tone_16_9, tmp_path):
    out = tmp_path / "piece.mp4"

    encode(tone_16_9, out, 1.5, 1.0, size=(320, 180))

    frames, sound = decoded(out)
    assert len(frames) == 30
    assert np.abs(frames[-1].astype(int) - frames[-2]).mean() < 1
    assert sound.shape[1] >= 48000 - 1024


def test_progress_counts_frames_up_to_the_total(tone_16_9, tmp_path):
    seen = []

    encode(
        tone_16_9,
        tmp_path / "piece.mp4",
        0.0,
        1.5,
        on_progress=lambda done, total: seen.append((done, total)),
    )

    assert seen[-1] == (45, 45)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_cancelling_stops_within_a_second_and_leaves_no_file(silent, tmp_path):
    out = tmp_path / "long.mp4"
    asked = []

    def should_cancel() -> bool:
        if not asked and streams_started(tmp_path):
            asked.append(time.monotonic())
        return bool(asked)

    started = time.monotonic()
    with pytest.raises(Cancelled):
        # A minute at 1080p: far longer than the test waits.
        encode(silent, out, 0.0, 60.0, size=(1920, 1080), quality="quality", should_cancel=should_cancel)

    assert asked
    assert time.monotonic() - asked[0] < 1.0
    assert time.monotonic() - started < 10
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def streams_started(folder: Path) -> bool:
    """The encoder is under way once its working folder holds the partial file."""
    return any(p.name == "piece.mp4" for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("size", "change", "message"),
    [
        ((641, 360), {}, "even"),
        ((640, 360), {"quality": "best"}, "quality"),
        ((640, 360), {"duration": 0.0}, "lasts"),
        ((640, 360), {"duration": 0.01}, "shorter than one frame"),
        ((640, 360), {"start": -1.0}, "starts"),
        ((640, 360), {"overlay": (320, 180)}, "overlay"),
    ],
)
def test_bad_requests_are_refused_with_a_sentence(tone_16_9, tmp_path, size, change, message):
    start, duration = change.get("start", 0.0), change.get("duration", 1.0)
    overlay = (
        caption_overlay(*change["overlay"], title="x", notes="", border="#2E7D32").image
        if "overlay" in change
        else None
    )

    with pytest.raises(ValueError, match=message):
        encode_piece(Piece(str(tone_16_9), start, duration, overlay), tmp_path / "piece.mp4", size=size,
                     ffmpeg=FFMPEG, quality=change.get("quality", "fast"))  # fmt: skip


def test_a_source_that_is_not_a_video_is_refused_with_a_sentence(tmp_path):
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video")

    with pytest.raises(RuntimeError, match="not a video we can read"):
        encode(junk, tmp_path / "piece.mp4", 0.0, 1.0)


# --- joining --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_pieces(tone_16_9, tone_4_3, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pieces")
    plan = [(tone_16_9, 0.2, 1.0), (tone_4_3, 0.5, 0.7), (tone_16_9, 1.0, 0.9)]
    pieces = []
    for number, (source, start, duration) in enumerate(plan):
        out = folder / f"it's piece {number}.mp4"  # a quote in the name: the list file escapes it
        caption = caption_overlay(640, 360, title=f"!  Clip {number}", notes="", border="#1E88E5")
        encode(source, out, start, duration, overlay=caption.image)
        pieces.append(out)
    return pieces


def test_joined_pieces_last_their_sum_with_the_pictures_copied(three_pieces, tmp_path):
    out = tmp_path / "review.mp4"

    result = join(three_pieces, out, ffmpeg=FFMPEG)

    counts = [len(streams(p)["packets"]) for p in three_pieces]
    assert counts == [30, 21, 27]
    assert result.frame_count == sum(counts)
    assert result.duration == pytest.approx(78 / 30)
    assert (result.width, result.height, result.fps, result.has_audio) == (640, 360, 30, True)
    info = streams(out)
    # Stream copy: the very same compressed pictures, in order. The concat demuxer
    # repeats the parameter sets (SPS/PPS, a few dozen bytes) in each piece's first one.
    joined = video_packets(out)
    copied = [packet for p in three_pieces for packet in video_packets(p)]
    assert len(joined) == len(copied)
    piece_starts = set(np.cumsum([0, *counts[:-1]]).tolist())
    for number, (ours, theirs) in enumerate(zip(joined, copied, strict=True)):
        if number in piece_starts:
            assert [n for n in nal_units(ours) if n[0] & 0x1F not in (7, 8)] == nal_units(theirs)
            assert len(ours) - len(theirs) < 100
        else:
            assert ours == theirs
    assert info["video_seconds"] == pytest.approx(78 / 30, abs=1e-3)
    frames, sound = decoded(out)
    starts = np.cumsum([0, *counts[:-1]])
    for piece, start in zip(three_pieces, starts, strict=True):
        assert np.array_equal(frames[start], decoded(piece)[0][0])
    assert abs(sound.shape[1] / 48000 - 78 / 30) < 1024 / 48000


def test_the_sound_of_joined_pieces_has_no_gap(three_pieces, tmp_path):
    out = tmp_path / "review.mp4"

    join(three_pieces, out, ffmpeg=FFMPEG)

    sound = decoded(out)[1][0]
    windows = sound[: sound.size // 480 * 480].reshape(-1, 480)  # 10 ms each
    loudness = np.sqrt((windows**2).mean(axis=1))
    assert loudness.min() > 0.05, np.nonzero(loudness <= 0.05)


def test_joined_pieces_carry_their_chapters(three_pieces, tmp_path):
    out = tmp_path / "review.mp4"
    chapters = sequence_chapters(["! Clip 0", "Pass; = #2", "Clip 3"], [1.0, 0.7, 0.9])

    join(three_pieces, out, ffmpeg=FFMPEG, chapters=chapters)

    with av.open(str(out)) as container:
        read = [
            (c["metadata"]["title"], float(c["start"] * c["time_base"]), float(c["end"] * c["time_base"]))
            for c in container.chapters()
        ]
    assert read == [("! Clip 0", 0.0, 1.0), ("Pass; = #2", 1.0, 1.7), ("Clip 3", 1.7, 2.6)]


def test_joining_is_fast_because_nothing_is_re_encoded(tone_16_9, tmp_path):
    long = tmp_path / "long.mp4"
    started = time.monotonic()
    encode(tone_16_9, long, 0.0, 6.0, size=(1280, 720), audio=False)
    encoding = time.monotonic() - started
    started = time.monotonic()

    result = join([long, long, long], tmp_path / "joined.mp4", ffmpeg=FFMPEG)

    assert result.frame_count == 540
    assert time.monotonic() - started < encoding / 2  # three times the frames in under half the time


def test_pieces_with_and_without_sound_are_not_joined(tone_16_9, tmp_path):
    loud, mute = tmp_path / "loud.mp4", tmp_path / "mute.mp4"
    encode(tone_16_9, loud, 0.0, 0.3)
    encode(tone_16_9, mute, 0.0, 0.3, audio=False)

    with pytest.raises(ValueError, match="some pieces have sound"):
        join([loud, mute], tmp_path / "joined.mp4", ffmpeg=FFMPEG)
    with pytest.raises(ValueError, match="nothing to join"):
        join([], tmp_path / "joined.mp4", ffmpeg=FFMPEG)


def test_silent_pieces_join_into_a_silent_video(tone_16_9, tmp_path):
    mute = tmp_path / "mute.mp4"
    encode(tone_16_9, mute, 0.0, 0.5, audio=False)

    result = join([mute, mute], tmp_path / "joined.mp4", ffmpeg=FFMPEG)

    assert (result.frame_count, result.has_audio) == (30, False)


# --- before / after -------------------------------------------------------------------------


def test_before_after_labels_each_clip_then_the_final_video(tone_16_9, tone_4_3):
    pieces = before_after_pieces(
        [(str(tone_16_9), 0.5, 1.0), (str(tone_4_3), 0.0, 0.8)], str(tone_16_9), (640, 360)
    )

    assert [(p.source, p.start, p.duration) for p in pieces] == [
        (str(tone_16_9), 0.5, 1.0),
        (str(tone_4_3), 0.0, 0.8),
        (str(tone_16_9), 0.0, pytest.approx(2.0, abs=0.05)),
    ]
    before, after = np.asarray(pieces[0].overlay), np.asarray(pieces[-1].overlay)
    assert np.array_equal(before, np.asarray(pieces[1].overlay))
    assert not np.array_equal(before, after)
    for label in (before, after):
        rows = np.nonzero(label[..., 3].any(axis=1))[0]
        assert rows.max() < 360 * 0.2  # at the top


# --- over HTTP ------------------------------------------------------------------------------


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with single Range requests (206), as object storage does."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return None
        size = path.stat().st_size
        first, last = 0, size - 1
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if match and match.group(1):
            first = int(match.group(1))
            last = min(int(match.group(2) or last), size - 1)
        handle = path.open("rb")
        handle.seek(first)
        self.send_response(206 if match else 200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(last - first + 1))
        if match:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        self.ranges.append(self.headers.get("Range"))
        return _Limited(handle, last - first + 1)

    def log_message(self, *args) -> None:
        pass


class _Limited:
    def __init__(self, handle, length: int) -> None:
        self.handle, self.left = handle, length

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


@pytest.fixture
def served(tone_16_9):
    RangeHandler.ranges = []
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(RangeHandler, directory=str(tone_16_9.parent))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{tone_16_9.name}"
    server.shutdown()
    server.server_close()


def test_a_piece_reads_its_source_over_http(served, tone_16_9, tmp_path):
    over_http, local = tmp_path / "http.mp4", tmp_path / "local.mp4"

    encode(served, over_http, 1.0, 0.5, size=(320, 180))
    encode(tone_16_9, local, 1.0, 0.5, size=(320, 180))

    assert any(RangeHandler.ranges)  # ffmpeg seeked with Range requests
    http_frames, http_sound = decoded(over_http)
    local_frames, _ = decoded(local)
    assert len(http_frames) == 15
    assert all(np.array_equal(a, b) for a, b in zip(http_frames, local_frames, strict=True))
    assert np.sqrt((http_sound[:, 2048:-2048] ** 2).mean()) > 0.05

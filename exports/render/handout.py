"""Videos handed out as pieces back to back (game reviews, before/after): each piece
is one ffmpeg run over a stretch of a source with a picture laid on top, and the
pieces are then joined by stream copy.

Joining without re-encoding needs every piece to be encoded alike: the same size,
frame rate, timebase, H.264 settings and AAC layout. encode_piece() owns those
settings, so any two pieces it wrote (now or cached weeks ago) join cleanly.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from exports.render.captions import label_overlay
from exports.render.chapters import Chapter, ffmetadata
from exports.render.pipeline import Cancelled, RenderResult
from exports.render.video_io import source_info, video_seconds

SEGMENT_FPS = 30
SAMPLE_RATE = 48000
# Every piece alike, so the concat demuxer can copy them (see the module's note).
X264 = {"fast": ["-preset", "veryfast", "-crf", "23"], "quality": ["-preset", "medium", "-crf", "18"]}
SAME_FOR_EVERY_PIECE = [
    "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", str(2 * SEGMENT_FPS),
    "-video_track_timescale", str(512 * SEGMENT_FPS),
]  # fmt: skip
AUDIO = ["-c:a", "aac", "-b:a", "128k", "-ar", str(SAMPLE_RATE), "-ac", "2"]
NETWORK_TIMEOUT_US = 30_000_000  # a stalled read of a URL fails instead of hanging the job


@dataclass(frozen=True)
class Piece:
    source: str  # a path or an http(s) URL
    start: float  # seconds into the source
    duration: float
    overlay: Image.Image | None = None  # RGBA, the output size


def frame_count(duration: float) -> int:
    return round(duration * SEGMENT_FPS)


def encode_piece(
    piece: Piece,
    out: Path,
    *,
    size: tuple[int, int],
    ffmpeg: str,
    quality: str = "fast",
    audio: bool = True,
    should_cancel: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> float:
    """Encode `piece` letterboxed into `size` at 30 fps with exactly
    round(duration * 30) frames (and, with `audio`, AAC 48 kHz stereo of the same
    length, silence when the source has none). Returns the seconds written. The
    file appears complete or not at all; Cancelled when should_cancel() says so."""
    width, height = size
    total = _check(piece, size, quality)
    out = Path(out)
    seconds = total / SEGMENT_FPS
    has_sound = audio and _has_audio(piece.source)

    with tempfile.TemporaryDirectory(prefix="piece-", dir=out.parent) as work:
        command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-nostats"]
        if "://" in piece.source:
            command += ["-rw_timeout", str(NETWORK_TIMEOUT_US)]
        # -ss before -i seeks the input and (transcoding) decodes up to the exact time.
        command += ["-ss", f"{piece.start:.6f}", "-t", f"{piece.duration:.6f}", "-i", piece.source]
        video = (
            f"[0:v]setpts=PTS-STARTPTS,fps={SEGMENT_FPS},"
            f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,"
            # A source that ends early keeps its last picture: the count stays exact.
            "tpad=stop_mode=clone:stop=-1"
        )
        inputs = 1
        if piece.overlay is not None:
            overlay_path = Path(work) / "overlay.png"
            piece.overlay.save(overlay_path)
            command += ["-i", str(overlay_path)]
            video += f"[framed];[framed][{inputs}:v]overlay=0:0:eof_action=repeat"
            inputs += 1
        graph = [video + ",format=yuv420p[v]"]
        if audio:
            if has_sound:
                sound = "[0:a]"
            else:
                command += ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
                sound = f"[{inputs}:a]"
            # Padded then cut to the sample: audio lasts exactly as long as the pictures.
            graph.append(
                f"{sound}aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
                f"apad,atrim=end_sample={round(seconds * SAMPLE_RATE)}[a]"
            )
        command += ["-filter_complex", ";".join(graph), "-map", "[v]"]
        command += ["-map", "[a]", *AUDIO] if audio else ["-an"]
        command += [*SAME_FOR_EVERY_PIECE, *X264[quality], "-frames:v", str(total)]
        partial = Path(work) / "piece.mp4"
        command += ["-progress", "pipe:1", "-movflags", "+faststart", str(partial)]
        _run(command, total, should_cancel, on_progress)
        partial.replace(out)
    return seconds


def _check(piece: Piece, size: tuple[int, int], quality: str) -> int:
    width, height = size
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"a piece's size must be positive and even, not {width}x{height}")
    if quality not in X264:
        raise ValueError(f"quality is one of {', '.join(X264)}, not {quality!r}")
    if piece.start < 0 or piece.duration <= 0:
        raise ValueError(
            f"a piece starts at 0 s or later and lasts a while (got {piece.start}, {piece.duration})"
        )
    if piece.overlay is not None and piece.overlay.size != (width, height):
        raise ValueError(f"the overlay is {piece.overlay.size}, the piece {width}x{height}")
    total = frame_count(piece.duration)
    if total < 1:
        raise ValueError(f"a piece of {piece.duration:.3f} s is shorter than one frame")
    return total


def _has_audio(source: str) -> bool:
    try:
        return source_info(source).has_audio
    except (av.FFmpegError, OSError, IndexError) as error:
        raise RuntimeError(f"This source is not a video we can read ({source}): {error}") from error


def _run(
    command: list[str],
    total: int,
    should_cancel: Callable[[], bool] | None,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    """Run ffmpeg, turning its -progress lines into frames done, and stop it when
    should_cancel() says so (the caller's temporary folder takes the partial file)."""
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    errors: list[str] = []
    done = [0]

    def read_progress() -> None:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                frames = min(total, max(0, round(int(value) / 1e6 * SEGMENT_FPS)))
                if frames != done[0]:
                    done[0] = frames
                    if on_progress:
                        on_progress(frames, total)

    readers = [
        threading.Thread(target=read_progress, daemon=True),
        threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        while True:
            try:
                process.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if should_cancel and should_cancel():
                    _stop(process)
                    raise Cancelled("the piece was cancelled") from None
    except BaseException:
        _stop(process)
        raise
    finally:
        for reader in readers:
            reader.join(5)
    if process.returncode != 0:
        raise RuntimeError(f"ffmpeg could not encode the piece: {''.join(errors).strip()[-500:]}")
    if on_progress and done[0] != total:
        on_progress(total, total)


def _stop(process: subprocess.Popen) -> None:
    # Killed, not terminated: on SIGTERM ffmpeg first flushes its encoder and
    # finishes the file (seconds at 1080p), for a partial file thrown away anyway.
    if process.poll() is None:
        process.kill()
        process.wait()


def join(
    pieces: list[Path], out: Path, *, ffmpeg: str, chapters: list[Chapter] | None = None
) -> RenderResult:
    """The pieces back to back, moov first, with `chapters` when given. The pictures
    are copied (the pieces were encoded alike). The sound is joined sample-exact and
    encoded once more: copied AAC would carry each piece's encoder delay, a ~20 ms
    gap at every join. The file appears complete or not at all."""
    if not pieces:
        raise ValueError("there is nothing to join")
    out = Path(out)
    lengths = [_piece_frames(piece) for piece in pieces]
    sounds = {has_audio for _, has_audio in lengths}
    if len(sounds) > 1:
        raise ValueError("some pieces have sound and some have none; they cannot be joined")
    with tempfile.TemporaryDirectory(prefix="join-", dir=out.parent) as work:
        listing = Path(work) / "pieces.txt"
        listing.write_text("".join(f"file '{_quoted(piece)}'\n" for piece in pieces), encoding="utf-8")
        command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        command += ["-f", "concat", "-safe", "0", "-i", str(listing)]
        maps = ["-map", "0:v", "-c:v", "copy", "-bsf:v", "setts=pts=PTS-STARTPTS:dts=DTS-STARTPTS"]
        if sounds == {True}:
            for piece in pieces:
                command += ["-i", str(piece)]
            trims = [
                f"[{number}:a]atrim=end_sample={round(frames / SEGMENT_FPS * SAMPLE_RATE)},"
                f"asetpts=N/SR/TB[a{number}]"
                for number, (frames, _) in enumerate(lengths, start=1)
            ]
            labels = "".join(f"[a{number}]" for number in range(1, len(pieces) + 1))
            graph = ";".join([*trims, f"{labels}concat=n={len(pieces)}:v=0:a=1[a]"])
            maps += ["-filter_complex", graph, "-map", "[a]", *AUDIO]
        if chapters:
            metadata = Path(work) / "chapters.txt"
            metadata.write_text(ffmetadata(chapters), encoding="utf-8")
            command += ["-f", "ffmetadata", "-i", str(metadata)]
            maps += ["-map_chapters", str(len(pieces) + 1 if sounds == {True} else 1)]
        partial = Path(work) / "joined.mp4"
        command += [*maps, "-movflags", "+faststart", str(partial)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise RuntimeError(f"ffmpeg could not join the pieces: {result.stderr.strip()[-500:]}")
        partial.replace(out)
    return _described(out)


def _piece_frames(path: Path) -> tuple[int, bool]:
    """A piece's frame count (its packets: each piece is 30 fps, one frame a packet)
    and whether it has sound."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = video.frames or sum(1 for packet in container.demux(video) if packet.size)
        return frames, bool(container.streams.audio)


def _quoted(path: Path) -> str:
    # The concat list quotes with '...'; a quote inside closes, escapes and reopens.
    return str(Path(path).resolve()).replace("'", "'\\''")


def _described(path: Path) -> RenderResult:
    frames, has_audio = _piece_frames(path)
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        return RenderResult(
            path=path,
            frame_count=frames,
            width=video.width,
            height=video.height,
            fps=Fraction(SEGMENT_FPS),
            duration=frames / SEGMENT_FPS,
            device="cpu",
            has_audio=has_audio,
            encoder="libx264",
        )


def before_after_pieces(clips: list[tuple[str, float, float]], final: str, size) -> list[Piece]:
    """Each source clip (source, start, duration) labelled "Before", then the whole
    final video labelled "After"."""
    width, height = size
    before = label_overlay(width, height, "Before")
    pieces = [Piece(source, float(start), float(duration), before) for source, start, duration in clips]
    after = video_seconds(final)  # the pictures' length: a longer sound track adds nothing to show
    return [*pieces, Piece(final, 0.0, after, label_overlay(width, height, "After"))]

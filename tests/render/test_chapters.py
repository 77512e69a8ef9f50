"""Chapters of reels and joined videos: where each clip's chapter starts after a
cut, fade or dissolve, millisecond tiling, titles, FFmpeg's ffmetadata escaping,
and the chapters read back from files the renderer wrote."""

from __future__ import annotations

import itertools
import random
import subprocess
import tempfile
from pathlib import Path

import av
import pytest
from django.conf import settings

from exports.render.chapters import (
    Chapter,
    as_json,
    clean_title,
    ffmetadata,
    fit,
    reel_chapters,
    sequence_chapters,
)
from exports.render.onepass import render_reel
from exports.render.reel import reel_duration, starts

CUT = {"type": "cut", "duration": 0.5}
FADE = {"type": "fade", "duration": 0.5}
DISSOLVE = {"type": "dissolve", "duration": 0.5}


def file_chapters(path: str | Path) -> list[dict]:
    """The chapters in a file as players see them (PyAV, FFmpeg's demuxer), checked
    against what `ffmpeg -i file -f ffmetadata -` writes out (no ffprobe binary here)."""
    with av.open(str(path)) as container:
        seen = [
            {
                "title": chapter["metadata"].get("title", ""),
                "start": round(float(chapter["start"] * chapter["time_base"]), 3),
                "end": round(float(chapter["end"] * chapter["time_base"]), 3),
            }
            for chapter in container.chapters()
        ]
    dumped = subprocess.run(
        [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-i", str(path),
         "-f", "ffmetadata", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout.decode()  # fmt: skip
    assert parse_ffmetadata(dumped) == seen
    return seen


def parse_ffmetadata(text: str) -> list[dict]:
    """The [CHAPTER] sections of an FFMETADATA1 text (backslash escapes undone)."""
    lines, line, escaped = [], "", False
    for char in text:
        if escaped:
            line, escaped = line + char, False
        elif char == "\\":
            escaped = True
        elif char == "\n":
            lines.append(line)
            line = ""
        else:
            line += char
    chapters, current = [], None
    for entry in lines:
        if entry == "[CHAPTER]":
            current = {"title": ""}
            chapters.append(current)
        elif current is not None and "=" in entry:
            key, value = entry.split("=", 1)
            current[key] = value
    return [
        {
            "title": c["title"],
            "start": round(int(c["START"]) * eval_fraction(c["TIMEBASE"]), 3),
            "end": round(int(c["END"]) * eval_fraction(c["TIMEBASE"]), 3),
        }
        for c in chapters
    ]


def eval_fraction(text: str) -> float:
    numerator, denominator = text.split("/")
    return int(numerator) / int(denominator)


def bounds(chapters: list[Chapter]) -> list[float]:
    return [c.start for c in chapters] + [chapters[-1].end]


# --- where chapters start -----------------------------------------------------------------


def test_after_a_dissolve_a_chapter_starts_in_the_middle_of_the_overlap():
    chapters = reel_chapters(["Goal", "Save", "Pass"], [2.0, 3.0, 1.5], DISSOLVE)
    # Clip 2 starts at 1.5 (2.0 - 0.5 overlap), clip 3 at 4.0; the reel lasts 5.5 s.
    assert bounds(chapters) == [0.0, 1.75, 4.25, 5.5]
    assert [c.title for c in chapters] == ["Goal", "Save", "Pass"]


@pytest.mark.parametrize("transition", [CUT, FADE])
def test_after_a_cut_or_a_fade_a_chapter_starts_where_its_clip_does(transition):
    chapters = reel_chapters(["Goal", "Save", "Pass"], [2.0, 3.0, 1.5], transition)
    # A fade's boundary is the black between the clips: the outgoing half ends there.
    assert bounds(chapters) == [0.0, 2.0, 5.0, 6.5]


def test_one_clip_is_one_chapter_over_the_whole_video():
    assert reel_chapters(["Goal"], [2.4], DISSOLVE) == [Chapter("Goal", 0.0, 2.4)]


def test_pieces_back_to_back_are_one_chapter_each():
    chapters = sequence_chapters(["Before — Goal", "After"], [1.25, 3.5])
    assert chapters == [Chapter("Before — Goal", 0.0, 1.25), Chapter("After", 1.25, 4.75)]


def test_chapters_tile_the_reel_in_whole_milliseconds():
    rng = random.Random(16)
    for _ in range(300):
        count = rng.randint(1, 8)
        durations = [rng.randint(31, 400) / 30 + rng.random() / 1000 for _ in range(count)]  # > 1 s
        kind = rng.choice(["cut", "fade", "dissolve"])
        transition = {"type": kind, "duration": rng.choice([0.25, 1 / 3, 0.5, 1.0])}
        chapters = reel_chapters([f"c{n}" for n in range(count)], durations, transition)

        assert len(chapters) == count
        assert chapters[0].start == 0.0
        assert chapters[-1].end == round(reel_duration(durations, transition), 3)
        for before, after in itertools.pairwise(chapters):
            assert before.end == after.start
        for chapter, start in zip(chapters[1:], starts(durations, transition)[1:], strict=True):
            overlap = transition["duration"] / 2 if kind == "dissolve" else 0.0
            assert chapter.start == pytest.approx(start + overlap, abs=0.0005)
        for chapter in chapters:
            assert chapter.start < chapter.end
            assert round(chapter.start * 1000) == pytest.approx(chapter.start * 1000, abs=1e-6)
        # The JSON and the ffmetadata say the same milliseconds.
        written = parse_ffmetadata(ffmetadata(chapters))
        assert written == as_json(chapters)


def test_a_third_of_a_second_rounds_once_so_ends_meet_starts():
    chapters = reel_chapters(["a", "b", "c"], [1 / 3, 1 / 3, 1 / 3], CUT)
    assert as_json(chapters) == [
        {"title": "a", "start": 0.0, "end": 0.333},
        {"title": "b", "start": 0.333, "end": 0.667},
        {"title": "c", "start": 0.667, "end": 1.0},
    ]


def test_fitting_to_a_shorter_video_ends_the_last_chapter_there():
    chapters = reel_chapters(["a", "b", "c"], [1.0, 1.0, 1.0], CUT)
    assert bounds(fit(chapters, 2.96)) == [0.0, 1.0, 2.0, 2.96]
    # A chapter that would start after the video ended is left out.
    assert [c.title for c in fit(chapters, 1.9)] == ["a", "b"]
    assert fit([], 3.0) == []


@pytest.mark.parametrize(
    ("titles", "durations", "words"),
    [
        ([], [], "at least one clip"),
        (["a"], [1.0, 2.0], "1 titles for 2 clips"),
        (["a", "b"], [1.0, 0.0], "more than 0 seconds"),
    ],
)
def test_impossible_inputs_are_refused(titles, durations, words):
    with pytest.raises(ValueError, match=words):
        reel_chapters(titles, durations, CUT)


# --- titles and escaping ------------------------------------------------------------------


def test_titles_lose_control_characters_and_are_never_empty():
    assert clean_title("  Goal\tfrom\x00the\r\nleft  ", 1) == "Goal from the left"
    assert clean_title("", 3) == "Clip 3"
    assert clean_title(" \x07\n ", 2) == "Clip 2"
    assert clean_title(None, 4) == "Clip 4"
    assert clean_title("é ⚽ — ok", 1) == "é ⚽ — ok"
    assert len(clean_title("x" * 500, 1)) == 200
    assert [c.title for c in reel_chapters(["", "Save\n"], [1.0, 1.0], CUT)] == ["Clip 1", "Save"]


def test_ffmetadata_escapes_what_ffmpeg_reads_as_syntax():
    text = ffmetadata([Chapter("a=b;c#d\\e\nf", 0.0, 1.5)])
    assert text == (
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle=a\\=b\\;c\\#d\\\\e\\\nf\n"
    )


def test_tricky_titles_survive_a_round_trip_through_ffmpeg(tmp_path):
    titles = ["Goal = 1;0 #9 \\ left", "Save — Ünal ⚽", "[CHAPTER]"]
    chapters = reel_chapters(titles, [0.5, 0.5, 1.0], CUT)
    metadata = tmp_path / "chapters.txt"
    metadata.write_text(ffmetadata(chapters), encoding="utf-8")
    out = tmp_path / "out.mp4"
    subprocess.run(
        [
            settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=64x36:rate=25:duration=2",
            "-f", "ffmetadata", "-i", str(metadata), "-map", "0:v", "-map_chapters", "1",
            "-c:v", "libx264", "-preset", "ultrafast", str(out),
        ],
        check=True, timeout=60,
    )  # fmt: skip
    assert file_chapters(out) == as_json(chapters)
    assert [c["title"] for c in file_chapters(out)] == titles


# --- written by the renderer --------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> list[Path]:
    """Three 160x90 clips at 25 fps, 1.0, 1.6 and 1.2 s, with sound."""
    folder = tmp_path_factory.mktemp("chapters")
    paths = []
    for seconds in (1.0, 1.6, 1.2):
        path = folder / f"clip-{seconds}.mp4"
        subprocess.run(
            [
                settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate=25:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                str(path),
            ],
            check=True, timeout=60,
        )  # fmt: skip
        paths.append(path)
    return paths


def decoded_seconds(path: Path) -> tuple[float, bool]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(stream))
        return count / float(stream.average_rate), bool(container.streams.audio)


@pytest.mark.parametrize("audio", [True, False])
def test_the_renderer_writes_the_reels_chapters_into_the_file_it_encodes(
    sources, tmp_path, monkeypatch, audio
):
    chapters = reel_chapters(["Goal", "Save = great", "Pass"], [1.0, 1.6, 1.2], DISSOLVE)
    out = tmp_path / "reel.mp4"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    result = render_reel(
        sources, out, transition=DISSOLVE, ffmpeg=settings.FFMPEG_BINARY, audio=audio, device="cpu",
        chapters=chapters,
    )  # fmt: skip

    seconds, has_audio = decoded_seconds(out)
    assert seconds == pytest.approx(2.8) == pytest.approx(result.duration)
    assert has_audio is audio
    assert file_chapters(out) == [
        {"title": "Goal", "start": 0.0, "end": 0.75},
        {"title": "Save = great", "start": 0.75, "end": 1.85},
        {"title": "Pass", "start": 1.85, "end": 2.8},
    ]
    assert list(scratch.iterdir()) == []  # the ffmetadata file is gone


def test_chapters_past_the_last_frame_end_where_the_video_does(sources, tmp_path):
    # Clips said to last a little longer than their whole frames: the file is 1.0 + 1.6 s.
    chapters = reel_chapters(["Goal", "Save"], [1.0, 1.63], CUT)
    out = tmp_path / "reel.mp4"
    render_reel(
        sources[:2], out, transition=CUT, ffmpeg=settings.FFMPEG_BINARY, device="cpu", chapters=chapters
    )
    seconds, _ = decoded_seconds(out)
    assert seconds == pytest.approx(2.6)
    assert file_chapters(out)[-1] == {"title": "Save", "start": 1.0, "end": 2.6}


def test_without_chapters_the_file_has_none(sources, tmp_path):
    out = tmp_path / "reel.mp4"
    render_reel(sources[:2], out, transition=CUT, ffmpeg=settings.FFMPEG_BINARY, device="cpu")
    assert file_chapters(out) == []
    with av.open(str(out)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]

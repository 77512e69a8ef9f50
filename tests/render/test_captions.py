"""Review captions and Before/After labels: wrapping, where the box sits, its border
per rating, the picture showing through, text inside and never clipped, measured
on the RGBA pictures and on frames decoded after an encode."""

from __future__ import annotations

import subprocess

import av
import numpy as np
import pytest
from django.conf import settings

from exports.render.captions import (
    NOTES_SHOWN,
    caption_overlay,
    clean,
    cut_notes,
    font,
    label_overlay,
    wrap,
)
from exports.render.handout import Piece, encode_piece
from games.tags import RATING_COLOURS, RATING_SYMBOLS

LONG_NAME = "Brilliant Goal after a long run from our own half through three defenders and a one-two"
NOTES = (
    "Great first touch to kill the long ball, then head up, a quick scan and a curling finish "
    "into the top corner from the edge of the box."
)
GREY = (128, 128, 128)


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


@pytest.fixture(scope="module")
def grey_source(tmp_path_factory):
    path = tmp_path_factory.mktemp("captions") / "grey.mp4"
    subprocess.run(
        [settings.FFMPEG_BINARY, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "color=c=0x808080:size=640x360:rate=30:duration=0.4",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "10", "-pix_fmt", "yuv420p", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


def first_frame(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24").astype(float)


# --- wrapping and cleaning ------------------------------------------------------------------


def test_wrap_breaks_between_words_and_every_line_fits():
    face = font(20)

    lines = wrap(NOTES, face, 200)

    assert len(lines) > 3
    assert " ".join(lines) == NOTES
    assert all(face.getlength(line) <= 200 for line in lines)


def test_a_word_wider_than_the_line_is_broken_between_characters():
    face = font(20)

    lines = wrap("Supercalifragilisticexpialidocious ok", face, 80)

    assert "".join(lines).replace(" ", "") == "Supercalifragilisticexpialidociousok"
    assert all(face.getbbox(line)[2] <= 80 for line in lines)
    assert len(lines) >= 4


def test_empty_or_blank_text_gives_no_lines():
    assert wrap("", font(20), 100) == []
    assert wrap(" \t\r\n\u200b ", font(20), 100) == []


def test_control_characters_and_odd_line_endings_become_spaces():
    text = "Good\r\npass\rand\ttackle\u200bthen\u2028shot\x00!"

    assert clean(text) == "Good pass and tackle then shot !"
    assert wrap(text, font(20), 1000) == ["Good pass and tackle then shot !"]


def test_the_titles_two_spaces_stay_when_it_fits():
    assert wrap("!!  Brilliant Goal", font(20, bold=True), 1000) == ["!!  Brilliant Goal"]


def test_characters_roboto_cannot_draw_are_left_out_without_failing():
    assert clean("⚽ Goal 中 é 😀") == "Goal  é"

    caption = caption_overlay(640, 360, title="!!  ⚽😀 Goal 中文", notes="😀" * 300, border="#2E7D32")

    assert caption.box[3] > 0


def test_notes_are_cut_at_a_word_boundary_with_an_ellipsis():
    long = "word " * 40

    shown = cut_notes(long)

    assert len(shown) <= NOTES_SHOWN
    assert shown.endswith("word…")
    assert cut_notes("short notes\n") == "short notes"
    assert cut_notes("x" * 150) == "x" * (NOTES_SHOWN - 1) + "…"


# --- the caption picture --------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (640, 360), (390, 844)])
def test_the_box_is_centred_across_80_percent_near_the_bottom(width, height):
    caption = caption_overlay(width, height, title="!  Good Pass", notes="Nice.", border="#1E88E5")
    alpha = np.asarray(caption.image)[..., 3]
    x, y, w, h = caption.box

    rows, columns = np.nonzero(alpha)
    assert (columns.min(), columns.max() + 1) == (x, x + w)
    assert (rows.min(), rows.max() + 1) == (y, y + h)
    assert abs(w - 0.8 * width) <= 1
    assert abs(x - (width - w - x)) <= 1
    assert abs((height - (y + h)) - 0.05 * height) <= 1
    border = max(2, round(4 * height / 1080))
    assert (alpha[y + h // 2, x : x + border] == 255).all()
    assert alpha[y + h // 2, x + border + 1] == 242


def test_the_text_is_dark_bold_sized_and_inside_the_padding():
    width, height = 1920, 1080
    caption = caption_overlay(width, height, title=f"!!  {LONG_NAME}", notes=NOTES, border="#2E7D32")
    x, y, w, h = caption.box
    pixels = np.asarray(caption.image).astype(int)
    border = 4

    text = (pixels[..., 3] == 255) & (pixels[..., :3].max(axis=2) < 100)
    text[y : y + border + 1, :] = text[y + h - border - 1 : y + h, :] = False  # the border is not text
    text[:, x : x + border + 1] = text[:, x + w - border - 1 : x + w] = False
    rows, columns = np.nonzero(text)

    assert rows.size > 2000
    assert y + border < rows.min()
    assert rows.max() < y + h - border
    assert x + border < columns.min()
    assert columns.max() < x + w - border
    # Title and notes together: several lines at ~4.4 % / ~3.3 % of 1080 fill well over 3 lines.
    assert h > 4 * 0.033 * height


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (390, 844), (320, 180), (180, 320)])
def test_a_long_name_and_full_notes_are_never_clipped(width, height):
    short = caption_overlay(width, height, title="!  Pass", notes="", border="#1E88E5")
    caption = caption_overlay(
        width, height, title=f"!!  {LONG_NAME} {LONG_NAME}", notes=NOTES * 3, border="#2E7D32"
    )
    x, y, w, h = caption.box
    pixels = np.asarray(caption.image).astype(int)

    # The box grows upwards with its lines and stays in the frame.
    assert h > short.box[3]
    assert y >= 0
    assert y + h <= height
    # Every drawn pixel (text included) lies inside the box: nothing spills out.
    outside = pixels[..., 3].copy()
    outside[y : y + h, x : x + w] = 0
    assert not outside.any()
    # Every text row starts below the top border and ends above the bottom one.
    border = max(2, round(4 * height / 1080))
    inner = pixels[y + border : y + h - border, x + border : x + w - border]
    text_rows = np.nonzero((inner[..., :3].max(axis=2) < 128).any(axis=1))[0]
    assert text_rows.size > 0
    assert text_rows.min() > 0
    assert text_rows.max() < inner.shape[0] - 1


def test_a_border_colour_that_is_not_hex_is_refused():
    with pytest.raises(ValueError, match="#RRGGBB"):
        caption_overlay(640, 360, title="x", notes="", border="green")


# --- encoded and decoded --------------------------------------------------------------------


@pytest.mark.parametrize("rating", [5, 4, 3, 2, 1])
def test_the_border_has_the_rating_colour_after_encoding(rating, grey_source, tmp_path):
    colour = RATING_COLOURS[rating]
    caption = caption_overlay(
        1280, 720, title=f"{RATING_SYMBOLS[rating]}  Clip", notes="A few words.", border=colour
    )
    out = tmp_path / "captioned.mp4"

    encode_piece(
        Piece(str(grey_source), 0.0, 0.1, caption.image), out,
        size=(1280, 720), ffmpeg=settings.FFMPEG_BINARY, quality="quality", audio=False,
    )  # fmt: skip

    frame = first_frame(out)
    x, y, w, h = caption.box
    border = max(2, round(4 * 720 / 1080))
    # The middle of the left and right borders, away from corners and chroma edges.
    left = frame[y + h // 3 : y + 2 * h // 3, x + 1 : x + border - 1].reshape(-1, 3)
    right = frame[y + h // 3 : y + 2 * h // 3, x + w - border + 1 : x + w - 1].reshape(-1, 3)
    for side in (left, right):
        assert np.abs(side.mean(axis=0) - rgb(colour)).max() < 14, (colour, side.mean(axis=0))
    outside = frame[y - 20 : y - 10, x : x + w].reshape(-1, 3).mean(axis=0)
    assert np.abs(outside - GREY).max() < 4


def test_the_box_is_95_percent_white_over_the_picture(grey_source, tmp_path):
    caption = caption_overlay(640, 360, title="!  Pass", notes="", border="#1E88E5")
    out = tmp_path / "captioned.mp4"

    encode_piece(
        Piece(str(grey_source), 0.0, 0.1, caption.image), out,
        size=(640, 360), ffmpeg=settings.FFMPEG_BINARY, quality="quality", audio=False,
    )  # fmt: skip

    frame = first_frame(out)
    x, y, w, h = caption.box
    # Right of the short title: box with no text.
    inside = frame[y + 4 : y + h - 4, x + w - 60 : x + w - 10].reshape(-1, 3).mean(axis=0)
    expected = 0.95 * 255 + 0.05 * np.array(GREY)  # 248.7: white laid over grey at alpha 242
    assert np.abs(inside - expected).max() < 2.5
    assert (inside < 252).all()  # not an opaque box: the picture shows through
    text = frame[y : y + h, x : x + w // 2]
    assert (text.max(axis=2) < 80).sum() > 30  # the dark title is there


def test_the_label_is_white_with_a_black_outline_centred_at_the_top():
    width, height = 1080, 1920

    label = np.asarray(label_overlay(width, height, "Before")).astype(int)

    opaque = label[..., 3] > 0
    rows, columns = np.nonzero(opaque)
    assert abs(rows.min() - 0.04 * height) <= 4
    assert rows.max() < 0.04 * height + 72 * 1.4
    assert abs((columns.min() + columns.max()) / 2 - width / 2) <= 3
    solid = label[..., 3] == 255
    white = solid & (label[..., :3].min(axis=2) == 255)
    black = solid & (label[..., :3].max(axis=2) == 0)
    assert white.sum() > 1000
    assert black.sum() > 500
    # The outline surrounds the letters: above the highest white pixel sits black.
    top_white = np.nonzero(white.any(axis=1))[0].min()
    assert black[:top_white].any()


def test_the_label_scales_with_the_frame_and_stays_readable_when_small():
    big = np.asarray(label_overlay(1080, 1920, "After"))[..., 3] > 0
    small = np.asarray(label_overlay(320, 180, "After"))[..., 3] > 0

    big_height = np.ptp(np.nonzero(big.any(axis=1))[0])
    small_height = np.ptp(np.nonzero(small.any(axis=1))[0])
    assert 45 <= big_height <= 80  # 72 px text at 1920 px, cap height plus outline
    assert small_height >= 15  # never under 24 px type


def test_the_label_survives_encoding(grey_source, tmp_path):
    out = tmp_path / "label.mp4"

    encode_piece(
        Piece(str(grey_source), 0.0, 0.1, label_overlay(640, 360, "After")), out,
        size=(640, 360), ffmpeg=settings.FFMPEG_BINARY, audio=False,
    )  # fmt: skip

    frame = first_frame(out)
    top = frame[: int(0.04 * 360) + 40]
    assert (top.min(axis=2) > 235).sum() > 50  # white letters
    assert (top.max(axis=2) < 30).sum() > 50  # their black outline
    assert np.abs(frame[200:].reshape(-1, 3).mean(axis=0) - GREY).max() < 3  # the rest is the picture

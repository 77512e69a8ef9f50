"""Burned-in captions for game reviews and the Before/After labels, drawn as RGBA
pictures the size of the output frame (ffmpeg overlays them).

Sizes follow the frame height so a caption reads the same at 1080p and on a phone;
the text is Roboto from the `font_roboto` package, never a font the machine has.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import font_roboto
from PIL import Image, ImageDraw, ImageFont

# Part of the review segment cache key: bump it whenever the look below changes.
CAPTION_STYLE_VERSION = 1
# Notes longer than this are cut at a word boundary and end with "…".
NOTES_SHOWN = 100

TEXT_COLOUR = (17, 17, 17, 255)  # #111111
BOX_FILL = (255, 255, 255, 242)  # white at 95 %: the picture shows through a little
# Text sizes are shares of the frame's shorter side: its height for landscape
# frames (4.4 % is 48 px at 1080p), its width for portrait ones, where sizes by the
# height would fill a narrow box with a few words per line.
TITLE_SHARE = 0.044
NOTES_SHARE = 0.033
PADDING_SHARE = 0.022
LINE_GAP = 0.18  # extra space between lines, share of the font size
TITLE_GAP = 0.45  # extra space between the title and the notes, share of the notes' size
SMALLEST_PX = 8


@dataclass(frozen=True)
class Caption:
    image: Image.Image  # RGBA, the frame's size, transparent outside the box
    box: tuple[int, int, int, int]  # x, y, w, h of the box, border included


@lru_cache(maxsize=64)
def font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_roboto.RobotoBold if bold else font_roboto.Roboto, max(1, int(px)))


def _is_drawable(char: str) -> bool:
    return unicodedata.category(char)[0] != "C" and unicodedata.category(char) not in ("Zl", "Zp")


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    """Roboto draws an empty box (.notdef) for what it has no glyph for; such a
    character is compared with a private-use one that Roboto surely lacks."""
    if char.isspace():
        return True
    return _glyph_picture(char) != _glyph_picture("\ue000")


def _glyph_picture(char: str) -> bytes:
    picture = Image.new("L", (48, 48))
    ImageDraw.Draw(picture).text((8, 4), char, font=font(32), fill=255)
    return picture.tobytes()


def clean(text: str) -> str:
    """One line of drawable text: line endings, tabs, zero-width and other control
    characters become spaces, characters Roboto cannot draw are left out, and
    the ends are trimmed. Runs of spaces stay (the title's "!!  Name" has two)."""
    text = (text or "").replace("\r\n", " ")
    text = "".join(char if _is_drawable(char) else " " for char in text)
    return "".join(char for char in text if _has_glyph(char)).strip()


def cut_notes(notes: str, limit: int = NOTES_SHOWN) -> str:
    """At most `limit` characters, "…" included, cut at a word boundary when there is one."""
    notes = re.sub(r"\s+", " ", clean(notes))
    if len(notes) <= limit:
        return notes
    head = notes[: limit - 1]
    if notes[limit - 1] != " " and " " in head:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:-") + "…"


def _width(text: str, face: ImageFont.FreeTypeFont) -> float:
    # The ink can reach past the advance (overhangs): take whichever is wider.
    return max(face.getlength(text), face.getbbox(text)[2]) if text else 0.0


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Lines no wider than max_width, broken between words; a word wider than a
    line is broken between characters. Spaces inside a line stay as written (the
    title's "!!  Name"). Empty text gives no lines."""
    lines: list[str] = []
    line = ""
    # Each word carries the spaces after it: they count only when a word follows.
    for token in re.findall(r"\S+ *", clean(text)):
        word = token.rstrip(" ")
        if _width(line + word, font) <= max_width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip(" "))
        while _width(word, font) > max_width:
            fits = max(1, _longest_prefix(word, font, max_width))
            lines.append(word[:fits])
            word = word[fits:]
        line = word + token[len(token.rstrip(" ")) :]
    if line.strip():
        lines.append(line.rstrip(" "))
    return lines


def _longest_prefix(word: str, face: ImageFont.FreeTypeFont, max_width: int) -> int:
    low, high = 0, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(word[:middle], face) <= max_width:
            low = middle
        else:
            high = middle - 1
    return low


def _line_height(face: ImageFont.FreeTypeFont) -> int:
    ascent, descent = face.getmetrics()
    return ascent + descent


def caption_overlay(width: int, height: int, *, title: str, notes: str, border: str) -> Caption:
    """The review caption: a white box (95 %) across 80 % of the width, centred,
    5 % of the height above the bottom, a border in the rating colour, the title in
    bold and the notes below it, wrapped. The box grows with its lines; when they
    would not fit in the frame, the text gets smaller rather than clipped."""
    border_px = max(2, round(4 * height / 1080))
    margin = round(0.05 * height)
    side = min(width, height)
    box_w = round(0.8 * width)
    box_x = (width - box_w) // 2
    notes = cut_notes(notes)
    scale = 1.0
    while True:
        pad = max(3, round(PADDING_SHARE * side * scale))
        inner = box_w - 2 * (border_px + pad)
        title_face = font(max(SMALLEST_PX, round(TITLE_SHARE * side * scale)), bold=True)
        notes_face = font(max(SMALLEST_PX, round(NOTES_SHARE * side * scale)))
        lines = [(line, title_face) for line in wrap(title, title_face, inner)]
        lines += [(line, notes_face) for line in wrap(notes, notes_face, inner)]
        heights = [_line_height(face) for _, face in lines]
        gaps = [
            round((TITLE_GAP if face is not before else LINE_GAP) * face.size)
            for (_, before), (_, face) in pairwise(lines)
        ]
        box_h = 2 * (border_px + pad) + sum(heights) + sum(gaps)
        if box_h <= height - 2 * margin or title_face.size <= SMALLEST_PX:
            break
        scale *= 0.9
    box_y = max(0, height - margin - box_h)

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle(
        (box_x, box_y, box_x + box_w - 1, box_y + box_h - 1),
        fill=BOX_FILL,
        outline=(*_rgb(border), 255),
        width=border_px,
    )
    y = box_y + border_px + pad
    for index, (line, face) in enumerate(lines):
        # "la": the line's top is the font's ascender, so every line occupies exactly
        # its metrics' height whatever letters it holds.
        draw.text((box_x + border_px + pad, y), line, font=face, fill=TEXT_COLOUR, anchor="la")
        y += heights[index] + (gaps[index] if index < len(gaps) else 0)
    return Caption(image=image, box=(box_x, box_y, box_w, box_h))


def label_overlay(width: int, height: int, text: str) -> Image.Image:
    """ "Before" / "After": white bold text with a black outline, centred at the top."""
    px = max(24, round(72 * height / 1920))
    outline = max(1, round(3 * height / 1920))
    face = font(px, bold=True)
    text = clean(text)
    while face.size > 8 and _width(text, face) + 2 * outline > 0.9 * width:
        face = font(face.size - 2, bold=True)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    # The margin is to the ink (outline included), not to the font's ascender.
    ink_top = draw.textbbox((0, 0), text, font=face, anchor="ma", stroke_width=outline)[1]
    draw.text(
        (width / 2, round(0.04 * height) - ink_top),
        text,
        font=face,
        fill=(255, 255, 255, 255),
        stroke_width=outline,
        stroke_fill=(0, 0, 0, 255),
        anchor="ma",
    )
    return image


def _rgb(colour: str) -> tuple[int, int, int]:
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour or ""):
        raise ValueError(f"a caption border colour is #RRGGBB, not {colour!r}")
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

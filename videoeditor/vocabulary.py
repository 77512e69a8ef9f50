"""The facts the server owns that pages need (speeds, slow motion, transitions,
effects and their defaults, rating words, symbols and colours, tags, aspect
ratios, export qualities, limits), gathered from the Python constants where they live. base.html
renders it on every page (videoeditor.context_processors.shell) and
GET /api/vocabulary serves it; static/js/vocabulary.js reads it. JavaScript never
writes these values itself (tests/test_js_constants.py greps for them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings

# What node's tests (tests/js/) read as the page's #vocabulary: the browser gets
# it from base.html, node from this file, which a test keeps equal to vocabulary().
FIXTURE = Path(__file__).with_name("vocabulary_fixture.json")

# Words for values whose Python names are codes. Every code must have one: a new
# transition or quality without a label fails here, not on a page.
TRANSITION_LABELS = {"cut": "Cut", "fade": "Fade through black", "dissolve": "Dissolve"}
QUALITY_LABELS = {"fast": "Fast", "quality": "Best"}
# What each way of slowing a segment looks like, said under the page's choice.
SLOW_MOTION_HINTS = {
    "smooth": "New in-between frames keep slowed motion fluid; exports take longer.",
    "repeat": "Each frame is held longer: a quicker export, but slowed motion judders.",
}
_HINTED = re.compile(r"^(?P<label>.*?)\s*\((?P<hint>[^)]*)\)$")


def vocabulary() -> dict:
    """Built on each call (cheap, and it follows overridden settings in tests)."""
    from exports import edits, jobs
    from exports.gallery import GALLERY_TYPES
    from exports.models import AspectRatio, EffectType, Overlay, Project, SlowMotion
    from exports.projects import PROJECT_ORIGINS, PROJECT_STATUSES
    from exports.render import effects, segments
    from games.models import Clip
    from games.tags import POSITIONS, RATING_ADJECTIVES, RATING_COLOURS, RATING_SYMBOLS
    from videoeditor.pagination import Pagination

    return {
        "speeds": list(edits.SPEEDS),
        "transitions": [{"value": value, "label": TRANSITION_LABELS[value]} for value in edits.TRANSITIONS],
        "default_transition": {"type": edits.TRANSITIONS[0], "duration": edits.DEFAULT_TRANSITION_SECONDS},
        "slow_motion": [
            {"value": value, "label": _unhinted(label), "hint": SLOW_MOTION_HINTS[value]}
            for value, label in SlowMotion.choices
        ],
        "default_slow_motion": Project._meta.get_field("slow_motion").default,
        "effects": [
            {"value": value, "label": label}
            for value, label in EffectType.choices
            if value in effects.EFFECTS
        ],
        "highlight": {
            "effect": Overlay._meta.get_field("effect_type").default,
            "color": edits.DEFAULT_COLOR,
            "opacity": edits.DEFAULT_OPACITY,
            "radius_x": edits.DEFAULT_RADIUS_X,  # shares of the framed video's height
            "radius_y": edits.DEFAULT_RADIUS_Y,
            "brighten": effects.BRIGHTEN,
            "dim": effects.DIM,
            "ellipse_fields": list(effects.ELLIPSE_FIELDS),
        },
        "ratings": [
            {
                "value": value,
                "word": RATING_ADJECTIVES[value],
                "symbol": RATING_SYMBOLS[value],
                "colour": RATING_COLOURS[value],
            }
            for value in sorted(RATING_ADJECTIVES, reverse=True)
        ],
        "tags": [
            {"position": position, "tags": [{"short": short, "long": long} for short, long in tags]}
            for position, tags in POSITIONS.items()
        ],
        "aspect_ratios": [_aspect_ratio(value, label) for value, label in AspectRatio.choices],
        "default_aspect_ratio": Project._meta.get_field("aspect_ratio").default,
        "project_statuses": [{"value": v, "label": label} for v, label in PROJECT_STATUSES.items()],
        "project_origins": [{"value": v, "label": label} for v, label in PROJECT_ORIGINS.items()],
        "gallery_types": [{"value": v, "label": label} for v, label in GALLERY_TYPES.items()],
        "qualities": [{"value": value, "label": QUALITY_LABELS[value]} for value in jobs.QUALITIES],
        "limits": {
            "clip_notes_max": Clip.NOTES_MAX,
            "name_max": Clip._meta.get_field("name").max_length,
            "project_name_max": Project._meta.get_field("name").max_length,
            "clip_min_seconds": Clip.MIN_LENGTH,
            "clip_max_seconds": Clip.MAX_LENGTH,
            "clip_default_seconds": Clip.DEFAULT_LENGTH,
            "min_region_seconds": edits.MIN_REGION_SECONDS,
            "default_region_seconds": edits.DEFAULT_REGION_SECONDS,
            "transition_min_seconds": edits.TRANSITION_SECONDS[0],
            "transition_max_seconds": edits.TRANSITION_SECONDS[1],
            "min_segment_seconds": segments.MIN_SEGMENT_SECONDS,
            "upload_single_max_bytes": settings.UPLOAD_SINGLE_MAX_BYTES,
            "page_size_max": Pagination.max_limit,
        },
    }


def _unhinted(label: str) -> str:
    """ "Smooth (in-between frames)" -> "Smooth": the words a choice shows."""
    match = _HINTED.match(label)
    return match["label"] if match else label


def _aspect_ratio(value: str, label: str) -> dict:
    """ "9:16 (phones)" -> label "9:16", hint "phones"; the shape's own numbers too."""
    match = _HINTED.match(label)
    width, height = (int(n) for n in value.split(":"))
    return {
        "value": value,
        "label": match["label"] if match else label,
        "hint": match["hint"] if match else "",
        "width": width,
        "height": height,
    }


if __name__ == "__main__":  # python -m videoeditor.vocabulary: rewrite the fixture
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    django.setup()
    FIXTURE.write_text(json.dumps(vocabulary(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")

"""Framing: the crop rectangle of every output frame, from the crop keyframes.

The one interpolation (timeline.py) gives x, y and width at a clip time; the
height follows from the output's aspect ratio, and the rectangle is shifted back
inside the frame where the path would leave it. The renderer (onepass.py) crops
and resizes exactly these rectangles; the editor's preview (static/js/crop.js)
draws the same ones, checked against crop_fixture.json.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exports.render.timeline import interpolate_keyframes


def crop_boxes(
    crop_keyframes: list[dict], clip_times: np.ndarray, source_width: int, source_height: int, aspect: float
) -> np.ndarray:
    """(N, 4) rectangles x, y, width, height: interpolated, of exactly `aspect`,
    shifted back inside the frame where the path would leave it."""
    values = interpolate_keyframes(crop_keyframes, ("x", "y", "width"), clip_times)
    width = np.clip(values["width"], 2.0, source_width)
    height = width / aspect
    too_tall = height > source_height
    height[too_tall] = source_height
    width[too_tall] = source_height * aspect
    x = np.clip(values["x"], 0.0, source_width - width)
    y = np.clip(values["y"], 0.0, source_height - height)
    return np.stack([x, y, width, height], axis=1)


# --- the shared fixture (static/js/crop.js is checked against it) ------------------------

CROP_FIXTURE = Path(__file__).with_name("crop_fixture.json")

CROP_SOURCES = ((1920, 1080), (1280, 720), (640, 360), (1064, 1080), (720, 1280), (1000, 1001))


def build_crop_fixture() -> dict:
    """default_crop for each source and shape, and crop_boxes along keyframed paths
    (some leaving the frame, some too big for it)."""
    from exports.edits import aspect_value, default_crop

    shapes = ("9:16", "16:9", "1:1", "4:5", "4:3")
    cases = [
        {
            "name": f"default crop of {w}x{h} at {shape}",
            "function": "defaultCrop",
            "args": [w, h, shape],
            "expected": default_crop(w, h, shape),
        }
        for w, h in CROP_SOURCES
        for shape in shapes
    ]
    paths = {
        "one keyframe": [{"time": 0.0, "x": 100.0, "y": 0.0, "width": 405.0, "height": 720.0}],
        "follows and leaves the frame": [
            {"time": 0.0, "x": -40.0, "y": 10.0, "width": 405.0, "height": 720.0},
            {"time": 1.5, "x": 600.0, "y": 0.0, "width": 303.75, "height": 540.0},
            {"time": 4.0, "x": 1000.0, "y": 300.0, "width": 500.0, "height": 888.9},
        ],
        "too big for the frame": [
            {"time": 0.5, "x": 0.0, "y": 0.0, "width": 1900.0, "height": 3377.8},
            {"time": 2.0, "x": 10.0, "y": -5.0, "width": 1.0, "height": 1.8},
        ],
    }
    times = [round(-0.5 + 5.0 * n / 30, 6) for n in range(31)]
    for name, keyframes in paths.items():
        for (w, h), shape in (((1280, 720), "9:16"), ((1920, 1080), "1:1"), ((640, 360), "4:5")):
            aspect = aspect_value(shape)
            boxes = crop_boxes(keyframes, np.array(times), w, h, aspect)
            cases.append(
                {
                    "name": f"{name}, {w}x{h} at {shape}",
                    "function": "cropBoxes",
                    "args": [keyframes, times, w, h, aspect],
                    "expected": [[float(v) for v in row] for row in boxes],
                }
            )
    rule = "width interpolated, clipped to [2, W]; height = width / aspect; too tall: height = H"
    return {"rule": rule, "cases": cases}


if __name__ == "__main__":  # python -m exports.render.framing: rewrite crop_fixture.json
    import json
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    django.setup()

    CROP_FIXTURE.write_text(json.dumps(build_crop_fixture(), indent=1) + "\n")
    print(f"wrote {CROP_FIXTURE}")

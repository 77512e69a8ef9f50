"""The highlight maths the editor repeats (static/js/ellipse.js): the committed
fixture is what the renderer computes now, and the renderer's one blend rule is
what apply_overlay draws."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from exports.render.overlay import FIXTURE, apply_overlay, blend, build_fixture


def test_the_fixture_file_matches_the_renderer():
    assert json.loads(FIXTURE.read_text()) == build_fixture()


def test_the_fixture_covers_every_effect_and_region_state():
    cases = build_fixture()["cases"]

    assert {c["args"][0] for c in cases if c["function"] == "blend"} == {"yellow", "brightness", "dim"}
    coverage = [c["expected"] for c in cases if c["function"] == "coverage"]
    assert 0 in coverage
    assert 1 in coverage
    assert any(0 < value < 1 for value in coverage)  # the anti-aliased edge
    parameters = next(c["expected"] for c in cases if c["function"] == "ellipseParameters")
    assert any(parameters["active"])
    assert not all(parameters["active"])  # outside every region, and in the disabled one, nothing is drawn
    drawn = {tuple(c) for c, on in zip(parameters["colours"], parameters["active"], strict=True) if on}
    assert len(drawn) >= 3


@pytest.mark.parametrize("effect", ["yellow", "brightness", "dim"])
def test_apply_overlay_draws_the_blend_rule_at_the_centre(effect):
    region = {
        "id": "r", "start_time": 0.0, "end_time": 1.0, "enabled": True,
        "keyframes": [{"time": 0.0, "x": 40, "y": 40, "radius_x": 10, "radius_y": 12, "opacity": 0.5,
                       "color": "#FF8000"}],
    }  # fmt: skip
    batch = torch.full((1, 3, 80, 80), 90.0)

    out = apply_overlay(batch, np.array([0.5]), effect, [region])

    centre = out[0, :, 40, 40].tolist()
    corner = out[0, :, 2, 2].tolist()
    colour = (255.0, 128.0, 0.0)
    assert centre == pytest.approx([blend(effect, 90.0, 1.0, c, 0.5) for c in colour])
    assert corner == pytest.approx([blend(effect, 90.0, 0.0, c, 0.5) for c in colour])

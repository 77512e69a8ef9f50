"""Region edits (exports/region_edits.py), which static/js/regions.js repeats: the
committed fixture is what the Python gives now, every edit it makes passes
clean_regions, and refusals are sentences."""

from __future__ import annotations

import json

import pytest

from exports import region_edits
from exports.edits import EditError, clean_regions
from exports.region_edits import FIXTURE, build_fixture


def test_the_fixture_file_matches_the_python():
    assert json.loads(FIXTURE.read_text()) == build_fixture()


def test_every_edit_in_the_fixture_is_a_valid_overlay():
    fixture = build_fixture()

    for case in fixture["cases"]:
        if isinstance(case["expected"], dict) and "regions" in case["expected"]:
            cleaned = clean_regions(case["expected"]["regions"], width=120, height=214, duration=10.0)
            assert [r["id"] for r in cleaned] == [r["id"] for r in case["expected"]["regions"]], case["name"]


def test_refusals_are_sentences():
    refused = [
        c for c in build_fixture()["cases"] if isinstance(c["expected"], dict) and "error" in c["expected"]
    ]

    assert len(refused) >= 6
    for case in refused:
        message = case["expected"]["error"]
        assert message[0].isupper(), message
        assert message.endswith("."), message


def test_a_new_region_stops_at_the_next_one_and_takes_the_given_ellipse():
    ellipse = region_edits.default_ellipse(1080, 1920)
    regions = [{"id": "b", "start_time": 3.0, "end_time": 4.0, "enabled": True,
                "keyframes": [{"time": 3.0, **ellipse}]}]  # fmt: skip

    added = region_edits.add_region(regions, 2.0, duration=10, ellipse=ellipse, region_id="a")

    assert [(r["id"], r["start_time"], r["end_time"]) for r in added] == [("a", 2.0, 3.0), ("b", 3.0, 4.0)]
    assert added[0]["keyframes"] == [{"time": 2.0, **ellipse}]


def test_resizing_past_a_neighbour_stops_at_it():
    ellipse = region_edits.default_ellipse(120, 214)
    regions = [
        {
            "id": "a",
            "start_time": 0.0,
            "end_time": 1.0,
            "enabled": True,
            "keyframes": [{"time": 0.0, **ellipse}],
        },
        {
            "id": "b",
            "start_time": 2.0,
            "end_time": 3.0,
            "enabled": True,
            "keyframes": [{"time": 2.0, **ellipse}],
        },
    ]

    resized = region_edits.resize_region(regions, "b", "start", 0.2, duration=5)

    assert resized[1]["start_time"] == 1.0
    assert resized[1]["keyframes"][0]["time"] == 2.0


def test_a_missing_region_is_a_sentence_not_a_crash():
    with pytest.raises(EditError, match="no longer exists"):
        region_edits.delete_region([], "gone")

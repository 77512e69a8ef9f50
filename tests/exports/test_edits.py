"""Framing and overlay edits: one canonical shape each, validated, versioned."""

from __future__ import annotations

import json

import pytest

from exports.models import ProjectClip

pytestmark = pytest.mark.django_db

CROP = {"time": 0.0, "x": 100, "y": 0, "width": 607.5, "height": 1080}


def framing_url(project) -> str:
    return f"/api/projects/{project['id']}/clips/{project['clips'][0]['id']}"


def test_a_crop_path_and_segments_are_stored_as_sent(alice_api, project):
    crop = [
        CROP,
        {**CROP, "time": 4.5, "x": 800},
        {"time": 15.0, "x": 1200, "y": 300, "width": 405, "height": 720},
    ]
    segments = {"trim_start": 1.0, "trim_end": 14.0, "splits": [5.0, 9.0], "speeds": [1, 0.5, 1]}

    response = alice_api.patch(
        framing_url(project), {"version": 1, "crop_keyframes": crop, "segments": segments}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["crop_keyframes"] == crop
    assert body["segments"] == {
        "trim_start": 1.0,
        "trim_end": 14.0,
        "splits": [5.0, 9.0],
        "speeds": [1.0, 0.5, 1.0],
    }
    assert body["version"] == 2


def test_two_tabs_editing_the_same_crop_the_second_gets_409(alice_api, project):
    first_tab = {"version": 1, "crop_keyframes": [{**CROP, "x": 10}]}
    second_tab = {"version": 1, "crop_keyframes": [{**CROP, "x": 20}]}

    assert alice_api.patch(framing_url(project), first_tab, format="json").status_code == 200
    response = alice_api.patch(framing_url(project), second_tab, format="json")

    assert response.status_code == 409
    assert response.json()["current"]["crop_keyframes"][0]["x"] == 10
    assert ProjectClip.objects.get(pk=project["clips"][0]["id"]).crop_keyframes[0]["x"] == 10


@pytest.mark.parametrize(
    ("crop", "words"),
    [
        ([], "at least one crop keyframe"),
        ([{**CROP, "x": 1500}], "reaches outside the 1920x1080 frame"),
        ([{**CROP, "y": -1}], "reaches outside"),
        ([{**CROP, "width": 800}], "not the project's 9:16 shape"),
        ([{**CROP, "time": 5}, {**CROP, "time": 2}], "sorted by time"),
        ([{**CROP, "time": 5}, {**CROP, "time": 5}], "no two at the same time"),
        ([{**CROP, "time": 16}], "outside the clip"),
        ([{**CROP, "x": "left"}], "must be a number"),
    ],
)
def test_bad_crops_are_refused(alice_api, project, crop, words):
    response = alice_api.patch(framing_url(project), {"version": 1, "crop_keyframes": crop}, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert ProjectClip.objects.get(pk=project["clips"][0]["id"]).version == 1


@pytest.mark.parametrize(
    ("segments", "words"),
    [
        ({"trim_start": 0, "trim_end": 15, "splits": [], "speeds": [0]}, "Speeds are one of"),
        ({"trim_start": 0, "trim_end": 15, "splits": [], "speeds": [-1]}, "Speeds are one of"),
        ({"trim_start": 0, "trim_end": 15, "splits": [], "speeds": [3]}, "Speeds are one of"),
        ({"trim_start": -1, "trim_end": 15, "splits": [], "speeds": [1]}, "inside the clip"),
        ({"trim_start": 0, "trim_end": 16, "splits": [], "speeds": [1]}, "inside the clip"),
        ({"trim_start": 5, "trim_end": 4, "splits": [], "speeds": [1]}, "inside the clip"),
        ({"trim_start": 0, "trim_end": 15, "splits": [8, 4], "speeds": [1, 1, 1]}, "sorted by time"),
        ({"trim_start": 2, "trim_end": 15, "splits": [1], "speeds": [1, 1]}, "inside the trimmed clip"),
        ({"trim_start": 0, "trim_end": 15, "splits": [5], "speeds": [1]}, "send one speed for each"),
    ],
)
def test_bad_segments_are_refused(alice_api, project, segments, words):
    response = alice_api.patch(framing_url(project), {"version": 1, "segments": segments}, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]


REGION = {
    "id": "r1",
    "start_time": 1.0,
    "end_time": 3.0,
    "enabled": True,
    "keyframes": [{"time": 1.0, "x": 540, "y": 1200, "radius_x": 65, "radius_y": 130}],
}


def test_overlay_regions_get_the_product_defaults(alice_api, project):
    url = f"/api/projects/{project['id']}/overlay"

    response = alice_api.put(url, {"version": 1, "effect_type": "dim", "regions": [REGION]}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["effect_type"] == "dim"
    assert body["regions"][0]["keyframes"][0] == {
        "time": 1.0,
        "x": 540.0,
        "y": 1200.0,
        "radius_x": 65.0,
        "radius_y": 130.0,
        "opacity": 0.5,  # half-strength yellow: 15 % looked olive on grass (test_highlight_on_grass.py)
        "color": "#FFFF00",
    }
    assert alice_api.put(url, {"version": 1, "regions": []}, format="json").status_code == 409


@pytest.mark.parametrize(
    ("regions", "words"),
    [
        (
            [
                REGION,
                {
                    **REGION,
                    "id": "r2",
                    "start_time": 2.5,
                    "end_time": 4.0,
                    "keyframes": [{**REGION["keyframes"][0], "time": 2.5}],
                },
            ],
            "may not overlap",
        ),
        ([{**REGION, "end_time": 1.3}], "at least 0.5 s"),
        ([{**REGION, "keyframes": []}], "at least one keyframe"),
        ([{**REGION, "keyframes": [{**REGION["keyframes"][0], "time": 5}]}], "outside its region"),
        ([{**REGION, "keyframes": [{**REGION["keyframes"][0], "x": 2000}]}], "outside the 1080x1920 frame"),
        ([{**REGION, "keyframes": [{**REGION["keyframes"][0], "opacity": 1.5}]}], "between 0 and 1"),
        ([{**REGION, "keyframes": [{**REGION["keyframes"][0], "color": "yellow"}]}], "look like #FFFF00"),
        ([{**REGION, "keyframes": [{**REGION["keyframes"][0], "radius_x": 0}]}], "must be positive"),
    ],
)
def test_bad_regions_are_refused(alice_api, project, regions, words):
    response = alice_api.put(
        f"/api/projects/{project['id']}/overlay", {"version": 1, "regions": regions}, format="json"
    )

    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_an_unknown_effect_is_refused(alice_api, project):
    response = alice_api.put(
        f"/api/projects/{project['id']}/overlay", {"version": 1, "effect_type": "glow"}, format="json"
    )

    assert response.status_code == 400


def test_a_10_mb_body_is_refused_before_it_is_read(alice_api, project):
    huge = {"version": 1, "crop_keyframes": [CROP] * 170_000}
    body = json.dumps(huge)
    assert len(body) > 10 * 2**20

    response = alice_api.generic("PATCH", framing_url(project), body, content_type="application/json")

    assert response.status_code == 413
    assert "JSON requests are limited to 1 MB" in response.json()["detail"]

"""GET/PUT /api/clips/{clip_id}/highlight: a clip's regions in its own coordinates,
validated against the clip's duration and the game's frame, versioned, owner-scoped,
and shown by every project using the clip."""

from __future__ import annotations

import pytest

from exports.models import ClipHighlight

pytestmark = pytest.mark.django_db

KEYFRAME = {"time": 2.0, "x": 960, "y": 540, "radius_x": 40, "radius_y": 90}
REGION = {
    "id": "r1",
    "start_time": 2.0,
    "end_time": 3.0,
    "enabled": True,
    "label": "Goal",
    "keyframes": [KEYFRAME],
}


def url(clip) -> str:
    return f"/api/clips/{clip.pk}/highlight"


def test_a_clip_nobody_highlighted_has_no_regions_at_version_1(alice_api, clips):
    response = alice_api.get(url(clips[0]))

    assert response.status_code == 200
    assert response.json() == {"regions": [], "version": 1}


def test_regions_are_stored_with_the_defaults_and_the_label(alice_api, clips):
    response = alice_api.put(url(clips[0]), {"version": 1, "regions": [REGION]}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 2
    (region,) = body["regions"]
    assert region["label"] == "Goal"
    assert region["keyframes"][0] == {**KEYFRAME, "opacity": 0.5, "color": "#FFFF00"}
    assert alice_api.get(url(clips[0])).json() == body
    assert ClipHighlight.objects.get(clip=clips[0]).regions == body["regions"]


def test_a_stale_write_gets_409_with_the_current_regions(alice_api, clips):
    assert alice_api.put(url(clips[0]), {"version": 1, "regions": [REGION]}, format="json").status_code == 200

    response = alice_api.put(url(clips[0]), {"version": 1, "regions": []}, format="json")

    assert response.status_code == 409
    assert response.json()["current"]["version"] == 2
    assert [r["id"] for r in response.json()["current"]["regions"]] == ["r1"]


def test_a_short_region_fits_a_clip_a_slow_segment_makes_long_enough(alice_api, clips):
    # 0.25 s of clip at 0.5x is 0.5 s on screen: a clip keeps it
    short = {**REGION, "end_time": 2.25}

    response = alice_api.put(url(clips[0]), {"version": 1, "regions": [short]}, format="json")

    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("region", "words"),
    [
        ({**REGION, "end_time": 16.0}, "after the end of the clip (15 s)"),
        ({**REGION, "keyframes": [{**KEYFRAME, "x": 2000}]}, "outside the 1920x1080 frame"),
        ({**REGION, "label": "x" * 81}, "at most 80 characters"),
        ({**REGION, "label": 7}, "label must be text"),
        ({**REGION, "end_time": 2.1}, "at least 0.125 s"),
    ],
)
def test_bad_regions_are_refused_with_a_sentence(alice_api, clips, region, words):
    response = alice_api.put(url(clips[0]), {"version": 1, "regions": [region]}, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"regions": []}, "version"),
        ({"version": 1}, "Send the clip's regions"),
        ({"version": 1, "regions": 3}, "list"),
    ],
)
def test_a_body_without_what_is_needed_is_a_400(alice_api, clips, body, words):
    response = alice_api.put(url(clips[0]), body, format="json")

    assert response.status_code == 400
    assert words in str(response.json())


def test_another_users_clip_is_a_404(bob_api, clips):
    assert bob_api.get(url(clips[0])).status_code == 404
    assert bob_api.put(url(clips[0]), {"version": 1, "regions": []}, format="json").status_code == 404


def test_a_project_shows_the_clips_regions_and_its_editor_must_read_them_again(alice_api, project, clips):
    overlay_url = f"/api/projects/{project['id']}/overlay"
    before = alice_api.get(overlay_url).json()

    alice_api.put(url(clips[1]), {"version": 1, "regions": [REGION]}, format="json")

    after = alice_api.get(overlay_url).json()
    assert after["version"] > before["version"]
    (shown,) = after["regions"]
    assert shown["label"] == "Goal"
    assert (shown["start_time"], shown["end_time"]) == (2.0, 3.0)  # the first clip, untrimmed
    stale = alice_api.put(overlay_url, {"version": before["version"], "regions": []}, format="json")
    assert stale.status_code == 409

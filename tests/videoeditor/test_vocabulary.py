"""One vocabulary, owned by the server: GET /api/vocabulary and the #vocabulary
script of every page give the same object, built from the Python constants; the
fixtures the JS tests read are current."""

from __future__ import annotations

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from exports import edits, jobs
from exports.models import AspectRatio, EffectType
from exports.render import effects
from games.models import Clip
from games.tags import (
    NAMES_FIXTURE,
    POSITIONS,
    RATING_ADJECTIVES,
    RATING_COLOURS,
    RATING_SYMBOLS,
    build_names_fixture,
)
from videoeditor import vocabulary as vocabulary_module
from videoeditor.vocabulary import vocabulary

pytestmark = pytest.mark.django_db


def test_signed_in_users_get_the_vocabulary_and_may_cache_it(alice_api):
    response = alice_api.get("/api/vocabulary")

    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(vocabulary()))
    assert "private" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]


def test_the_vocabulary_needs_a_sign_in(api):
    response = api.get("/api/vocabulary")

    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_vocabulary_is_built_from_the_python_constants():
    words = vocabulary()

    assert words["speeds"] == list(edits.SPEEDS)
    assert [t["value"] for t in words["transitions"]] == list(edits.TRANSITIONS)
    assert words["transitions"][1] == {"value": "fade", "label": "Fade through black"}
    assert words["default_transition"] == {"type": "cut", "duration": edits.DEFAULT_TRANSITION_SECONDS}
    assert [e["value"] for e in words["effects"]] == list(effects.EFFECTS) == list(EffectType.values)
    assert (
        words["highlight"].items()
        >= {
            "effect": EffectType.YELLOW,
            "color": edits.DEFAULT_COLOR,
            "opacity": edits.DEFAULT_OPACITY,
            "brighten": effects.BRIGHTEN,
            "dim": effects.DIM,
            "ellipse_fields": list(effects.ELLIPSE_FIELDS),
        }.items()
    )
    assert words["ratings"][0] == {
        "value": 5,
        "word": "Brilliant",
        "symbol": "!!",
        "colour": RATING_COLOURS[5],
    }
    assert [r["value"] for r in words["ratings"]] == [5, 4, 3, 2, 1]
    assert [r["word"] for r in words["ratings"]] == [RATING_ADJECTIVES[v] for v in (5, 4, 3, 2, 1)]
    assert [r["symbol"] for r in words["ratings"]] == [RATING_SYMBOLS[v] for v in (5, 4, 3, 2, 1)]
    assert [g["position"] for g in words["tags"]] == list(POSITIONS)
    assert words["tags"][0]["tags"][0] == {"short": "Goal", "long": "Goals"}
    assert [a["value"] for a in words["aspect_ratios"]] == list(AspectRatio.values)
    assert {"value": "9:16", "label": "9:16", "hint": "phones", "width": 9, "height": 16} in words[
        "aspect_ratios"
    ]
    assert words["default_aspect_ratio"] == "9:16"
    assert words["qualities"] == [{"value": "fast", "label": "Fast"}, {"value": "quality", "label": "Best"}]
    assert [q["value"] for q in words["qualities"]] == list(jobs.QUALITIES)
    assert words["limits"]["clip_notes_max"] == Clip.NOTES_MAX
    assert words["limits"]["min_region_seconds"] == edits.MIN_REGION_SECONDS
    assert (words["limits"]["transition_min_seconds"], words["limits"]["transition_max_seconds"]) == (
        edits.TRANSITION_SECONDS
    )


def test_every_rating_has_its_own_clearly_different_colour():
    colours = [RATING_COLOURS[v] for v in RATING_ADJECTIVES]

    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours)
    assert len(set(colours)) == len(colours)
    rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours]
    closest = min(
        sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5 for a in rgb for b in rgb if a != b
    )
    assert closest > 80  # not two greens


def test_limits_follow_the_settings(alice_api, settings):
    settings.UPLOAD_SINGLE_MAX_BYTES = 12345

    assert alice_api.get("/api/vocabulary").json()["limits"]["upload_single_max_bytes"] == 12345


@pytest.mark.parametrize("signed_in", [True, False], ids=["home", "login page"])
def test_every_page_renders_the_vocabulary_script(client, alice, signed_in):
    if signed_in:
        client.force_login(alice)

    page = client.get("/" if signed_in else "/accounts/login/").content.decode()

    found = re.search(r'<script id="vocabulary" type="application/json">(.*?)</script>', page, re.S)
    assert found
    assert json.loads(found[1]) == json.loads(json.dumps(vocabulary()))


def test_the_schema_documents_the_vocabulary():
    # (tests/videoeditor/test_openapi.py validates the whole schema and its warnings)
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"]["/api/vocabulary"]["get"]
    assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Vocabulary"}
    documented = set(schema["components"]["schemas"]["Vocabulary"]["properties"])
    assert documented == set(vocabulary())
    highlight = set(schema["components"]["schemas"]["HighlightDefaults"]["properties"])
    assert highlight == set(vocabulary()["highlight"])


def test_the_vocabulary_fixture_of_the_js_tests_is_current():
    stored = json.loads(vocabulary_module.FIXTURE.read_text())

    assert stored == json.loads(json.dumps(vocabulary())), "run: .venv/bin/python -m videoeditor.vocabulary"


def test_the_names_fixture_is_current():
    stored = json.loads(NAMES_FIXTURE.read_text())

    assert stored == build_names_fixture(), "run: .venv/bin/python -m games.tags"
    assert {"Brilliant Goal", "Good Dribble, Pass and Tackle", ""} <= {c["expected"] for c in stored["cases"]}

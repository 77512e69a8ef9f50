"""The OpenAPI schema generates cleanly and the docs are served from our own static files."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yaml"

    # --fail-on-warn turns any drf-spectacular warning into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert {"/api/health", "/api/me", "/api/auth/token"} <= set(schema["paths"])
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    # Health is documented as open; everything else asks for a token or a session.
    assert schema["paths"]["/api/health"]["get"]["security"] == [{}]
    assert schema["paths"]["/api/me"]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


@pytest.mark.django_db
def test_logged_in_users_get_the_schema_and_the_docs(client, alice):
    client.force_login(alice)

    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/health" in schema.content
    assert docs.status_code == 200
    page = docs.content.decode()
    # Swagger UI comes from the sidecar package, never from a CDN.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    return yaml.safe_load(out.read_text())


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def json_body(schema: dict, response: dict) -> dict:
    return resolve(schema, response["content"]["application/json"]["schema"])


def test_every_operation_documents_the_errors_its_shape_allows(schema):
    missing = []
    for label, operation in operations(schema):
        expected = set()
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        if {} not in operation["security"] or label == "POST /api/auth/token":
            expected.add("401")
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            expected |= {"400", "413", "415"}
        missing += [f"{label} {code}" for code in sorted(expected - set(operation["responses"]))]
    assert not missing


def test_error_answers_are_a_sentence_in_json(schema):
    for label, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("4") and code != "416":
                body = json_body(schema, response)
                assert "detail" in body["properties"], (label, code)
                assert body["properties"]["detail"]["type"] == "string", (label, code)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/games/{game_id}"),
        ("patch", "/api/clips/{clip_id}"),
        ("patch", "/api/projects/{project_id}"),
        ("patch", "/api/projects/{project_id}/clips/{project_clip_id}"),
        ("put", "/api/projects/{project_id}/overlay"),
    ],
)
def test_a_stale_version_is_documented_as_409_with_the_current_state(schema, method, path):
    conflict = json_body(schema, schema["paths"][path][method]["responses"]["409"])

    assert set(conflict["properties"]) == {"detail", "current"}
    assert "version" in resolve(schema, conflict["properties"]["current"])["properties"]


def test_the_schema_says_what_the_api_answers(schema):
    paths = schema["paths"]
    components = schema["components"]["schemas"]

    # Clearing the history answers the count it deleted.
    cleared = paths["/api/notifications"]["delete"]["responses"]
    assert "204" not in cleared
    assert json_body(schema, cleared["200"])["properties"] == {"deleted": {"type": "integer"}}
    # No video yet is null.
    for name in ("working_video", "final_video"):
        assert components["ProjectDetail"]["properties"][name]["nullable"] is True
    # Starting an upload answers its id and layout; its parts come in an object.
    started = json_body(schema, paths["/api/games/{game_id}/uploads"]["post"]["responses"]["201"])
    assert {"upload_id", "key", "part_size", "part_count", "direct"} <= set(started["properties"])
    parts = json_body(
        schema, paths["/api/games/{game_id}/uploads/{upload_id}/parts"]["get"]["responses"]["200"]
    )
    assert parts["properties"]["parts"]["type"] == "array"
    # An account may have no email address.
    assert "format" not in components["User"]["properties"]["email"]


def test_ids_in_paths_are_documented_as_64_bit_keys(schema):
    ids = [
        (label, parameter["schema"])
        for label, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["schema"].get("type") == "integer"
        and parameter["name"].endswith("_id")
    ]  # fmt: skip

    assert len(ids) > 40
    assert all(s["minimum"] == 1 and s["maximum"] == 2**63 - 1 for _, s in ids), ids

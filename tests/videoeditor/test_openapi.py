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

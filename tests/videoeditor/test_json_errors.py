"""Every API error is JSON with a sentence; pages keep their HTML error pages."""

from __future__ import annotations

import pytest

from videoeditor import api

pytestmark = pytest.mark.django_db


def test_an_unrouted_api_path_is_a_json_404(alice_api):
    response = alice_api.get("/api/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/no-such-thing" in response.json()["detail"]


def test_an_unknown_page_keeps_the_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_exception_in_an_api_view_is_a_json_500_without_a_traceback(alice_api, monkeypatch):
    def broken(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.MeView, "get", broken)
    alice_api.raise_request_exception = False

    response = alice_api.get("/api/me")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].endswith(".")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_drfs_own_refusals_are_json(alice_api):
    not_allowed = alice_api.post("/api/me", {}, format="json")
    unsupported = alice_api.generic("POST", "/api/games", b"name", content_type="text/plain")

    assert not_allowed.status_code == 405
    assert unsupported.status_code == 415
    for response in (not_allowed, unsupported):
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]

"""GET /api/health names every part and answers 503 when a required one is down."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from videoeditor.embedded_redis import EmbeddedRedis

pytestmark = pytest.mark.django_db


def test_it_reports_every_part_without_a_login(api):
    response = api.get("/api/health")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "redis", "storage", "ffmpeg", "torch", "workers"}
    for name in ("database", "redis", "storage", "ffmpeg", "torch"):
        assert body["checks"][name]["ok"] is True, body["checks"][name]
        assert body["checks"][name]["required"] is True
    assert body["checks"]["ffmpeg"]["detail"]["version"]
    assert body["checks"]["torch"]["detail"]["device"] in ("cpu", "cuda")
    assert "no-store" in response["Cache-Control"]


def test_missing_workers_degrade_but_do_not_fail(api):
    # No qcluster runs inside the test process.
    body = api.get("/api/health").json()

    assert body["checks"]["workers"]["required"] is False
    assert body["checks"]["workers"]["ok"] is False
    assert "no worker cluster" in body["checks"]["workers"]["error"]
    assert body["status"] == "degraded"
    assert body["degraded"] == ["workers"]


def test_a_stopped_redis_is_a_503_naming_redis(api, settings, tmp_path):
    # given a Redis of our own that answers
    server = EmbeddedRedis(tmp_path / "r.sock")
    server.start()
    settings.REDIS_URL = server.url
    assert api.get("/api/health").json()["checks"]["redis"]["ok"] is True

    # when it stops
    server.stop()
    response = api.get("/api/health")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]


def test_unwritable_storage_is_a_503_naming_storage(api, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker},
        },
    }

    response = api.get("/api/health")

    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]


def test_the_storage_probe_leaves_nothing_behind(api):
    api.get("/api/health")

    assert not default_storage.exists("health") or default_storage.listdir("health")[1] == []

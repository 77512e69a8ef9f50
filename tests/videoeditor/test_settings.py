"""Settings come from the environment; a bad value stops start-up with a sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_python

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
storage = s.STORAGES["default"]
as_text = lambda d: {k: str(v) for k, v in d.items()}
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": as_text(db.get("OPTIONS", {})),
    "debug": s.DEBUG, "hosts": s.ALLOWED_HOSTS, "csrf": s.CSRF_TRUSTED_ORIGINS,
    "redis": s.REDIS_URL, "embedded_redis": s.EMBEDDED_REDIS,
    "storage": storage["BACKEND"], "storage_options": as_text(storage["OPTIONS"]),
    "q_timeout": s.Q_CLUSTER["timeout"], "q_retry": s.Q_CLUSTER["retry"],
}))
"""


def load_settings(tmp_path: Path, **env: str) -> dict:
    result = run_python(PRINT_SETTINGS, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_defaults_to_the_embedded_mode(tmp_path):
    loaded = load_settings(tmp_path)

    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(tmp_path / "db.sqlite3")
    assert loaded["options"]["transaction_mode"] == "IMMEDIATE"
    assert loaded["embedded_redis"] is True
    assert loaded["redis"] == f"unix://{tmp_path}/redis/redis.sock"
    assert loaded["storage"] == "django.core.files.storage.FileSystemStorage"
    assert loaded["storage_options"]["location"] == str(tmp_path / "media")
    assert loaded["debug"] is False
    assert loaded["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert loaded["q_timeout"] < loaded["q_retry"]


def test_it_reads_the_real_mode_from_the_environment(tmp_path):
    loaded = load_settings(
        tmp_path,
        DATABASE_URL="postgres://editor:s3cret@db.internal:5433/highlights",
        REDIS_URL="redis://cache.internal:6380/2",
        S3_BUCKET="footage",
        S3_ENDPOINT_URL="https://minio.internal:9000",
        S3_REGION="auto",
        DEBUG="true",
        ALLOWED_HOSTS="editor.example.com, .example.org",
        CSRF_TRUSTED_ORIGINS="https://editor.example.com",
    )

    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "highlights"
    assert loaded["embedded_redis"] is False
    assert loaded["redis"] == "redis://cache.internal:6380/2"
    assert loaded["storage"] == "videoeditor.storage.S3Storage"
    assert loaded["storage_options"]["bucket_name"] == "footage"
    assert loaded["storage_options"]["endpoint_url"] == "https://minio.internal:9000"
    assert loaded["storage_options"]["addressing_style"] == "path"
    assert loaded["debug"] is True
    assert loaded["hosts"] == ["editor.example.com", ".example.org"]
    assert loaded["csrf"] == ["https://editor.example.com"]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DEBUG": "maybe"}, ["DEBUG", "not a boolean"]),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, ["DATABASE_URL", "not a database URL we support"]),
        ({"DATABASE_URL": "postgres://user@localhost:5432/"}, ["DATABASE_URL", "names no database"]),
        ({"REDIS_URL": "http://localhost:6379"}, ["REDIS_URL", "redis://"]),
        ({"Q_TIMEOUT": "ten minutes"}, ["Q_TIMEOUT", "not a whole number"]),
        ({"Q_WORKERS": "-1"}, ["Q_WORKERS", "at least 0"]),
        ({"CSRF_TRUSTED_ORIGINS": "editor.example.com"}, ["CSRF_TRUSTED_ORIGINS", "full origin"]),
        ({"S3_BUCKET": "b", "S3_ENDPOINT_URL": "minio:9000"}, ["S3_ENDPOINT_URL", "http"]),
    ],
)
def test_it_refuses_a_bad_value_at_start_up(tmp_path, env, words):
    result = run_python("import django; django.setup()", tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last_line


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "mode = c.execute('PRAGMA journal_mode').fetchone()[0]\n"
        "print(mode, c.execute('PRAGMA busy_timeout').fetchone()[0])\n"
    )
    result = run_python(code, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000"]


def test_a_generated_secret_key_is_kept_and_private(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_python(code, tmp_path).stdout.strip()
    second = run_python(code, tmp_path).stdout.strip()

    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert (
        run_python(code, tmp_path, SECRET_KEY="from-the-environment").stdout.strip() == "from-the-environment"
    )

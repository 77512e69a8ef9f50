"""Web processes reuse their PostgreSQL connections: under ASGI each request's sync
code runs on a fresh thread, so Django's per-thread persistent connections were
never reused and every request connected anew (a fork on the server, a round trip
and authentication). The web processes the stack starts hold a pool instead."""

from __future__ import annotations

import json
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.helpers import run_python
from tests.servers import web_process
from videoeditor.stack import web_env

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="connection reuse is about PostgreSQL (real mode)"
)

PRINT_DATABASE = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"pool": db.get("OPTIONS", {}).get("pool"), "max_age": db["CONN_MAX_AGE"]}))
"""


def database_settings(tmp_path, **env: str) -> dict:
    url = "postgres://u@db.example:5432/v"
    result = run_python(PRINT_DATABASE, tmp_path, DATABASE_URL=url, DATABASE_CONN_MAX_AGE="60", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_pool_is_used_only_where_asked_for(tmp_path):
    assert database_settings(tmp_path) == {"pool": None, "max_age": 60}
    pooled = database_settings(tmp_path, DATABASE_POOL="true", DATABASE_POOL_MAX_SIZE="7")
    assert pooled == {"pool": {"min_size": 1, "max_size": 7, "timeout": 10}, "max_age": 0}
    # what the stack gives its web processes, and only them
    assert web_env({})["DATABASE_POOL"] == "true"
    assert web_env({"DATABASE_POOL": "false"})["DATABASE_POOL"] == "false"


def sessions_opened() -> int:
    """Connections made to the test database since the server started."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@POSTGRESQL_ONLY
def test_web_processes_reuse_their_database_connections(transactional_db):
    user = get_user_model().objects.create_user("pooled")
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    with web_process(**web_env({})) as url:

        def get_me() -> None:
            request = urllib.request.Request(f"{url}/api/me", headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200

        get_me()  # the first requests may open each worker's pool
        get_me()
        before = sessions_opened()

        for _ in range(30):
            get_me()

        # at most one connection a worker, not one a request
        assert sessions_opened() - before <= 2

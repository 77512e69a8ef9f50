"""`manage.py check --deploy` is clean with production settings, and the HTTPS rules
apply only behind the proxy: `make run` keeps serving plain http on localhost."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

from tests.helpers import BASE_DIR, CONFIG_VARS, run_python


def production_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS and k != "DEBUG"}
    env.update(
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="videoeditor.settings",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        BEHIND_HTTPS_PROXY="true",
        ALLOWED_HOSTS="editor.example.com",
        CSRF_TRUSTED_ORIGINS="https://editor.example.com",
        DATABASE_URL="postgres://videoeditor:secret@127.0.0.1:5432/videoeditor",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp+tls://editor%40example.com:secret@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="Highlights <editor@example.com>",
    )
    # The check connects to neither; real mode passes its servers on.
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or env["DATABASE_URL"]
    env["REDIS_URL"] = os.environ.get("REDIS_URL") or env["REDIS_URL"]
    return {**env, **extra}


def check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=production_env(tmp_path, **extra), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_without_the_proxy(tmp_path):
    # the same settings served as plain http: the checks that matter do fire
    result = check_deploy(tmp_path, BEHIND_HTTPS_PROXY="false")

    assert result.returncode == 1
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr, result.stderr


PRINT_SECURITY = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SILENCED_SYSTEM_CHECKS",
)}))
"""


def security_settings(tmp_path, **env: str) -> dict:
    result = run_python(PRINT_SECURITY, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_default_serves_plain_http(tmp_path):
    loaded = security_settings(tmp_path)

    assert loaded["SECURE_SSL_REDIRECT"] is False
    assert loaded["SECURE_HSTS_SECONDS"] == 0
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert loaded["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert loaded["SILENCED_SYSTEM_CHECKS"] == []
    # and the test run itself (not behind a proxy) does not redirect
    assert settings.SECURE_SSL_REDIRECT is False


def test_behind_the_proxy_http_goes_to_https_except_the_health_check(tmp_path):
    loaded = security_settings(tmp_path, BEHIND_HTTPS_PROXY="true")

    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_REDIRECT_EXEMPT"] == [r"^api/health$"]
    assert loaded["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is loaded["CSRF_COOKIE_SECURE"] is True
    # the preload list is the domain owner's opt-in, so its check is silenced until then
    assert loaded["SECURE_HSTS_PRELOAD"] is False
    assert loaded["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]


def test_hsts_is_set_from_the_environment(tmp_path):
    loaded = security_settings(
        tmp_path,
        BEHIND_HTTPS_PROXY="true",
        HSTS_SECONDS="600",
        HSTS_INCLUDE_SUBDOMAINS="false",
        HSTS_PRELOAD="true",
    )

    assert loaded["SECURE_HSTS_SECONDS"] == 600
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert loaded["SECURE_HSTS_PRELOAD"] is True
    assert loaded["SILENCED_SYSTEM_CHECKS"] == []

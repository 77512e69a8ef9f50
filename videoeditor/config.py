"""Typed reading of environment variables for settings.py.

django-environ does the parsing; this wrapper makes every bad value fail at
start-up with a sentence that names the variable, and refuses booleans it does
not recognise (django-environ reads any unknown word as False).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvReader:
    def __init__(self, env: environ.Env) -> None:
        self.env = env

    def str(self, name: str, default: str) -> str:
        return self.env.str(name, default=default).strip()

    def bool(self, name: str, default: bool) -> bool:
        raw = os.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")

    def int(self, name: str, default: int, minimum: int = 0) -> int:
        raw = os.environ.get(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
        if value < minimum:
            raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
        return value

    def list(self, name: str, default: list[str]) -> list[str]:
        if os.environ.get(name) is None:
            return default
        return [item.strip() for item in self.env.list(name) if item.strip()]

    def db_url(self, name: str, default: str) -> dict[str, Any]:
        raw = os.environ.get(name) or default
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if scheme not in ("sqlite", "postgres", "postgresql", "pgsql"):
            raise ImproperlyConfigured(
                f"{name}={raw!r} is not a database URL we support; use "
                "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:////absolute/path.db."
            )
        try:
            config = environ.Env.db_url_config(raw)
        except (ValueError, KeyError) as exc:
            raise ImproperlyConfigured(f"{name}={raw!r} could not be parsed: {exc}.") from None
        if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
            raise ImproperlyConfigured(f"{name}={raw!r} names no database (the part after the last /).")
        return config

    def email_url(self, name: str, default: str) -> dict[str, Any]:
        """EMAIL_BACKEND and its EMAIL_* settings from one URL (smtp://, smtp+tls://,
        smtp+ssl://, consolemail://, filemail:///path, memorymail://, dummymail://)."""
        raw = os.environ.get(name) or default
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if scheme not in environ.Env.EMAIL_SCHEMES:
            known = ", ".join(f"{s}://" for s in sorted(environ.Env.EMAIL_SCHEMES))
            raise ImproperlyConfigured(
                f"{name}={raw!r} is not an email URL we understand; use one of {known}."
            )
        try:
            config = environ.Env.email_url_config(raw)
        except (ValueError, KeyError) as exc:
            raise ImproperlyConfigured(f"{name}={raw!r} could not be parsed: {exc}.") from None
        return {
            key: value
            for key, value in config.items()
            if key.startswith("EMAIL_") and value not in (None, "")
        }


def load_or_create_secret_key(path: Path) -> str:
    """A per-installation key kept under var/, so a local install never runs with a
    key known to the world. Production sets SECRET_KEY (shared by all web processes)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key

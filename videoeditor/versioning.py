"""Optimistic concurrency for editable resources: every write carries the
`version` it was based on; a stale one is refused with 409 and the current state."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from rest_framework import serializers

from videoeditor.errors import UserFacingError


class StaleVersion(UserFacingError):
    """409 carrying the current state, so the client can show it and retry."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__(
            409, "This was changed elsewhere (another tab or device); here is the current version."
        )
        self.current = current


def required_version(request) -> int:
    """The version the client read: a `version` body field or an `If-Match` header."""
    value = request.data.get("version") if hasattr(request.data, "get") else None
    if value is None and request.headers.get("If-Match"):
        value = request.headers["If-Match"].removeprefix("W/").strip('" ')
        value = int(value) if value.isdigit() else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise serializers.ValidationError(
            {"version": "Send the version you last read (a `version` field or an If-Match header)."}
        )
    return value


def update_versioned(instance: models.Model, version: int, changes: dict[str, Any], current) -> models.Model:
    """Apply `changes` only if the row is still at `version`, bumping it; else raise
    StaleVersion with `current(fresh_instance)`. One conditional UPDATE: no race."""
    model = type(instance)
    updated = model.objects.filter(pk=instance.pk, version=version).update(
        **changes, version=F("version") + 1
    )
    fresh = model.objects.get(pk=instance.pk)
    if not updated:
        raise StaleVersion(current(fresh))
    return fresh

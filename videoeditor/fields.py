"""Serializer fields shared by every API: ids that the database can hold, and text
that follows videoeditor.text's rule."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from videoeditor.errors import UserFacingError
from videoeditor.text import TextRefused, multi_line, single_line

# Primary keys are 64-bit signed: a larger number cannot name a row, and the
# database drivers raise OverflowError on it instead of finding nothing.
MAX_ID = 2**63 - 1
_ID_TEXT = re.compile(r"[0-9]{1,19}")


class IdField(serializers.IntegerField):
    default_error_messages = {
        "invalid": "An id is a whole number.",
        "min_value": f"An id is a whole number from 1 to {MAX_ID}.",
        "max_value": f"An id is a whole number from 1 to {MAX_ID}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def id_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=IdField(), **kwargs)


def id_from_query(value: str, name: str) -> int:
    """A query parameter naming a row (`?game=12`), or a 400 sentence."""
    if not _ID_TEXT.fullmatch(value) or not 1 <= int(value) <= MAX_ID:
        raise UserFacingError(400, f"{name} must be an id: a whole number from 1 to {MAX_ID}.")
    return int(value)


class LineField(serializers.CharField):
    """One line of plain text (names). Checked before trimming, so a trailing CR
    or LF is refused rather than silently cut off."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str):
            try:
                single_line(data, self.field_name or "This field")
            except TextRefused as refused:
                raise serializers.ValidationError(refused.message) from None
        return super().run_validation(data)


class TextField(serializers.CharField):
    """Text that may span lines (notes): LF and tab only, CR normalised to LF."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str):
            try:
                data = multi_line(data, self.field_name or "This field")
            except TextRefused as refused:
                raise serializers.ValidationError(refused.message) from None
        return super().run_validation(data)


def refuse_unknown_fields(body: object, serializer_class: type[serializers.Serializer]) -> None:
    """A 400 naming the keys of a JSON object body that the serializer has no field for
    (DRF ignores them silently: a typo would be a request that did something else)."""
    fields = list(serializer_class().fields)
    if isinstance(body, dict) and (unknown := sorted(set(body) - set(fields), key=str)):
        raise UserFacingError(
            400, f"Unknown field(s): {', '.join(map(str, unknown))}. The fields are {', '.join(fields)}."
        )

"""The `<id:...>` path converter: a row id the database can hold (1 to 2^63-1).

Anything else cannot name a row, so it does not match and the path is a 404 before
any view runs; Django's `int` would hand a 20-digit number to the database driver,
which raises OverflowError (a 500) wherever the lookup goes through a foreign key."""

from __future__ import annotations

from django.urls import register_converter

from videoeditor.fields import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not a row id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

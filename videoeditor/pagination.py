"""Paging for every API list."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """?limit= and ?offset=; a limit above max_limit is cut to it (an unbounded one
    would overflow the database's LIMIT), garbage falls back to the default."""

    max_limit = 200

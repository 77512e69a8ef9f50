"""Share links, as their owner manages them."""

from __future__ import annotations

urlpatterns: list = []

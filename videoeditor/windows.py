"""Counts in fixed windows, in the Redis cache every web process shares: a window opens
at its first hit and is forgotten when it ends (failed sign-ins, share-link limits,
invitations a day)."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Window:
    scope: str
    ident: str
    limit: int
    seconds: int

    @property
    def key(self) -> str:
        # Hashed: the ident may hold any character and any length; cache keys should not.
        digest = hashlib.sha256(self.ident.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return f"{self.scope}:{digest}"

    @property
    def started_key(self) -> str:
        return f"{self.key}:started"

    def count(self) -> int:
        return cache.get(self.key) or 0

    def hit(self) -> int:
        """Counts one; returns the count so far in this window."""
        # The first hit opens the window; both keys expire with it.
        if cache.add(self.started_key, time.time(), timeout=self.seconds):
            cache.set(self.key, 0, timeout=self.seconds)
        try:
            return cache.incr(self.key)
        except ValueError:  # the window closed between the two calls: a new one opens
            cache.set(self.key, 1, timeout=self.seconds)
            return 1

    def seconds_left(self, started: float | None) -> int:
        """Whole seconds until a window opened at `started` (None: now) ends, at least 1."""
        started = time.time() if started is None else started
        return max(1, math.ceil(started + self.seconds - time.time()))

    def retry_after(self) -> int:
        return self.seconds_left(cache.get(self.started_key))

    def forget(self) -> None:
        cache.delete_many([self.key, self.started_key])

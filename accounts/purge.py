"""Everything stored under a person's storage prefixes: listed, measured and deleted,
and (on S3) their unfinished multipart uploads aborted.

Every key the product writes for a person starts with one of PREFIXES and their id
(games/uploads.py, games/extraction.py, games/pictures.py, exports/worker.py,
exports/reviews.py), so a sweep of these prefixes finds what no row points at any
more too: a stray object, or a late writer's file.
"""

from __future__ import annotations

from games.objects import Removed, object_store

# users/{id}/: game videos, clip cuts, pictures; exports/{id}/: working and final videos;
# reviews/{id}/: review videos; review-segments/{id}/: the review pieces' cache.
PREFIXES = ("users", "exports", "reviews", "review-segments")


def prefixes(user_id: int) -> list[str]:
    return [f"{top}/{int(user_id)}/" for top in PREFIXES]


def listing(user_id: int) -> dict[str, int]:
    """{key: size} of every object under the person's prefixes."""
    store = object_store()
    return {key: size for prefix in prefixes(user_id) for key, size in store.objects_under(prefix)}


def anything_left(user_id: int) -> bool:
    """Cheap: at most one object (or upload) looked at per prefix."""
    store = object_store()
    return any(store.anything_under(prefix) for prefix in prefixes(user_id))


def remove_all(user_id: int) -> Removed:
    """Delete every object under the person's prefixes (and abort their unfinished
    multipart uploads); returns what was removed."""
    store = object_store()
    removed = Removed()
    for prefix in prefixes(user_id):
        removed.add(store.remove_under(prefix))
    return removed

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Users made by the tests get a cheap hash (tests/hashers.py)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["tests.hashers.FastPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache (failed sign-in counts) lives in Redis for the whole run: each test
    starts with none. Only the cache's keys go; the channel layer and the task queue
    share that Redis."""
    import redis
    from django.conf import settings

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    with redis.Redis.from_url(settings.REDIS_URL) as server:
        keys = list(server.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            server.delete(*keys)


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def api() -> APIClient:
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def alice_api(alice) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def bob_api(bob) -> APIClient:
    client = APIClient()
    client.force_authenticate(bob)
    return client

"""The embedded Redis: a real server on a unix socket, shared, stopped by its owner."""

from __future__ import annotations

import redis

from videoeditor.embedded_redis import EmbeddedRedis


def test_it_serves_on_its_socket_and_stops(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis.sock")
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
    finally:
        server.stop()

    assert not server.is_running()
    assert not (tmp_path / "redis.sock").exists()


def test_a_second_process_shares_the_running_server_and_leaves_it_alone(tmp_path):
    owner = EmbeddedRedis(tmp_path / "redis.sock")
    owner.start()
    try:
        guest = EmbeddedRedis(tmp_path / "redis.sock")
        guest.start()  # finds the running server
        guest.client().set("shared", "1")
        guest.stop()  # not its server: nothing happens

        assert owner.is_running()
        assert owner.client().get("shared") == b"1"
    finally:
        owner.stop()


def test_the_channel_layer_and_task_broker_reach_it(settings):
    from channels.layers import get_channel_layer
    from django_q.brokers import get_broker

    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    broker = get_broker()
    assert broker.ping() is True
    assert get_channel_layer().hosts[0]["address"] == settings.REDIS_URL

"""JSON bodies sent with Transfer-Encoding: chunked (no Content-Length), as uvicorn
hands them to the application: read whole, within API_JSON_MAX_BYTES."""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from rest_framework.authtoken.models import Token

from videoeditor.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def token(alice) -> str:
    return Token.objects.create(user=alice).key


async def post_chunked(path: str, token: str, chunks: list[bytes]) -> tuple[int, dict]:
    """POST `chunks` as separate ASGI body messages with no Content-Length."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"authorization", f"Token {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    app = ApplicationCommunicator(application, scope)
    for index, chunk in enumerate(chunks):
        await app.send_input({"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1})
    start = await app.receive_output(timeout=10)
    body = b""
    while True:
        message = await app.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await app.wait(timeout=5)
    return start["status"], json.loads(body)


async def test_a_chunked_json_body_is_read(token):
    body = json.dumps({"opponent_name": "Rovers", "game_type": "away"}).encode()

    status, answer = await post_chunked("/api/games", token, [body[:10], body[10:25], body[25:]])

    assert status == 201, answer
    assert answer["opponent_name"] == "Rovers"
    assert answer["game_type"] == "away"


async def test_a_chunked_json_body_over_the_limit_is_413(token, settings):
    settings.API_JSON_MAX_BYTES = 1000
    padding = "x" * 600
    body = json.dumps({"opponent_name": "Rovers", "a": padding, "b": padding}).encode()

    status, answer = await post_chunked("/api/games", token, [body[:700], body[700:]])

    assert status == 413
    assert "limited to" in answer["detail"]

"""Test-run bootstrap, loaded as a pytest plugin before Django reads settings.

- Embedded default: a private VAR_DIR and an embedded Redis on its socket, so a
  test run never touches the var/ of a running `make run`.
- Real mode: REDIS_URL / DATABASE_URL come from the environment; with
  TEST_S3_SERVER=moto, moto's S3 HTTP server is started on a free loopback port
  and the S3_* settings point at it (a real HTTP API, not an in-process mock).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

_cleanups: list = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_moto() -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _cleanups.append(server.stop)
    os.environ.update(
        {
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "S3_BUCKET": os.environ.get("S3_BUCKET") or "videoeditor-test",
            "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing",
            "S3_REGION": "us-east-1",
        }
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=os.environ["S3_BUCKET"])
    # As the README asks of a production bucket: browsers PUT parts straight to it
    # from the editor's origin and must read each part's ETag.
    s3.put_bucket_cors(
        Bucket=os.environ["S3_BUCKET"],
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": ["*"],
                    "AllowedMethods": ["GET", "PUT", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                }
            ]
        },
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="ve-test-"))
    _cleanups.append(lambda: shutil.rmtree(var_dir, ignore_errors=True))
    os.environ["VAR_DIR"] = str(var_dir)
    # Connections opened by consumer and executor threads must close after use,
    # or PostgreSQL refuses to drop the test database at the end.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
    if not os.environ.get("REDIS_URL"):
        from videoeditor.embedded_redis import EmbeddedRedis

        server = EmbeddedRedis(var_dir / "redis" / "redis.sock")
        server.start()
        _cleanups.append(server.stop)
    if os.environ.get("TEST_S3_SERVER") == "moto":
        _start_moto()


def pytest_report_header(config) -> str:
    redis = os.environ.get("REDIS_URL") or "embedded"
    database = (os.environ.get("DATABASE_URL") or "sqlite (embedded)").split("@")[-1]
    storage = f"s3 {os.environ['S3_ENDPOINT_URL']}" if os.environ.get("S3_BUCKET") else "local files"
    return f"mode: database={database} redis={redis} storage={storage}"


def pytest_unconfigure(config) -> None:
    while _cleanups:
        _cleanups.pop()()

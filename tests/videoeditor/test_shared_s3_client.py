"""With S3 storage, the boto3 client is built once per process: threads (each request
runs on a fresh one) share it instead of building their own for every request."""

from __future__ import annotations

import json

from tests.helpers import run_python

S3_ENV = {
    "S3_BUCKET": "shared-client",
    "S3_ENDPOINT_URL": "http://127.0.0.1:9",  # never contacted: building clients is local
    "S3_ACCESS_KEY_ID": "testing",
    "S3_SECRET_ACCESS_KEY": "testing",
    "S3_REGION": "us-east-1",
}

CLIENTS_SEEN_BY_THREADS = """
import json, threading, django
django.setup()
from django.core.files.storage import default_storage
from games.objects import object_store

seen = []  # the clients, kept alive: a freed one's id may be reused

def request():
    # what a request does: the storage's connection and the uploads' object store
    seen.append(default_storage.connection.meta.client)
    seen.append(object_store().client)
    seen.append(default_storage.bucket.meta.client)

threads = [threading.Thread(target=request) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
resources = []  # the objects, kept alive: a freed one's id may be reused
def resource():
    resources.append(default_storage.connection)
for _ in range(2):
    thread = threading.Thread(target=resource)
    thread.start()
    thread.join()
clients = len({id(c) for c in seen})
print(json.dumps({"clients": clients, "calls": len(seen), "resources": len({id(r) for r in resources})}))
"""


def test_threads_share_one_s3_client(tmp_path):
    result = run_python(CLIENTS_SEEN_BY_THREADS, tmp_path, **S3_ENV)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["calls"] == 12
    assert seen["clients"] == 1
    # resources are not thread-safe: each thread still has its own, around the one client
    assert seen["resources"] == 2


def test_the_shared_client_is_configured_as_settings_say(tmp_path):
    code = """
import django
django.setup()
from django.core.files.storage import default_storage
client = default_storage.connection.meta.client
print(client.meta.endpoint_url, client.meta.region_name, client.meta.config.s3["addressing_style"])
"""
    result = run_python(code, tmp_path, **S3_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["http://127.0.0.1:9", "us-east-1", "path"]

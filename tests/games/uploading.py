"""Upload helpers that take the path a real client takes in the current mode:
a presigned PUT over HTTP to the bucket (S3) or our fallback endpoint (local)."""

from __future__ import annotations

from pathlib import Path

import requests


def announce(api, game, filename: str, size: int, content_type: str = "video/mp4"):
    return api.get(
        f"/api/games/{game.id}/upload-url", {"filename": filename, "size": size, "content_type": content_type}
    )


def upload_single(
    api, game, body: bytes, filename: str = "match.mp4", content_type: str = "video/mp4", size=None
):
    """Announce, send the bytes, confirm; returns the final API response."""
    answer = announce(api, game, filename, len(body) if size is None else size, content_type)
    assert answer.status_code == 200, answer.json()
    target = answer.json()
    if target["direct"]:
        stored = requests.put(target["upload_url"], data=body, headers=target["headers"], timeout=60)
        assert stored.status_code == 200, stored.text
        return api.post(
            f"/api/games/{game.id}/confirm-video", {"video_filename": target["video_filename"]}, format="json"
        )
    return api.generic("PUT", f"{target['upload_url']}?filename={filename}", body, content_type=content_type)


def read(path: Path) -> bytes:
    return Path(path).read_bytes()


def start_multipart(api, game, size: int, filename: str = "match.mp4", content_type: str = "video/mp4"):
    return api.post(
        f"/api/games/{game.id}/uploads",
        {"filename": filename, "size": size, "content_type": content_type},
        format="json",
    )


def put_part(api, game, upload_id: str, number: int, body: bytes):
    """Send one part where the server says to; returns (status, etag)."""
    target = api.get(f"/api/games/{game.id}/uploads/{upload_id}/parts/{number}/url")
    assert target.status_code == 200, target.json()
    target = target.json()
    if target["direct"]:
        response = requests.put(target["url"], data=body, headers=target["headers"], timeout=60)
        return response.status_code, response.headers.get("ETag", "").strip('"')
    response = api.generic("PUT", target["url"], body, content_type="application/octet-stream")
    return response.status_code, response.headers.get("ETag", "").strip('"')


def parts_of(body: bytes, part_size: int) -> list[bytes]:
    return [body[i : i + part_size] for i in range(0, len(body), part_size)]

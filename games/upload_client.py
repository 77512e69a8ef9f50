"""A resumable uploader for scripts and the command line (no browser needed).

    python -m games.upload_client --url http://localhost:8000 --token TOKEN --game 12 match.mp4

It speaks the same API as the editor's upload page: start (or resume) a
multipart upload, ask which parts are already stored, PUT the missing ones
(straight to the bucket when storage is S3), report progress, complete. Run it
again after a dropped connection and it carries on from the stored parts.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import sys
from collections.abc import Callable
from pathlib import Path

import requests


class UploadFailed(RuntimeError):
    pass


class UploadClient:
    def __init__(self, base_url: str, token: str, http: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or requests.Session()
        self.auth = {"Authorization": f"Token {token}"}

    def _api(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, self.base_url + path, headers=self.auth, timeout=60, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise UploadFailed(f"{method} {path}: {response.status_code} {detail}")
        return response.json() if response.content else {}

    def upload(
        self,
        game_id: int,
        path: Path,
        content_type: str | None = None,
        on_part: Callable[[int, int], None] | None = None,
    ) -> dict:
        """Upload `path` as the game's video, resuming a matching upload in progress.
        Returns the game as the API describes it once it is ready."""
        path = Path(path)
        size = path.stat().st_size
        content_type = content_type or mimetypes.guess_type(path.name)[0] or "video/mp4"
        session = self._resume_or_start(game_id, path.name, size, content_type)
        base = f"/api/games/{game_id}/uploads/{session['id']}"
        stored = {p["number"]: p for p in self._api("GET", f"{base}/parts")["parts"]}
        part_size, part_count = session["part_size"], session["part_count"]
        sent = sum(p["size"] for p in stored.values())
        with path.open("rb") as handle:
            for number in range(1, part_count + 1):
                expected = min(part_size, size - (number - 1) * part_size)
                if number in stored and stored[number]["size"] == expected:
                    continue
                handle.seek((number - 1) * part_size)
                body = handle.read(expected)
                stored[number] = {"number": number, "etag": self._put_part(base, number, body)}
                sent += expected
                self._api("POST", f"{base}/progress", json={"uploaded_bytes": sent})
                if on_part:
                    on_part(number, part_count)
        parts = [{"number": n, "etag": stored[n]["etag"]} for n in sorted(stored)]
        return self._api("POST", f"{base}/complete", json={"parts": parts})

    def _resume_or_start(self, game_id: int, filename: str, size: int, content_type: str) -> dict:
        active = self._api("GET", f"/api/games/{game_id}").get("upload")
        if (
            active
            and active["mode"] == "multipart"
            and active["filename"] == filename
            and active["size"] == size
        ):
            return active
        if active:
            raise UploadFailed(f"Game {game_id} has another upload in progress ({active['filename']}).")
        started = self._api(
            "POST",
            f"/api/games/{game_id}/uploads",
            json={"filename": filename, "size": size, "content_type": content_type},
        )
        return {
            "id": started["upload_id"],
            "part_size": started["part_size"],
            "part_count": started["part_count"],
        }

    def _put_part(self, base: str, number: int, body: bytes) -> str:
        target = self._api("GET", f"{base}/parts/{number}/url")
        url = target["url"] if target["direct"] else self.base_url + target["url"]
        headers = dict(target.get("headers") or {})
        if not target["direct"]:
            headers.update(self.auth)  # our own endpoint; a presigned URL carries its own signature
        response = self.http.put(url, data=body, headers=headers, timeout=300)
        if response.status_code >= 400:
            raise UploadFailed(f"part {number}: {response.status_code} {response.text[:300]}")
        return response.headers["ETag"].strip('"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("HIGHLIGHTS_URL", "http://localhost:8000"))
    parser.add_argument(
        "--token", default=os.environ.get("HIGHLIGHTS_TOKEN"), help="from POST /api/auth/token"
    )
    parser.add_argument("--game", type=int, required=True, help="the game's id")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or HIGHLIGHTS_TOKEN) is required")

    def show(number: int, count: int) -> None:
        print(f"part {number}/{count} stored", flush=True)

    try:
        game = UploadClient(args.url, args.token).upload(args.game, args.file, on_part=show)
    except (UploadFailed, requests.RequestException) as exc:
        print(f"Upload stopped: {exc}\nRun the same command again to resume.", file=sys.stderr)
        return 1
    video = game["video"]
    size = f"{video['width']}x{video['height']}"
    print(f"{game['display_name']}: {video['status']}, {video['duration']} s, {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

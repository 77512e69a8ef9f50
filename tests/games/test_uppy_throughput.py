"""Measurement, not a check (UPPY_MEASURE=1 to run): the same file uploaded in the
same browser to the same server by the editor's static/js/upload.js (16 MiB parts)
and by a stock Uppy (5 MiB parts), alternating, in the run's storage mode. It
printed the figures behind the decision written at the top of upload.js."""

from __future__ import annotations

import os
import time

import pytest

from games.models import Game
from tests.browser.conftest import browser, log_in, monkeypatch_module  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.games.test_uppy import harness_page, live, uppy_bundle, uppy_media, wait_for_outcome  # noqa: F401

pytestmark = pytest.mark.skipif(os.environ.get("UPPY_MEASURE") != "1", reason="a measurement: UPPY_MEASURE=1")


def upload_js_seconds(context, base: str, game: Game, path) -> float:
    page = context.new_page()
    page.goto(f"{base}/api/health")
    page.set_content("<!doctype html><input type=file>")
    page.set_input_files("input[type=file]", str(path))
    return page.evaluate(
        """async (gameId) => {
            const { startUpload } = await import('/static/js/upload.js')
            const file = document.querySelector('input').files[0]
            const started = performance.now()
            const upload = startUpload({ gameId, file, singleMaxBytes: 0, shell: null })
            await new Promise((resolve, reject) => upload.addEventListener('change', () => {
                if (upload.state === 'done') resolve()
                if (upload.state === 'failed') reject(new Error(upload.error))
            }))
            return (performance.now() - started) / 1000
        }""",
        game.pk,
    )


def uppy_seconds(context, base: str, bundle: str, game: Game, path) -> float:
    page = harness_page(context, base, bundle, game)
    started = time.monotonic()
    page.set_input_files("input[type=file]", str(path))
    wait_for_outcome(page, timeout=120)
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_measure_upload_js_against_uppy(browser, live, alice, uppy_bundle, uppy_media):  # noqa: F811
    path = uppy_media["multipart"]
    size_mb = path.stat().st_size / 1e6
    figures: dict[str, list[float]] = {"upload.js": [], "uppy": []}
    for attempt in range(3):
        for name in figures:
            game = Game.objects.create(owner=alice, opponent_name=f"{name} {attempt}")
            context = browser.new_context()
            try:
                login = context.new_page()
                log_in(login, live, "alice", PASSWORD)
                if name == "uppy":
                    figures[name].append(uppy_seconds(context, live, uppy_bundle, game, path))
                else:
                    figures[name].append(upload_js_seconds(context, live, game, path))
            finally:
                context.close()
            game.refresh_from_db()
            assert game.video_status == "ready"
    for name, seconds in figures.items():
        best = min(seconds)
        print(f"\n{name:<10} {size_mb:.0f} MB: " + ", ".join(f"{s:.2f} s" for s in seconds), end="")
        print(f"  best {size_mb / best:.0f} MB/s", end="")

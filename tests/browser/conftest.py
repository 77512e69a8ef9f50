"""Headless Chromium (Debian's package) driven by Playwright; never a downloaded browser.

Without Chromium these tests skip, unless REQUIRE_BROWSER=1 (as in CI), where a
missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_BINARY") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser(monkeypatch_module):
    if not CHROMIUM:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no chromium binary was found (apt-get install chromium).")
        pytest.skip("no chromium binary; install Debian's chromium package to run browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM
    # calls between browser steps are still plain synchronous code.
    # Module scope: the loop must be gone before tests that push from this thread.
    monkeypatch_module.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _shared_web_processes(django_db_setup):
    """Browser tests share their plain web processes (tests/servers.py). After the test
    database is made, so they stop before it is dropped."""
    from tests.servers import sharing_web_processes

    with sharing_web_processes():
        yield


@pytest.fixture(autouse=True)
def _share_web_processes(_shared_web_processes):
    pass


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


LAPTOP, PHONE = (1366, 768), (390, 844)


@pytest.fixture(params=[LAPTOP, PHONE], ids=["1366", "390"])
def size(request):
    return request.param


@pytest.fixture
def editor_page(browser, size):
    """A page at the size; the phone one has a touch screen (drags are touch drags)."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=size == PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def off_the_page_thread(function, *args, **kwargs):
    """Run server-side code (notify, send_progress) on its own thread, as a web or
    worker process would: Playwright keeps an event loop on the test's thread."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


SCREENSHOTS = os.environ.get("SCREENSHOT_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "test-artifacts",
    "screenshots",
)


def screenshots(page, name: str, sizes=((1366, 768), (390, 844))) -> list[str]:
    """Save the page at each viewport size as test-artifacts/screenshots/<name>-<width>.png."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    saved = []
    original = page.viewport_size
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)  # let the layout settle
        path = os.path.join(SCREENSHOTS, f"{name}-{width}.png")
        page.screenshot(path=path, full_page=True)
        saved.append(path)
    page.set_viewport_size(original)
    return saved


def part_number(url: str) -> str | None:
    """The part a PUT sends: through the app (/parts/N) or straight to S3 (?partNumber=N)."""
    found = re.search(r"/parts/(\d+)(?:$|[/?])", url) or re.search(r"[?&]partNumber=(\d+)", url)
    return found.group(1) if found else None

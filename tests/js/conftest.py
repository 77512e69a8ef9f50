"""The browser fixtures of tests/browser, for the Chromium half of the JS checks."""

from tests.browser.conftest import browser, monkeypatch_module, page  # noqa: F401

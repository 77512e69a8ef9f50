"""In a real browser: a server notification shows a toast and raises the bell's
badge; marking read lowers it; a dropped connection shows "Reconnecting…" and
replays what was missed."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from notifications.service import notify, send_progress
from tests.browser.conftest import log_in, off_the_page_thread
from tests.conftest import PASSWORD
from tests.servers import free_port, web_process

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_connected(page) -> None:
    page.wait_for_function("window.highlights && window.highlights.notifications.state === 'open'")


def test_a_notification_shows_a_toast_and_the_badge_follows_read_state(page, alice):
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        wait_until_connected(page)
        badge = page.locator("#notification-badge")
        expect(badge).to_be_hidden()

        off_the_page_thread(notify, alice, "export_complete", "Reel ready", "Vs Rovers is ready to download.",
               actions=[{"label": "Open", "action": "open_url", "payload": {"url": "/"}}])  # fmt: skip
        toast = page.locator(".toast", has_text="Reel ready")
        expect(toast).to_be_visible()
        expect(toast.locator(".message")).to_have_text("Vs Rovers is ready to download.")
        expect(toast.get_by_role("button", name="Open")).to_be_visible()
        expect(badge).to_have_text("1")

        off_the_page_thread(
            notify, alice, "export_failed", "Export failed", "The source video could not be read."
        )
        expect(page.locator(".toast.error", has_text="Export failed")).to_be_visible()
        expect(badge).to_have_text("2")
        page.screenshot(
            path=os.path.join(
                os.environ.get("SCREENSHOT_DIR", os.environ["VAR_DIR"]), "notifications-toasts.png"
            )
        )

        page.click("#notification-bell")
        items = page.locator("#notification-list li.notification")
        expect(items).to_have_count(2)
        items.filter(has_text="Reel ready").get_by_role("button", name="Mark read").click()
        expect(badge).to_have_text("1")
        assert Notification.objects.get(title="Reel ready").read_at is not None
        page.screenshot(
            path=os.path.join(
                os.environ.get("SCREENSHOT_DIR", os.environ["VAR_DIR"]), "notifications-panel.png"
            )
        )

        page.click("#notification-read-all")
        expect(badge).to_be_hidden()
        assert not Notification.objects.filter(owner=alice, read_at__isnull=True).exists()


def test_a_dropped_connection_reconnects_and_replays_what_was_missed(page, alice):
    port = free_port()
    with web_process(port) as url:
        log_in(page, url, "alice", PASSWORD)
        wait_until_connected(page)
    # The web process is gone: the page says so instead of failing silently.
    marker = page.locator("#connection-state")
    expect(marker).to_have_text("Reconnecting…")

    off_the_page_thread(notify, alice, "export_complete", "Reel exported while you were away")

    with web_process(port):
        # Missed while this page was open: replayed, and it pops up (only history from
        # before the page was loaded goes to the panel alone).
        expect(page.locator(".toast", has_text="Reel exported while you were away")).to_be_visible(
            timeout=40_000
        )
        expect(marker).to_be_hidden()
        expect(page.locator("#notification-badge")).to_have_text("1")


def test_progress_messages_drive_the_status_bar(page, alice):
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        wait_until_connected(page)

        off_the_page_thread(
            send_progress, alice, "export_42", 40, "Rendering frames", title="Exporting Vs Rovers"
        )
        row = page.locator('#status-bar .progress-row[data-task="export_42"]')
        expect(row).to_be_visible()
        expect(row.locator(".percent")).to_have_text("40%")

        off_the_page_thread(send_progress, alice, "export_42", 100, "Done", title="Exporting Vs Rovers")
        expect(row.locator(".percent")).to_have_text("100%")
        expect(row).to_be_hidden(timeout=5_000)


def test_at_most_three_toasts_show_and_the_rest_wait_their_turn(page, alice):
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        wait_until_connected(page)

        for number in range(1, 6):
            off_the_page_thread(notify, alice, "warning", f"Warning {number}", auto_dismiss_ms=None)
        expect(page.locator("#notification-badge")).to_have_text("5")
        toasts = page.locator(".toast")
        expect(toasts).to_have_count(3)
        expect(toasts.first).to_contain_text("Warning 1")

        toasts.first.get_by_role("button", name="Dismiss").click()
        expect(toasts).to_have_count(3)
        expect(toasts.last).to_contain_text("Warning 4")

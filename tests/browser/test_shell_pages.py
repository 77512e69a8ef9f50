"""The shell and its simplest pages in a real browser: the games list refreshes by
itself when another tab changes a game, soft navigation keeps the shell, and the
gallery plays a finished video."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exports.projects import record_final_video
from tests.browser.conftest import log_in, screenshots
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project, store_file
from tests.media import make_video
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

API_FROM_PAGE = """async ([method, path, body]) => {
  const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const headers = {"Content-Type": "application/json", "X-CSRFToken": csrf};
  const response = await fetch(path, {method, headers, body: body ? JSON.stringify(body) : undefined});
  return response.status === 204 ? null : response.json();
}"""


def mounted(page, name: str) -> None:
    page.wait_for_function(f"document.getElementById('page')?.dataset.page === '{name}' && "
                           "document.getElementById('page').dataset.mounted === 'true'")  # fmt: skip


def test_the_games_list_refreshes_when_another_tab_changes_a_game(browser, alice):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    home, other = context.new_page(), context.new_page()
    with web_process() as url:
        log_in(home, url, "alice", PASSWORD)
        mounted(home, "home")
        home.wait_for_function("window.highlights.notifications.state === 'open'")
        expect(home.locator("#game-list")).to_contain_text("No games yet")

        other.goto(f"{url}/")
        created = other.evaluate(API_FROM_PAGE, ["POST", "/api/games", {"opponent_name": "Rovers"}])
        card = home.locator(f'[data-game-id="{created["id"]}"]')
        expect(card).to_contain_text("Vs Rovers")
        expect(home.locator('[data-count="games"]')).to_have_text("1")

        other.evaluate(
            API_FROM_PAGE,
            [
                "PATCH",
                f"/api/games/{created['id']}",
                {"opponent_name": "Wanderers", "version": created["version"]},
            ],
        )
        expect(card).to_contain_text("Vs Wanderers")

        other.evaluate(API_FROM_PAGE, ["DELETE", f"/api/games/{created['id']}", None])
        expect(card).to_have_count(0)
        expect(home.locator('[data-count="games"]')).to_have_text("0")
    context.close()


def test_soft_navigation_keeps_the_shell_and_the_gallery_plays_a_final_video(page, alice, tmp_path):
    project = ready_project(alice, tmp_path, [2.0], name="Rovers reel")
    source = make_video(tmp_path, seconds=2.0, size="180x320")
    key = store_file(source, f"exports/{alice.pk}/{project.pk}/final.mp4")
    record_final_video(
        project, file_key=key, size=source.stat().st_size, duration=2.0, width=180, height=320, fps=25
    )
    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        mounted(page, "home")
        page.evaluate("window.__sameDocument = true")
        page.click("#tab-projects")
        card = page.locator(f'[data-project-id="{project.pk}"]')
        expect(card).to_contain_text("Rovers reel")
        expect(card.locator(".segment")).to_have_count(2)  # one clip, then the overlay
        screenshots(page, "home-projects")
        page.click("#tab-games")
        screenshots(page, "home-games")

        page.click("#gallery-link")
        mounted(page, "gallery")
        assert page.evaluate("window.__sameDocument") is True  # no full page load
        expect(page.locator("#gallery-count")).to_have_text("1")
        video = page.locator(".gallery-item video")
        expect(video).to_have_count(1)
        duration = page.wait_for_function(
            "(() => { const v = document.querySelector('.gallery-item video'); "
            "return v && v.readyState >= 1 && v.duration; })()"
        ).json_value()
        assert duration == pytest.approx(2.0, abs=0.1)
        screenshots(page, "gallery")

        page.go_back()
        mounted(page, "home")
        assert page.evaluate("window.__sameDocument") is True


def test_too_many_failed_sign_ins_show_a_sentence_on_the_login_page(browser, alice):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    with web_process() as url:
        # given: as many wrong passwords for alice as an account allows (5 by default)
        for _ in range(5):
            page.goto(f"{url}/accounts/login/")
            page.fill("#id_login", "alice")
            page.fill("#id_password", "not her password")
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_contain_text("are not correct")

        # when: the right password comes next
        page.fill("#id_login", "alice")
        page.fill("#id_password", PASSWORD)
        with page.expect_response(
            lambda r: r.url.endswith("/accounts/login/") and r.request.method == "POST"
        ) as sent:
            page.click("button[type=submit]")

        # then: refused with a sentence saying when to try again, and still on the login page
        assert sent.value.status == 429
        assert int(sent.value.headers["retry-after"]) > 0
        expect(page.locator("[role=alert]")).to_contain_text("Too many failed sign-ins for this account.")
        expect(page.locator("[role=alert]")).to_contain_text("Try again in 5 minutes.")
        assert page.url == f"{url}/accounts/login/"
        screenshots(page, "login-throttled")
    context.close()

"""The home page in a real browser at laptop and phone sizes: project filters
(status, shape, who made it) narrow the list and are remembered, groups fold and
stay folded, a card reopens the editor last used, the stage strip opens a clip in
framing, a game's upload state comes from the server; a project changed in another
browser context (renamed, made, made by the 5-star rule, deleted) shows on the
first tab's home without a reload; and the consumer page has no developer links."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from exports import projects
from exports.models import ExportJob, Project
from games.models import Clip, Game, UploadSession
from tests.browser.conftest import log_in, screenshots
from tests.conftest import PASSWORD
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"laptop": (1366, 768), "phone": (390, 844)}

API_FROM_PAGE = """async ([method, path, body]) => {
  const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const headers = {"Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json"};
  const response = await fetch(path, {method, headers, body: body ? JSON.stringify(body) : undefined});
  return response.status === 204 ? null : response.json();
}"""


def mounted(page, name: str) -> None:
    page.wait_for_function(
        f"document.getElementById('page')?.dataset.page === '{name}' && "
        "document.getElementById('page').dataset.mounted === 'true'"
    )


def a_game(owner, opponent: str, **fields) -> Game:
    values = {
        "video_status": "ready", "video_key": f"users/{owner.pk}/{opponent}.mp4", "video_duration": 900.0,
        "video_width": 320, "video_height": 180, "video_fps": 25.0, "game_date": date(2025, 10, 4),
    }  # fmt: skip
    values.update(fields)
    return Game.objects.create(owner=owner, opponent_name=opponent, **values)


def cards(page):
    return page.locator("#project-groups .project-card")


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width} px wide)"


@pytest.mark.parametrize("size", SIZES)
def test_filters_folding_links_and_upload_states_on_the_home_page(browser, alice, size):
    # given: three projects on one game (one made by hand, one by the 5-star rule,
    # one finished in 16:9), a game uploading and one whose upload stopped
    game = a_game(alice, "Riverside")
    goal, pass_, save = (
        Clip.objects.create(game=game, start_time=s, end_time=s + 8, rating=r, tags=t)
        for s, r, t in ((20, 4, ["Goal"]), (80, 3, ["Pass"]), (140, 5, ["Goal"]))
    )
    by_hand = projects.create_project(alice, "Cup run", "9:16", [goal, pass_])
    Project.objects.filter(pk=by_hand.pk).update(mode="overlay")  # last opened in the highlight editor
    # its framing was exported, then changed (the export's snapshot holds other crops)
    working = projects.record_working_video(
        by_hand, file_key="w.mp4", size=1, duration=16, width=120, height=214, fps=25
    )
    ExportJob.objects.create(
        owner=alice, project=by_hand, type="framing", status="complete", working_video=working,
        config={"aspect_ratio": "9:16", "transition": {"type": "cut", "duration": 0.5},
                "clips": [{"clip_id": goal.pk, "crop_keyframes": [], "segments": {}}]},
    )  # fmt: skip
    automatic = projects.five_star_project(save)
    finished = projects.create_project(alice, "Season reel", "16:9", [pass_])
    projects.record_final_video(finished, file_key="f.mp4", size=1, duration=8, width=160, height=90, fps=25)
    uploading = a_game(alice, "Eastside", video_status="uploading", video_key="", video_width=None)
    UploadSession.objects.create(
        game=uploading, owner=alice, mode="multipart", key="k", filename="match.mp4",
        content_type="video/mp4", size=10**9,
    )  # fmt: skip
    a_game(alice, "Northside", video_status="uploading", video_key="", video_width=None)
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)

    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)
        mounted(page, "home")

        # the game cards say what the server knows of their uploads
        expect(page.locator('.game-card:has-text("Eastside") [data-video-state]')).to_have_text("Uploading…")
        expect(page.locator('.game-card:has-text("Northside") [data-video-state]')).to_contain_text(
            "Upload stopped"
        )
        page.reload()
        mounted(page, "home")
        expect(page.locator('.game-card:has-text("Eastside") [data-video-state]')).to_have_text("Uploading…")
        # no developer links for a parent
        for link in ("/api/docs/", "/admin/", "/api/health"):
            expect(page.locator(f'a[href="{link}"]')).to_have_count(0)
        no_sideways_scroll(page)
        screenshots(page, f"home-games-{size}", sizes=[(width, height)])

        page.click("#tab-projects")
        expect(cards(page)).to_have_count(3)
        auto_card = page.locator(f'[data-project-id="{automatic.pk}"]')
        expect(auto_card).to_contain_text("Brilliant Goal — vs Riverside")
        expect(auto_card.locator(".auto-badge")).to_have_text("made automatically")
        no_sideways_scroll(page)
        screenshots(page, f"home-projects-{size}", sizes=[(width, height)])

        # filters narrow the list
        page.select_option("#filter-status", "complete")
        expect(cards(page)).to_have_count(1)
        expect(cards(page)).to_contain_text("Season reel")
        expect(page.locator("#filter-summary")).to_have_text("1 of 3 shown")
        page.select_option("#filter-status", "")
        page.select_option("#filter-origin", "automatic")
        expect(cards(page)).to_have_count(1)
        expect(cards(page)).to_contain_text("Brilliant Goal — vs Riverside")
        page.select_option("#filter-origin", "mine")
        page.select_option("#filter-aspect", "16:9")
        expect(cards(page)).to_have_count(1)
        expect(cards(page)).to_contain_text("Season reel")
        page.select_option("#filter-status", "not_started")
        expect(cards(page)).to_have_count(0)
        expect(page.locator("#project-groups")).to_contain_text("No project matches these filters.")
        no_sideways_scroll(page)
        screenshots(page, f"home-filtered-{size}", sizes=[(width, height)])
        # remembered across a reload
        page.reload()
        mounted(page, "home")
        page.click("#tab-projects")
        expect(page.locator("#filter-aspect")).to_have_value("16:9")
        page.click("#clear-filters")
        expect(cards(page)).to_have_count(3)
        expect(page.locator("#filter-status")).to_have_value("")

        # a group folds, and stays folded after a reload
        toggle = page.locator(".group-toggle").first
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(cards(page)).to_have_count(0)
        page.reload()
        mounted(page, "home")
        page.click("#tab-projects")
        expect(page.locator(".group-toggle").first).to_have_attribute("aria-expanded", "false")
        page.locator(".group-toggle").first.click()
        expect(cards(page)).to_have_count(3)

        # the card reopens the editor last used; the strip opens a clip in framing
        hand_card = page.locator(f'[data-project-id="{by_hand.pk}"]')
        expect(hand_card.locator("a.card-link")).to_have_attribute("href", f"/projects/{by_hand.pk}/overlay/")
        expect(hand_card.locator(".changed-badge")).to_have_text("Framing changed — export again")
        expect(hand_card.locator(".project-settings-link")).to_have_attribute(
            "href", f"/projects/{by_hand.pk}/edit/"
        )
        second = by_hand.project_clips.order_by("position")[1]
        hand_card.locator(".strip .segment").nth(1).click()
        page.wait_for_url(f"{url}/projects/{by_hand.pk}/?clip={second.pk}")
        mounted(page, "framing")
        expect(page.locator("#clip-select")).to_have_value("1")  # that clip, selected
        assert Project.objects.get(pk=by_hand.pk).mode == "framing"  # opened in framing now
    context.close()


def test_the_home_page_refreshes_when_another_browser_changes_projects(browser, alice):
    game = a_game(alice, "Riverside")
    clip = Clip.objects.create(game=game, start_time=20, end_time=28, rating=4, tags=["Pass"])
    existing = projects.create_project(alice, "Cup run", "9:16", [clip])
    home_context = browser.new_context(viewport={"width": 1366, "height": 768})
    other_context = browser.new_context(viewport={"width": 390, "height": 844})
    home, other = home_context.new_page(), other_context.new_page()
    home.set_default_timeout(15_000)
    with web_process() as url:
        log_in(home, url, "alice", PASSWORD)
        mounted(home, "home")
        home.wait_for_function("window.highlights.notifications.state === 'open'")
        home.click("#tab-projects")
        expect(cards(home)).to_have_count(1)
        log_in(other, url, "alice", PASSWORD)

        # renamed elsewhere
        other.evaluate(
            API_FROM_PAGE, ["PATCH", f"/api/projects/{existing.pk}", {"version": 1, "name": "Cup final"}]
        )
        expect(home.locator(f'[data-project-id="{existing.pk}"]')).to_contain_text("Cup final")

        # made elsewhere
        made = other.evaluate(
            API_FROM_PAGE, ["POST", "/api/projects", {"name": "Second reel", "clip_ids": [clip.pk]}]
        )
        expect(home.locator(f'[data-project-id="{made["id"]}"]')).to_contain_text("Second reel")
        expect(home.locator('[data-count="projects"]')).to_have_text("2")

        # a clip rated 5 elsewhere: the 5-star rule makes a project, named as a person would
        other.evaluate(
            API_FROM_PAGE,
            [
                "POST",
                f"/api/games/{game.pk}/clips",
                {"start_time": 60, "end_time": 70, "rating": 5, "tags": ["Goal"]},
            ],
        )
        auto_card = home.locator('.project-card:has-text("Brilliant Goal — vs Riverside")')
        expect(auto_card).to_have_count(1)
        expect(auto_card.locator(".auto-badge")).to_have_text("made automatically")
        # and the notification says so, with a way to open it
        expect(home.locator("#notification-badge")).to_be_visible()
        automatic = Project.objects.get(owner=alice, auto_for_clip__isnull=False)
        assert automatic.name == "Brilliant Goal — vs Riverside"
        assert alice.notifications.filter(
            title="Project made automatically: Brilliant Goal — vs Riverside"
        ).exists()

        # deleted elsewhere
        other.evaluate(API_FROM_PAGE, ["DELETE", f"/api/projects/{made['id']}", None])
        expect(home.locator(f'[data-project-id="{made["id"]}"]')).to_have_count(0)
        expect(home.locator('[data-count="projects"]')).to_have_text("2")
        screenshots(home, "home-live-refresh")

        # the new-project page says which projects the rule made
        other.goto(f"{url}/projects/new/")
        mounted(other, "project-new")
        expect(other.locator("#auto-projects")).to_contain_text("1 project was made automatically")
        expect(other.locator("#auto-projects a")).to_have_attribute("href", f"/projects/{automatic.pk}/edit/")
        screenshots(other, "project-new-auto-note")
    home_context.close()
    other_context.close()

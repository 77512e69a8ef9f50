"""Changing a project after making it, in a real browser at laptop and phone sizes:
make it from clips, then on its own page rename it, add a clip from another game,
remove one, drag one to a new place (a mouse at 1366, a finger at 390) and move one
with the keyboard, change its shape (the warning confirmed; the crops start again),
and delete it in two steps. Each step is checked in the API or the database."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from exports import edits
from exports.models import Project, ProjectClip
from games.models import Clip, Game
from tests.browser.conftest import log_in, screenshots
from tests.conftest import PASSWORD
from tests.servers import web_process

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"laptop": (1366, 768), "phone": (390, 844)}

API_FROM_PAGE = """async ([method, path]) => {
  const response = await fetch(path, {method, headers: {Accept: "application/json"}});
  return {status: response.status, body: response.status === 204 ? null : await response.json()};
}"""


def game_with_clips(owner, opponent: str, specs: list[tuple[float, int, list[str]]], when: date) -> Game:
    game = Game.objects.create(
        owner=owner, opponent_name=opponent, game_date=when, video_status="ready",
        video_key=f"users/{owner.pk}/{opponent}.mp4", video_duration=900.0, video_width=320, video_height=180,
        video_fps=25.0,
    )  # fmt: skip
    for start, rating, tags in specs:
        Clip.objects.create(game=game, start_time=start, end_time=start + 8, rating=rating, tags=tags)
    return game


def mounted(page, name: str) -> None:
    page.wait_for_function(
        f"document.getElementById('page')?.dataset.page === '{name}' && "
        "document.getElementById('page').dataset.mounted === 'true'"
    )


def api(page, method: str, path: str) -> dict:
    return page.evaluate(API_FROM_PAGE, [method, path])


def order_in_api(page, project_id: int) -> list[int]:
    return [pc["clip"]["id"] for pc in api(page, "GET", f"/api/projects/{project_id}")["body"]["clips"]]


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width} px wide)"


def touch_drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A finger drag (touch events through the DevTools protocol: the page sees
    pointer events of type touch)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]}
    )
    for step in range(1, 9):
        x = start[0] + (end[0] - start[0]) * step / 8
        y = start[1] + (end[1] - start[1]) * step / 8
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def mouse_drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
    page.mouse.move(*end, steps=4)
    page.mouse.up()


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("size", SIZES)
def test_a_project_is_made_then_changed_on_its_own_page_and_deleted(browser, alice, size):
    # given: two games, three clips on the first, two on the second
    home_game = game_with_clips(
        alice, "Riverside", [(20, 4, ["Goal"]), (80, 3, ["Pass"]), (140, 5, ["Save"])], date(2025, 9, 6)
    )
    away_game = game_with_clips(
        alice, "Eastside", [(30, 4, ["Dribble"]), (90, 2, ["Tackle"])], date(2025, 9, 13)
    )
    first, second, third = Clip.objects.filter(game=home_game).order_by("start_time")
    from_away = Clip.objects.get(game=away_game, start_time=30)
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=size == "phone")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    with web_process() as url:
        log_in(page, url, "alice", PASSWORD)

        # make a project from the first game's clips
        page.goto(f"{url}/projects/new/?game={home_game.pk}")
        mounted(page, "project-new")
        expect(page.locator("#clip-checklist li")).to_have_count(3)
        page.fill("#project-name", "Autumn reel")
        page.click("#create-project")
        page.wait_for_url(f"{url}/projects/*/")
        project = Project.objects.get(owner=alice, name="Autumn reel")
        assert list(project.project_clips.order_by("position").values_list("clip_id", flat=True)) == [
            first.pk, second.pk, third.pk,
        ]  # fmt: skip
        # a crop moved away from the default, so the shape change has something to reset
        moved = ProjectClip.objects.get(project=project, clip=first)
        moved.crop_keyframes = [{**kf, "x": 0.0} for kf in moved.crop_keyframes]
        moved.save(update_fields=["crop_keyframes"])

        # its own page, from the framing page's breadcrumb
        page.goto(f"{url}/projects/{project.pk}/edit/")
        mounted(page, "project-edit")
        rows = page.locator("#project-clips > li")
        expect(rows).to_have_count(3)

        # rename
        page.fill("#project-name", "Autumn highlights")
        page.click("#rename")
        expect(page.locator("#project-title")).to_have_text("Autumn highlights")
        assert api(page, "GET", f"/api/projects/{project.pk}")["body"]["name"] == "Autumn highlights"

        # a blank name is refused with a sentence
        page.fill("#project-name", "   ")
        page.click("#rename")
        expect(page.locator("#name-error")).to_be_visible()
        assert "name" in page.locator("#name-error").inner_text().lower()
        assert Project.objects.get(pk=project.pk).name == "Autumn highlights"

        # add a clip from another game
        page.select_option("#add-game", str(away_game.pk))
        candidate = page.locator(f'#add-candidates li[data-clip-id="{from_away.pk}"] input')
        candidate.check()
        expect(page.locator("#add-clips")).to_have_text("Add 1 clip")
        screenshots(page, f"project-edit-add-{size}", sizes=[(width, height)])
        page.click("#add-clips")
        expect(rows).to_have_count(4)
        assert order_in_api(page, project.pk) == [first.pk, second.pk, third.pk, from_away.pk]
        expect(page.locator(f'#add-candidates li[data-clip-id="{from_away.pk}"]')).to_have_count(0)

        # remove one
        page.locator(f'#project-clips li:has-text("{second.display_name}") .remove-clip').click()
        expect(rows).to_have_count(3)
        assert order_in_api(page, project.pk) == [first.pk, third.pk, from_away.pk]

        # drag the last clip to the top by its handle (a finger on the phone)
        last_handle = rows.nth(2).locator(".drag-handle")
        last_handle.scroll_into_view_if_needed()
        top_row = rows.nth(0).bounding_box()
        target = (centre(last_handle)[0], top_row["y"] + 3)
        if size == "phone":
            touch_drag(page, centre(last_handle), target)
        else:
            mouse_drag(page, centre(last_handle), target)
        expect(rows.nth(0)).to_have_attribute("data-project-clip-id", str(
            ProjectClip.objects.get(project=project, clip=from_away).pk
        ))  # fmt: skip
        page.wait_for_function(
            f"fetch('/api/projects/{project.pk}').then(r => r.json())"
            f".then(p => p.clips[0].clip.id === {from_away.pk})"
        )
        assert order_in_api(page, project.pk) == [from_away.pk, first.pk, third.pk]

        # and move one down with the keyboard
        rows.nth(0).locator(".move-down").focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"fetch('/api/projects/{project.pk}').then(r => r.json())"
            f".then(p => p.clips[1].clip.id === {from_away.pk})"
        )
        assert order_in_api(page, project.pk) == [first.pk, from_away.pk, third.pk]

        # change the shape: a warning first, then the crops start again
        page.locator("label.ratio-choice", has_text="16:9").click()
        warning = page.locator("#shape-warning")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("starts the framing of all 3 clips again")
        screenshots(page, f"project-edit-shape-{size}", sizes=[(width, height)])
        assert Project.objects.get(pk=project.pk).aspect_ratio == "9:16"  # nothing changed yet
        page.click("#confirm-aspect")
        expect(warning).to_be_hidden()
        detail = api(page, "GET", f"/api/projects/{project.pk}")["body"]
        assert detail["aspect_ratio"] == "16:9"
        for pc in detail["clips"]:
            assert pc["crop_keyframes"] == edits.default_crop(320, 180, "16:9")
        no_sideways_scroll(page)
        screenshots(page, f"project-edit-{size}", sizes=[(width, height)])

        # a clip's moment in its game is one click away
        rows.nth(0).locator("a.in-game").click()
        # (opening at ?t=&clip= is tested with a real video in test_annotate_workflows)
        page.wait_for_url(f"{url}/games/{home_game.pk}/?t={first.start_time:g}&clip={first.pk}")
        mounted(page, "annotate")
        page.goto(f"{url}/projects/{project.pk}/edit/")
        mounted(page, "project-edit")

        # delete in two steps
        page.click("#delete-project")
        expect(page.locator("#delete-project")).to_have_text("Really delete?")
        assert Project.objects.filter(pk=project.pk).exists()
        page.click("#cancel-delete")
        expect(page.locator("#delete-project")).to_have_text("Delete project")
        page.click("#delete-project")
        page.click("#delete-project")
        mounted(page, "home")
        assert api(page, "GET", f"/api/projects/{project.pk}")["status"] == 404
        assert not Project.objects.filter(pk=project.pk).exists()
        expect(page.locator(f'[data-project-id="{project.pk}"]')).to_have_count(0)
        expect(page.locator('[data-count="projects"]')).to_have_text("0")
    assert not problems, problems
    context.close()

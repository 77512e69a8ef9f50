"""The project's slow motion on the framing editor, under the segments it renders,
at a laptop and a phone size: changed, saved with the project's version, still
there after a reload and in the API; a change after another tab's is refused with
the reload banner. Screenshots at both widths."""

from __future__ import annotations

import pytest
from django.db.models import F
from playwright.sync_api import expect

from exports.models import Project
from tests.browser.conftest import screenshots
from tests.browser.test_framing_editor import no_sideways_scroll, open_editor
from tests.browser.test_project_pages import project_with_game_video
from tests.servers import web_process
from videoeditor.vocabulary import vocabulary

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("slow-motion-media")


def slow_project(owner, media) -> Project:
    """One clip whose only segment plays at half speed: the case the setting is for."""
    project = project_with_game_video(owner, media, [4.0])
    project_clip = project.project_clips.get()
    project_clip.segments = {**project_clip.segments, "speeds": [0.5]}
    project_clip.save()
    return project


def hint(value: str) -> str:
    return next(c["hint"] for c in vocabulary()["slow_motion"] if c["value"] == value)


def api_slow_motion(page, project: Project) -> str:
    return page.evaluate(
        "async (id) => (await (await fetch(`/api/projects/${id}`)).json()).slow_motion", project.pk
    )


def fits_in_its_panel(page) -> None:
    """The choice and its hint lie inside the segments panel, inside the window."""
    panel = page.locator(".segments-panel").bounding_box()
    width = page.evaluate("window.innerWidth")
    for selector in ("#slow-motion", "#slow-motion-hint", "label[for=slow-motion]"):
        box = page.locator(selector).bounding_box()
        assert box["width"] > 0, selector
        assert box["height"] > 0, selector
        assert panel["x"] <= box["x"], selector
        assert box["x"] + box["width"] <= panel["x"] + panel["width"] + 0.5, selector
        assert box["x"] + box["width"] <= width, selector


def test_the_choice_is_saved_and_stays_after_a_reload(editor_page, size, alice, media):
    page = editor_page
    project = slow_project(alice, media)
    with web_process() as url:
        open_editor(page, url, project)
        choice = page.locator("#slow-motion")
        choice.scroll_into_view_if_needed()
        # a new project is smooth, and the page says what that means
        expect(page.get_by_label("Slow motion")).to_have_value("smooth")
        expect(choice.locator("option")).to_have_text(["Smooth", "Repeat frames"])
        expect(page.locator("#slow-motion-hint")).to_have_text(hint("smooth"))
        fits_in_its_panel(page)

        # when repeated frames are chosen
        page.select_option("#slow-motion", "repeat")

        # then it is saved with the project's version, and the hint follows
        expect(page.locator("#save-state")).to_have_text("Saved")
        expect(page.locator("#slow-motion-hint")).to_have_text(hint("repeat"))
        saved = Project.objects.get(pk=project.pk)
        assert (saved.slow_motion, saved.version) == ("repeat", project.version + 1)
        no_sideways_scroll(page)
        fits_in_its_panel(page)
        screenshots(page, "framing-slow-motion", sizes=(size,))

        # and after a reload the page and the API still say so
        page.reload()
        page.wait_for_selector("main#page[data-page=framing][data-mounted=true]")
        expect(page.locator("#slow-motion")).to_have_value("repeat")
        expect(page.locator("#slow-motion-hint")).to_have_text(hint("repeat"))
        assert api_slow_motion(page, project) == "repeat"


def test_a_change_after_another_tabs_is_refused_with_the_reload_banner(editor_page, size, alice, media):
    page = editor_page
    project = slow_project(alice, media)
    with web_process() as url:
        open_editor(page, url, project)
        # given another tab renamed the project after this one read it
        Project.objects.filter(pk=project.pk).update(name="Other tab", version=F("version") + 1)

        # when this tab changes the slow motion
        page.locator("#slow-motion").scroll_into_view_if_needed()
        page.select_option("#slow-motion", "repeat")

        # then the page says to reload, stops editing, and the other write stands
        expect(page.locator(".stale-banner")).to_be_visible()
        expect(page.locator("#save-state")).to_have_text("Not saved")
        expect(page.locator("#slow-motion")).to_be_disabled()
        fresh = Project.objects.get(pk=project.pk)
        assert (fresh.name, fresh.slow_motion) == ("Other tab", "smooth")
        assert api_slow_motion(page, project) == "smooth"

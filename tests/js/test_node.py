"""The JavaScript rules, without a browser and in one: `node --test tests/js/`
(fixtures of the pure modules, ui.js formats) must pass, and Chromium gives the
same answers for every module listed in tests/js/fixtures.json. Without node the
first skips unless REQUIRE_NODE=1 (CI); without Chromium the second skips unless
REQUIRE_BROWSER=1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from django.conf import settings

from tests.helpers import BASE_DIR
from tests.servers import web_process
from videoeditor.vocabulary import vocabulary

HERE = BASE_DIR / "tests" / "js"
MANIFEST = json.loads((HERE / "fixtures.json").read_text())


def test_node_runs_every_js_test_and_all_pass():
    node = shutil.which("node")
    if not node:
        if os.environ.get("REQUIRE_NODE") == "1":
            pytest.fail("REQUIRE_NODE=1 but node is missing (apt-get install nodejs).")
        pytest.skip("node is needed for the JS tests; install it to run them")

    # A test that hangs fails on its own after a minute, with its name in the report.
    result = subprocess.run(
        [node, "--test", "--test-timeout=60000", "tests/js/"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )

    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.M)
    assert passed, report
    assert int(passed[1]) >= len(MANIFEST["modules"]) + 5, report
    assert re.search(r"^# fail 0$", result.stdout, re.M), report


def test_every_module_in_the_manifest_has_its_module_and_fixture():
    for entry in MANIFEST["modules"]:
        assert (BASE_DIR / entry["module"]).is_file(), entry
        fixture = json.loads((BASE_DIR / entry["fixture"]).read_text())
        assert fixture[entry.get("cases", "cases")], entry


def _static_url(path: str) -> str:
    assert path.startswith("static/"), path
    return settings.STATIC_URL + path.removeprefix("static/")


def _page_with_the_checker(page, url: str) -> None:
    """The login page (it renders #vocabulary like every page), with
    tests/js/check.mjs served at /__js_tests__/check.mjs."""
    page.route(
        "**/__js_tests__/check.mjs",
        lambda route: route.fulfill(path=str(HERE / "check.mjs"), content_type="text/javascript"),
    )
    page.goto(f"{url}/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_chromium_gives_every_fixture_the_same_answers(page):
    entries = [
        {
            **entry,
            "url": _static_url(entry["module"]),
            "data": json.loads((BASE_DIR / entry["fixture"]).read_text()),
        }
        for entry in MANIFEST["modules"]
    ]
    with web_process() as url:
        _page_with_the_checker(page, url)
        failures = page.evaluate(
            """async (entries) => {
                const { checkFixture } = await import("/__js_tests__/check.mjs");
                const failures = {};
                for (const entry of entries) {
                  failures[entry.module] = await checkFixture(entry, entry.data, await import(entry.url));
                }
                return failures;
            }""",
            entries,
        )

    assert failures == {entry["module"]: [] for entry in MANIFEST["modules"]}


@pytest.mark.django_db(transaction=True)
def test_chromium_reads_the_vocabulary_and_builds_elements_with_the_one_el(page):
    with web_process() as url:
        page.goto(f"{url}/accounts/login/")
        seen = page.evaluate(
            """async ([vocabularyUrl, uiUrl]) => {
                const { vocabulary, rating, ratingLabel } = await import(vocabularyUrl);
                const { el } = await import(uiUrl);
                let clicks = 0;
                const button = el(
                  "button",
                  { class: "primary", text: "Save", dataset: { clipId: 7 }, onclick: () => { clicks += 1; },
                    disabled: false, hidden: null, "aria-pressed": true, title: "Save it" },
                );
                button.click();
                const list = el("ul", {}, ["a", null, [el("li", { text: "b" }), false, 3]]);
                return {
                  vocabulary, five: rating(5), label: ratingLabel(5), unknown: ratingLabel(9),
                  button: button.outerHTML, clicks, list: list.outerHTML,
                };
            }""",
            [_static_url("static/js/vocabulary.js"), _static_url("static/js/ui.js")],
        )

    expected = vocabulary()
    assert seen["vocabulary"] == json.loads(json.dumps(expected))
    five = next(r for r in expected["ratings"] if r["value"] == 5)
    assert seen["five"] == five
    assert seen["label"] == f"{five['word']} ({five['symbol']})"
    assert seen["unknown"] == "9"
    assert seen["button"] == (
        '<button class="primary" data-clip-id="7" aria-pressed="" title="Save it">Save</button>'
    )
    assert seen["clicks"] == 1
    assert seen["list"] == "<ul>a<li>b</li>3</ul>"


@pytest.mark.django_db(transaction=True)
def test_every_module_loads_in_chromium(page):
    """Each import names something its module exports (a removed or renamed helper
    breaks the page that imports it, not only a test)."""
    modules = sorted(str(p.relative_to(BASE_DIR)) for p in (BASE_DIR / "static" / "js").rglob("*.js"))
    with web_process() as url:
        page.goto(f"{url}/accounts/login/")
        failures = page.evaluate(
            """async (urls) => {
                const late = new Promise((done) => setTimeout(() => done("still loading after 10 s"), 1e4));
                const load = (url) => import(url).then(() => null, (error) => String(error));
                const outcomes = await Promise.all(urls.map((url) => Promise.race([load(url), late])));
                const failed = urls.map((url, i) => [url, outcomes[i]]).filter(([, outcome]) => outcome);
                return Object.fromEntries(failed);
            }""",
            [_static_url(path) for path in modules],
        )

    assert len(modules) >= 20
    assert failures == {}

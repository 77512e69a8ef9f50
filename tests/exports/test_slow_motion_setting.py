"""A project's slow motion: how its slow segments (speed below 1) get their extra
frames, "smooth" (in-between frames, the default) or "repeat" (each frame held
longer). Read and changed through PATCH /api/projects/{id} with the project's
version, offered by the vocabulary, and not a framing change: nothing moves in
time or space, so an exported project does not say its framing changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.generators import SchemaGenerator

from exports.models import Project, SlowMotion
from tests.exports.test_framing_discard import card, detail, exported
from videoeditor.vocabulary import vocabulary

pytestmark = pytest.mark.django_db


def change(api, project: dict, **fields):
    return api.patch(
        f"/api/projects/{project['id']}", {"version": project["version"], **fields}, format="json"
    )


def test_a_new_project_is_smooth(alice_api, project):
    assert project["slow_motion"] == "smooth"
    assert Project.objects.get(pk=project["id"]).slow_motion == SlowMotion.SMOOTH
    assert card(alice_api, project["id"])["slow_motion"] == "smooth"


def test_it_changes_with_the_version_and_stays_changed(alice_api, project):
    # when the owner picks repeated frames
    response = change(alice_api, project, slow_motion="repeat")

    # then the answer, a fresh read and the row say so, and the version moved on
    assert response.status_code == 200, response.json()
    assert response.json()["slow_motion"] == "repeat"
    assert response.json()["version"] == project["version"] + 1
    assert detail(alice_api, project["id"])["slow_motion"] == "repeat"
    assert Project.objects.get(pk=project["id"]).slow_motion == "repeat"
    # and back again
    back = change(alice_api, response.json(), slow_motion="smooth")
    assert back.status_code == 200
    assert back.json()["slow_motion"] == "smooth"


def test_an_unknown_value_is_refused_with_a_sentence_naming_the_choices(alice_api, project):
    response = change(alice_api, project, slow_motion="blend")

    assert response.status_code == 400
    assert response.json() == {"slow_motion": ['Slow motion is "smooth" or "repeat", not "blend".']}
    fresh = Project.objects.get(pk=project["id"])
    assert (fresh.slow_motion, fresh.version) == ("smooth", project["version"])


def test_it_rejects_a_stale_version_with_the_current_project(alice_api, project):
    # given another tab changed the name first
    assert change(alice_api, project, name="Other tab").status_code == 200

    # when this tab sends slow motion with the version it read
    stale = change(alice_api, project, slow_motion="repeat")

    # then it is refused with the current state, and nothing changed
    assert stale.status_code == 409
    assert stale.json()["current"]["name"] == "Other tab"
    assert stale.json()["current"]["slow_motion"] == "smooth"
    assert Project.objects.get(pk=project["id"]).slow_motion == "smooth"


def test_another_users_project_is_not_found(bob_api, project):
    assert change(bob_api, project, slow_motion="repeat").status_code == 404
    assert Project.objects.get(pk=project["id"]).slow_motion == "smooth"


def test_changing_it_is_not_a_framing_change_since_the_export(alice_api, project):
    # given an exported project
    exported(project["id"])
    before = detail(alice_api, project["id"])
    assert before["framing_changed_since_export"] is False

    # when its slow motion changes
    response = change(alice_api, before, slow_motion="repeat")

    # then neither the project nor its card says the framing changed
    assert response.status_code == 200
    assert response.json()["framing_changed_since_export"] is False
    assert detail(alice_api, project["id"])["framing_changed_since_export"] is False
    assert card(alice_api, project["id"])["framing_changed_since_export"] is False
    # while a real framing change after it still does
    after = change(alice_api, response.json(), transition={"type": "fade", "duration": 0.5})
    assert after.json()["framing_changed_since_export"] is True


def test_the_vocabulary_offers_each_choice_with_a_label_and_a_hint():
    words = vocabulary()

    assert [c["value"] for c in words["slow_motion"]] == list(SlowMotion.values)
    assert [c["label"] for c in words["slow_motion"]] == ["Smooth", "Repeat frames"]
    assert all(c["hint"] and "\n" not in c["hint"] for c in words["slow_motion"])
    assert words["default_slow_motion"] == "smooth"


def test_the_schema_documents_reading_and_changing_it():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    named = schema["components"]["schemas"]
    patch = schema["paths"]["/api/projects/{project_id}"]["patch"]

    def body(ref_holder: dict) -> dict:
        return named[ref_holder["$ref"].rsplit("/", 1)[1]]

    sent = body(patch["requestBody"]["content"]["application/json"]["schema"])["properties"]["slow_motion"]
    answered = body(patch["responses"]["200"]["content"]["application/json"]["schema"])
    assert body(sent["allOf"][0])["enum"] == ["smooth", "repeat"]
    assert "slow segments" in sent["description"]
    assert body(answered["properties"]["slow_motion"]["allOf"][0])["enum"] == ["smooth", "repeat"]
    assert set(named["SlowMotionChoice"]["properties"]) == {"value", "label", "hint"}


@pytest.mark.django_db(transaction=True)
def test_projects_made_before_the_setting_are_smooth(alice):
    # given a project saved before the migration that adds the field
    executor = MigrationExecutor(connection)
    before, added = ("exports", "0003_sweeper_schedule"), ("exports", "0004_project_slow_motion")
    executor.migrate([before])
    old_project = executor.loader.project_state([before]).apps.get_model("exports", "Project")
    made = old_project.objects.create(owner_id=alice.pk, name="Old reel")

    # when the migration runs
    executor = MigrationExecutor(connection)
    executor.migrate([added])

    # then it is smooth
    assert Project.objects.get(pk=made.pk).slow_motion == "smooth"
    # and the database goes back to the latest schema for the tests after this one
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

"""The system check that keeps django-q2 from running one task twice."""

from __future__ import annotations

from django.conf import settings

from tests.helpers import run_python
from videoeditor.checks import check_task_timeout_below_retry


def q_cluster(**changes):
    return {**settings.Q_CLUSTER, **changes}


def test_the_default_configuration_passes():
    assert check_task_timeout_below_retry() == []


def test_it_fails_when_timeout_is_not_below_retry(settings):
    settings.Q_CLUSTER = q_cluster(timeout=600, retry=600, ALT_CLUSTERS={})

    errors = check_task_timeout_below_retry()

    assert [e.id for e in errors] == ["videoeditor.E001"]
    assert "timeout (600) must be smaller than retry (600)" in errors[0].msg


def test_it_fails_when_timeout_is_unset(settings):
    config = q_cluster(ALT_CLUSTERS={})
    del config["timeout"]
    settings.Q_CLUSTER = config

    assert [e.id for e in check_task_timeout_below_retry()] == ["videoeditor.E001"]


def test_it_checks_each_alternative_cluster(settings):
    settings.Q_CLUSTER = q_cluster(timeout=100, retry=200, ALT_CLUSTERS={"gpu": {"timeout": 300}})

    errors = check_task_timeout_below_retry()

    assert len(errors) == 1
    assert "'gpu'" in errors[0].msg


def test_a_worker_refuses_to_start_with_it(tmp_path):
    result = run_python(
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'qcluster'])",
        tmp_path,
        Q_TIMEOUT="900",
        Q_RETRY="300",
    )

    assert result.returncode != 0
    assert "videoeditor.E001" in result.stderr

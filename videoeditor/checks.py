"""System checks for configuration that would otherwise misbehave quietly."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def check_task_timeout_below_retry(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """django-q2 hands a task to a second worker once `retry` seconds pass without
    an acknowledgement; if a task may run longer than that (`timeout` >= `retry`)
    the same task runs twice."""
    errors = []
    base = getattr(settings, "Q_CLUSTER", {})
    clusters = {base.get("cluster_name", base.get("name", "default")): base}
    for name, alt in (base.get("ALT_CLUSTERS") or {}).items():
        clusters[name] = {**base, **alt}
    for name, conf in clusters.items():
        timeout, retry = conf.get("timeout"), conf.get("retry", 60)
        if timeout is None or timeout >= retry:
            errors.append(
                checks.Error(
                    f"Task cluster '{name}': timeout ({timeout}) must be smaller than retry ({retry}), "
                    "or a long task is handed to a second worker while the first still runs it.",
                    hint="Set Q_TIMEOUT below Q_RETRY (Q_RETRY defaults to Q_TIMEOUT + 600).",
                    id="videoeditor.E001",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_is_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if getattr(settings, "SECRET_KEY_FROM_ENV", True):
        return []
    return [
        checks.Warning(
            "SECRET_KEY is not set, so this process uses a key generated under VAR_DIR; "
            "web processes on other machines will not accept its sessions.",
            hint="Set SECRET_KEY to the same long random value for every process.",
            id="videoeditor.W001",
        )
    ]


@checks.register(checks.Tags.compatibility)
def check_export_cluster_exists(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Jobs sent to a cluster no qcluster serves would wait until the sweeper fails them."""
    wanted = getattr(settings, "EXPORT_GPU_CLUSTER", "")
    base = getattr(settings, "Q_CLUSTER", {})
    known = {base.get("cluster_name", ""), *(base.get("ALT_CLUSTERS") or {})}
    if not wanted or wanted in known:
        return []
    return [
        checks.Error(
            f"EXPORT_GPU_CLUSTER={wanted!r} is not a task cluster; "
            f"the clusters are {', '.join(sorted(known))}.",
            hint="Name a cluster from Q_CLUSTER's ALT_CLUSTERS (e.g. gpu), or leave it empty.",
            id="videoeditor.E002",
        )
    ]

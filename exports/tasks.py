"""django-q2 entry points of the exports app."""

from __future__ import annotations

from exports import jobs, tracking_jobs, tracking_worker, worker


def run_export(job_id: str) -> str | None:
    """Queued by exports.jobs.enqueue; the job row says what to render."""
    return worker.run_export(job_id)


def run_tracking(job_id: str) -> float | None:
    """Queued by exports.tracking_jobs.enqueue; the job row says whom to follow in which clip."""
    return tracking_worker.run_tracking(job_id)


def sweep_stale_exports() -> list[str]:
    """Scheduled every minute (see migration 0003): export jobs, then tracking jobs, then
    account deletions (stuck ones queued again; deleted accounts' storage swept once more)."""
    from accounts import deletion  # accounts builds on exports, so imported when run

    return jobs.sweep() + tracking_jobs.sweep() + deletion.sweep()

"""django-q2 entry points of the exports app."""

from __future__ import annotations

from exports import jobs, worker


def run_export(job_id: str) -> str | None:
    """Queued by exports.jobs.enqueue; the job row says what to render."""
    return worker.run_export(job_id)


def sweep_stale_exports() -> list[str]:
    """Scheduled every minute (see migration 0003)."""
    return jobs.sweep()

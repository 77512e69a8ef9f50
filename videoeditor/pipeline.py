"""Declared status pipelines: what a row's status may become, the one function that
moves it, and the event each step leaves behind.

Export jobs, clip extraction and upload sessions each declare a `Pipeline` (their
steps as data); every change of status is one conditional UPDATE
(`WHERE status IN (...)`) made by `Pipeline.transition()`, which refuses steps the
pipeline does not declare and records each step it takes, with its reason and the
worker that took it, as an event row (a model built on `StepEvent`).

Work is queued with `wake_after_commit()`: django-q2 only wakes a worker once the
row is committed, and a broker that is down leaves the row for a sweeper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.db import models, transaction

from videoeditor.errors import UserFacingError
from videoeditor.text import ellipsize

log = logging.getLogger(__name__)

REASON_MAX = 500


class IllegalTransition(UserFacingError):
    def __init__(self, noun: str, source: str, target: str) -> None:
        super().__init__(409, f"{noun} cannot go from {source} to {target}.")
        self.source, self.target = source, target


class StepEvent(models.Model):
    """One step of a pipeline, with its reason: the history an admin reads to triage.
    Concrete events add the foreign key to their row."""

    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=REASON_MAX)
    worker_id = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}: {self.reason}"


def sentence(text: str, limit: int = REASON_MAX) -> str:
    """`text` cut to fit a column of `limit` characters."""
    return ellipsize(text, limit)


class Pipeline:
    """The steps of one status field: `steps` maps each status to those it may become.
    `event` is the StepEvent model, `owner` its foreign key to the row; `noun` names a
    row in the sentence an illegal step raises ("An export")."""

    def __init__(
        self,
        model: type[models.Model],
        steps: dict[str, frozenset[str]],
        *,
        event: type[StepEvent],
        owner: str,
        noun: str,
        field: str = "status",
    ) -> None:
        self.model, self.steps, self.event, self.owner = model, steps, event, owner
        self.noun, self.field = noun, field

    def check(self, source: Iterable[str], target: str) -> None:
        for status in source:
            if target not in self.steps[status]:
                raise IllegalTransition(self.noun, status, target)

    def transition(
        self,
        pk: Any,
        target: str,
        *,
        source: tuple[str, ...] | list[str],
        reason: str,
        where: dict[str, Any] | None = None,
        actor: str = "",
        **fields: Any,
    ) -> bool:
        """Move the row from one of `source` to `target` with one conditional UPDATE,
        setting `fields` too (`actor` is the worker the event names). False when the row
        was in none of those states or failed `where`: someone else got there first.
        Raises IllegalTransition for a step not declared, whatever the row holds."""
        self.check(source, target)
        with transaction.atomic():
            if len(source) == 1:
                previous = source[0]
            else:  # the event names where the row came from: read it under the row lock
                previous = (
                    self.model.objects.select_for_update()
                    .filter(pk=pk, **{f"{self.field}__in": source})
                    .values_list(self.field, flat=True)
                    .first()
                )
                if previous is None:
                    return False
            rows = self.model.objects.filter(pk=pk, **{self.field: previous}, **(where or {}))
            if not rows.update(**{self.field: target}, **fields):
                return False
            self.record(pk, target, reason, previous=previous, actor=actor)
        return True

    def record(self, pk: Any, target: str, reason: str, *, previous: str = "", actor: str = "") -> None:
        """The event of a step (also of a row created in its first status)."""
        self.event.objects.create(
            **{f"{self.owner}_id": pk},
            from_status=previous,
            to_status=target,
            reason=sentence(reason),
            worker_id=actor[:200],
        )


def wake_after_commit(send: Callable[[], object], what: str) -> None:
    """Call `send` (which queues a django-q2 task) once the transaction commits."""
    transaction.on_commit(partial(_wake, send, what))


def _wake(send: Callable[[], object], what: str) -> None:
    try:
        send()
    except Exception:
        # The row is stored and waiting: the sweeper queues it again once the broker is back.
        log.exception("Could not queue %s; the sweeper will queue it again", what)

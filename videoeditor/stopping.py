"""SIGTERM during a worker's job (an export rendering, a clip being cut): stop the
job cleanly and give it back to the queue, instead of dying mid-write."""

from __future__ import annotations

import logging
import os
import signal
import threading

log = logging.getLogger(__name__)


class StopSignal:
    """While a job runs, SIGTERM asks it to stop (ffmpeg killed, files removed, the
    job given back) instead of killing the process mid-write; once the job is
    handled the signal is delivered again with its previous handler."""

    def __init__(self) -> None:
        self.received = False
        self.previous = None
        self.active = threading.current_thread() is threading.main_thread()

    def __enter__(self) -> StopSignal:
        if self.active:
            self.previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        log.warning("SIGTERM during a job: stopping it and giving it back to the queue")
        self.received = True

    def __exit__(self, *exc) -> None:
        if self.active:
            signal.signal(signal.SIGTERM, self.previous)

    def deliver(self) -> None:
        if self.active:
            os.kill(os.getpid(), signal.SIGTERM)

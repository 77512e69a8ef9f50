"""Stopping a django-q2 cluster (`manage.py qcluster`) without losing the jobs it runs:
the systemd worker unit's ExecStop (`python -m videoeditor.serve stop-cluster PID`)
and `make run` (videoeditor/stack.py) both stop theirs with stop_cluster().

On SIGTERM qcluster's leader only tells its sentinel to stop: the sentinel stops its
pusher (no new tasks), puts a STOP pill in the queue for each worker and waits for the
workers to finish what they run. It never signals them, so a render of minutes would
outlast any stop timeout and be killed, costing one of the job's attempts. Our jobs
handle SIGTERM themselves (videoeditor.stopping.StopSignal: the job goes back to the
queue, the attempt not counted, then the process ends), so once the sentinel is past
its guard loop (which would start a new worker in place of one that ends) each worker
busy with such a job is sent SIGTERM; idle workers read their pill as usual.

Which process is which comes from /proc (Linux; elsewhere only the leader is signalled,
as qcluster expects): the sentinel is the leader's child, the workers, monitor and
pusher are the sentinel's children, and a worker inside a StopSignal is the one among
them that catches SIGTERM (the sentinel sets SIGTERM to its default action, which its
children inherit; only StopSignal installs a handler). Idle workers, the monitor and
the pusher must not get SIGTERM: it would kill them, possibly while holding a queue's
lock, and leave the sentinel waiting for ever.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
# The sentinel's guard loop wakes every 0.5 s (django-q2's GUARD_CYCLE) and its pusher
# blocks up to 1 s in Redis's BLPOP, so the pusher has normally ended within 1.5 s.
GUARD_STOP_SECONDS = 3.0
POLL_SECONDS = 0.05


class NotACluster(Exception):
    """The PID given is not a running qcluster leader; the message says why."""


def stop_cluster(leader: int, timeout: float, running: Callable[[], bool] | None = None) -> bool:
    """Stop the cluster whose leader is `leader` in order and wait up to `timeout`
    seconds for the leader to exit; True when it did. `running` tells whether the
    leader still runs (a parent passes its Popen's poll, which also reaps it)."""
    running = running or (lambda: _alive(leader))
    deadline = time.monotonic() + timeout
    sentinels = _children(leader)
    before = {pid for sentinel in sentinels for pid in _children(sentinel)}
    with contextlib.suppress(ProcessLookupError):
        os.kill(leader, signal.SIGTERM)

    # Wait for the guard loop to end. Until its STOP pills, the only child a stopping
    # sentinel lets end is its pusher, and it stops the pusher only once out of the
    # guard loop; so the first of its children to end marks that moment. (Should a
    # worker end by itself meanwhile, a job may be handed back a little early and come
    # back to this cluster once more: it is then handed back again below.)
    guard_ends = min(deadline, time.monotonic() + GUARD_STOP_SECONDS)
    while running() and before and time.monotonic() < guard_ends:
        if any(not _alive(pid) for pid in before):
            break
        time.sleep(POLL_SECONDS)

    # Until the leader exits: SIGTERM, once, each worker in one of our jobs. Checked
    # again every poll: a worker may start a task already queued before its pill.
    signalled: set[int] = set()
    while running():
        if time.monotonic() >= deadline:
            return False
        for sentinel in sentinels:
            for pid in _children(sentinel):
                if pid not in signalled and _catches_sigterm(pid):
                    signalled.add(pid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
        time.sleep(POLL_SECONDS)
    return True


def check_leader(pid: int) -> None:
    """Raise NotACluster with a sentence unless `pid` runs `manage.py qcluster`."""
    if not _alive(pid):
        raise NotACluster(f"No process with PID {pid} is running; there is no cluster to stop.")
    if not PROC.is_dir():
        return  # no way to tell here; trust the caller
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        argv = []
    # any argument: setproctitle, when installed, makes the title one "qcluster ..." string
    if not any(b"qcluster" in part for part in argv):
        command = " ".join(part.decode(errors="replace") for part in argv if part) or "unknown"
        raise NotACluster(
            f"Process {pid} is not a qcluster leader (it runs {command!r}); nothing was stopped."
        )


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # the state follows the command name, which is in parentheses and may hold any byte
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _children(pid: int) -> list[int]:
    """The running children of `pid` ([] where /proc cannot tell)."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(PROC):
            if not entry.name.isdigit():
                continue
            try:
                stat = (PROC / entry.name / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state not in ("Z", "X"):
                found.append(int(entry.name))
    return found


def _catches_sigterm(pid: int) -> bool:
    """Whether `pid` has a handler for SIGTERM (SigCgt, the mask of caught signals)."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False

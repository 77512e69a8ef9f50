"""Delivery latency of notify() to live sockets, against a bare channel-layer send.

A real web process (uvicorn, its log under VAR_DIR) holds BENCH_SOCKETS (default
1000) authenticated sockets on /ws/notifications, one user each. This process
sends BENCH_MESSAGES (default 1000) notify() calls and as many baseline sends, the
two kinds shuffled together, one send every BENCH_INTERVAL_MS (default 10), each
to the next user in turn, and times each from just before the call to its
arrival on that user's socket. The baseline is a bare `group_send` of the same
message shape to the same groups, through the same long-lived push loop
notify() uses after its commit, so the ratio is notify()'s own cost: the stored
row, the seq, on_commit.

This process plays the browsers: it holds the sockets and notes each arrival.
The sends run in a separate sender process (its own django.setup(), the same
database and Redis), paced there, from SEND_THREADS worker threads, as notify()
runs in a web or django-q2 worker process in production, never in the browser:
in this process, notify()'s Python and ORM work would hold the GIL that the
sockets' event loop needs, and delay the arrivals it times. Both processes read
time.perf_counter(), CLOCK_MONOTONIC on Linux, one clock for the whole machine:
the sender reports when each call started and how long it took.

Targets: p99 under 200 ms at 1000 sockets, and p99 at most 1.5x the baseline's.
A message not received within LOSS_TIMEOUT seconds, a socket the server closed
and an error the web process logged are each reported on a FAIL line.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import os
import random
import statistics
import time
import traceback
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connections, transaction
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench import servers
from notifications.service import notify, push_loop, user_group

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "1000"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000"))
INTERVAL = float(os.environ.get("BENCH_INTERVAL_MS", "10")) / 1000
WARMUP = 20  # messages of each kind before timing: connections, caches
CONNECT_CONCURRENCY = 50
SEND_THREADS = 8
LOSS_TIMEOUT = 5.0  # seconds after a send returns
KEEPALIVE_SECONDS = 30.0  # the consumer drops sockets silent for 70 s
DEADLINE_SECONDS = float(os.environ.get("BENCH_DEADLINE_S", "300"))
P99_TARGET_MS = 200.0
RATIO_TARGET = 1.5
BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class Latency:
    """A latency figure against its baseline, in milliseconds."""

    name: str
    ours_ms: float
    baseline_ms: float
    verdict: str = ""

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms if self.baseline_ms else float("inf")

    def line(self) -> str:
        line = f"{self.name:<44} {self.ours_ms:>8.1f}ms {self.baseline_ms:>8.1f}ms {self.ratio:>6.2f}x"
        return f"{line}  {self.verdict}" if self.verdict else line


@dataclass
class Note:
    """A line that is not a timing: setup facts, targets, failures."""

    text: str

    def line(self) -> str:
        return self.text


@dataclass
class Sent:
    bench_id: int
    kind: str
    user_id: int
    started: float = 0.0  # perf_counter just before the call, in the sender process
    call_s: float = 0.0  # how long the call itself took
    received: float | None = None


@dataclass
class Run:
    sockets: dict[int, ClientConnection] = field(default_factory=dict)
    sent: dict[int, Sent] = field(default_factory=dict)
    misdelivered: int = 0
    duplicates: int = 0
    dropped: list[int | None] = field(default_factory=list)  # close codes of sockets the server closed
    closing: bool = False
    next_id: int = 0


# --- Setup: database, users, sessions ----------------------------------------------------------


def create_users(count: int) -> list[tuple[int, str]]:
    """`count` users with unusable passwords, each with a logged-in session;
    returns (user id, session key) pairs."""
    user_model = get_user_model()
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    user_model.objects.bulk_create(
        [user_model(username=f"{prefix}{i}", password=make_password(None)) for i in range(count)],
        batch_size=500,
    )
    users = list(user_model.objects.filter(username__startswith=prefix).order_by("pk"))
    store_class = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    pairs = []
    with transaction.atomic():
        for user in users:
            session = store_class()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = BACKEND
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            pairs.append((user.pk, session.session_key))
    return pairs


def delete_users(user_ids: list[int]) -> None:
    """Leave a shared database (DATABASE_URL) as it was; sessions expire by themselves."""
    with transaction.atomic():
        get_user_model().objects.filter(pk__in=user_ids).delete()


# --- Sockets ------------------------------------------------------------------------------------


async def open_socket(port: int, session_key: str) -> ClientConnection:
    ws = await connect(
        f"ws://{servers.HOST}:{port}/ws/notifications",
        additional_headers={"Cookie": f"sessionid={session_key}"},
        origin=f"http://{servers.HOST}:{port}",
        open_timeout=30,
        ping_interval=None,  # like a browser: the server pings, the client only answers
        close_timeout=5,
        max_queue=None,
    )
    try:
        await ws.send(json.dumps({"type": "hello", "last_seq": None}))
        async with asyncio.timeout(30):
            while json.loads(await ws.recv()).get("type") != "ready":
                pass
    except BaseException:
        await ws.close()
        raise
    return ws


async def read(run: Run, user_id: int, ws: ClientConnection) -> None:
    try:
        async for raw in ws:
            arrived = time.perf_counter()
            message = json.loads(raw)
            bench_id = (message.get("data") or {}).get("bench_id") if isinstance(message, dict) else None
            if bench_id is None:
                continue  # heartbeat, pong, ...
            sent = run.sent.get(bench_id)
            if sent is None or sent.user_id != user_id:
                run.misdelivered += 1
            elif sent.received is not None:
                run.duplicates += 1
            else:
                sent.received = arrived
    except ConnectionClosed:
        pass
    finally:
        if not run.closing:
            run.dropped.append(ws.close_code)


async def keep_alive(run: Run) -> None:
    """A ping from every socket every KEEPALIVE_SECONDS, spread over the interval."""
    while True:
        sockets = list(run.sockets.values())
        pause = KEEPALIVE_SECONDS / max(1, len(sockets))
        for ws in sockets:
            await asyncio.sleep(pause)
            with contextlib.suppress(Exception):
                await ws.send('{"type": "ping"}')


# --- Sending ------------------------------------------------------------------------------------


def message_like_notify(bench_id: int, user_id: int) -> dict[str, Any]:
    """What Notification.to_message() gives for the same notify() call."""
    return {
        "id": str(uuid.uuid4()),
        "seq": bench_id + 1,
        "type": "info",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "title": "bench",
        "message": "",
        "data": {"bench_id": bench_id, "user_id": user_id},
        "progress": None,
        "dismissible": True,
        "auto_dismiss_ms": 5000,
        "actions": [],
    }


def send(bench_id: int, kind: str, user_id: int) -> tuple[int, float, float]:
    """In a worker thread of the sender process: the timed call; returns
    (bench_id, when it started, how long it took)."""
    started = time.perf_counter()
    if kind == "notify":
        notify(user_id, "info", "bench", data={"bench_id": bench_id, "user_id": user_id})
    else:
        push_loop.group_send(
            user_group(user_id),
            {"type": "notification.message", "message": message_like_notify(bench_id, user_id)},
        )
    return bench_id, started, time.perf_counter() - started


def sender(connection: Connection) -> None:
    """The sender process (servers.django_process): for each list of
    (bench_id, kind, user_id) it receives, one call every INTERVAL from a pool of
    SEND_THREADS threads; answers with every call's send() figures once all have
    returned, or with the first error. Ends when the benchmark closes its end."""
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="bench-send") as pool:
        while True:
            sends = connection.recv()
            calls = []
            due = time.perf_counter()
            for bench_id, kind, user_id in sends:
                time.sleep(max(0.0, due - time.perf_counter()))
                # A steady rate: after a stall of this process, no burst to catch up.
                due = max(due, time.perf_counter()) + INTERVAL
                calls.append(pool.submit(send, bench_id, kind, user_id))
            try:
                answer = ("done", [call.result() for call in calls])
            except Exception:
                answer = ("error", traceback.format_exc())
            connection.send(answer)


async def receive(connection: Connection) -> Any:
    """The next object from `connection`, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(connection.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(connection.fileno())
    try:
        return connection.recv()
    except EOFError:
        raise RuntimeError("The sender process exited; its error is above.") from None


async def phase(run: Run, sender: Connection, count: int) -> list[Sent]:
    """`count` sends of each kind, one every INTERVAL (paced by the sender
    process), each to the next user in turn; waits until each has arrived or
    LOSS_TIMEOUT has passed since the calls returned. The kinds alternate, in
    random order within each pair: a stall of any process (a full garbage
    collection in the web process, a busy core) delays as many sends of each kind, by as
    much."""
    rng = random.Random(count)
    kinds = [kind for _ in range(count) for kind in rng.sample(["notify", "group_send"], 2)]
    user_ids = list(run.sockets)
    batch = []
    for kind in kinds:
        bench_id, run.next_id = run.next_id, run.next_id + 1
        sent = run.sent[bench_id] = Sent(bench_id, kind, user_ids[bench_id % len(user_ids)])
        batch.append(sent)
    sender.send([(s.bench_id, s.kind, s.user_id) for s in batch])
    status, answer = await receive(sender)
    if status != "done":
        raise RuntimeError(f"A send failed in the sender process:\n{answer}")
    for bench_id, started, call_s in answer:
        run.sent[bench_id].started, run.sent[bench_id].call_s = started, call_s
    loop = asyncio.get_running_loop()
    give_up = loop.time() + LOSS_TIMEOUT
    while loop.time() < give_up and any(s.received is None for s in batch):
        await asyncio.sleep(0.02)
    return batch


def web_errors(log_path: Path) -> list[str]:
    """The errors the web process logged, one line each."""
    with contextlib.suppress(OSError), log_path.open(errors="replace") as log:
        return [line.split(": ", 1)[-1].strip() for line in log if " ERROR " in line]
    return []


# --- Figures ------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def latencies_ms(batch: list[Sent]) -> list[float]:
    return [(s.received - s.started) * 1000 for s in batch if s.received is not None]


def stalls(batch: list[Sent], over_ms: float = 50.0) -> tuple[int, int, float]:
    """Sends that arrived more than `over_ms` after their call returned: how many,
    in how many runs of consecutive sends, and the longest such wait (ms)."""
    waits = [
        (s.received - s.started - s.call_s) * 1000 if s.received is not None else float("inf") for s in batch
    ]
    late = [wait > over_ms for wait in waits]
    runs = sum(1 for i, is_late in enumerate(late) if is_late and (i == 0 or not late[i - 1]))
    return sum(late), runs, max((w for w in waits if w != float("inf")), default=0.0)


def report(run: Run, notified: list[Sent], baseline: list[Sent], connect_s: float, errors: list[str]) -> list:
    sockets = len(run.sockets)
    ours, base = latencies_ms(notified), latencies_ms(baseline)
    ours_call = [s.call_s * 1000 for s in notified]
    base_call = [s.call_s * 1000 for s in baseline]
    p99, base_p99 = percentile(ours, 99), percentile(base, 99)
    ratio = p99 / base_p99 if base_p99 else float("inf")
    results: list = [
        Note(
            f"notifications: {sockets}/{SOCKETS} sockets open in {connect_s:.1f} s, "
            f"{len(notified)} notify + {len(baseline)} group_send, one every {INTERVAL * 1000:g} ms"
        ),
        Latency(f"notify to socket p50, {sockets} sockets", percentile(ours, 50), percentile(base, 50)),
        Latency(
            f"notify to socket p99, {sockets} sockets",
            p99,
            base_p99,
            f"target p99 < {P99_TARGET_MS:g} ms: {'met' if p99 < P99_TARGET_MS else 'MISSED'}; "
            f"ratio <= {RATIO_TARGET:g}x: {'met' if ratio <= RATIO_TARGET else 'MISSED'}",
        ),
        Latency("notify to socket max", max(ours, default=float("nan")), max(base, default=float("nan"))),
        Latency(
            "notify() call p50 (vs group_send call)", percentile(ours_call, 50), percentile(base_call, 50)
        ),
        Latency(
            "notify() call p99 (vs group_send call)", percentile(ours_call, 99), percentile(base_call, 99)
        ),
    ]
    late, runs, longest = stalls(sorted(notified + baseline, key=lambda s: s.started))
    if late:
        results.append(
            Note(
                f"  {late} sends (both kinds) arrived > 50 ms after their call returned, in {runs} "
                f"run(s), longest {longest:.0f} ms: the web process or the machine paused"
            )
        )
    if sockets < SOCKETS:
        results.append(Note(f"FAIL notifications: only {sockets} of {SOCKETS} sockets connected"))
    for name, batch in (("notify", notified), ("group_send", baseline)):
        lost = sum(1 for s in batch if s.received is None)
        if lost:
            results.append(
                Note(f"FAIL {name}: {lost}/{len(batch)} lost (not received within {LOSS_TIMEOUT:g} s)")
            )
    if run.misdelivered or run.duplicates:
        results.append(Note(f"FAIL {run.misdelivered} misdelivered, {run.duplicates} duplicate messages"))
    if run.dropped:
        codes = ", ".join(sorted({str(code) for code in run.dropped}))
        results.append(
            Note(f"FAIL {len(run.dropped)} sockets closed by the server during the run (codes {codes})")
        )
    if errors:
        counts = Counter(errors)
        listed = "; ".join(f"{n} x {text[:100]}" for text, n in counts.most_common(3))
        results.append(Note(f"FAIL the web process logged {len(errors)} errors: {listed}"))
    return results


# --- The run ------------------------------------------------------------------------------------


async def measure(port: int, sessions: list[tuple[int, str]], log_path: Path, sender: Connection) -> list:
    run = Run()
    readers: list[asyncio.Task] = []
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[BaseException] = []

    async def join(user_id: int, session_key: str) -> None:
        async with limit:
            try:
                ws = await open_socket(port, session_key)
            except Exception as error:
                failures.append(error)
                return
        run.sockets[user_id] = ws
        readers.append(asyncio.create_task(read(run, user_id, ws)))

    pinger = None
    try:
        started = time.perf_counter()
        await asyncio.gather(*(join(user_id, key) for user_id, key in sessions))
        connect_s = time.perf_counter() - started
        if not run.sockets:
            raise RuntimeError(f"No socket connected; first error: {failures[0]!r}")
        pinger = asyncio.create_task(keep_alive(run))
        # Django, the sockets and their buffers are long-lived: moved out of the
        # collector's sight, a full collection no longer stalls this process for
        # tens of milliseconds in the middle of a send (both kinds alike).
        gc.collect()
        gc.freeze()
        await phase(run, sender, WARMUP)
        batch = await phase(run, sender, MESSAGES)
        notified = [s for s in batch if s.kind == "notify"]
        baseline = [s for s in batch if s.kind == "group_send"]
        results = report(run, notified, baseline, connect_s, web_errors(log_path))
        if failures:
            results.append(Note(f"  {len(failures)} sockets failed to open, first: {failures[0]!r:.150}"))
        return results
    finally:
        gc.unfreeze()
        if pinger is not None:
            pinger.cancel()
        run.closing = True
        # In batches: a thousand disconnects at once exhaust the web process's
        # Redis connection pool (its group_discard calls fail).
        sockets = list(run.sockets.values())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                for i in range(0, len(sockets), CONNECT_CONCURRENCY):
                    closing = sockets[i : i + CONNECT_CONCURRENCY]
                    await asyncio.gather(*(ws.close() for ws in closing), return_exceptions=True)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def bounded(port: int, sessions: list[tuple[int, str]], log_path: Path, sender: Connection) -> list:
    try:
        async with asyncio.timeout(DEADLINE_SECONDS):
            return await measure(port, sessions, log_path, sender)
    except TimeoutError:
        return [Note(f"FAIL notifications: the benchmark did not finish within {DEADLINE_SECONDS:g} s")]


def run() -> list:
    call_command("migrate", verbosity=0)
    sessions = create_users(SOCKETS)
    port = servers.free_port()
    log_path = Path(settings.VAR_DIR) / f"bench-web-{port}.log"
    try:
        with (
            servers.embedded_redis(),
            servers.web(port, log_path),
            servers.django_process("bench.bench_notifications:sender") as sender,
        ):
            results = asyncio.run(bounded(port, sessions, log_path, sender))
    finally:
        delete_users([user_id for user_id, _ in sessions])
        connections.close_all()
    return results

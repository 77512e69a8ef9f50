"""The README's production topology on one machine: two web processes (A and B), a
`cpu` and a `gpu` django-q2 cluster, all real subprocesses sharing PostgreSQL, the
Redis server and S3 (moto's HTTP server), and nothing else.

The processes start once for the module; each test owns its user and data (the
database is emptied after each test, the processes keep running). A test that stops
a process (web A drained, the cpu cluster killed) leaves a replacement in its place.
At the end, what ran where is written to VAR_DIR/scaleout-report.json (and
SCALEOUT_REPORT, /tmp/scaleout-report.json by default) and shown in the run's output.

Real mode only: in the embedded default there is one process's SQLite, an embedded
Redis and local files, which is not what this test is about."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import psutil
import pytest
import requests
from django.conf import settings
from django.test import Client
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from exports import jobs, liveness
from exports.models import ExportJob, ShareLink
from games.models import Game
from games.objects import object_store
from notifications.models import Notification
from notifications.service import notify
from tests.conftest import PASSWORD
from tests.exports.exporting import ready_project
from tests.helpers import BASE_DIR, eventually
from tests.media import make_video
from tests.servers import Server, free_port, process_env, web_server, worker_process
from videoeditor.stack import WEB_GRACEFUL_SHUTDOWN_SECONDS, web_env

REAL_MODE = (
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    and bool(os.environ.get("REDIS_URL"))
    and bool(os.environ.get("TEST_S3_SERVER"))
)
pytestmark = [
    pytest.mark.skipif(
        not REAL_MODE,
        reason="the scale-out topology needs real mode: DATABASE_URL=postgres://..., REDIS_URL and "
        "TEST_S3_SERVER=moto (CI's real-mode pass)",
    ),
    pytest.mark.django_db(transaction=True),
]

HEARTBEAT = 2  # seconds: the sweeper may act once a killed worker's key is this old
# Every process: gpu work goes to the gpu cluster; one task worker per cluster and
# small outputs keep five processes within two cores.
ENV = {
    "EXPORT_GPU_CLUSTER": "gpu",
    "Q_WORKERS": "1",
    "Q_GPU_WORKERS": "1",
    "EXPORT_HEARTBEAT_SECONDS": str(HEARTBEAT),
    "EXPORT_MAX_ATTEMPTS": "2",
    "OUTPUT_SHORT_SIDE": "240",
}
ENDED = ("complete", "error", "cancelled")


def machine(name: str) -> dict[str, str]:
    """A process's environment as if it ran on a machine of its own: a VAR_DIR of its
    own (no local file, generated key or embedded server to share), and what every
    machine is given alike: the settings above and the one SECRET_KEY (this test's,
    whose sessions the webs must accept)."""
    var_dir = Path(os.environ["VAR_DIR"], "machines", name.replace("#", "-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    return {**ENV, "VAR_DIR": str(var_dir), "SECRET_KEY": settings.SECRET_KEY}


# --- the topology ---------------------------------------------------------------------


class Topology:
    """The running processes, by name: webs "A" and "B", clusters "cpu" and "gpu"
    (the cpu cluster's replacement after a kill is "cpu#2"), and what each did."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self.stack = stack
        self.webs: dict[str, Server] = {}
        self.web_ports: dict[str, int] = {}
        self.clusters: dict[str, subprocess.Popen] = {}
        self.cluster_names: dict[str, str] = {}  # key -> Q_CLUSTER_NAME
        self.ended: list[dict] = []  # processes stopped by a test
        self.pids: dict[int, str] = {}  # task worker pid -> cluster key
        self.jobs: list[dict] = []

    def start_web(self, name: str) -> Server:
        if name in self.webs:  # a stopped one, listed as it was
            before = self.webs[name]
            self.ended.append(
                {
                    "process": f"web {name} (before)",
                    "port": before.port,
                    "pid": before.process.pid,
                    "running": False,
                }
            )
        port = self.web_ports.setdefault(name, free_port())
        self.webs[name] = self.stack.enter_context(
            web_server(port, workers=1, **web_env(machine(f"web-{name}")))
        )
        return self.webs[name]

    def web(self, name: str) -> Server:
        """Web `name`, started again if a test stopped it."""
        if self.webs[name].process.poll() is not None:
            self.start_web(name)
        return self.webs[name]

    def url(self, name: str) -> str:
        return self.web(name).url

    def start_cluster(self, key: str, cluster: str) -> subprocess.Popen:
        env = machine(f"qcluster-{key}")
        self.clusters[key] = self.stack.enter_context(worker_process(Q_CLUSTER_NAME=cluster, **env))
        self.cluster_names[key] = cluster
        return self.clusters[key]

    def refresh_pids(self) -> None:
        for key, process in self.clusters.items():
            with contextlib.suppress(psutil.Error):
                for child in psutil.Process(process.pid).children(recursive=True):
                    self.pids.setdefault(child.pid, key)

    def cluster_of(self, worker_id: str) -> str:
        """The cluster (key) whose process ran as `worker_id` ("host:pid")."""
        self.refresh_pids()
        return self.pids.get(int(worker_id.rsplit(":", 1)[1]), "none of ours")

    def record(self, job: ExportJob) -> None:
        job.refresh_from_db()
        claims = [e.worker_id for e in job.events.filter(to_status="processing").order_by("pk")]
        self.jobs.append(
            {
                "id": job.pk, "type": job.type, "status": job.status, "cluster": job.cluster,
                "worker_id": job.worker_id, "attempts": job.attempts,
                "claimed_by": [{"worker_id": w, "cluster": self.cluster_of(w)} for w in claims],
            }
        )  # fmt: skip

    def report(self) -> dict:
        webs = [
            {"process": f"web {name}", "port": server.port, "pid": server.process.pid,
             "running": server.process.poll() is None}
            for name, server in self.webs.items()
        ]  # fmt: skip
        clusters = []
        for key, process in self.clusters.items():
            claimed = [
                j["id"] for j in self.jobs for c in j["claimed_by"] if c["cluster"] == key
            ]  # fmt: skip
            workers = sorted(pid for pid, owner in self.pids.items() if owner == key)
            clusters.append(
                {"process": f"qcluster {key}", "cluster": self.cluster_names[key], "pid": process.pid,
                 "descendant_pids": workers, "running": process.poll() is None, "jobs_claimed": claimed}
            )  # fmt: skip
        return {"webs": webs + self.ended, "clusters": clusters, "jobs": self.jobs}


def table(report: dict) -> str:
    lines = [f"{'process':<18} {'port/cluster':<13} {'pid':>8}  jobs claimed"]
    for web in report["webs"]:
        state = "" if web.get("running", True) else "  (stopped: drained by SIGTERM)"
        lines.append(f"{web['process']:<18} {web['port']:<13} {web['pid']:>8}  -{state}")
    for cluster in report["clusters"]:
        state = "" if cluster["running"] else "  (killed)"
        jobs_claimed = ", ".join(cluster["jobs_claimed"]) or "-"
        lines.append(
            f"{cluster['process']:<18} {cluster['cluster']:<13} {cluster['pid']:>8}  {jobs_claimed}{state}"
        )
    for job in report["jobs"]:
        lines.append(
            f"job {job['id']} {job['type']}: {job['status']} on cluster {job['cluster']} "
            f"(worker {job['worker_id']}, attempts {job['attempts']})"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def topology(request, django_db_setup, django_db_blocker) -> Iterator[Topology]:
    with django_db_blocker.unblock():
        # The migrations' recurring tasks (the sweeper every minute among them) would run
        # in the cpu cluster at moments of their own; the tests run the sweeper themselves.
        Schedule.objects.all().delete()
    # Wake-ups queued by earlier tests of the run, for rows long gone: not this module's work.
    for cluster in ("cpu", "gpu"):
        get_broker(cluster).purge_queue()
    with contextlib.ExitStack() as stack:
        world = Topology(stack)
        world.start_cluster("cpu", "cpu")
        world.start_cluster("gpu", "gpu")
        world.start_web("A")
        world.start_web("B")
        try:
            yield world
        finally:
            report = world.report()
            text = json.dumps(report, indent=2)
            Path(os.environ["VAR_DIR"], "scaleout-report.json").write_text(text)
            target = os.environ.get("SCALEOUT_REPORT") or str(
                Path(tempfile.gettempdir(), "scaleout-report.json")
            )
            Path(target).write_text(text)
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            capture = request.config.pluginmanager.get_plugin("capturemanager")
            if reporter is not None and capture is not None:
                with capture.global_and_fixture_disabled():  # shown without -s
                    reporter.write_line(f"\nscale-out: what ran where ({target})\n{table(report)}")
            # Stopped together, not one after another (each may take seconds).
            for process in [s.process for s in world.webs.values()] + list(world.clusters.values()):
                if process.poll() is None:
                    process.terminate()


# --- helpers ----------------------------------------------------------------------------


def ended(job_id: str, timeout: float = 90) -> ExportJob:
    def check() -> ExportJob | None:
        job = ExportJob.objects.get(pk=job_id)
        return job if job.status in ENDED else None

    return eventually(check, timeout=timeout, what=f"export {job_id} to end")


def token_api(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return session


def session_cookie(user) -> str:
    """A session made the way a sign-in makes one: a row in the shared database, bound
    to the password hash stored now (a sign-in on a web process may have upgraded it)."""
    browser = Client()
    browser.force_login(type(user).objects.get(pk=user.pk))
    return browser.cookies["sessionid"].value


def socket(web: str, cookie: str) -> ClientConnection:
    ws_url = web.replace("http://", "ws://") + "/ws/notifications"
    return connect(ws_url, origin=web, additional_headers={"Cookie": f"sessionid={cookie}"})


def hello(ws: ClientConnection, last_seq: int | None) -> list[dict]:
    """Say hello; what the server replays before its "ready" (progress and other
    unnumbered messages left out), and the ready itself last."""
    ws.send(json.dumps({"type": "hello", "last_seq": last_seq}))
    received = []
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == "ready":
            return [*received, message]
        if message.get("seq") is not None:
            received.append(message)


def drain(ws: ClientConnection) -> None:
    """Read until the server closes the socket (ConnectionClosed)."""
    while True:
        ws.recv(timeout=10)


def next_notification(ws: ClientConnection, type_: str, job_id: str, timeout: float = 90) -> dict:
    """Numbered notifications arriving live until `type_` for `job_id`."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if (
            message.get("seq") is not None
            and message["type"] == type_
            and message["data"]["job_id"] == job_id
        ):
            return message


def start_export(api: requests.Session, web: str, project, type_: str) -> str:
    response = api.post(f"{web}/api/exports", json={"project_id": project.pk, "type": type_}, timeout=30)
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def decoded_seconds(key: str) -> float:
    """The stored video's length, by decoding every frame."""
    with av.open(object_store().read_location(key)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream)) / float(stream.average_rate)


def bucket_keys(prefix: str) -> list[str]:
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name=os.environ["S3_REGION"],
        aws_access_key_id=os.environ["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["S3_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=os.environ["S3_BUCKET"], Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scaleout-media")


# --- 1. a notification crosses web processes --------------------------------------------


def test_an_export_started_on_web_a_notifies_the_users_socket_on_web_b(topology, alice, media):
    project = ready_project(alice, media, [2.0])
    api = requests.Session()
    # A real sign-in over HTTP on web A: the token endpoint.
    signed_in = api.post(
        f"{topology.url('A')}/api/auth/token", json={"username": "alice", "password": PASSWORD}, timeout=30
    )
    assert signed_in.status_code == 200, signed_in.text
    api.headers["Authorization"] = f"Token {signed_in.json()['token']}"

    with socket(topology.url("B"), session_cookie(alice)) as ws:
        assert hello(ws, None)[-1]["type"] == "ready"
        job_id = start_export(api, topology.url("A"), project, "framing")
        started = next_notification(ws, "export_started", job_id)
        complete = next_notification(ws, "export_complete", job_id)

    job = ended(job_id)
    topology.record(job)
    assert job.status == "complete", job.error
    assert (started["seq"], complete["seq"]) == (1, 2)
    assert complete["data"]["video_id"] == job.working_video_id
    # Sent by a task worker of the cpu cluster: neither web process, nor this test.
    assert topology.cluster_of(job.worker_id) == "cpu"


# --- 2. routing: the upscaler's work to the gpu cluster, the rest to cpu ----------------


def test_an_export_that_wants_the_upscaler_runs_on_the_gpu_cluster_and_nowhere_else(topology, alice, media):
    project = ready_project(alice, media, [2.0])
    api = token_api(alice)

    framing = ended(start_export(api, topology.url("B"), project, "framing"))
    assert framing.status == "complete", framing.error
    final = ended(start_export(api, topology.url("A"), project, "overlay"))
    assert final.status == "complete", final.error
    topology.record(framing)
    topology.record(final)

    # The crop (101 pixels wide from a 320x180 game) is narrower than the 240x426 output.
    assert final.config["upscale_wanted"] is True
    assert final.config["output_size"] == [240, 426]
    assert (framing.cluster, final.cluster) == ("cpu", "gpu")
    for job, cluster in ((framing, "cpu"), (final, "gpu")):
        claims = list(job.events.filter(to_status="processing"))
        assert len(claims) == 1
        assert claims[0].reason == f"claimed by {job.worker_id} of cluster {cluster}"
        assert topology.cluster_of(claims[0].worker_id) == cluster
        # django-q2's own record of the cluster that executed the wake-up task
        # (saved by the cluster's monitor once the task returned: a moment after the job's end)
        executed = eventually(
            lambda job=job: list(Task.objects.filter(name=job.pk).values_list("cluster", flat=True)),
            timeout=30, what="the task's result to be saved",
        )  # fmt: skip
        assert executed == [cluster]
    # The cpu cluster never saw the final video's task; the gpu cluster did.
    assert final.pk not in Path(topology.clusters["cpu"].log_path).read_text()
    assert final.pk in Path(topology.clusters["gpu"].log_path).read_text()
    assert decoded_seconds(final.final_video.file_key) == pytest.approx(2.0, abs=0.1)


def test_the_job_records_the_cluster_that_ran_it_not_the_one_it_was_sent_to(topology, alice, media, settings):
    """A framing export routed to cpu that a gpu worker takes (a queue named wrong, a
    hand-made wake-up): the row and the claim say gpu, where it ran."""
    settings.OUTPUT_SIZES = {**settings.OUTPUT_SIZES, "9:16": (240, 426)}
    project = ready_project(alice, media, [2.0])
    config = jobs.framing_config(project, "framing")
    job = ExportJob.objects.create(owner=alice, project=project, type="framing", config=config, cluster="cpu")
    jobs.JOBS.record(job.pk, "pending", "made by the test")
    job.cluster = "gpu"  # wake the gpu cluster only
    jobs.enqueue(job)

    done = ended(job.pk)
    topology.record(done)
    assert done.status == "complete", done.error
    assert done.cluster == "gpu"
    assert topology.cluster_of(done.worker_id) == "gpu"


# --- 5. stateless web processes ---------------------------------------------------------


def sign_in(web: str, username: str, password: str) -> requests.Session:
    """The sign-in page's form, as a browser sends it (CSRF cookie and field)."""
    browser = requests.Session()
    page = browser.get(f"{web}/accounts/login/", timeout=30)
    assert page.status_code == 200, page.text
    fields = set(re.findall(r'<input[^>]*name="([^"]+)"', page.text))
    name = "login" if "login" in fields else "username"
    answer = browser.post(
        page.url,
        data={name: username, "password": password, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text
    return browser


def test_web_processes_share_sessions_login_throttles_uploads_and_share_limits(topology, alice, media):
    web_a, web_b = topology.url("A"), topology.url("B")

    # A session made by signing in on A is accepted by B (and a fresh client has none).
    browser = sign_in(web_a, "alice", PASSWORD)
    me = browser.get(f"{web_b}/api/me", timeout=30)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "alice"
    assert requests.get(f"{web_b}/api/me", timeout=30).status_code in (401, 403)

    # Failed sign-ins counted on A refuse on B, even with the right password.
    for attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        web = (web_a, web_b)[attempt % 2]
        wrong = requests.post(
            f"{web}/api/auth/token", json={"username": "alice", "password": "nope"}, timeout=30
        )
        assert wrong.status_code == 400, wrong.text
    refused = requests.post(
        f"{web_b}/api/auth/token", json={"username": "alice", "password": PASSWORD}, timeout=30
    )
    assert refused.status_code == 429, refused.text
    assert "Too many failed sign-ins for this account." in refused.json()["detail"]

    # An upload started on A (a part sent straight to the bucket) is completed on B.
    api = token_api(alice)
    game = Game.objects.create(owner=alice, opponent_name="Rovers", game_date="2025-10-04")
    body = make_video(media, seconds=2).read_bytes()
    started = api.post(
        f"{web_a}/api/games/{game.pk}/uploads",
        json={"filename": "match.mp4", "size": len(body), "content_type": "video/mp4"},
        timeout=30,
    )
    assert started.status_code == 201, started.text
    upload_id = started.json()["upload_id"]
    assert started.json()["direct"] is True
    assert started.json()["part_count"] == 1
    target = api.get(f"{web_a}/api/games/{game.pk}/uploads/{upload_id}/parts/1/url", timeout=30).json()
    stored = requests.put(target["url"], data=body, headers=target["headers"], timeout=60)
    assert stored.status_code == 200, stored.text
    parts = api.get(f"{web_b}/api/games/{game.pk}/uploads/{upload_id}/parts", timeout=30).json()["parts"]
    assert [p["number"] for p in parts] == [1]
    complete = api.post(
        f"{web_b}/api/games/{game.pk}/uploads/{upload_id}/complete",
        json={"parts": [{"number": 1, "etag": parts[0]["etag"]}]},
        timeout=60,
    )
    assert complete.status_code == 200, complete.text
    game.refresh_from_db()
    assert game.video_key == started.json()["key"]
    assert object_store().size(game.video_key) == len(body)

    # Share links: tokens that open nothing, guessed on A and on B, count together.
    limit = 20  # exports.share_views.BAD_TOKENS_PER_WINDOW
    for attempt in range(limit):
        web = (web_a, web_b)[attempt % 2]
        assert requests.get(f"{web}/s/guess{attempt:04d}", timeout=30).status_code == 404
    assert requests.get(f"{web_a}/s/guess-more", timeout=30).status_code == 429
    assert not ShareLink.objects.exists()


# --- 3. web A drained with SIGTERM ------------------------------------------------------


def test_a_web_process_sent_sigterm_closes_its_sockets_with_1012_and_the_client_replays_on_b(
    topology, alice, media
):
    project = ready_project(alice, media, [2.0])
    api = token_api(alice)
    cookie = session_cookie(alice)
    web_a = topology.web("A")

    with socket(web_a.url, cookie) as ws:
        assert hello(ws, None)[-1]["last_seq"] == 0
        notify(alice.pk, "info", "Before the restart", "Seen on web A")
        seen = json.loads(ws.recv(timeout=10))
        assert (seen["seq"], seen["title"]) == (1, "Before the restart")

        asked = time.monotonic()
        web_a.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed):
            drain(ws)
    assert ws.close_code == 1012  # "service restart": static/js/notifications.js reconnects
    code = web_a.process.wait(WEB_GRACEFUL_SHUTDOWN_SECONDS + 5)
    drained = time.monotonic() - asked
    # uvicorn ends a graceful shutdown by re-raising the SIGTERM it caught: systemd counts
    # that as a clean stop (as it does exit 0).
    assert code in (0, -signal.SIGTERM), Path(web_a.log_path).read_text()
    assert "Finished server process" in Path(web_a.log_path).read_text()
    assert drained < WEB_GRACEFUL_SHUTDOWN_SECONDS

    # While the client is away, the worker tells the user things (the export started on B).
    job_id = start_export(api, topology.url("B"), project, "framing")
    job = ended(job_id)
    topology.record(job)
    assert job.status == "complete", job.error

    with socket(topology.url("B"), cookie) as ws:
        replayed = hello(ws, 1)

    assert [(m["seq"], m["type"]) for m in replayed[:-1]] == [(2, "export_started"), (3, "export_complete")]
    assert {m["data"]["job_id"] for m in replayed[:-1]} == {job_id}
    assert replayed[-1]["last_seq"] == 3
    assert list(alice.notifications.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]


# --- 4. the cpu cluster killed mid-render -------------------------------------------------


def test_a_cpu_cluster_killed_mid_render_is_replaced_and_the_second_finishes_the_job_once(
    topology, alice, media, settings
):
    # A 6 s clip in 0.25x slow motion (24 s of output, repeated frames) renders for a few
    # seconds at this size: long enough to kill the cluster mid-render.
    settings.OUTPUT_SIZES = {**settings.OUTPUT_SIZES, "9:16": (360, 640)}
    project = ready_project(alice, media, [6.0])
    project.project_clips.update(
        segments={"trim_start": 0.0, "trim_end": 6.0, "splits": [], "speeds": [0.25]}
    )
    project.slow_motion = "repeat"
    project.save(update_fields=["slow_motion"])
    job_id = jobs.submit(alice, project, "framing").pk

    def rendering() -> ExportJob | None:
        job = ExportJob.objects.get(pk=job_id)
        beating = (liveness.alive([job_id]) or {}).get(job_id, 0) > 0
        return job if job.status == "processing" and job.attempts == 1 and beating else None

    first = eventually(rendering, what="the first attempt to render")
    topology.refresh_pids()
    assert topology.cluster_of(first.worker_id) == "cpu"
    killed = topology.clusters["cpu"]
    os.killpg(killed.pid, signal.SIGKILL)  # the whole cluster: leader, task worker, ffmpeg
    killed.wait()
    second = topology.start_cluster("cpu#2", "cpu")
    eventually(lambda: not liveness.alive([job_id]), timeout=HEARTBEAT * 3, what="the heartbeat to expire")
    time.sleep(0.2)  # started_at is then older than the heartbeat too

    sweep = subprocess.run(
        [sys.executable, "manage.py", "cleanup_stale_exports"],
        cwd=BASE_DIR, env=process_env(**machine("sweeper")), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    assert "queued again (attempt 1 of 2)" in sweep.stdout, sweep.stdout
    done = ended(job_id, timeout=120)
    topology.record(done)

    assert done.status == "complete", done.error
    assert done.attempts == 2
    assert topology.cluster_of(done.worker_id) == "cpu#2"
    assert second.poll() is None
    completes = Notification.objects.filter(owner=alice, type="export_complete", data__job_id=job_id)
    assert completes.count() == 1
    # One object for the job: the second attempt's; the killed one left nothing behind.
    assert bucket_keys(f"exports/{alice.pk}/{project.pk}/{job_id}-") == [done.working_video.file_key]
    assert done.working_video.file_key.endswith("-a2-working.mp4")
    assert decoded_seconds(done.working_video.file_key) == pytest.approx(24.0, abs=0.1)

"""Schema fuzzing: schemathesis sends generated requests, valid and invalid, to every
operation of the live API (the product's own web process, the schema it serves), as a
user who has a game, clips, a project, an upload, an export, a final video and a
notification, and checks that no answer is a server error and that every status and
body is one the schema documents.

No documented operation is left out: the upload endpoints (a game's video, a part's
bytes) get small generated bodies, which exercise their refusals (no name, not a
video, wrong size) without storing gigabytes. Not fuzzed: Uppy's Companion routes
(/api/uppy/s3/..., another protocol, kept out of the schema; tests/games/test_uppy.py)
and the notification socket (tests/notifications)."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import requests
import schemathesis
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import SerializationNotPossible
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from exports import jobs, projects, shares
from exports.models import ReviewKind, ReviewVideo
from games import uploads
from games.models import Clip, Game
from notifications.service import notify
from tests.servers import free_port, web_process

pytestmark = pytest.mark.django_db(transaction=True)

MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Random examples per operation and per mode (valid, invalid): 60 operations x 2 x 12,
# about 1,300 requests on top of some 2,500 boundary cases, keeps the test under two
# minutes on a 2-core machine. SCHEMATHESIS_EXAMPLES=200 runs deeper.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
SECONDS: Counter[str] = Counter()  # server time by operation
STATUSES: Counter[str] = Counter()  # answers by class: 2xx, 3xx, 4xx, 5xx
TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\n(?:[ \t].*\n)+.*$", re.MULTILINE)
VIDEO = {"size": 16, "duration": 14.5, "width": 1080, "height": 1920, "fps": 29.97}


def stored(name: str) -> str:
    """A 16-byte stand-in for a video: these requests never decode one."""
    return default_storage.save(name, ContentFile(b"0123456789abcdef"))


def user_with_data(user) -> dict[str, object]:
    """Everything an operation's path can name, so generated requests also reach
    real rows, not only 404s. Returns the ids by path parameter name."""
    game = Game.objects.create(
        owner=user, opponent_name="Rovers", game_date=date(2025, 10, 4), video_status="ready",
        video_key=stored(f"users/{user.pk}/match.mp4"),
        video_duration=1800.0, video_width=1920, video_height=1080, video_fps=25.0,
    )  # fmt: skip
    # Already cut, so that an export can be submitted without a worker.
    clips = [
        Clip.objects.create(
            game=game, start_time=end - 15, end_time=end, rating=rating, tags=tags,
            extraction_status="ready", file_key=stored(f"users/{user.pk}/clips/{end}.mp4"),
        )
        for end, rating, tags in [(60, 4, ["Goal"]), (200, 3, ["Pass"]), (400, 2, ["Tackle"])]
    ]  # fmt: skip
    project = projects.create_project(user, "Rovers reel", "9:16", clips)
    projects.record_working_video(project, file_key=stored(f"users/{user.pk}/framed.mp4"), **VIDEO)
    final = projects.record_final_video(project, file_key=stored(f"users/{user.pk}/final.mp4"), **VIDEO)
    job = jobs.submit(user, project, "multi_clip")
    review = ReviewVideo.objects.create(
        owner=user, kind=ReviewKind.GAME_REVIEW, game=game, title="Game review — Vs Rovers", version=1,
        file_key=stored(f"users/{user.pk}/review.mp4"), **VIDEO,
    )  # fmt: skip
    link = shares.create_link(user, review, expires_in_days=7)
    uploading = Game.objects.create(owner=user, opponent_name="Wanderers")
    session = uploads.start_multipart(uploading, "match.mp4", "video/mp4", 12_000_000)
    notification = notify(user, "info", "Welcome", "Fuzzing starts.")
    return {
        "game_id": game.pk,
        "clip_id": clips[0].pk,
        "project_id": project.pk,
        "project_clip_id": project.project_clips.first().pk,
        "video_id": final.pk,
        "job_id": str(job.pk),
        "notification_id": str(notification.pk),
        "upload_id": str(session.pk),
        "upload_game_id": uploading.pk,
        "number": 1,
        "review_id": review.pk,
        "share_id": link.pk,
    }


def real_ids(operation, ids: dict[str, object]) -> dict[str, object]:
    names = {p.name for p in operation.path_parameters}
    chosen = {name: ids[name] for name in names if name in ids}
    if "upload_id" in names:  # an upload belongs to its own game
        chosen["game_id"] = ids["upload_game_id"]
    return chosen


def test_the_live_api_answers_every_generated_request_as_its_schema_says(alice, capsys):
    # given
    ids = user_with_data(alice)
    auth = {"Authorization": f"Token {Token.objects.create(user=alice).key}"}
    sent: Counter[str] = Counter()
    failures: dict[tuple[str, str], str] = {}

    port = free_port()
    with web_process(port) as url, requests.Session() as session:
        schema = schemathesis.openapi.from_url(f"{url}/api/schema/", headers=auth)
        operations = [result.ok() for result in schema.get_all_operations()]
        # Deletions last, so that the other operations still find the rows; signing out
        # everywhere after them, since it ends the token every request sends.
        operations.sort(
            key=lambda op: (op.path.endswith("/logout-everywhere"), op.method.upper() == "DELETE")
        )

        # when
        for operation in operations:
            call = Caller(url, session, auth, operation.label, sent, failures)
            # Boundary cases first (schemathesis's coverage phase: each value at its
            # limits, missing, of another type), then random valid and invalid requests.
            generation = schema.config.generation_for(operation=operation)
            for case in schema.iter_coverage_cases(
                operation, generation_modes=MODES, generation_config=generation
            ):
                call(case)
            for mode in MODES:
                try:
                    fuzz(operation, mode, real_ids(operation, ids), call)
                except Unsatisfiable:
                    # Nothing to make invalid (no parameters, no body): positive mode covers it.
                    assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
        server_log = (Path(os.environ["VAR_DIR"]) / f"web-{port}.log").read_text(errors="replace")

    # then
    total = sum(sent.values())
    # Shown even when the test passes: the figures CI reports.
    with capsys.disabled():
        answers = ", ".join(f"{n} {kind}" for kind, n in sorted(STATUSES.items()))
        print(
            f"\nschemathesis: {total} requests, {len(sent)} operations ({answers}), {len(failures)} failures"
        )
        print("slowest:", ", ".join(f"{label} {s:.1f} s" for label, s in SECONDS.most_common(6)))
    report = "\n".join(
        f"{label}: {title}\n    {example}" for (label, title), example in sorted(failures.items())
    )
    # The server's own tracebacks, one of each kind, say where a 500 came from.
    tracebacks = {block.splitlines()[-1]: block for block in TRACEBACK.findall(server_log)}
    report += "\n" + "\n".join(tracebacks.values())[-8000:]
    assert len(sent) == len(operations)
    assert not failures, f"{len(failures)} failures in {total} requests:\n{report}"


def fuzz(operation, mode: schemathesis.GenerationMode, fixed_ids: dict[str, object], call) -> None:
    """EXAMPLES generated requests, half of them naming rows that exist."""
    strategy = st.one_of(operation.as_strategy(mode), operation.as_strategy(mode, path_parameters=fixed_ids))

    # No shrinking: a failure is recorded with its example, not raised, so the run goes on.
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def exercise(case) -> None:
        call(case)

    exercise()


class Caller:
    """Sends a case to the live server and records what the checks found."""

    def __init__(self, url, session, auth, label, sent: Counter, failures: dict) -> None:
        self.url, self.session, self.auth, self.label = url, session, auth, label
        self.sent, self.failures = sent, failures
        self.seconds = SECONDS

    def __call__(self, case) -> None:
        try:
            response = case.call(base_url=self.url, session=self.session, headers=self.auth)
        except SerializationNotPossible:
            # A body for a media range ("video/*") has no wire form; the operation's
            # application/octet-stream cases send the same bytes.
            return
        self.sent[self.label] += 1
        STATUSES[f"{response.status_code // 100}xx"] += 1
        self.seconds[self.label] += response.elapsed
        try:
            case.validate_response(response, checks=CHECKS, headers=self.auth)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures.setdefault((self.label, failure.title), _brief(case, response))


def _brief(case, response) -> str:
    body = response.text[:300].replace("\n", " ")
    sent = case.body if not isinstance(case.body, bytes) else case.body[:60]
    sent = "" if type(sent).__name__ == "NotSet" else str(sent)[:300]
    return (
        f"{case.method} {case.formatted_path} query={case.query} body={sent} -> {response.status_code} {body}"
    )

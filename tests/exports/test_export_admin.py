"""Staff triage export jobs in the admin: find them, read their history, and cancel,
retry or fail them through the domain (exports.jobs), never by writing a status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from exports import jobs
from exports.admin import humanise
from exports.models import ExportEvent, ExportJob, FinalVideo, Project, WorkingVideo
from notifications.models import Notification

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/exports/exportjob/"


def make_job(owner, project_name="Rovers reel", **fields) -> ExportJob:
    project = Project.objects.create(owner=owner, name=project_name)
    fields = {"type": "framing", "cluster": "cpu", **fields}
    job = ExportJob.objects.create(owner=owner, project=project, **fields)
    ExportEvent.objects.create(job=job, to_status="pending", reason=f"submitted by {owner}")
    return job


def change_url(job: ExportJob) -> str:
    # The admin escapes "_" in keys (export_22... would read as export" otherwise).
    return reverse("admin:exports_exportjob_change", args=[quote(job.pk)])


def change_page(admin_client, job: ExportJob) -> str:
    response = admin_client.get(change_url(job))
    assert response.status_code == 200
    return response.content.decode()


def act(admin_client, action: str, *selected: ExportJob, **extra):
    return admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [job.pk for job in selected], **extra}
    )


def told(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(response.wsgi_request)]


def reasons(job: ExportJob) -> list[str]:
    return list(job.events.values_list("reason", flat=True))


@pytest.fixture
def pending(alice) -> ExportJob:
    return make_job(alice)


@pytest.fixture
def complete(bob) -> ExportJob:
    now = timezone.now()
    return make_job(
        bob, "City cup", type="overlay", status="complete", cluster="gpu", attempts=1, upscaler="realesrgan",
        started_at=now - timedelta(seconds=100), completed_at=now - timedelta(seconds=40),
    )  # fmt: skip


def test_the_list_finds_jobs_by_filter_and_search(admin_client, pending, complete):
    ExportJob.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - timedelta(minutes=3, seconds=5)
    )

    everything = admin_client.get(CHANGELIST).content.decode()
    pendings = admin_client.get(f"{CHANGELIST}?status=pending").content.decode()
    on_gpu = admin_client.get(f"{CHANGELIST}?cluster=gpu").content.decode()
    by_email = admin_client.get(f"{CHANGELIST}?q=bob@example.com").content.decode()
    by_project = admin_client.get(f"{CHANGELIST}?q=rovers").content.decode()
    by_id = admin_client.get(f"{CHANGELIST}?q={complete.pk}").content.decode()

    assert pending.pk in everything
    assert complete.pk in everything
    for name in ("status", "type", "cluster", "created at"):
        assert f'data-filter-title="{name}"' in everything
    assert "3 min" in everything  # pending's age; complete's run took 100 - 40 s
    assert "1 min" in everything
    assert "realesrgan" in everything
    assert pending.pk in pendings
    assert complete.pk not in pendings
    assert complete.pk in on_gpu
    assert pending.pk not in on_gpu
    assert complete.pk in by_email
    assert pending.pk not in by_email
    assert pending.pk in by_project
    assert complete.pk not in by_project
    assert complete.pk in by_id
    assert pending.pk not in by_id


def test_the_list_shows_how_long_a_processing_job_has_run(admin_client, alice):
    make_job(alice, status="processing", attempts=1, started_at=timezone.now() - timedelta(seconds=90))

    page = admin_client.get(f"{CHANGELIST}?o=9").content.decode()  # sorted by age too

    assert "running 1 min" in page


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (40, "40 s"), (180, "3 min"), (3600, "1 h"), (3900, "1 h 5 min"), (90000, "1 d 1 h")],
)
def test_spans_read_at_a_glance(seconds, text):
    assert humanise(timedelta(seconds=seconds)) == text


def test_the_list_offers_the_triage_actions_only(admin_client, pending):
    page = admin_client.get(CHANGELIST).content.decode()

    for action in ("cancel_selected", "retry_selected", "mark_failed"):
        assert f'value="{action}"' in page
    assert 'value="delete_selected"' not in page
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_cancel_ends_active_jobs_through_the_domain(admin_client, alice, pending):
    processing = make_job(alice, "Second", status="processing", attempts=1, started_at=timezone.now())

    response = act(admin_client, "cancel_selected", pending, processing)

    assert response.status_code == 302
    for job in (pending, processing):
        job.refresh_from_db()
        assert job.status == "cancelled"
        assert job.completed_at is not None
        assert reasons(job)[-1] == "cancelled by admin"
    assert told(response) == [(messages.SUCCESS, "2 exports cancelled.")]


def test_cancel_of_an_ended_job_is_refused_and_changes_nothing(admin_client, complete):
    before = complete.completed_at

    response = act(admin_client, "cancel_selected", complete)

    complete.refresh_from_db()
    assert response.status_code == 302
    assert (complete.status, complete.completed_at) == ("complete", before)
    assert reasons(complete) == ["submitted by bob"]
    assert told(response) == [
        (
            messages.WARNING,
            f"{complete.pk}: This export already ended (complete); there is nothing to cancel.",
        )
    ]


def test_retry_queues_an_ended_job_again_and_refuses_an_active_one(
    admin_client, alice, pending, django_capture_on_commit_callbacks
):
    failed = make_job(
        alice, "Broken", status="error", error="The worker stopped.", attempts=2, worker_id="host:1",
        started_at=timezone.now(), completed_at=timezone.now(),
    )  # fmt: skip

    with django_capture_on_commit_callbacks() as woken:
        response = act(admin_client, "retry_selected", failed, pending)

    failed.refresh_from_db()
    pending.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error, failed.worker_id) == ("pending", 0, "", "")
    assert failed.started_at is None
    assert failed.completed_at is None
    assert reasons(failed)[-1] == "retried by admin after 2 attempt(s)"
    assert len(woken) == 1  # a worker is woken for the retried job only
    assert pending.status == "pending"
    assert reasons(pending) == ["submitted by alice"]
    assert told(response) == [
        (
            messages.WARNING,
            f"{pending.pk}: Only failed or cancelled exports can be retried; this one is pending.",
        ),
        (messages.SUCCESS, "1 export queued again."),
    ]


def test_mark_failed_asks_for_a_reason_first(admin_client, pending):
    response = act(admin_client, "mark_failed", pending)

    assert response.status_code == 200
    assert "admin/exports/exportjob/mark_failed.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert pending.pk in page
    assert 'name="reason"' in page
    assert 'name="apply"' in page
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize("reason", ["", "   "])
def test_mark_failed_without_a_reason_stays_on_the_form(admin_client, pending, reason):
    response = act(admin_client, "mark_failed", pending, apply="yes", reason=reason)

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert "This field is required." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert reasons(pending) == ["submitted by alice"]


def test_mark_failed_refuses_a_reason_too_long_for_the_error(admin_client, pending):
    response = act(admin_client, "mark_failed", pending, apply="yes", reason="x" * 501)

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_mark_failed_ends_active_jobs_with_that_error(admin_client, alice, pending, complete):
    processing = make_job(alice, "Second", status="processing", attempts=1, started_at=timezone.now())
    sentence = "The source video is corrupt; upload it again."

    response = act(admin_client, "mark_failed", pending, processing, complete, apply="yes", reason=sentence)

    assert response.status_code == 302
    for job in (pending, processing):
        job.refresh_from_db()
        assert (job.status, job.error) == ("error", sentence)
        assert reasons(job)[-1] == f"{sentence} (admin)"
    complete.refresh_from_db()
    assert (complete.status, complete.error) == ("complete", "")
    assert (
        Notification.objects.filter(owner=alice, type="export_failed", message__contains=sentence).count()
        == 2
    )
    assert told(response) == [
        (
            messages.WARNING,
            f"{complete.pk}: This export already ended (complete); "
            "only pending or processing exports can be marked failed.",
        ),
        (messages.SUCCESS, "2 exports marked failed."),
    ]


def test_the_change_page_shows_the_config_escaped_and_the_history(admin_client, alice):
    job = make_job(
        alice, config={"project_name": "<script>alert(1)</script>", "quality": "fast"}, status="error",
        error="The worker stopped.",
    )  # fmt: skip
    ExportEvent.objects.create(
        job=job, from_status="pending", to_status="processing", reason="claimed by host:7", worker_id="host:7"
    )

    page = change_page(admin_client, job)

    assert "<script>alert(1)" not in page
    assert '<pre style="white-space: pre-wrap">{\n  &quot;project_name&quot;: ' in page
    assert "&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in page
    assert "claimed by host:7" in page
    assert "submitted by alice" in page
    assert "The worker stopped." in page
    assert 'name="_save"' not in page  # read-only: nothing to save
    assert 'name="events-MAX_NUM_FORMS" value="0"' in page  # no events added here
    assert "events-0-DELETE" not in page


def test_a_job_id_the_admin_must_escape_opens_from_the_list(admin_client, alice):
    job = make_job(alice, id="export_22" + "0" * 30)  # "_22" is the admin's escape of a quote

    listing = admin_client.get(CHANGELIST).content.decode()

    assert f'href="{change_url(job)}"' in listing
    assert job.pk in change_page(admin_client, job)


def test_the_change_page_links_the_output_file(admin_client, alice, bob):
    framed = make_job(alice, status="complete")
    framed.working_video = WorkingVideo.objects.create(
        project=framed.project,
        version=1,
        file_key="w.mp4",
        size=10,
        duration=12.0,
        width=120,
        height=214,
        fps=25,
    )
    framed.save()
    final = make_job(bob, "Final", type="overlay", status="complete")
    final.final_video = FinalVideo.objects.create(
        project=final.project,
        version=3,
        file_key="f.mp4",
        size=10,
        duration=8.25,
        width=120,
        height=214,
        fps=25,
    )
    final.save()
    waiting = make_job(alice, "Waiting")

    framed_page = change_page(admin_client, framed)
    final_page = change_page(admin_client, final)
    waiting_page = change_page(admin_client, waiting)

    assert (
        f'href="/api/projects/{framed.project_id}/working-video/file">Rovers reel v1 (120x214, 12.0 s)'
        in (framed_page)
    )
    assert f'href="/api/downloads/{final.final_video_id}/file">Final v3 (120x214, 8.2 s)' in final_page
    assert "/file" not in waiting_page
    assert "—" in waiting_page


def test_staff_who_may_only_view_jobs_get_no_actions(client, pending):
    viewer = User.objects.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_exportjob"))
    client.force_login(viewer)

    page = client.get(CHANGELIST)
    response = client.post(CHANGELIST, {"action": "cancel_selected", "_selected_action": [pending.pk]})

    assert page.status_code == 200
    assert pending.pk in page.content.decode()
    assert 'value="cancel_selected"' not in page.content.decode()
    pending.refresh_from_db()
    assert response.status_code == 200  # no actions: the post just shows the list
    assert pending.status == "pending"


def test_django_q_admin_pages_stay_available(admin_client):
    assert admin_client.get("/admin/django_q/schedule/").status_code == 200
    assert admin_client.get("/admin/django_q/failure/").status_code == 200


def test_an_unexpected_error_is_reported_not_a_500(admin_client, alice, pending, monkeypatch):
    other = make_job(alice, "Second")
    real_cancel = jobs.cancel

    def cancel(job, by):
        if job.pk == pending.pk:
            raise RuntimeError("Redis exploded")
        return real_cancel(job, by)

    monkeypatch.setattr(jobs, "cancel", cancel)

    response = act(admin_client, "cancel_selected", pending, other)

    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == "cancelled"
    assert told(response) == [
        (messages.ERROR, f"{pending.pk}: an unexpected error stopped this action (see the log)."),
        (messages.SUCCESS, "1 export cancelled."),
    ]

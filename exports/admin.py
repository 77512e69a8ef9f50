"""Export jobs in the admin, for triage: every export with its history, and the
domain's cancel, retry and fail as actions. A status only ever changes through
exports.jobs, so the change page is read-only."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_permission_codename
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from exports import jobs, shares, tracking_jobs
from exports.models import ExportEvent, ExportJob, JobStatus, JobType, ShareLink, TrackingEvent, TrackingJob
from videoeditor.history import history_of

log = logging.getLogger(__name__)

NOTHING = "—"


def humanise(span: timedelta) -> str:
    """A span as a person reads it at a glance: "40 s", "3 min", "2 h 5 min", "3 d 4 h"."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 3600:
        return f"{minutes} min"
    if seconds < 86400:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{days} d {hours % 24} h" if hours % 24 else f"{days} d"


class MarkFailedForm(forms.Form):
    reason = forms.CharField(
        max_length=jobs.ERROR_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="The sentence the owner reads as this export's error.",
    )


ExportEventInline = history_of(ExportEvent)


class JobAdmin(admin.ModelAdmin):
    """Jobs are made through the API and change only through their domain module
    (exports.jobs, exports.tracking_jobs): the change page is a view (no Save that
    would write a stale status back), and no deleting the history a triage reads."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_triage_permission(self, request) -> bool:
        """The actions go through the domain, so the model's change permission guards them."""
        return request.user.has_perm(f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}")


@admin.register(ExportJob)
class ExportJobAdmin(JobAdmin):
    list_display = [
        "id",
        "status",
        "type",
        "owner",
        "project_name",
        "attempts",
        "cluster",
        "upscaler",
        "age",
        "duration",
    ]
    list_filter = ["status", "type", "cluster", "created_at"]
    search_fields = ["id", "project__name", "game__opponent_name", "owner__username", "owner__email"]
    list_select_related = ["owner", "project"]
    ordering = ["-created_at"]
    inlines = [ExportEventInline]
    actions = ["cancel_selected", "retry_selected", "mark_failed"]
    fieldsets = [
        (None, {"fields": ["id", "status", "type", "owner", "project", "game", "source_video", "error"]}),
        ("Attempts", {"fields": ["attempts", "requeues", "worker_id", "cluster", "upscaler"]}),
        ("Times", {"fields": ["created_at", "queued_at", "started_at", "completed_at"]}),
        ("Output", {"fields": ["working_video", "final_video", "review_video", "output_file"]}),
        ("Config snapshot", {"fields": ["config_json"]}),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    # --- list columns ---------------------------------------------------------------------

    @admin.display(description="project or game", ordering="project__name")
    def project_name(self, job: ExportJob) -> str:
        # A game review has no project: its title names the game.
        return job.project.name if job.project_id else job.config.get("title", NOTHING)

    @admin.display(description="age", ordering="-created_at")
    def age(self, job: ExportJob) -> str:
        return humanise(timezone.now() - job.created_at)

    @admin.display(description="duration")
    def duration(self, job: ExportJob) -> str:
        if job.started_at is None:
            return NOTHING
        if job.completed_at is not None:
            return humanise(job.completed_at - job.started_at)
        if job.status == JobStatus.PROCESSING:
            return f"running {humanise(timezone.now() - job.started_at)}"
        return NOTHING

    # --- change page ----------------------------------------------------------------------

    @admin.display(description="config")
    def config_json(self, job: ExportJob) -> str:
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>', json.dumps(job.config, indent=2, sort_keys=True)
        )

    @admin.display(description="output file")
    def output_file(self, job: ExportJob) -> str:
        video = job.output
        if video is None:
            return NOTHING
        if job.type in (JobType.GAME_REVIEW, JobType.BEFORE_AFTER):
            url = reverse("review-file", kwargs={"review_id": video.pk})
        elif job.type == JobType.OVERLAY:
            url = reverse("download-file", kwargs={"video_id": video.pk})
        else:  # the file endpoint serves the project's current framed video
            url = reverse("project-working-video-file", kwargs={"project_id": job.project_id})
        return format_html(
            '<a href="{}">{} ({}x{}, {} s)</a>',
            url,
            video,
            video.width,
            video.height,
            f"{video.duration:.1f}",
        )

    # --- actions --------------------------------------------------------------------------

    def each_job(self, request, queryset, done: str, act: Callable[[ExportJob], None]) -> None:
        """Run `act` on every selected job, one at a time, and report each: the count of
        those it worked on, and every refused job by name with the domain's sentence."""
        succeeded = 0
        for job in queryset.select_related("owner", "project").order_by("created_at"):
            try:
                act(job)
            except jobs.ExportError as error:
                self.message_user(request, f"{job.pk}: {error.message}", messages.WARNING)
            except Exception:
                # One broken job must not hide what happened to the others behind a 500.
                log.exception("Admin action on export %s failed", job.pk)
                self.message_user(
                    request,
                    f"{job.pk}: an unexpected error stopped this action (see the log).",
                    messages.ERROR,
                )
            else:
                succeeded += 1
        if succeeded:
            noun = "export" if succeeded == 1 else "exports"
            self.message_user(request, f"{succeeded} {noun} {done}.", messages.SUCCESS)

    @admin.action(description="Cancel selected exports", permissions=["triage"])
    def cancel_selected(self, request, queryset) -> None:
        by = request.user.get_username()
        self.each_job(request, queryset, "cancelled", lambda job: jobs.cancel(job, by=by))

    @admin.action(description="Retry selected exports (new attempt)", permissions=["triage"])
    def retry_selected(self, request, queryset) -> None:
        by = request.user.get_username()
        self.each_job(request, queryset, "queued again", lambda job: jobs.retry(job, by=by))

    @admin.action(description="Mark selected exports failed…", permissions=["triage"])
    def mark_failed(self, request, queryset) -> TemplateResponse | None:
        """First a page asking for the reason the owner will read, then the failures."""
        form = MarkFailedForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason, by = form.cleaned_data["reason"], request.user.get_username()

            def fail(job: ExportJob) -> None:
                if jobs.fail(job, reason, by=by):
                    return
                job.refresh_from_db()
                if job.status in (JobStatus.PENDING, JobStatus.PROCESSING):
                    raise jobs.ExportError(
                        409, f"This export changed meanwhile (now {job.status}); try again."
                    )
                raise jobs.ExportError(
                    409, f"This export already ended ({job.status}); only pending or processing "
                    "exports can be marked failed.",
                )  # fmt: skip

            self.each_job(request, queryset, "marked failed", fail)
            return None  # back to the changelist, with the messages
        selected = list(queryset.select_related("owner", "project").order_by("created_at"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Mark exports failed",
            "subtitle": None,
            "opts": self.model._meta,
            "jobs": selected,
            "ended": [job for job in selected if job.status not in (JobStatus.PENDING, JobStatus.PROCESSING)],
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "mark_failed",
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/exports/exportjob/mark_failed.html", context)


# --- Tracking jobs ----------------------------------------------------------------------


@admin.register(TrackingJob)
class TrackingJobAdmin(JobAdmin):
    """Following a player, for triage: read-only like exports; a status changes only
    through exports.tracking_jobs (cancel is the one action)."""

    list_display = ["id", "status", "owner", "clip", "attempts", "found", "age"]
    list_filter = ["status", "created_at"]
    search_fields = ["id", "owner__username", "owner__email"]
    list_select_related = ["owner", "clip"]
    ordering = ["-created_at"]
    inlines = [history_of(TrackingEvent)]
    actions = ["cancel_selected"]
    readonly_fields = [
        "id", "status", "owner", "clip", "config", "clip_file_key", "error", "attempts", "requeues",
        "worker_id", "created_at", "queued_at", "started_at", "completed_at",
    ]  # fmt: skip
    exclude = ["track"]  # thousands of numbers; "found" says what a triage needs

    @admin.display(description="found")
    def found(self, job: TrackingJob) -> str:
        return f"{tracking_jobs.found_share(job.track):.0%}" if job.track else NOTHING

    @admin.display(description="age", ordering="-created_at")
    def age(self, job: TrackingJob) -> str:
        return humanise(timezone.now() - job.created_at)

    @admin.action(description="Cancel selected tracking jobs", permissions=["triage"])
    def cancel_selected(self, request, queryset) -> None:
        by, cancelled = request.user.get_username(), 0
        for job in queryset.order_by("created_at"):
            try:
                tracking_jobs.cancel(job, by=by)
                cancelled += 1
            except tracking_jobs.TrackingError as error:
                self.message_user(request, f"{job.pk}: {error.message}", messages.WARNING)
        if cancelled:
            self.message_user(request, f"{cancelled} tracking job(s) cancelled.", messages.SUCCESS)


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Public links, for triage: who shares what, how often it is watched, and a
    Revoke that turns a link off at once. Links are made by their owners only, and
    the key (half of the token) is never shown."""

    list_display = ["id", "shared_video", "owner", "state", "views", "created_at", "expires_at"]
    list_select_related = ["owner", "final_video__project", "review_video"]
    search_fields = ["id", "owner__username", "owner__email"]
    ordering = ["-created_at"]
    actions = ["revoke_selected"]
    fields = readonly_fields = [
        "id", "owner", "final_video", "review_video", "created_at", "expires_at", "revoked_at", "views",
        "last_viewed_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="video")
    def shared_video(self, link: ShareLink) -> str:
        return f"{shares.title(link.video)} v{link.video.version}"

    @admin.display(description="state")
    def state(self, link: ShareLink) -> str:
        return shares.ShareState(shares.state(link)).label

    @admin.action(description="Revoke selected links", permissions=["change"])
    def revoke_selected(self, request, queryset) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} link(s) revoked.", messages.SUCCESS)

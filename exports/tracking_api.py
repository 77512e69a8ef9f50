"""REST for following a player: start a tracking job on a clip (or continue its
track from a second click), watch or cancel it, read the clip's latest track.
Owner-scoped: another user's clip or job is a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from exports import liveness, tracking_jobs
from exports.models import JobStatus, TrackingJob
from games.api import owned_clip
from videoeditor.schema import errors


class BoxSerializer(serializers.Serializer):
    x = serializers.FloatField()
    y = serializers.FloatField()
    width = serializers.FloatField()
    height = serializers.FloatField()


class TrackSubmitSerializer(serializers.Serializer):
    time = serializers.FloatField(help_text="clip seconds of the frame the box was drawn on")
    box = BoxSerializer(help_text="around the player, in source pixels")
    resume = serializers.BooleanField(
        default=False, help_text="continue the clip's latest track (a second click in a lost span)"
    )


class SpanSerializer(serializers.Serializer):
    start_time = serializers.FloatField()
    end_time = serializers.FloatField()


class TrackingJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="0 to 1, while processing and when complete")
    lost_spans = serializers.SerializerMethodField(help_text="clip seconds; null until complete")
    found_share = serializers.SerializerMethodField(
        help_text="share of frames with the player; null until complete"
    )

    class Meta:
        model = TrackingJob
        fields = [
            "id", "clip_id", "status", "progress", "error", "config", "created_at", "started_at",
            "completed_at", "lost_spans", "found_share",
        ]  # fmt: skip
        read_only_fields = fields

    def get_progress(self, job: TrackingJob) -> float | None:
        if job.status == JobStatus.COMPLETE:
            return 1.0
        if job.status != JobStatus.PROCESSING:
            return None
        return round((self.context.get("progress") or {}).get(job.pk, 0.0) / 100, 3)

    @extend_schema_field(SpanSerializer(many=True, allow_null=True))
    def get_lost_spans(self, job: TrackingJob) -> list[dict] | None:
        return tracking_jobs.lost_spans(job.track) if job.status == JobStatus.COMPLETE and job.track else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_found_share(self, job: TrackingJob) -> float | None:
        return (
            tracking_jobs.found_share(job.track) if job.status == JobStatus.COMPLETE and job.track else None
        )


class TrackSerializer(serializers.Serializer):
    job_id = serializers.CharField()
    fps = serializers.FloatField()
    frame_count = serializers.IntegerField()
    boxes = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), allow_null=True),
        help_text="[x, y, width, height] in source pixels per frame (frame i at i / fps s), null where lost",
    )
    confidence = serializers.ListField(child=serializers.FloatField())
    lost_spans = SpanSerializer(many=True)
    found_share = serializers.FloatField()


def job_response(job: TrackingJob, status: int = 200) -> Response:
    """The job with its live progress (the worker's heartbeat in Redis)."""
    beating = liveness.alive([job.pk]) if job.status == JobStatus.PROCESSING else {}
    return Response(TrackingJobSerializer(job, context={"progress": beating or {}}).data, status=status)


def owned_job(request: Request, job_id: str) -> TrackingJob:
    return get_object_or_404(tracking_jobs.jobs_of(request.user), pk=job_id)


class ClipTracks(APIView):
    @extend_schema(
        request=TrackSubmitSerializer,
        responses={202: TrackingJobSerializer, **errors(409)},
        tags=["tracking"],
    )
    def post(self, request: Request, clip_id: int) -> Response:
        """Follow the player in the box from the frame at `time`, through the whole clip;
        202 at once, a worker tracks. 409 while the clip is being tracked or cut, or
        (resume) when it has no finished track to continue."""
        clip = owned_clip(request, clip_id)
        serializer = TrackSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        box = data["box"]
        job = tracking_jobs.submit(
            request.user,
            clip,
            data["time"],
            (box["x"], box["y"], box["width"], box["height"]),
            data["resume"],
        )
        return job_response(owned_job(request, job.pk), status=202)


class ClipTrack(APIView):
    @extend_schema(responses=TrackSerializer, tags=["tracking"])
    def get(self, request: Request, clip_id: int) -> Response:
        """The latest finished track of the clip's current file; 404 with a sentence when none."""
        job = tracking_jobs.latest_track(owned_clip(request, clip_id))
        if job is None:
            raise tracking_jobs.TrackingError(
                404, "This clip has no track yet: draw a box around the player and press Follow."
            )
        track = job.track
        return Response(
            {
                "job_id": job.pk,
                **{key: track[key] for key in ("fps", "frame_count", "boxes", "confidence")},
                "lost_spans": tracking_jobs.lost_spans(track),
                "found_share": tracking_jobs.found_share(track),
            }
        )


class TrackDetail(APIView):
    @extend_schema(responses=TrackingJobSerializer, tags=["tracking"])
    def get(self, request: Request, job_id: str) -> Response:
        return job_response(owned_job(request, job_id))

    @extend_schema(responses={202: TrackingJobSerializer, **errors(409)}, tags=["tracking"])
    def delete(self, request: Request, job_id: str) -> Response:
        """Cancel: a pending job at once; a running one stops within a few frames."""
        job = tracking_jobs.cancel(owned_job(request, job_id), by=request.user.get_username())
        return job_response(job, status=202)


urlpatterns = [
    path("clips/<id:clip_id>/tracks", ClipTracks.as_view(), name="clip-tracks"),
    path("clips/<id:clip_id>/track", ClipTrack.as_view(), name="clip-track"),
    path("tracks/<str:job_id>", TrackDetail.as_view(), name="track-detail"),
]

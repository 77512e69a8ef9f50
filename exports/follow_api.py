"""REST for the Follow control: GET
/api/projects/{project_id}/clips/{project_clip_id}/follow -> crop keyframes and a
highlight from the clip's latest finished track (exports/follow.py); POST
/api/projects/{project_id}/overlay/tracks -> a tracking job from a box drawn on the
framed video, mapped to its clip through the framing that video was rendered from.
Owner-scoped: another user's project or clip is a 404."""

from __future__ import annotations

import math

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exports import follow, tracking_jobs
from exports.api import owned_project, owned_project_clip
from exports.render.camera import DEAD_ZONE, PLACEMENTS
from exports.tracking_api import BoxSerializer, TrackingJobSerializer, job_response, owned_job
from videoeditor.schema import errors

ANCHOR_RANGE = (DEAD_ZONE, 1 - DEAD_ZONE)  # the dead zone around the anchor must fit in the crop


class AnchorField(serializers.FloatField):
    """A share of the crop, finite (DRF's FloatField lets "nan" and "inf" through)."""

    def to_internal_value(self, data) -> float:
        value = super().to_internal_value(data)
        low, high = ANCHOR_RANGE
        if not math.isfinite(value) or not low <= value <= high:
            raise serializers.ValidationError(
                f"The anchor is a share of the crop from {low:g} to {high:g} (0.5 is the middle)."
            )
        return value


class FollowQuerySerializer(serializers.Serializer):
    target = serializers.ChoiceField(
        choices=follow.TARGETS,
        default="framing",
        help_text="framing: framed regions through the proposed crop; "
        "overlay: through the working video's framing",
    )
    anchor_x = AnchorField(
        default=0.5, help_text="where the player sits across the crop (a share of its width)"
    )
    anchor_y = AnchorField(
        default=0.5, help_text="where the player sits down the crop (a share of its height)"
    )
    placement = serializers.ChoiceField(
        choices=PLACEMENTS,
        default=PLACEMENTS[0],
        help_text="the ellipse around the player, or under their feet",
    )


class FollowSpanSerializer(serializers.Serializer):
    start_time = serializers.FloatField()
    end_time = serializers.FloatField()


FollowProposalSerializer = inline_serializer(
    "FollowProposal",
    {
        "job_id": serializers.CharField(help_text="the tracking job whose track this comes from"),
        "target": serializers.ChoiceField(choices=follow.TARGETS),
        "crop_keyframes": serializers.ListField(
            child=serializers.DictField(),
            help_text="{time, x, y, width, height}: clip seconds, source pixels",
        ),
        "regions": serializers.ListField(
            child=serializers.DictField(), help_text="the highlight in the clip's coordinates (source pixels)"
        ),
        "framed_regions": serializers.ListField(
            child=serializers.DictField(),
            help_text="the same highlight in the framed video's pixels and seconds",
        ),
        "lost_spans": FollowSpanSerializer(many=True, help_text="clip seconds"),
        "framed_lost_spans": FollowSpanSerializer(many=True, help_text="framed-video seconds"),
        "found_share": serializers.FloatField(help_text="share of the clip's frames the player was found in"),
    },
)


class FollowProposal(APIView):
    """What the Follow control offers from the clip's latest finished track: 404 with
    a sentence when there is none, 409 when the overlay has no framed video to map
    onto (or the player was never found)."""

    @extend_schema(
        parameters=[FollowQuerySerializer],
        responses={200: FollowProposalSerializer, **errors(409)},
        tags=["tracking"],
    )
    def get(self, request: Request, project_id: int, project_clip_id: int) -> Response:
        project_clip = owned_project_clip(request, project_id, project_clip_id)
        query = FollowQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        job = tracking_jobs.latest_track(project_clip.clip)
        if job is None:
            raise follow.FollowError(
                404,
                "This clip has no finished track yet: draw a box around the player and press Follow player.",
            )
        answer = follow.proposal(
            project_clip,
            job,
            options["target"],
            anchor=(options["anchor_x"], options["anchor_y"]),
            placement=options["placement"],
        )
        return Response(answer)


class FramedTrackSerializer(serializers.Serializer):
    time = serializers.FloatField(help_text="framed-video seconds of the frame the box was drawn on")
    box = BoxSerializer(help_text="around the player, in the framed video's pixels")
    resume = serializers.BooleanField(
        default=False, help_text="continue the clip's latest track (a second click in a lost span)"
    )


class OverlayTracks(APIView):
    @extend_schema(
        request=FramedTrackSerializer,
        responses={202: TrackingJobSerializer, **errors(409)},
        tags=["tracking"],
    )
    def post(self, request: Request, project_id: int) -> Response:
        """Follow the player in a box drawn on the framed video: the clip shown at
        `time` and the box in its source pixels come from the framing the framed
        video was rendered from; then as POST /api/clips/{id}/tracks. 409 without a
        framed video, 400 for a box outside its picture."""
        project = owned_project(request, project_id)
        serializer = FramedTrackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        box = data["box"]
        project_clip, time, source_box = follow.locate_framed_box(
            project, data["time"], (box["x"], box["y"], box["width"], box["height"])
        )
        job = tracking_jobs.submit(request.user, project_clip.clip, time, source_box, data["resume"])
        return job_response(owned_job(request, job.pk), status=202)


urlpatterns = [
    path("projects/<id:project_id>/overlay/tracks", OverlayTracks.as_view(), name="project-overlay-tracks"),
    path(
        "projects/<id:project_id>/clips/<id:project_clip_id>/follow",
        FollowProposal.as_view(),
        name="project-clip-follow",
    ),
]

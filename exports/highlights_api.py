"""REST for a clip's own highlight: GET/PUT /api/clips/{clip_id}/highlight, the
regions in clip seconds and source pixels (exports/highlights.py shows them in
every project using the clip). Versioned: a stale write is a 409 with the current
state. Owner-scoped: another user's clip is a 404."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from exports import highlights
from exports.models import ClipHighlight
from games.api import owned_clip
from games.models import Clip
from videoeditor.errors import UserFacingError
from videoeditor.schema import conflict
from videoeditor.versioning import required_version

REGIONS_HELP = (
    "[{id, start_time, end_time, enabled, label?, keyframes: [{time, x, y, radius_x, radius_y, "
    "opacity, color}]}] in clip seconds and source pixels; regions do not overlap"
)


class ClipHighlightSerializer(serializers.Serializer):
    regions = serializers.ListField(child=serializers.DictField(), help_text=REGIONS_HELP)
    version = serializers.IntegerField()


class ClipHighlightChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="the version last read")
    regions = serializers.JSONField(help_text=REGIONS_HELP)


def state(clip: Clip, highlight: ClipHighlight | None = None) -> dict:
    """What a GET answers; a clip nobody highlighted yet is at version 1, empty."""
    if highlight is None:
        highlight = ClipHighlight.objects.filter(clip=clip).first()
    if highlight is None:
        return {"regions": [], "version": 1}
    return {"regions": highlight.regions, "version": highlight.version}


class ClipHighlightDetail(APIView):
    @extend_schema(responses={200: ClipHighlightSerializer}, tags=["clips"])
    def get(self, request: Request, clip_id: int) -> Response:
        return Response(state(owned_clip(request, clip_id)))

    @extend_schema(
        request=ClipHighlightChangeSerializer,
        responses={200: ClipHighlightSerializer, 409: conflict(ClipHighlightSerializer)},
        tags=["clips"],
        description="Replace the clip's regions. 409 with the current state when the version is stale "
        "(another project or tab saved since), or when the clip's game has no video yet.",
    )
    def put(self, request: Request, clip_id: int) -> Response:
        clip = owned_clip(request, clip_id)
        version = required_version(request)
        if "regions" not in request.data:
            raise UserFacingError(400, "Send the clip's regions (a list, empty for none).")
        if not clip.game.video_width or not clip.game.video_height:
            raise UserFacingError(409, "This clip's game has no video yet, so it cannot be highlighted.")
        regions = highlights.clean_source_regions(request.data["regions"], clip)
        saved = highlights.save_clip_regions(clip, version, regions, lambda fresh: state(clip, fresh))
        return Response(state(clip, saved))


urlpatterns = [
    path("clips/<id:clip_id>/highlight", ClipHighlightDetail.as_view(), name="clip-highlight"),
]

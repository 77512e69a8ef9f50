"""Share links, as their owner manages them: list, make, revoke. Owner-scoped: another
user's video or link is a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from exports import shares
from exports.models import FinalVideo, ReviewVideo
from exports.share_serializers import ShareCreateSerializer, ShareLinkSerializer
from videoeditor.errors import UserFacingError
from videoeditor.fields import id_from_query, refuse_unknown_fields
from videoeditor.schema import errors


def requested_video(request: Request) -> tuple[FinalVideo | ReviewVideo, int | None]:
    """The owner's video a POST names, and the expiry in days; a 400 sentence for a
    body that names no video, two, or fields we do not know, a 404 for a video that
    is not theirs."""
    body = request.data
    refuse_unknown_fields(body, ShareCreateSerializer)
    serializer = ShareCreateSerializer(data=body)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    named = [name for name in ("final_video_id", "review_video_id") if data.get(name) is not None]
    if not named:
        raise UserFacingError(
            400, "Say which video to share: final_video_id (a final video) or review_video_id (a review)."
        )
    if len(named) > 1:
        raise UserFacingError(
            400, "A link shares one video: give final_video_id or review_video_id, not both."
        )
    if named == ["final_video_id"]:
        video = FinalVideo.objects.filter(pk=data["final_video_id"], project__owner=request.user).first()
        missing = f"You have no final video with id {data['final_video_id']}."
    else:
        video = ReviewVideo.objects.filter(pk=data["review_video_id"], owner=request.user).first()
        missing = f"You have no review video with id {data['review_video_id']}."
    if video is None:
        raise UserFacingError(404, missing)
    return video, data["expires_in_days"]


class ShareList(generics.ListAPIView):
    """The owner's links, newest first; `?final_video=` or `?review_video=` narrows
    them to one video's."""

    serializer_class = ShareLinkSerializer

    def get_queryset(self):
        links = shares.links_of(self.request.user).order_by("-created_at", "-pk")
        params = self.request.query_params
        if (value := params.get("final_video")) is not None:
            links = links.filter(final_video_id=id_from_query(value, "final_video"))
        if (value := params.get("review_video")) is not None:
            links = links.filter(review_video_id=id_from_query(value, "review_video"))
        return links

    @extend_schema(
        parameters=[OpenApiParameter("final_video", int), OpenApiParameter("review_video", int)],
        tags=["share"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ShareCreateSerializer,
        responses={201: ShareLinkSerializer, **errors(404)},
        tags=["share"],
    )
    def post(self, request: Request) -> Response:
        video, expires_in_days = requested_video(request)
        link = shares.create_link(request.user, video, expires_in_days)
        link = shares.links_of(request.user).get(pk=link.pk)
        return Response(ShareLinkSerializer(link, context={"request": request}).data, status=201)


class ShareDetail(APIView):
    @extend_schema(request=None, responses={200: ShareLinkSerializer}, tags=["share"])
    def delete(self, request: Request, share_id: int) -> Response:
        """Revoke the link: it stops opening at once. Revoking it again changes nothing."""
        link = shares.revoke(get_object_or_404(shares.links_of(request.user), pk=share_id))
        return Response(ShareLinkSerializer(link, context={"request": request}).data)


urlpatterns = [
    path("shares", ShareList.as_view(), name="share-list"),
    path("shares/<id:share_id>", ShareDetail.as_view(), name="share-detail"),
]

"""Game reviews and before/after videos: making them (export jobs) and the list of
them the gallery shows. Owner-scoped: another user's game, video or review is a 404."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from exports import gallery, jobs, reviews
from exports.api import job_response, owned_videos, valid, video_file
from exports.models import ReviewVideo
from exports.review_serializers import (
    ExportSettingsSerializer,
    ReviewFilterSerializer,
    ReviewSubmitSerializer,
    ReviewVideoSerializer,
)
from exports.serializers import ExportJobSerializer
from games.models import Game
from videoeditor.fields import id_from_query
from videoeditor.schema import RANGE, VIDEO_FILE, errors


def owned_reviews(request: Request):
    return ReviewVideo.objects.filter(owner=request.user)


class GameReviews(APIView):
    @extend_schema(
        request=ReviewSubmitSerializer,
        responses={202: ExportJobSerializer, **errors(409)},
        tags=["exports"],
    )
    def post(self, request: Request, game_id: int) -> Response:
        """Make a game review: the game's clips (filtered) in game order, each with its
        caption; 202 at once, the work runs in a worker."""
        game = get_object_or_404(Game.objects.filter(owner=request.user), pk=game_id)
        job = reviews.submit_review(request.user, game, request.data)
        return job_response(jobs.jobs_of(request.user).get(pk=job.pk), status=202)


class BeforeAfter(APIView):
    @extend_schema(
        request=ExportSettingsSerializer,
        responses={202: ExportJobSerializer, **errors(409)},
        tags=["exports"],
    )
    def post(self, request: Request, video_id: int) -> Response:
        """Make a before/after of a final video: its clips as filmed, then the video."""
        final = get_object_or_404(owned_videos(request), pk=video_id)
        job = reviews.submit_before_after(request.user, final, request.data)
        return job_response(jobs.jobs_of(request.user).get(pk=job.pk), status=202)


class Reviews(generics.ListAPIView):
    """The owner's review videos, newest first; `?game=` and `?kind=` narrow them."""

    serializer_class = ReviewVideoSerializer

    def get_queryset(self):
        videos = owned_reviews(self.request).order_by("-created_at", "-pk")
        params = self.request.query_params
        if (value := params.get("game")) is not None:
            videos = videos.filter(game_id=id_from_query(value, "game"))
        kind = valid(ReviewFilterSerializer, {"kind": params["kind"]} if "kind" in params else {}).get("kind")
        return videos.filter(kind=kind) if kind else videos

    @extend_schema(
        parameters=[OpenApiParameter("game", int), ReviewFilterSerializer],
        tags=["gallery"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReviewDetail(APIView):
    @extend_schema(responses=ReviewVideoSerializer, tags=["gallery"])
    def get(self, request: Request, review_id: int) -> Response:
        return Response(ReviewVideoSerializer(get_object_or_404(owned_reviews(request), pk=review_id)).data)

    @extend_schema(responses={204: None}, tags=["gallery"])
    def delete(self, request: Request, review_id: int) -> Response:
        """Delete the video; its file goes once the delete is committed."""
        video = get_object_or_404(owned_reviews(request), pk=review_id)
        with transaction.atomic():
            video.delete()  # exports.receivers deletes the file after commit
        return Response(status=204)


class ReviewFile(APIView):
    @extend_schema(
        parameters=[RANGE, OpenApiParameter("download", int, description="1: as an attachment")],
        responses=VIDEO_FILE,
        tags=["gallery"],
    )
    def get(self, request: Request, review_id: int):
        video = get_object_or_404(owned_reviews(request), pk=review_id)
        return video_file(request, video, gallery.download_name(video.title, video.version))


urlpatterns = [
    path("games/<id:game_id>/reviews", GameReviews.as_view(), name="game-reviews"),
    path("downloads/<id:video_id>/before-after", BeforeAfter.as_view(), name="download-before-after"),
    path("reviews", Reviews.as_view(), name="review-list"),
    path("reviews/<id:review_id>", ReviewDetail.as_view(), name="review-detail"),
    path("reviews/<id:review_id>/file", ReviewFile.as_view(), name="review-file"),
]

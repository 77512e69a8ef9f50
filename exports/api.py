"""REST for projects, their edits and the gallery. Owner-scoped: another user's
project, clip or video is a 404."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exports import projects
from exports.models import FinalVideo, ProjectClip
from exports.serializers import (
    AddClipsSerializer,
    ClipFilterSerializer,
    FinalVideoSerializer,
    FramingChangeSerializer,
    FromClipsSerializer,
    OrderSerializer,
    OverlayChangeSerializer,
    OverlaySerializer,
    ProjectChangeSerializer,
    ProjectClipSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
)
from games.objects import object_store
from games.serializers import ClipSerializer
from games.streaming import ranged_file_response
from videoeditor.versioning import required_version


def valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def versioned_changes(request: Request, serializer_class) -> tuple[int, dict]:
    """The version the client read and the (validated, partial) changes it sends."""
    version = required_version(request)
    changes = valid(serializer_class, request.data, partial=True)
    changes.pop("version", None)
    return version, changes


def owned_project(request: Request, project_id: int):
    return get_object_or_404(projects.projects_of(request.user), pk=project_id)


def owned_project_clip(request: Request, project_id: int, project_clip_id: int) -> ProjectClip:
    return get_object_or_404(
        ProjectClip.objects.select_related("clip__game", "project"),
        pk=project_clip_id,
        project_id=project_id,
        project__owner=request.user,
    )


class ProjectList(generics.ListAPIView):
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return projects.projects_of(self.request.user).order_by("-created_at")

    @extend_schema(tags=["projects"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer}, tags=["projects"]
    )
    def post(self, request: Request) -> Response:
        data = valid(ProjectCreateSerializer, request.data)
        clips = projects.owned_clips_in_order(request.user, data["clip_ids"])
        project = projects.create_project(request.user, data["name"], data["aspect_ratio"], clips)
        return Response(ProjectDetailSerializer(owned_project(request, project.pk)).data, status=201)


class ProjectDetail(APIView):
    @extend_schema(responses=ProjectDetailSerializer, tags=["projects"])
    def get(self, request: Request, project_id: int) -> Response:
        return Response(ProjectDetailSerializer(owned_project(request, project_id)).data)

    @extend_schema(request=ProjectChangeSerializer, responses=ProjectDetailSerializer, tags=["projects"])
    def patch(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        version, changes = versioned_changes(request, ProjectChangeSerializer)
        updated = projects.update_project(project, version, changes)
        return Response(ProjectDetailSerializer(updated).data)

    @extend_schema(responses={204: None}, tags=["projects"])
    def delete(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        keys = [v.file_key for v in [*project.workingvideos.all(), *project.finalvideos.all()]]
        with transaction.atomic():
            project.delete()
            transaction.on_commit(lambda: [object_store().delete(key) for key in keys])
        return Response(status=204)


class ProjectOpened(APIView):
    """Record that the user opened the project ("continue where you left off").
    UI state, not an edit: no version change."""

    @extend_schema(request=None, responses={204: None}, tags=["projects"])
    def post(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        type(project).objects.filter(pk=project.pk).update(last_opened_at=timezone.now())
        return Response(status=204)


class PreviewClips(APIView):
    @extend_schema(request=ClipFilterSerializer, responses=OpenApiTypes.OBJECT, tags=["projects"])
    def post(self, request: Request) -> Response:
        data = valid(ClipFilterSerializer, request.data)
        clips = projects.matching_clips(request.user, data["game_ids"], data["min_rating"], data["tags"])
        return Response(
            {
                "count": len(clips),
                "total_duration": round(sum(c.duration for c in clips), 3),
                "suggested_name": projects.suggested_name(clips, data["min_rating"], data["tags"])
                if clips
                else "",
                "clips": ClipSerializer(clips, many=True).data,
            }
        )


class FromClips(APIView):
    @extend_schema(request=FromClipsSerializer, responses={201: ProjectDetailSerializer}, tags=["projects"])
    def post(self, request: Request) -> Response:
        data = valid(FromClipsSerializer, request.data)
        if data.get("clip_ids"):
            clips = projects.owned_clips_in_order(request.user, data["clip_ids"])
        else:
            clips = projects.matching_clips(request.user, data["game_ids"], data["min_rating"], data["tags"])
        if not clips:
            raise projects.ProjectError(400, "No clips match; loosen the rating or tags.")
        name = data["name"] or projects.suggested_name(clips, data["min_rating"], data["tags"])
        project = projects.create_project(request.user, name, data["aspect_ratio"], clips)
        return Response(ProjectDetailSerializer(owned_project(request, project.pk)).data, status=201)


class ProjectClips(APIView):
    @extend_schema(responses=ProjectClipSerializer(many=True), tags=["projects"])
    def get(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        return Response(ProjectClipSerializer(project.project_clips.all(), many=True).data)

    @extend_schema(
        request=AddClipsSerializer, responses={201: ProjectClipSerializer(many=True)}, tags=["projects"]
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        data = valid(AddClipsSerializer, request.data)
        clips = projects.owned_clips_in_order(request.user, data["clip_ids"])
        with transaction.atomic():
            added = projects.add_clips(project, clips)
            projects.touch(project)
        return Response(ProjectClipSerializer(added, many=True).data, status=201)


class ProjectClipOrder(APIView):
    @extend_schema(request=OrderSerializer, responses=ProjectClipSerializer(many=True), tags=["projects"])
    def put(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        projects.reorder(project, valid(OrderSerializer, request.data)["project_clip_ids"])
        ordered = (
            ProjectClip.objects.filter(project=project).select_related("clip__game").order_by("position")
        )
        return Response(ProjectClipSerializer(ordered, many=True).data)


class ProjectClipDetail(APIView):
    @extend_schema(request=FramingChangeSerializer, responses=ProjectClipSerializer, tags=["projects"])
    def patch(self, request: Request, project_id: int, project_clip_id: int) -> Response:
        project_clip = owned_project_clip(request, project_id, project_clip_id)
        version, changes = versioned_changes(request, FramingChangeSerializer)
        return Response(
            ProjectClipSerializer(projects.update_project_clip(project_clip, version, changes)).data
        )

    @extend_schema(responses={204: None}, tags=["projects"])
    def delete(self, request: Request, project_id: int, project_clip_id: int) -> Response:
        projects.remove_clip(owned_project_clip(request, project_id, project_clip_id))
        return Response(status=204)


class ProjectOverlay(APIView):
    @extend_schema(responses=OverlaySerializer, tags=["projects"])
    def get(self, request: Request, project_id: int) -> Response:
        return Response(OverlaySerializer(owned_project(request, project_id).overlay).data)

    @extend_schema(request=OverlayChangeSerializer, responses=OverlaySerializer, tags=["projects"])
    def put(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        version, changes = versioned_changes(request, OverlayChangeSerializer)
        return Response(OverlaySerializer(projects.update_overlay(project.overlay, version, changes)).data)


def owned_videos(request: Request):
    return FinalVideo.objects.filter(project__owner=request.user).select_related("project")


class Downloads(generics.ListAPIView):
    """The gallery: final videos, newest first; `?project=` or `?game=` narrows it."""

    serializer_class = FinalVideoSerializer

    def get_queryset(self):
        videos = owned_videos(self.request).order_by("-created_at")
        for name, lookup in (("project", "project_id"), ("game", "project__project_clips__clip__game_id")):
            value = self.request.query_params.get(name)
            if value is not None:
                if not value.isdigit():
                    raise projects.ProjectError(400, f"{name} must be an id.")
                videos = videos.filter(**{lookup: int(value)})
        return videos.distinct()

    @extend_schema(
        parameters=[OpenApiParameter("project", int), OpenApiParameter("game", int)], tags=["gallery"]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DownloadDetail(APIView):
    @extend_schema(responses={204: None}, tags=["gallery"])
    def delete(self, request: Request, video_id: int) -> Response:
        video = get_object_or_404(owned_videos(request), pk=video_id)
        key = video.file_key
        with transaction.atomic():
            video.delete()
            transaction.on_commit(lambda: object_store().delete(key))
        return Response(status=204)


class DownloadFile(APIView):
    @extend_schema(responses={(200, "video/mp4"): OpenApiTypes.BINARY, 302: None}, tags=["gallery"])
    def get(self, request: Request, video_id: int):
        video = get_object_or_404(owned_videos(request), pk=video_id)
        store = object_store()
        if store.direct:
            return HttpResponseRedirect(store.presigned_get(video.file_key, settings.PLAYBACK_URL_EXPIRES))
        response = ranged_file_response(request._request, store.read_location(video.file_key), "video/mp4")
        response["Content-Disposition"] = content_disposition_header(
            False, f"{video.project.name[:80]} v{video.version}.mp4"
        )
        return response

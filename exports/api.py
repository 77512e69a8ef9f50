"""REST for projects, their edits and the gallery. Owner-scoped: another user's
project, clip or video is a 404."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exports import exported_framing, gallery, jobs, liveness, projects
from exports.models import ACTIVE_STATUSES, FinalVideo, JobStatus, ProjectClip
from exports.serializers import (
    AddClipsSerializer,
    ClipFilterSerializer,
    ExportJobSerializer,
    ExportSubmitSerializer,
    FinalVideoSerializer,
    FramingChangeSerializer,
    FromClipsSerializer,
    GalleryFilterSerializer,
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
from videoeditor.fields import id_from_query
from videoeditor.schema import RANGE, VIDEO_FILE, conflict, errors
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
        return projects.project_cards_of(self.request.user).order_by("-created_at")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        projects.attach_card_clips(page)
        return page

    @extend_schema(tags=["projects"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProjectCreateSerializer,
        responses={201: ProjectDetailSerializer, **errors(404, 409)},
        tags=["projects"],
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

    @extend_schema(
        request=ProjectChangeSerializer,
        responses={200: ProjectDetailSerializer, 409: conflict(ProjectSerializer)},
        tags=["projects"],
    )
    def patch(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        version, changes = versioned_changes(request, ProjectChangeSerializer)
        updated = projects.update_project(project, version, changes)
        return Response(ProjectDetailSerializer(updated).data)

    @extend_schema(responses={204: None, **errors(409)}, tags=["projects"])
    def delete(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        if project.export_jobs.filter(status__in=ACTIVE_STATUSES).exists():
            raise projects.ProjectError(
                409, f"{project.name} is being exported; cancel the export or wait for it, then delete it."
            )
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
    @extend_schema(
        request=ClipFilterSerializer,
        responses={
            200: inline_serializer(
                "ClipPreview",
                {
                    "count": serializers.IntegerField(),
                    "total_duration": serializers.FloatField(),
                    "suggested_name": serializers.CharField(),
                    "clips": ClipSerializer(many=True),
                },
            ),
            **errors(404),
        },
        tags=["projects"],
    )
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
    @extend_schema(
        request=FromClipsSerializer,
        responses={201: ProjectDetailSerializer, **errors(404, 409)},
        tags=["projects"],
    )
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
        request=AddClipsSerializer,
        responses={201: ProjectClipSerializer(many=True), **errors(409)},
        tags=["projects"],
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
    @extend_schema(
        request=FramingChangeSerializer,
        responses={200: ProjectClipSerializer, 409: conflict(ProjectClipSerializer)},
        tags=["projects"],
    )
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
    """The project's highlights in its framed video. They are kept on the clips
    (in the clips' own coordinates), so a save here shows in every project using
    those clips, and a save there makes this overlay's version stale (409)."""

    @extend_schema(responses=OverlaySerializer, tags=["projects"])
    def get(self, request: Request, project_id: int) -> Response:
        return Response(OverlaySerializer(owned_project(request, project_id).overlay).data)

    @extend_schema(
        request=OverlayChangeSerializer,
        responses={200: OverlaySerializer, 409: conflict(OverlaySerializer)},
        tags=["projects"],
    )
    def put(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        version, changes = versioned_changes(request, OverlayChangeSerializer)
        return Response(OverlaySerializer(projects.update_overlay(project.overlay, version, changes)).data)


class ProjectFramingDiscard(APIView):
    """Back to the framing of the last framing export (its job's snapshot): the same
    clips in order, their crop keyframes and segments, the transition and the aspect
    ratio. 409 with the project as it is when the version is stale, a framing export
    is running, or there is nothing to go back to."""

    @extend_schema(
        request=inline_serializer("FramingDiscard", {"version": serializers.IntegerField()}),
        responses={200: ProjectDetailSerializer, 409: conflict(ProjectSerializer)},
        tags=["projects"],
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        version = required_version(request)

        def current(_project) -> dict:
            return ProjectSerializer(owned_project(request, project_id)).data

        try:
            exported_framing.discard_framing_changes(project, version, current)
        except projects.ProjectError as error:
            error.current = current(project)
            raise
        return Response(ProjectDetailSerializer(owned_project(request, project_id)).data)


def owned_videos(request: Request):
    return FinalVideo.objects.filter(project__owner=request.user).select_related("project")


class Downloads(generics.ListAPIView):
    """The gallery: final videos, newest first; `?project=` or `?game=` narrows it, and
    the filters of GalleryFilterSerializer (`?latest=1`: each project's newest version)."""

    serializer_class = FinalVideoSerializer

    def get_queryset(self):
        videos = owned_videos(self.request).order_by("-created_at", "-pk")
        params = self.request.query_params
        if (value := params.get("project")) is not None:
            videos = videos.filter(project_id=id_from_query(value, "project"))
        if (value := params.get("game")) is not None:
            using = ProjectClip.objects.filter(clip__game_id=id_from_query(value, "game"))
            videos = videos.filter(project_id__in=using.values("project_id"))
        return gallery.narrow(videos, valid(GalleryFilterSerializer, params.dict()))

    @extend_schema(
        parameters=[
            OpenApiParameter("project", int), OpenApiParameter("game", int), GalleryFilterSerializer,
        ],
        tags=["gallery"],
    )  # fmt: skip
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


def video_file(request: Request, video, filename: str):
    """The video itself: a presigned redirect on S3, else a ranged response. With
    `?download=1` it is saved as `filename` (on S3 the signed GET asks the bucket for
    that Content-Disposition)."""
    store = object_store()
    download = request.query_params.get("download") == "1"
    disposition = gallery.attachment(filename) if download else content_disposition_header(False, filename)
    if store.direct:
        return HttpResponseRedirect(
            store.presigned_get(
                video.file_key, settings.PLAYBACK_URL_EXPIRES, disposition=disposition if download else None
            )
        )
    response = ranged_file_response(request._request, store.read_location(video.file_key), "video/mp4")
    response["Content-Disposition"] = disposition
    return response


class DownloadFile(APIView):
    @extend_schema(
        parameters=[RANGE, OpenApiParameter("download", int, description="1: as an attachment")],
        responses=VIDEO_FILE,
        tags=["gallery"],
    )
    def get(self, request: Request, video_id: int):
        video = get_object_or_404(owned_videos(request), pk=video_id)
        return video_file(request, video, gallery.download_name(video.project.name, video.version))


class WorkingVideoFile(APIView):
    """The project's current framed video (what the overlay editor plays)."""

    @extend_schema(
        parameters=[RANGE, OpenApiParameter("download", int, description="1: as an attachment")],
        responses=VIDEO_FILE,
        tags=["projects"],
    )
    def get(self, request: Request, project_id: int):
        project = owned_project(request, project_id)
        if project.working_video is None:
            raise projects.ProjectError(
                404, "This project has no framed video yet; export the framing first."
            )
        video = project.working_video
        return video_file(request, video, gallery.download_name(project.name, video.version, "framed"))


# --- export jobs ----------------------------------------------------------------------------


def job_response(jobs_list, status: int = 200, many: bool = False) -> Response:
    """Jobs with their live progress (read from the workers' heartbeats in Redis)."""
    items = list(jobs_list) if many else [jobs_list]
    processing = [job.pk for job in items if job.status == JobStatus.PROCESSING]
    context = {"progress": liveness.alive(processing) or {}}
    data = ExportJobSerializer(items if many else items[0], many=many, context=context).data
    return Response(data, status=status)


class ExportList(APIView):
    @extend_schema(
        request=ExportSubmitSerializer,
        responses={202: ExportJobSerializer, **errors(404, 409)},
        tags=["exports"],
    )
    def post(self, request: Request) -> Response:
        """Queue an export; 202 at once, the work runs in a worker."""
        data = valid(ExportSubmitSerializer, request.data)
        project = owned_project(request, data["project_id"])
        job = jobs.submit(request.user, project, data["type"], data.get("config"))
        return job_response(jobs.jobs_of(request.user).get(pk=job.pk), status=202)


class ActiveExports(APIView):
    @extend_schema(responses=ExportJobSerializer(many=True), tags=["exports"])
    def get(self, request: Request) -> Response:
        """Pending and processing exports of the user, oldest first."""
        return job_response(jobs.active_of(request.user).order_by("created_at"), many=True)


class RecentExports(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("hours", int, description="1 to 168, default 24")],
        responses=ExportJobSerializer(many=True), tags=["exports"],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("hours", "24")
        if not raw.isdigit() or not 1 <= int(raw) <= 168:
            raise jobs.ExportError(400, "hours must be a whole number from 1 to 168.")
        return job_response(jobs.recent_of(request.user, int(raw)), many=True)


class ExportDetail(APIView):
    @extend_schema(responses=ExportJobSerializer, tags=["exports"])
    def get(self, request: Request, job_id: str) -> Response:
        return job_response(get_object_or_404(jobs.jobs_of(request.user), pk=job_id))

    @extend_schema(responses={200: ExportJobSerializer, **errors(409)}, tags=["exports"])
    def delete(self, request: Request, job_id: str) -> Response:
        """Cancel: a pending export at once; a rendering one stops within seconds."""
        job = get_object_or_404(jobs.jobs_of(request.user), pk=job_id)
        jobs.cancel(job, by=request.user.get_username())
        return job_response(jobs.jobs_of(request.user).get(pk=job_id))


class ProjectExports(APIView):
    @extend_schema(responses=ExportJobSerializer(many=True), tags=["exports"])
    def get(self, request: Request, project_id: int) -> Response:
        project = owned_project(request, project_id)
        return job_response(jobs.jobs_of(request.user).filter(project=project), many=True)

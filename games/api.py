"""REST for games and their uploads. Every query is scoped to the requesting user:
another user's game or upload is a 404."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from games import clips, tsv, uploads
from games.companion import UPPY_AUTHENTICATION
from games.models import Clip, Game, UploadSession, UploadStatus
from games.objects import object_store
from games.serializers import (
    ClipInputSerializer,
    ClipSerializer,
    CompleteSerializer,
    ConfirmSerializer,
    GameSerializer,
    PartSerializer,
    ProgressSerializer,
    UploadAnnounceSerializer,
    UploadSummarySerializer,
)
from games.signals import game_delete_blockers, game_delete_effects
from games.streaming import ranged_file_response
from notifications.service import send_change
from videoeditor.schema import RANGE, VIDEO_FILE, conflict, errors
from videoeditor.versioning import required_version, update_versioned

EDITABLE_FIELDS = ("name", "opponent_name", "game_date", "game_type", "tournament_name")


def games_of(user):
    active = UploadSession.objects.filter(status=UploadStatus.ACTIVE)
    return Game.objects.filter(owner=user).prefetch_related(
        Prefetch("uploads", active, to_attr="active_uploads")
    )


def owned_game(request: Request, game_id: int) -> Game:
    return get_object_or_404(games_of(request.user), pk=game_id)


def owned_upload(request: Request, game_id: int, upload_id) -> tuple[Game, UploadSession]:
    game = owned_game(request, game_id)
    return game, uploads.active_session(game, upload_id)


class GameList(generics.ListCreateAPIView):
    serializer_class = GameSerializer

    def get_queryset(self):
        return games_of(self.request.user).order_by("-created_at")

    def perform_create(self, serializer: GameSerializer) -> None:
        serializer.save(owner=self.request.user)

    @extend_schema(tags=["games"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=["games"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class GameDetail(APIView):
    @extend_schema(responses=GameSerializer, tags=["games"])
    def get(self, request: Request, game_id: int) -> Response:
        return Response(GameSerializer(owned_game(request, game_id)).data)

    @extend_schema(
        request=GameSerializer,
        responses={200: GameSerializer, 409: conflict(GameSerializer)},
        tags=["games"],
        description="Send the `version` you last read; a stale one gets 409 with the current game.",
    )
    def patch(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        version = required_version(request)
        serializer = GameSerializer(game, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in EDITABLE_FIELDS}
        fresh = update_versioned(game, version, changes, current=lambda g: GameSerializer(g).data)
        send_change(request.user, "game", game.pk, "updated")
        return Response(GameSerializer(fresh).data)

    @extend_schema(responses={204: None, **errors(409)}, tags=["games"])
    def delete(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        if reason := delete_blocker(game):
            raise uploads.UploadError(409, reason)
        keys = [game.video_key, *game.clips.exclude(file_key="").values_list("file_key", flat=True)]
        with transaction.atomic():
            game.delete()
            transaction.on_commit(lambda: [object_store().delete(key) for key in keys if key])
        return Response(status=204)


def delete_blocker(game: Game) -> str | None:
    """Why the game cannot be deleted now, or None."""
    if game.active_uploads:
        return "This game's video is still uploading; cancel the upload first."
    for _, reason in game_delete_blockers.send(sender=Game, game=game):
        if reason:
            return reason
    return None


class GameDeletion(APIView):
    """What a delete of the game takes with it, for the two-step delete."""

    @extend_schema(
        responses=inline_serializer(
            "GameDeletion",
            {
                "clips": serializers.IntegerField(),
                "effects": serializers.ListField(child=serializers.CharField()),
                "blocker": serializers.CharField(allow_null=True),
            },
        ),
        tags=["games"],
        summary="What deleting the game removes, and why it cannot be deleted now (if so)",
    )
    def get(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        count = game.clips.count()
        clips_sentence = f"{count} clip{'s' if count != 1 else ''}" if count else "no clips"
        taken = " and ".join([*(["its video"] if game.video_key else []), clips_sentence])
        effects = [f"Deleting {game.display_name} removes {taken}."]
        if count:
            effects += [answer for _, answer in game_delete_effects.send(sender=Game, game=game) if answer]
        return Response({"clips": count, "effects": effects, "blocker": delete_blocker(game)})


class Tournaments(APIView):
    @extend_schema(
        responses=inline_serializer("Tournaments", {"tournaments": serializers.ListField()}), tags=["games"]
    )
    def get(self, request: Request) -> Response:
        names = (
            Game.objects.filter(owner=request.user)
            .exclude(tournament_name="")
            .order_by("tournament_name")
            .values_list("tournament_name", flat=True)
            .distinct()
        )
        return Response({"tournaments": list(names)})


class UploadURL(APIView):
    """Start a single upload: a presigned PUT (S3) or our fallback endpoint (local)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("filename", str, required=True),
            OpenApiParameter("size", int, required=True),
            OpenApiParameter("content_type", str, required=True),
        ],
        responses={
            200: inline_serializer(
                "UploadTarget",
                {
                    "direct": serializers.BooleanField(),
                    "method": serializers.CharField(),
                    "upload_url": serializers.CharField(),
                    "headers": serializers.DictField(child=serializers.CharField()),
                    "video_filename": serializers.CharField(),
                    "expires_in": serializers.IntegerField(allow_null=True),
                },
            ),
            **errors(409, 413, 415),
        },
        tags=["uploads"],
    )
    def get(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        announced = UploadAnnounceSerializer(data=request.query_params)
        announced.is_valid(raise_exception=True)
        _, answer = uploads.start_single(game, **announced.validated_data)
        return Response(answer)


class ConfirmVideo(APIView):
    @extend_schema(
        request=ConfirmSerializer, responses={200: GameSerializer, **errors(409, 422, 502)}, tags=["uploads"]
    )
    def post(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            GameSerializer(uploads.confirm_single(game, body.validated_data["video_filename"])).data
        )


class GameVideo(APIView):
    """GET: play the video (Range requests locally, a presigned URL on S3).
    PUT: the fallback upload, raw body or multipart form, streamed to storage.
    POST: the same form, as Uppy sends a single upload (games/companion.py)."""

    # Uppy sends no CSRF header: the browser's same-origin proof stands in for it.
    authentication_classes = UPPY_AUTHENTICATION

    @extend_schema(parameters=[RANGE], responses=VIDEO_FILE, tags=["games"])
    def get(self, request: Request, game_id: int):
        game = owned_game(request, game_id)
        if not game.video_key:
            raise Http404("This game has no video yet.")
        store = object_store()
        if store.direct:
            return HttpResponseRedirect(store.presigned_get(game.video_key, settings.PLAYBACK_URL_EXPIRES))
        return ranged_file_response(request._request, store.read_location(game.video_key), "video/mp4")

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY, "video/*": OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("filename", str, description="shown to the user (raw bodies)")],
        responses={200: GameSerializer, **errors(409, 411, 413, 415, 422, 502)},
        tags=["uploads"],
    )
    def put(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        raw = request._request
        content_type = raw.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/form-data"):
            return Response(GameSerializer(self._from_form(game, raw)).data)
        length = raw.META.get("CONTENT_LENGTH")
        if not length:
            raise uploads.UploadError(411, "Send the file's size in the Content-Length header.")
        filename = request.query_params.get("filename") or raw.headers.get("X-Filename", "")
        return Response(
            GameSerializer(uploads.receive_backend_upload(game, raw, filename, content_type, length)).data
        )

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: GameSerializer, **errors(409, 413, 415, 422, 502)},
        tags=["uploads"],
    )
    def post(self, request: Request, game_id: int) -> Response:
        # Through DRF's parser (files over 2.5 MB go to disk, never into memory): a
        # CSRF check on a token header has already read the form through it.
        return Response(GameSerializer(self._receive(owned_game(request, game_id), request.FILES)).data)

    def _from_form(self, game: Game, raw) -> Game:
        # Files go to a temporary file on disk, never into memory.
        try:
            _, files = MultiPartParser(raw.META, raw, [TemporaryFileUploadHandler(raw)], raw.encoding).parse()
        except MultiPartParserError as exc:
            raise uploads.UploadError(400, f"The form could not be read: {exc}.") from None
        return self._receive(game, files)

    def _receive(self, game: Game, files) -> Game:
        upload = files.get("file") or files.get("video")
        if upload is None:
            raise uploads.UploadError(400, "Send the video in a form field named 'file'.")
        with upload:
            return uploads.receive_backend_upload(game, upload, upload.name, upload.content_type, upload.size)


class UploadList(APIView):
    @extend_schema(
        request=UploadAnnounceSerializer,
        responses={
            201: inline_serializer(
                "UploadStarted",
                {
                    "upload_id": serializers.UUIDField(),
                    "key": serializers.CharField(),
                    "part_size": serializers.IntegerField(),
                    "part_count": serializers.IntegerField(),
                    "direct": serializers.BooleanField(),
                },
            ),
            **errors(409, 413, 415),
        },
        tags=["uploads"],
    )
    def post(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        announced = UploadAnnounceSerializer(data=request.data)
        announced.is_valid(raise_exception=True)
        session = uploads.start_multipart(game, **announced.validated_data)
        return Response(
            {
                "upload_id": str(session.id),
                "key": session.key,
                "part_size": session.part_size,
                "part_count": session.part_count,
                "direct": object_store().direct,
            },
            status=201,
        )


class UploadDetail(APIView):
    @extend_schema(responses=UploadSummarySerializer, tags=["uploads"])
    def get(self, request: Request, game_id: int, upload_id) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        return Response(UploadSummarySerializer(session).data)

    @extend_schema(responses={204: None}, tags=["uploads"], summary="Abort the upload")
    def delete(self, request: Request, game_id: int, upload_id) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        uploads.abort(session)
        return Response(status=204)


class UploadParts(APIView):
    @extend_schema(
        responses={
            200: inline_serializer("StoredParts", {"parts": PartSerializer(many=True)}),
            **errors(400),
        },
        tags=["uploads"],
        summary="Parts already stored",
    )
    def get(self, request: Request, game_id: int, upload_id) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        parts = uploads.list_parts(session)
        return Response({"parts": [{"number": p.number, "size": p.size, "etag": p.etag} for p in parts]})


class UploadPartURL(APIView):
    @extend_schema(
        responses={
            200: inline_serializer(
                "PartTarget",
                {
                    "number": serializers.IntegerField(),
                    # null while the client decides the part size (Uppy slices the file itself)
                    "size": serializers.IntegerField(allow_null=True),
                    "url": serializers.CharField(),
                    "method": serializers.CharField(),
                    "direct": serializers.BooleanField(),
                    "headers": serializers.DictField(child=serializers.CharField()),
                    "expires_in": serializers.IntegerField(required=False),
                },
            ),
            **errors(400),
        },
        tags=["uploads"],
        summary="Where to PUT part n",
    )
    def get(self, request: Request, game_id: int, upload_id, number: int) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        return Response(uploads.part_upload(session, number))


class UploadPart(APIView):
    """PUT a part's bytes (local storage; on S3 parts go straight to the bucket)."""

    authentication_classes = UPPY_AUTHENTICATION  # Uppy PUTs parts with no CSRF header

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: PartSerializer, **errors(411)},
        tags=["uploads"],
    )
    def put(self, request: Request, game_id: int, upload_id, number: int) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        if object_store().direct:
            raise uploads.UploadError(400, "Parts go straight to storage: ask for the part's URL first.")
        length = request._request.META.get("CONTENT_LENGTH")
        part = uploads.store_part(session, number, request._request, int(length) if length else None)
        return Response(
            {"number": part.number, "size": part.size, "etag": part.etag}, headers={"ETag": f'"{part.etag}"'}
        )


class CompleteUpload(APIView):
    @extend_schema(
        request=CompleteSerializer, responses={200: GameSerializer, **errors(409, 422, 502)}, tags=["uploads"]
    )
    def post(self, request: Request, game_id: int, upload_id) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            GameSerializer(uploads.complete_multipart(session, body.validated_data["parts"])).data
        )


class UploadProgress(APIView):
    @extend_schema(
        request=ProgressSerializer,
        responses=inline_serializer("UploadProgress", {"progress": serializers.FloatField()}),
        tags=["uploads"],
        summary="Report bytes sent, shown on the user's other pages and tabs",
    )
    def post(self, request: Request, game_id: int, upload_id) -> Response:
        _, session = owned_upload(request, game_id, upload_id)
        body = ProgressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"progress": uploads.report_progress(session, body.validated_data["uploaded_bytes"])})


# --- Clips --------------------------------------------------------------------------


def owned_clip(request: Request, clip_id: int) -> Clip:
    return get_object_or_404(Clip.objects.select_related("game"), pk=clip_id, game__owner=request.user)


def clip_input(data, partial: bool = False) -> dict:
    serializer = ClipInputSerializer(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ClipList(APIView):
    @extend_schema(responses=ClipSerializer(many=True), tags=["clips"])
    def get(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        return Response(ClipSerializer(game.clips.order_by("start_time"), many=True).data)

    @extend_schema(request=ClipInputSerializer, responses={201: ClipSerializer}, tags=["clips"])
    def post(self, request: Request, game_id: int) -> Response:
        clip = clips.create_clip(owned_game(request, game_id), clip_input(request.data))
        return Response(ClipSerializer(clip).data, status=201)

    @extend_schema(
        request=ClipInputSerializer(many=True),
        responses=ClipSerializer(many=True),
        tags=["clips"],
        summary="Replace the game's clips (matched by end_time), in one transaction",
    )
    def put(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        if not isinstance(request.data, list):
            raise clips.ClipError(400, "Send the full list of clips.")
        items = [clip_input(item) for item in request.data]
        return Response(ClipSerializer(clips.replace_clips(game, items), many=True).data)


class ClipDetail(APIView):
    @extend_schema(responses=ClipSerializer, tags=["clips"])
    def get(self, request: Request, clip_id: int) -> Response:
        return Response(ClipSerializer(owned_clip(request, clip_id)).data)

    @extend_schema(
        request=ClipInputSerializer,
        responses={200: ClipSerializer, 409: conflict(ClipSerializer)},
        tags=["clips"],
        description="Send the `version` you last read (or If-Match); stale: 409 with the current clip.",
    )
    def patch(self, request: Request, clip_id: int) -> Response:
        clip = owned_clip(request, clip_id)
        version = required_version(request)
        return Response(
            ClipSerializer(clips.update_clip(clip, version, clip_input(request.data, partial=True))).data
        )

    @extend_schema(responses={204: None}, tags=["clips"])
    def delete(self, request: Request, clip_id: int) -> Response:
        clips.delete_clip(owned_clip(request, clip_id))
        return Response(status=204)


class TSVFileParser(BaseParser):
    """A TSV file as its bytes (the import checks their encoding line by line). A
    parser, not request.body: the session's CSRF check reads a POST's data first."""

    media_type = "text/*"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise clips.ClipError(413, f"A TSV file is at most {limit / 2**20:.1f} MB; this one is larger.")
        return body


class ClipsTSV(APIView):
    """The game's clips as TSV (GET) or imported from TSV (POST, all or nothing)."""

    parser_classes = [TSVFileParser, api_settings.DEFAULT_PARSER_CLASSES[0]]

    @extend_schema(responses={(200, "text/tab-separated-values"): OpenApiTypes.STR}, tags=["clips"])
    def get(self, request: Request, game_id: int) -> HttpResponse:
        game = owned_game(request, game_id)
        response = HttpResponse(
            tsv.export_clips(game), content_type="text/tab-separated-values; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, f"{game.display_name} clips.tsv")
        return response

    @extend_schema(
        request={
            "text/tab-separated-values": OpenApiTypes.STR,
            "application/json": inline_serializer("TSVText", {"tsv": serializers.CharField()}),
        },
        responses={
            200: ClipSerializer(many=True),
            400: inline_serializer(
                "TSVErrors",
                {
                    "detail": serializers.CharField(),
                    "errors": inline_serializer(
                        "TSVLineError",
                        {"line": serializers.IntegerField(), "message": serializers.CharField()},
                        many=True,
                        required=False,
                    ),
                },
            ),
        },
        tags=["clips"],
        description="Clips with the same end_time as an existing clip update it; the others are added.",
    )
    def post(self, request: Request, game_id: int) -> Response:
        game = owned_game(request, game_id)
        try:
            data = request.data
            if isinstance(data, bytes):
                text = tsv.decode(data)
            else:
                text = data.get("tsv") if isinstance(data, dict) else None
            if not isinstance(text, str):
                raise clips.ClipError(400, 'Send a TSV file, or its text in a JSON field "tsv".')
            written = clips.upsert_clips(game, tsv.parse_clips(game, text), delete_missing=False)
        except tsv.TSVError as error:
            return Response(
                {
                    "detail": error.message,
                    "errors": [{"line": e.line, "message": e.message} for e in error.errors],
                },
                status=400,
            )
        return Response(ClipSerializer(written, many=True).data)


class Tags(APIView):
    @extend_schema(
        responses=inline_serializer(
            "TagVocabulary",
            {
                "positions": inline_serializer(
                    "PositionTags",
                    {
                        "position": serializers.CharField(),
                        "tags": inline_serializer(
                            "Tag",
                            {"short": serializers.CharField(), "long": serializers.CharField()},
                            many=True,
                        ),
                    },
                    many=True,
                ),
                "ratings": inline_serializer(
                    "Rating",
                    {
                        "rating": serializers.IntegerField(),
                        "adjective": serializers.CharField(),
                        "symbol": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        ),
        tags=["clips"],
        summary="The tag vocabulary by position",
    )
    def get(self, request: Request) -> Response:
        from games.tags import POSITIONS, RATING_ADJECTIVES, RATING_SYMBOLS

        return Response(
            {
                "positions": [
                    {"position": position, "tags": [{"short": s, "long": lng} for s, lng in tags]}
                    for position, tags in POSITIONS.items()
                ],
                "ratings": [
                    {"rating": r, "adjective": RATING_ADJECTIVES[r], "symbol": RATING_SYMBOLS[r]}
                    for r in range(5, 0, -1)
                ],
            }
        )

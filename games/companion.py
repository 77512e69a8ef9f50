"""Companion's S3 routes, so a stock Uppy (`@uppy/aws-s3` with only
`companionEndpoint: "/api/uppy"`) uploads a game's video through the product's
own upload engine (games/uploads.py): the same sessions, part URLs, completion
checks, probe and notifications as the editor's uploader.

Uppy 6 speaks these routes (under /api/uppy/s3):
  GET    /params?filename=&type=&metadata[game_id]=  a single upload (a form POST)
  POST   /multipart                                  {filename, type, metadata} -> {uploadId, key}
  GET    /multipart/{uploadId}?key=                  parts stored -> [{PartNumber, Size, ETag}]
  GET    /multipart/{uploadId}/{n}?key=              where to PUT part n -> {url}
  POST   /multipart/{uploadId}/complete?key=         {parts: [{PartNumber, ETag}]} -> {location, key}
  DELETE /multipart/{uploadId}?key=                  abort

What Uppy cannot tell us, and how it is handled:
- The game: given in the file's metadata (`game_id`); another user's game is a 404.
- The file's size: never sent, and Uppy slices the file itself (5 MiB parts by
  default), so these sessions are "sliced by the client": the layout is read from
  the stored parts at completion (uploads.start_multipart(size=None)).
- A CSRF header: Uppy 6 has no `headers` option, so unsafe calls from the page
  are accepted on the browser's own proof of origin (SameOriginSessionAuthentication).
- A completion call after a single upload: Uppy's single upload is a form POST
  with no follow-up, so it goes to the game's video endpoint, which stores,
  probes and finishes in the same request (in S3 mode too).

Uppy does not retry a failed call to these routes and never aborts on an error,
so every refusal is a 4xx with a sentence and the stored parts are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from games import uploads
from games.models import Game, UploadMode, UploadSession, UploadStatus
from games.objects import object_store
from games.uploads import UploadError
from videoeditor.fields import MAX_ID


class SameOriginSessionAuthentication(SessionAuthentication):
    """Session authentication whose CSRF proof is either the token header or the
    Fetch Metadata a browser sets on its own requests. A script on another site
    cannot make the browser send `Sec-Fetch-Site: same-origin` (nor forge
    `Origin`), so a same-origin request without the token header is not a forgery;
    stock Uppy sends no custom headers at all."""

    def enforce_csrf(self, request: Request) -> None:
        if settings.CSRF_HEADER_NAME not in request.META and is_same_origin(request):
            return
        super().enforce_csrf(request)


def is_same_origin(request: Request) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    # Browsers without Fetch Metadata still send Origin on every unsafe request.
    origin = request.headers.get("Origin")
    return origin is not None and origin == request.build_absolute_uri("/").rstrip("/")


UPPY_AUTHENTICATION = [TokenAuthentication, SameOriginSessionAuthentication]


class CompanionView(APIView):
    authentication_classes = UPPY_AUTHENTICATION
    schema = None  # Uppy's protocol, documented above and in the README, not our REST API


def owned_game_from(request: Request, metadata) -> Game:
    raw = metadata.get("game_id") if isinstance(metadata, dict) else None
    try:
        game_id = int(str(raw))
    except ValueError:
        raise UploadError(400, "Say which game the video is for: set the file's metadata game_id.") from None
    game = Game.objects.filter(owner=request.user, pk=game_id).first() if 0 < game_id <= MAX_ID else None
    if game is None:
        raise UploadError(404, "There is no game with that id among yours.")
    return game


def owned_session(request: Request, upload_id) -> UploadSession:
    """The requester's active multipart session with this id and the `key` Uppy
    holds for it; anything else is a 404, whoever's it is."""
    session = UploadSession.objects.filter(
        pk=upload_id, owner=request.user, status=UploadStatus.ACTIVE, mode=UploadMode.MULTIPART
    ).first()
    if session is None or request.query_params.get("key") != session.key:
        raise UploadError(404, "There is no upload in progress with that id and key among yours.")
    return session


def absolute(request: Request, url: str) -> str:
    # Uppy derives the object's location with `new URL(url)`: it must be absolute.
    return request.build_absolute_uri(url)


class Params(CompanionView):
    """A single upload: where to POST the form. It is our video endpoint in both
    modes, because Uppy tells nobody when a POST straight to the bucket ends."""

    def get(self, request: Request) -> Response:
        metadata = {
            name[len("metadata[") : -1]: value
            for name, value in request.query_params.items()
            if name.startswith("metadata[") and name.endswith("]")
        }
        game = owned_game_from(request, metadata)
        # Refuse now what the POST would refuse, before the bytes are sent.
        filename = uploads.clean_filename(request.query_params.get("filename", ""))
        uploads.clean_content_type(request.query_params.get("type", ""))
        if UploadSession.objects.filter(game=game, status=UploadStatus.ACTIVE).exists():
            raise UploadError(409, "This game already has an upload in progress; finish or cancel it first.")
        url = absolute(request, reverse("game-video", kwargs={"game_id": game.pk}))
        return Response({"method": "POST", "url": url, "fields": {"key": filename}})


class Multipart(CompanionView):
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        game = owned_game_from(request, body.get("metadata"))
        filename, content_type = (body.get(name) for name in ("filename", "type"))
        session = uploads.start_multipart(
            game,
            filename if isinstance(filename, str) else "",
            content_type if isinstance(content_type, str) else "",
        )
        return Response({"uploadId": str(session.id), "key": session.key})


class MultipartUpload(CompanionView):
    def get(self, request: Request, upload_id) -> Response:
        session = owned_session(request, upload_id)
        if session.part_count and object_store().size(session.key) == session.size:
            # Assembled by a completion whose probe could not finish (a 502): the
            # parts are gone from storage, but all of them are in the object, so
            # Uppy's retry sends none and completes again, which probes again.
            numbers = range(1, session.part_count + 1)
            return Response(
                [{"PartNumber": n, "Size": session.expected_part_size(n), "ETag": "-"} for n in numbers]
            )
        parts = uploads.list_parts(session)
        return Response([{"PartNumber": p.number, "Size": p.size, "ETag": p.etag} for p in parts])

    def delete(self, request: Request, upload_id) -> Response:
        uploads.abort(owned_session(request, upload_id))
        return Response(status=204)


class MultipartPart(CompanionView):
    def get(self, request: Request, upload_id, number: int) -> Response:
        target = uploads.part_upload(owned_session(request, upload_id), number)
        return Response({"url": absolute(request, target["url"]), "expires": uploads.PART_URL_EXPIRES})


class MultipartComplete(CompanionView):
    def post(self, request: Request, upload_id) -> Response:
        session = owned_session(request, upload_id)
        parts = request.data.get("parts") if isinstance(request.data, dict) else None
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            raise UploadError(400, "Send the parts as a list of {PartNumber, ETag}.")
        claimed = [{"number": p.get("PartNumber"), "etag": p.get("ETag")} for p in parts]
        game = uploads.complete_multipart(session, claimed)
        location = absolute(request, reverse("game-video", kwargs={"game_id": game.pk}))
        return Response({"location": location, "key": session.key})

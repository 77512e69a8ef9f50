"""REST for pictures (posters and filmstrips, see games/pictures.py): the JPEG of
one picture, owner only. A picture never changes (a new video gets new pictures
with new ids), so browsers may keep it."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from games.models import Picture
from games.objects import object_store
from videoeditor.errors import UserFacingError

YEAR = 365 * 24 * 3600


class PictureFile(APIView):
    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 302: None},
        tags=["pictures"],
        summary="A poster or filmstrip JPEG (a presigned redirect on S3)",
    )
    def get(self, request: Request, picture_id: int):
        picture = get_object_or_404(Picture, pk=picture_id, owner=request.user)
        store = object_store()
        if store.direct:
            expires = settings.PLAYBACK_URL_EXPIRES
            response = HttpResponseRedirect(
                store.presigned_get(picture.key, expires, content_type="image/jpeg")
            )
            # The browser reuses the redirect while the signature is still good.
            response["Cache-Control"] = f"private, max-age={expires // 2}"
            return response
        try:
            handle = open(store.read_location(picture.key), "rb")  # noqa: SIM115 (FileResponse closes it)
        except FileNotFoundError:
            raise UserFacingError(404, "The picture file is missing from storage.") from None
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = f"private, max-age={YEAR}, immutable"
        return response

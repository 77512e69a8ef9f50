"""Project-level API views: health and the current user."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.deletion import refuse_if_under_way, request_deletion
from accounts.deletion_views import confirm_password
from videoeditor.health import health_report
from videoeditor.schema import errors
from videoeditor.vocabulary import vocabulary

_part = inline_serializer(
    "HealthPart",
    {
        "ok": serializers.BooleanField(),
        "required": serializers.BooleanField(),
        "detail": serializers.DictField(),
        "error": serializers.CharField(allow_null=True),
        "elapsed_ms": serializers.FloatField(),
    },
)
_health = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "error"]),
        "failing": serializers.ListField(child=serializers.CharField()),
        "degraded": serializers.ListField(child=serializers.CharField()),
        "checks": serializers.DictField(child=_part),
    },
)


class HealthView(APIView):
    """Status of the database, Redis, storage, ffmpeg, torch and workers. No login."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: _health, 503: _health}, tags=["system"])
    def get(self, request: Request) -> Response:
        healthy, body = health_report()
        return Response(body, status=200 if healthy else 503)


class UserSerializer(serializers.ModelSerializer):
    # Blank for accounts made without one, so not documented as `format: email`.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "first_name", "last_name", "is_staff"]
        read_only_fields = fields


class MeView(APIView):
    """The logged-in user; DELETE deletes the account (in the background)."""

    @extend_schema(responses=UserSerializer, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        request=inline_serializer("AccountDeletionRequest", {"password": serializers.CharField()}),
        responses={
            202: inline_serializer(
                "AccountDeletionStarted",
                {
                    "deletion": serializers.IntegerField(),
                    "status": serializers.ChoiceField(choices=["pending"]),
                },
            ),
            **errors(400, 409, 429),
        },
        tags=["auth"],
        description=(
            "Delete the account and everything stored for it, confirmed with the password (the body: "
            '{"password": "..."}): every session and the API token end at once, the rest runs in the '
            "background and an email says when it is done. 409 while a deletion of the account is "
            "under way; 429 after too many wrong passwords (they count as failed sign-ins)."
        ),
    )
    def delete(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        refuse_if_under_way(request.user)
        confirm_password(request, request.user, data.get("password"))
        deletion = request_deletion(request.user, requested_by=request.user)
        return Response({"deletion": deletion.pk, "status": deletion.status}, status=202)


def _choices(name: str, **extra: serializers.Field) -> serializers.Serializer:
    return inline_serializer(
        name, {"value": serializers.CharField(), "label": serializers.CharField(), **extra}, many=True
    )


_vocabulary = inline_serializer(
    "Vocabulary",
    {
        "speeds": serializers.ListField(child=serializers.FloatField()),
        "transitions": _choices("TransitionChoice"),
        "default_transition": inline_serializer(
            "DefaultTransition", {"type": serializers.CharField(), "duration": serializers.FloatField()}
        ),
        "slow_motion": _choices("SlowMotionChoice", hint=serializers.CharField()),
        "default_slow_motion": serializers.CharField(),
        "effects": _choices("EffectChoice"),
        "highlight": inline_serializer(
            "HighlightDefaults",
            {
                "effect": serializers.CharField(),
                "color": serializers.CharField(),
                "opacity": serializers.FloatField(),
                "radius_x": serializers.FloatField(
                    help_text="a new highlight's, as a share of the video's height"
                ),
                "radius_y": serializers.FloatField(
                    help_text="a new highlight's, as a share of the video's height"
                ),
                "brighten": serializers.FloatField(),
                "dim": serializers.FloatField(),
                "ellipse_fields": serializers.ListField(child=serializers.CharField()),
            },
        ),
        "ratings": inline_serializer(
            "RatingWords",
            {
                "value": serializers.IntegerField(),
                "word": serializers.CharField(),
                "symbol": serializers.CharField(),
                "colour": serializers.CharField(),
            },
            many=True,
        ),
        "tags": inline_serializer(
            "TagGroup",
            {
                "position": serializers.CharField(),
                "tags": inline_serializer(
                    "TagWords", {"short": serializers.CharField(), "long": serializers.CharField()}, many=True
                ),
            },
            many=True,
        ),
        "aspect_ratios": _choices(
            "AspectRatioChoice",
            hint=serializers.CharField(),
            width=serializers.IntegerField(),
            height=serializers.IntegerField(),
        ),
        "default_aspect_ratio": serializers.CharField(),
        "project_statuses": _choices("ProjectStatusChoice"),
        "project_origins": _choices("ProjectOriginChoice"),
        "gallery_types": _choices("GalleryTypeChoice"),
        "qualities": _choices("QualityChoice"),
        "limits": serializers.DictField(child=serializers.FloatField()),
    },
)


class VocabularyView(APIView):
    """The facts the server owns that pages use (speeds, slow motion, transitions,
    effects and their defaults, rating words/symbols/colours, tags, aspect ratios, export
    qualities, limits): the same object base.html renders as #vocabulary."""

    @extend_schema(responses=_vocabulary, tags=["system"])
    def get(self, request: Request) -> Response:
        response = Response(vocabulary())
        # Changes only with a deploy; private because only signed-in users see it.
        patch_cache_control(response, private=True, max_age=3600)
        return response

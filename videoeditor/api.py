"""Project-level API views: health and the current user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from videoeditor.health import health_report

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
    """The logged-in user."""

    @extend_schema(responses=UserSerializer, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

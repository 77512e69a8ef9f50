"""REST for the notification history. Owner-scoped; another user's id is a 404."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import service
from notifications.models import Notification, NotificationType


class ActionSerializer(serializers.Serializer):
    label = serializers.CharField()
    action = serializers.CharField()
    payload = serializers.DictField(required=False)


class NotificationSerializer(serializers.Serializer):
    """The socket message format plus the read state (output only)."""

    id = serializers.UUIDField()
    seq = serializers.IntegerField()
    type = serializers.ChoiceField(choices=NotificationType.choices)
    timestamp = serializers.DateTimeField()
    title = serializers.CharField()
    message = serializers.CharField()
    data = serializers.DictField()
    progress = serializers.FloatField(allow_null=True)
    dismissible = serializers.BooleanField()
    auto_dismiss_ms = serializers.IntegerField(allow_null=True)
    actions = ActionSerializer(many=True)
    toast = serializers.BooleanField(help_text="false for routine work (started, a clip cut): no toast")
    read_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Notification) -> dict:
        read_at = instance.read_at
        return {
            **instance.to_message(),
            "read_at": self.fields["read_at"].to_representation(read_at) if read_at else None,
        }


_count = inline_serializer("UnreadCount", {"unread_count": serializers.IntegerField()})


class NotificationList(generics.ListAPIView):
    """History, newest first. `?unread=true` lists only unread ones."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        queryset = Notification.objects.filter(owner=self.request.user).order_by("-seq")
        unread = self.request.query_params.get("unread", "").lower()
        if unread in ("true", "1", "yes"):
            queryset = queryset.filter(read_at__isnull=True)
        elif unread not in ("", "false", "0", "no"):
            raise serializers.ValidationError({"unread": "Use unread=true or unread=false."})
        return queryset

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread notifications")],
        tags=["notifications"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Clear the history",
        # 200 with the count, not a bare 204: the bell shows how many went.
        responses={200: inline_serializer("Cleared", {"deleted": serializers.IntegerField()})},
        tags=["notifications"],
    )
    def delete(self, request: Request) -> Response:
        return Response({"deleted": service.clear_history(request.user)})


class UnreadCount(APIView):
    @extend_schema(responses=_count, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response({"unread_count": service.unread_count(request.user)})


class MarkRead(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, tags=["notifications"])
    def post(self, request: Request, notification_id) -> Response:
        try:
            notification = service.mark_read(request.user, notification_id)
        except Notification.DoesNotExist:
            raise Http404("No such notification.") from None
        return Response(NotificationSerializer(notification).data)


class MarkAllRead(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        tags=["notifications"],
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": service.mark_all_read(request.user)})

"""WebSocket routes: the product has exactly one socket."""

from django.urls import path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [path("ws/notifications", NotificationConsumer.as_asgi())]

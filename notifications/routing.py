"""WebSocket routes. The product has exactly one socket, /ws/notifications,
added with the notification consumer."""

websocket_urlpatterns: list = []

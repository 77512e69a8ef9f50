from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications", api.NotificationList.as_view(), name="notification-list"),
    path("notifications/unread-count", api.UnreadCount.as_view(), name="notification-unread-count"),
    path("notifications/read-all", api.MarkAllRead.as_view(), name="notification-read-all"),
    path("notifications/<uuid:notification_id>/read", api.MarkRead.as_view(), name="notification-read"),
]

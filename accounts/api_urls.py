"""/api/invitations and /api/me/logout-everywhere (DELETE /api/me is videoeditor.api.MeView)."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("invitations", api.InvitationListView.as_view(), name="api-invitations"),
    path("invitations/<id:invitation_id>", api.InvitationDetailView.as_view(), name="api-invitation"),
    path(
        "invitations/<id:invitation_id>/resend",
        api.InvitationResendView.as_view(),
        name="api-invitation-resend",
    ),
    path("me/logout-everywhere", api.LogoutEverywhereView.as_view(), name="api-logout-everywhere"),
]

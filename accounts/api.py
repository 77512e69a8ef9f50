"""Invitations and sign-out-everywhere over the API. Owner-scoped: another person's
invitation is a 404."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import logout
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import invitations, sessions
from accounts.serializers import InvitationCreateSerializer, InvitationSerializer
from videoeditor.errors import UserFacingError
from videoeditor.fields import refuse_unknown_fields
from videoeditor.schema import errors

SEND_ERRORS = errors(403, 409, 429)


def _posted_email(request: Request) -> object:
    body = request.data
    if not isinstance(body, Mapping):
        raise UserFacingError(400, 'Send a JSON object: {"email": "name@example.com"}.')
    refuse_unknown_fields(body, InvitationCreateSerializer)
    return body.get("email")


def _throttled(refused: invitations.TooManyInvitations) -> exceptions.Throttled:
    # DRF's Throttled sets Retry-After; its own sentence is replaced by ours.
    throttled = exceptions.Throttled(refused.retry_after)
    throttled.detail = exceptions.ErrorDetail(refused.message, code=throttled.default_code)
    return throttled


class InvitationListView(generics.ListAPIView):
    """The invitations I sent, newest first."""

    serializer_class = InvitationSerializer

    def get_queryset(self):
        return invitations.invitations_of(self.request.user)

    @extend_schema(tags=["accounts"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **SEND_ERRORS},
        tags=["accounts"],
        description=(
            "Invite an email address: it gets a link to make an account, valid for INVITATION_DAYS days "
            "and once. A pending invitation of mine to the same address is sent again (a new link and "
            "expiry; the old link stops working) and answered with 201 too. 409 when the address already "
            "has an account; 429 past 20 invitation emails a day."
        ),
    )
    def post(self, request: Request) -> Response:
        try:
            invitation, _new = invitations.invite(request, request.user, _posted_email(request))
        except invitations.TooManyInvitations as refused:
            raise _throttled(refused) from None
        return Response(InvitationSerializer(invitation).data, status=201)


class InvitationDetailView(APIView):
    @extend_schema(
        request=None,
        responses={204: None, **errors(409)},
        tags=["accounts"],
        description="Revoke: the link stops working at once. Revoking twice changes nothing; "
        "an accepted invitation answers 409.",
    )
    def delete(self, request: Request, invitation_id: int) -> Response:
        invitations.revoke(get_object_or_404(invitations.invitations_of(request.user), pk=invitation_id))
        return Response(status=204)


class InvitationResendView(APIView):
    @extend_schema(
        request=None,
        responses={200: InvitationSerializer, **SEND_ERRORS},
        tags=["accounts"],
        description="Email a pending or expired invitation again, with a new link and expiry. "
        "409 for an accepted or revoked one, or an address that has an account by now.",
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        invitation = get_object_or_404(invitations.invitations_of(request.user), pk=invitation_id)
        try:
            invitations.resend(request, invitation)
        except invitations.TooManyInvitations as refused:
            raise _throttled(refused) from None
        return Response(InvitationSerializer(invitation).data)


class LogoutEverywhereView(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        tags=["auth"],
        description="End every session of mine (browsers included), delete my API token (this "
        "request's too) and close my notification sockets (close code 4401).",
    )
    def post(self, request: Request) -> Response:
        sessions.end_all(request.user)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # This browser's session row is gone; a fresh empty one, not a stale save of it.
            logout(request._request)
        return Response(status=204)

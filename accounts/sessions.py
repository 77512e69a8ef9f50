"""Signing a person out everywhere: every session, the API token, the open sockets."""

from __future__ import annotations

import logging

from allauth.usersessions.models import UserSession
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications import service

log = logging.getLogger(__name__)

# The consumer's handler for this event closes the socket with 4401 (signed out).
SESSION_ENDED_EVENT = "session.ended"


def end_all(user: AbstractBaseUser) -> int:
    """End every session of `user` (this request's too), delete their API token, and
    close their notification sockets once the transaction commits. Returns how many
    sessions were ended."""
    user_id = str(user.pk)
    # allauth's UserSession rows name the sessions its middleware saw; a session signed
    # in before it tracked them (or never used since) is found only by reading the
    # sessions themselves, which are opaque rows. Expired ones are skipped: nobody can
    # use them, and clearsessions drops them.
    keys = set(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    keys.update(
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    )
    ended = Session.objects.filter(session_key__in=keys).delete()[1].get("sessions.Session", 0)
    UserSession.objects.filter(user_id=user.pk).delete()
    Token.objects.filter(user_id=user.pk).delete()
    transaction.on_commit(lambda: close_sockets(user.pk))
    return ended


def close_sockets(user_id: int) -> None:
    """Close the user's open notification sockets (4401, as a signed-out socket)."""
    try:
        # The notification service's one push loop (and its Redis pool), not a loop per call.
        service.push_loop.group_send(service.user_group(user_id), {"type": SESSION_ENDED_EVENT})
    except Exception:  # Redis away: the sessions are gone anyway, a reconnect is refused
        log.exception("could not tell user %s's sockets that their sessions ended", user_id)

"""Share links: the token in a link's address, its state, and what it shows.

A token is `{key}{mac}`: the key is the link's random half (16 bytes, 22 characters of
URL-safe base64) and the only thing stored to find it; the MAC (HMAC-SHA256 of the key
with a key derived from SECRET_KEY, cut to 16 bytes) proves we minted it. The MAC is
checked in constant time before any query, so a guessed or forged token costs no
database read and says nothing through its timing. A link is active until its owner
revokes it or it expires; both are read from the row on every request (never cached),
so they take effect at once.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from exports import gallery
from exports.models import FinalVideo, ReviewVideo, ShareLink

KEY_BYTES = 16  # 128 random bits: unguessable however many links exist
MAC_BYTES = 16
KEY_LENGTH = 22  # characters of unpadded base64 for 16 bytes
TOKEN_LENGTH = 2 * KEY_LENGTH
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")
_SALT = "exports.shares"
EXPIRY_DAYS_MAX = 365


class ShareState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class VideoKind(models.TextChoices):
    FINAL_VIDEO = "final_video", "Final video"
    REVIEW_VIDEO = "review_video", "Review video"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _mac(key: str, secret: str) -> str:
    digest = salted_hmac(_SALT, key, secret=secret, algorithm="sha256").digest()
    return _b64(digest[:MAC_BYTES])


def new_key() -> str:
    return _b64(secrets.token_bytes(KEY_BYTES))


def token_of(link: ShareLink) -> str:
    return link.key + _mac(link.key, settings.SECRET_KEY)


def key_from_token(token: str) -> str | None:
    """The key a token names when we minted it, else None. Pure: no query. A MAC made
    with a retired SECRET_KEY (SECRET_KEY_FALLBACKS) still counts, so rotating the
    secret does not break every link handed out."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    key, mac = token[:KEY_LENGTH], token[KEY_LENGTH:]
    try:
        if len(base64.urlsafe_b64decode(key + "==")) != KEY_BYTES:
            return None
    except (binascii.Error, ValueError):
        return None
    secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # Every candidate is compared, so the time taken does not say which one matched.
    matched = [hmac.compare_digest(_mac(key, secret), mac) for secret in secrets_in_use]
    return key if any(matched) else None


def find(token: str) -> ShareLink | None:
    """The link a token opens (revoked and expired ones too), with its video; None for
    a token we did not mint or whose link is gone."""
    key = key_from_token(token)
    if key is None:
        return None
    return ShareLink.objects.select_related("final_video__project", "review_video").filter(key=key).first()


# --- state -----------------------------------------------------------------------------


def state(link: ShareLink, now: datetime | None = None) -> str:
    if link.revoked_at is not None:
        return ShareState.REVOKED
    if link.expires_at is not None and link.expires_at <= (now or timezone.now()):
        return ShareState.EXPIRED
    return ShareState.ACTIVE


def gone_sentence(link: ShareLink) -> str:
    """Why a link no longer opens, for the person who followed it."""
    if link.revoked_at is not None:
        return "This link was turned off by the person who shared it."
    when = timezone.localtime(link.expires_at)
    return f"This link expired on {when.day} {when:%B %Y}."


def count_view(link: ShareLink) -> None:
    """One more view, counted in the database (two viewers at once both count)."""
    now = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1, last_viewed_at=now)


# --- what a link shows ---------------------------------------------------------------------


def video_kind(link: ShareLink) -> str:
    return VideoKind.FINAL_VIDEO if link.final_video_id else VideoKind.REVIEW_VIDEO


def title(video: FinalVideo | ReviewVideo) -> str:
    """The name a viewer sees: a final video's project name, a review's own title."""
    return video.project.name if isinstance(video, FinalVideo) else video.title


def download_name(video: FinalVideo | ReviewVideo) -> str:
    """ "{project} v{n}.mp4" for a final video, as the gallery saves it; "{title} v{n}.mp4"
    for a review."""
    return gallery.download_name(title(video), video.version)


def page_path(link: ShareLink) -> str:
    return reverse("share-page", kwargs={"token": token_of(link)})


# --- the owner's actions ---------------------------------------------------------------------


def links_of(owner: AbstractBaseUser) -> QuerySet[ShareLink]:
    return ShareLink.objects.filter(owner=owner).select_related("final_video__project", "review_video")


def create_link(
    owner: AbstractBaseUser, video: FinalVideo | ReviewVideo, expires_in_days: int | None = None
) -> ShareLink:
    """A new link to one of the owner's videos (the caller has checked it is theirs)."""
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    target = {"final_video": video} if isinstance(video, FinalVideo) else {"review_video": video}
    return ShareLink.objects.create(owner=owner, key=new_key(), expires_at=expires_at, **target)


def revoke(link: ShareLink) -> ShareLink:
    """Turn a link off for good; revoking it again keeps the first time."""
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db(fields=["revoked_at", "views", "last_viewed_at"])
    return link

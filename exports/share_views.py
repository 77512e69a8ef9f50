"""The public side of share links: the page, the video and its download, for anyone
holding the token and no one else, without signing in.

Every answer is refused to search engines and kept out of caches and Referer headers
(the token is in the address). A link's state is read from its row on every request,
so a revocation or an expiry takes effect at the next one. Requests are counted per
client address in the Redis cache (atomic INCRs, as videoeditor.login_throttle counts
failed sign-ins): a few hundred a minute play any video; tokens that open nothing
count separately, with a far lower limit, since only someone guessing sends many.

A deleted video takes its links with it (CASCADE), so its token then finds no row and
answers 404 like a token never made: nothing is kept to tell the two apart.
"""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from exports import gallery, shares
from exports.models import ShareLink
from games.objects import object_store
from games.streaming import ranged_file_response
from videoeditor.errors import UserFacingError
from videoeditor.login_throttle import client_address
from videoeditor.windows import Window

# A signed S3 address outlives the check that minted it: kept short, so a revoked
# link stops playing within minutes even for someone who kept the address.
PRESIGNED_SECONDS = 300
REQUESTS_PER_MINUTE = 120
BAD_TOKENS_PER_WINDOW = 20
BAD_TOKEN_WINDOW = 600
NOT_FOUND = "There is no video at this address. Check that the link was copied whole."


def _windows(request: HttpRequest) -> tuple[Window, Window]:
    address = client_address(request)
    return (
        Window("share-requests", address, REQUESTS_PER_MINUTE, 60),
        Window("share-bad-tokens", address, BAD_TOKENS_PER_WINDOW, BAD_TOKEN_WINDOW),
    )


def _private(response: HttpResponse) -> HttpResponse:
    """Not for search engines, caches, or other sites' Referer logs."""
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _refusal(request: HttpRequest, status: int, heading: str, sentence: str) -> HttpResponse:
    context = {"heading": heading, "sentence": sentence}
    return _private(render(request, "exports/share_gone.html", context, status=status))


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = math.ceil(wait / 60)
    when = f"{minutes} minute{'s' if minutes != 1 else ''}" if wait > 60 else f"{wait} seconds"
    response = _refusal(
        request, 429, "Too many requests", f"Too many requests from your network. Try again in {when}."
    )
    response["Retry-After"] = str(wait)
    return response


def _open(request: HttpRequest, token: str) -> ShareLink | HttpResponse:
    """The active link a token opens, or the page that says why not."""
    requests, bad_tokens = _windows(request)
    if bad_tokens.count() >= bad_tokens.limit:
        return _too_many(request, bad_tokens.retry_after())
    if requests.hit() > requests.limit:
        return _too_many(request, requests.retry_after())
    link = shares.find(token)
    if link is None:
        bad_tokens.hit()
        return _refusal(request, 404, "Link not found", NOT_FOUND)
    if shares.state(link) != shares.ShareState.ACTIVE:
        return _refusal(request, 410, "Link no longer works", shares.gone_sentence(link))
    return link


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@require_safe
def shared_page(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link, video = opened, opened.video
    if request.method == "GET":  # a HEAD (a link preview's probe) is not a view
        shares.count_view(link)
    chapters = [
        # floored, as a player's clock shows the second a chapter starts in
        {"title": c["title"], "start": c["start"], "at": _clock(math.floor(c["start"]))}
        for c in video.chapters or []
        if isinstance(c, dict) and {"title", "start"} <= set(c)
    ]
    context = {
        "token": token,
        "title": shares.title(video),
        "duration": _clock(video.duration),
        "width": video.width,
        "height": video.height,
        "chapters": chapters,
    }
    return _private(render(request, "exports/shared.html", context))


def _file(request: HttpRequest, token: str, download: bool) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    video = opened.video
    filename = shares.download_name(video)
    disposition = gallery.attachment(filename) if download else content_disposition_header(False, filename)
    store = object_store()
    if store.direct:
        url = store.presigned_get(
            video.file_key, PRESIGNED_SECONDS, disposition=disposition if download else None
        )
        return _private(HttpResponseRedirect(url))
    try:
        response = ranged_file_response(request, store.read_location(video.file_key), "video/mp4")
    except UserFacingError as error:
        return _refusal(request, error.status, "Video missing", error.message)
    response["Content-Disposition"] = disposition
    return _private(response)


@require_safe
def shared_video(request: HttpRequest, token: str) -> HttpResponse:
    return _file(request, token, download=False)


@require_safe
def shared_download(request: HttpRequest, token: str) -> HttpResponse:
    return _file(request, token, download=True)


urlpatterns = [
    path("<str:token>", shared_page, name="share-page"),
    path("<str:token>/video", shared_video, name="share-video"),
    path("<str:token>/download", shared_download, name="share-download"),
]

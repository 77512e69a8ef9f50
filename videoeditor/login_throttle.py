"""Login throttling: failed sign-ins are counted per account and per client address,
in the Redis cache shared by every web process, and past a limit further attempts
are refused (429 with Retry-After) until the window that began at the first failure
ends.

Counters are atomic INCRs rather than DRF's SimpleRateThrottle history list: that
list is read, extended and written back, so guesses sent in parallel overwrite each
other's entries and count as one. Only failures count, so a person who signs in
correctly is never slowed down by their own successes, and failures on other
accounts from other addresses never block them. Every failed `authenticate()` is
counted (the signal below), whichever form or endpoint made it; the sign-in page
(/accounts/login/, accounts.views.LoginView), the admin's and the token endpoint
refuse attempts over the limit.

An account is one identity whichever name is typed: a failure by email counts
against the email typed and against the username of the account that owns it, so
switching between the two does not double the guesses.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import BaseThrottle

from videoeditor.windows import Window


@dataclass(frozen=True)
class _Counter:
    window: Window
    refusal: str


def client_address(request: HttpRequest) -> str:
    """The address failures are counted against. REMOTE_ADDR only: uvicorn's
    --proxy-headers already sets it from a trusted proxy's X-Forwarded-For, and a
    header the client writes itself must not pick its own counter. An IPv6 client
    usually holds a whole /64, so that is one address here."""
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


# Longer than any username or email address: not worth a query.
_MAX_IDENTITY_CHARS = 254


def account_identities(*typed: object) -> set[str]:
    """The names failures are counted against for what was typed: each value itself,
    casefolded, and the username of an account whose email address it is."""
    from allauth.account.utils import filter_users_by_email

    names = {value.casefold() for value in typed if isinstance(value, str) and value}
    for value in typed:
        if isinstance(value, str) and "@" in value and len(value) <= _MAX_IDENTITY_CHARS:
            names.update(user.get_username().casefold() for user in filter_users_by_email(value))
    return names


def _counters(address: str | None, identities: Iterable[str]) -> list[_Counter]:
    seconds = settings.LOGIN_FAILURE_WINDOW_SECONDS
    counters = [
        _Counter(
            Window("login-failures:account", identity, settings.LOGIN_FAILURES_PER_ACCOUNT, seconds),
            "Too many failed sign-ins for this account.",
        )
        for identity in sorted(identities)
    ]
    if address:
        counters.append(
            _Counter(
                Window("login-failures:address", address, settings.LOGIN_FAILURES_PER_ADDRESS, seconds),
                "Too many failed sign-ins from your network.",
            )
        )
    return counters


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # whole seconds, at least 1
    sentence: str


def refusal(address: str | None, login: str) -> Refusal | None:
    """Why a sign-in attempt with `login` (a username or an email address) is refused
    now, or None when it may go ahead."""
    counters = _counters(address, account_identities(login))
    # One round trip for every counter, not two a counter.
    stored = cache.get_many([k for c in counters for k in (c.window.key, c.window.started_key)])
    worst = None
    for counter in counters:
        if stored.get(counter.window.key, 0) < counter.window.limit:
            continue
        wait = counter.window.seconds_left(stored.get(counter.window.started_key))
        if worst is None or wait > worst[0]:
            worst = (wait, counter.refusal)
    if worst is None:
        return None
    wait, reason = worst
    minutes = math.ceil(wait / 60)
    when = f"{minutes} minute{'s' if minutes != 1 else ''}" if wait > 60 else f"{wait} seconds"
    return Refusal(wait, f"{reason} Try again in {when}.")


def record_failure(address: str | None, identities: Iterable[str]) -> None:
    for counter in _counters(address, identities):
        counter.window.hit()


def forget_account_failures(*logins: str) -> None:
    """A correct password clears the account's counts, by every name it goes by (never
    the address's: one valid account must not buy an address more guesses at others)."""
    for counter in _counters(None, account_identities(*logins)):
        counter.window.forget()


@receiver(user_login_failed, dispatch_uid="login_throttle.count_failure")
def _count_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    # allauth passes the typed value as `email` (and as `username` too) when it looks
    # like an address; Django's own forms pass `username`.
    identities = account_identities(credentials.get("username"), credentials.get("email"))
    if not identities:
        return
    record_failure(client_address(request) if request is not None else None, identities)


def _posted_username(data) -> str:
    value = data.get("username") if isinstance(data, Mapping) else None
    return value if isinstance(value, str) else ""


class LoginFailureThrottle(BaseThrottle):
    """DRF's throttle hook for the token endpoint (and the 429 in its schema)."""

    refused: Refusal | None = None

    def allow_request(self, request, view) -> bool:
        self.refused = refusal(client_address(request), _posted_username(request.data))
        return self.refused is None

    def wait(self) -> float | None:
        return self.refused.retry_after if self.refused else None


class ObtainAuthTokenView(ObtainAuthToken):
    """POST /api/auth/token, with failed attempts throttled."""

    throttle_classes = [LoginFailureThrottle]

    def check_throttles(self, request) -> None:
        # DRF's own loop would answer with its generic sentence; ours names the reason.
        throttle = LoginFailureThrottle()
        if not throttle.allow_request(request, self):
            refused = exceptions.Throttled(throttle.wait())
            refused.detail = exceptions.ErrorDetail(throttle.refused.sentence, code=refused.default_code)
            raise refused

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        forget_account_failures(_posted_username(request.data))
        return response


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """/admin/login/ under the same limits: the admin's own view, refused over them."""
    from django.contrib import admin
    from django.utils.html import format_html

    if request.method == "POST":
        username = _posted_username(request.POST)
        refused = refusal(client_address(request), username)
        if refused is not None:
            response = HttpResponse(
                format_html("<!doctype html><title>Sign-in refused</title><p>{}</p>", refused.sentence),
                status=429,
            )
            response["Retry-After"] = str(refused.retry_after)
            return response
        response = admin.site.login(request, extra_context)
        if request.user.is_authenticated:
            forget_account_failures(username)
        return response
    return admin.site.login(request, extra_context)

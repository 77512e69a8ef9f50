"""The OpenAPI schema documents every status an operation can answer.

`AutoSchema` adds the answers that follow from an operation's shape, so no view has
to repeat them: 400 (a body or query to validate), 404 (an id in the path), 401/403
(authentication, CSRF), 413/415 (a JSON body), 429 (throttled). Views declare only
what is particular to them (409 with the current state, 411, 422, 502, 206, ...)
with `@extend_schema`, using `errors()` and `conflict()` from here."""

from __future__ import annotations

import functools
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Field errors are keyed by field name (a list of messages, or an object for a nested
# field), so their keys cannot be listed; refusals that are about the whole request
# carry a `detail` sentence instead (or as well).
VALIDATION_ERROR = {
    "type": "object",
    "description": "Why the request was refused: a `detail` sentence, and/or each invalid field's "
    "name with its messages.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}


class ErrorSerializer(serializers.Serializer):
    """Every refusal other than invalid fields: one sentence a person understands."""

    detail = serializers.CharField()


@functools.cache
def conflict(serializer: type[serializers.Serializer]) -> serializers.Serializer:
    """The 409 of a versioned write: a sentence and the resource as it is now (one
    component per resource, however many operations answer it)."""
    return inline_serializer(
        f"{serializer.__name__.removesuffix('Serializer')}Conflict",
        {"detail": serializers.CharField(), "current": serializer()},
    )


def errors(*codes: int) -> dict[int, type[ErrorSerializer]]:
    """Statuses particular to a view, answered with a sentence: `{200: X, **errors(409)}`."""
    return dict.fromkeys(codes, ErrorSerializer)


# The video files: ranged reads where the file is local, a presigned redirect on S3.
RANGE = OpenApiParameter(
    "Range", str, OpenApiParameter.HEADER, description="`bytes=start-end`, to seek without reading it all"
)
VIDEO_FILE = {
    (200, "video/mp4"): OpenApiTypes.BINARY,
    (206, "video/mp4"): OpenApiTypes.BINARY,
    302: None,
    416: None,
}


class SessionSubclassScheme(SessionScheme):
    """A session authentication of our own (games.companion: the CSRF proof may also
    be the browser's Fetch Metadata) is the same cookie under its own scheme name:
    drf-spectacular's extension matches the exact class only, and one component name
    cannot stand for two classes."""

    match_subclasses = True
    priority = -2
    name = "sameOriginCookieAuth"

    def get_security_definition(self, auto_schema: openapi.AutoSchema) -> dict[str, str]:
        return {
            **super().get_security_definition(auto_schema),
            "description": "The session cookie; writes carry the CSRF token header or come "
            "from the editor's own origin (Sec-Fetch-Site: same-origin).",
        }


class AutoSchema(openapi.AutoSchema):
    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        # A view without permission classes (the token view) is open to anyone: say so,
        # as drf-spectacular does for AllowAny.
        if not self.view.get_permissions() and {} not in auths:
            auths.append({})
        return auths

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: ComponentRegistry
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.standard_error_codes(operation):
            if code not in responses:
                body = self._validation_error() if code == "400" else ErrorSerializer
                responses[code] = self._get_response_for_code(body, code, ["application/json"])
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again.",
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def standard_error_codes(self, operation: dict[str, Any]) -> list[str]:
        """The error statuses that follow from the operation's shape alone."""
        codes = []
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        body_types = set(operation.get("requestBody", {}).get("content", {}))
        if "query" in locations or body_types:
            codes.append("400")
        authenticators = self.view.get_authenticators()
        # A bad or expired token is refused even where no login is needed.
        if authenticators:
            codes.append("401")
        # A session write without the CSRF token (the token API needs none).
        if self.method in UNSAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            codes.append("403")
        if "path" in locations:
            codes.append("404")
        # JSON bodies pass the size limit of JSONBodyLimitMiddleware and DRF's parsers.
        if "application/json" in body_types:
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _validation_error(self) -> dict[str, str]:
        component = ResolvedComponent(
            name="ValidationError",
            type=ResolvedComponent.SCHEMA,
            object="ValidationError",
            schema=VALIDATION_ERROR,
        )
        self.registry.register_on_missing(component)
        return component.ref

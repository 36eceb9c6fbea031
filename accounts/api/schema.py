"""OpenAPI generation: every operation documents the standard error responses,
``{org_slug}`` in a path is a documented string parameter, and every operation that
honours ``Idempotency-Key`` (a viewset's ``create`` with `IdempotentCreateMixin`, or an
action that declares `IDEMPOTENCY_HEADER`) declares the header and its 422."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from accounts.api.idempotency import HEADER as IDEMPOTENCY_HEADER_NAME
from accounts.api.idempotency import IdempotentCreateMixin


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors by field name (dotted path for nested input).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ORG_SLUG_PARAMETER = OpenApiParameter(
    "org_slug",
    str,
    OpenApiParameter.PATH,
    description="Slug of an organization you belong to (404 otherwise).",
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    IDEMPOTENCY_HEADER_NAME,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry safely (IETF Idempotency-Key): the same key and body replay the first "
    "response (header `Idempotent-Replayed: true`); the same key with another body is a 422, "
    "and while the first request is still running a 409.",
)

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input, malformed JSON or body too large",
    "401": "Missing, invalid, expired or revoked credentials",
    "403": "Your role does not allow this (or CSRF failed on a session)",
    "404": "Not found, or not in an organization you belong to",
    "405": "Method not allowed",
    "409": "A request with this Idempotency-Key is still in progress, or a state conflict",
    "415": "Unsupported media type (send application/json)",
    "422": "Idempotency-Key already used with another request body",
    "429": "Rate limit exceeded; see Retry-After",
}


class ApiAutoSchema(AutoSchema):
    def _creates_idempotently(self) -> bool:
        return (
            self.method == "POST"
            and isinstance(self.view, IdempotentCreateMixin)
            and getattr(self.view, "action", None) == "create"
        )

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if "{org_slug}" in self.path:
            parameters.append(ORG_SLUG_PARAMETER)
        if self._creates_idempotently() and IDEMPOTENCY_HEADER not in parameters:
            parameters.append(IDEMPOTENCY_HEADER)
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404", "405", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "415"]
        # self.get_override_parameters: with what @extend_schema adds on an action too.
        if any(
            getattr(parameter, "name", None) == IDEMPOTENCY_HEADER_NAME
            for parameter in self.get_override_parameters()
        ):
            codes.append("422")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

"""One error format for every API error, and the exceptions the API raises itself.

Every error response body is::

    {"error": {"code": "validation_error", "message": "Invalid input.",
               "fields": {"name": ["This field is required."]}}}

``code`` is a stable machine-readable string (``not_authenticated``,
``authentication_failed``, ``permission_denied``, ``not_found``,
``method_not_allowed``, ``parse_error``, ``unsupported_media_type``,
``throttled``, ``validation_error``, ``request_too_large``,
``idempotency_conflict``, ``service_unavailable`` (503), ``server_error``...); ``message`` is for humans;
``fields`` is present only for validation errors and maps a field name (a dotted
path for nested input) to its messages.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from accounts.availability import ServiceUnavailableError

logger = logging.getLogger(__name__)

NON_FIELD_KEY = "non_field_errors"


class RequestTooLarge(exceptions.APIException):
    # 400 like Django's own RequestDataTooBig, so clients see one answer for a bad body.
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Request body is too large."
    default_code = "request_too_large"


class Unavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request needs is unavailable; try again shortly."
    default_code = "service_unavailable"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


# DRF's default codes, renamed where they are vague.
_CODE_NAMES = {"invalid": "validation_error", "error": "server_error"}


def _flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"a": {"b": ["x"]}}`` → ``{"a.b": ["x"]}``; list items get their index."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten_fields(value, name))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            if item:
                fields.update(_flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, list):
        fields[prefix or NON_FIELD_KEY] = [str(item) for item in detail]
    else:
        fields[prefix or NON_FIELD_KEY] = [str(detail)]
    return fields


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _body_for(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten_fields(detail)
            general = fields.pop(NON_FIELD_KEY, None)
            message = general[0] if general else "Invalid input."
            if general and not fields:
                return error_body("validation_error", message)
            if general:
                fields[NON_FIELD_KEY] = general
            return error_body("validation_error", message, fields)
        messages = [str(item) for item in detail] if isinstance(detail, list) else [str(detail)]
        return error_body("validation_error", " ".join(messages) or "Invalid input.")
    code = exc.default_code
    if isinstance(exc.detail, exceptions.ErrorDetail) and exc.detail.code:
        code = exc.detail.code
    return error_body(_CODE_NAMES.get(code, code), str(exc.detail))


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the standard format.

    Unexpected exceptions become a logged 500 in the same format (the transaction
    is rolled back); the log carries the path and the exception, never headers or
    the body, so tokens do not end up in logs.
    """
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            f"Request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    elif isinstance(exc, ServiceUnavailableError):
        exc = Unavailable(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        logger.exception(
            "Unhandled API error on %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
        )
        set_rollback()
        return Response(
            error_body("server_error", "Something went wrong on our side."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    assert isinstance(exc, exceptions.APIException)
    response.data = _body_for(exc)
    return response

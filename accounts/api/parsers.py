"""Strict JSON for the API: bounded size, no NaN/Infinity."""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from accounts.api.errors import RequestTooLarge


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not allowed in JSON")


def _finite_float(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):  # 1e999 parses to inf without parse_constant seeing it
        raise ValueError(f"number {value} is out of range")
    return number


class StrictJSONParser(JSONParser):
    """JSON bodies up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, finite numbers only.

    DRF reads the request stream directly, which skips Django's own size check,
    so the limit is enforced here.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestTooLarge(f"Request body is larger than {limit} bytes.")
        encoding = get_encoding(parser_context)
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"Request body is larger than {limit} bytes.")
        try:
            text = codecs.decode(raw, encoding)
            return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc

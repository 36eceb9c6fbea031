"""Cursor pagination: stable pages on long, growing lists (the default for the API)."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class CheckedPageSize:
    """``?page_size=`` from 1 to ``max_page_size``; a malformed one is a 400 naming it."""

    page_size_query_param = "page_size"
    page_size: int
    max_page_size: int

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)  # type: ignore[misc]
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


class ApiCursorPagination(CheckedPageSize, CursorPagination):
    """``?cursor=`` pages of ``page_size`` (default 50, 1 to 200).

    The ordering is the view's ``ordering`` (or ``?ordering=``); views end it with
    a unique field (``pk``) so a page boundary never splits ties. A malformed
    ``page_size`` is a 400, not silently the default.
    """

    page_size = 50
    max_page_size = 200
    ordering = "-pk"

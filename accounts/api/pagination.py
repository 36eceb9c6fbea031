"""Cursor pagination: stable pages on long, growing lists (the default for the API)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """``?cursor=`` pages of ``page_size`` (default 50, at most 200).

    The ordering is the view's ``ordering`` (or ``?ordering=``); views end it with
    a unique field (``pk``) so a page boundary never splits ties.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"

"""A finished sweep's grid as a CSV or Parquet download: shared by the sweep pages and the
API so both serve the same file."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse

from planner import sweep_selectors
from planner.models import Sweep

CONTENT_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def sweep_download_response(
    *, sweep: Sweep, fmt: str
) -> HttpResponse | StreamingHttpResponse | None:
    """The download of ``sweep``'s results as ``fmt`` ("csv" or "parquet"); None until the
    sweep has results."""
    grid = sweep_selectors.sweep_grid(sweep=sweep)
    if not grid:
        return None
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            sweep_selectors.sweep_csv_chunks(grid=grid), content_type=CONTENT_TYPES["csv"]
        )
    elif fmt == "parquet":
        response = HttpResponse(
            sweep_selectors.sweep_parquet_bytes(grid=grid), content_type=CONTENT_TYPES["parquet"]
        )
    else:
        raise ValueError(f"unknown download format {fmt!r}")
    response["Content-Disposition"] = f'attachment; filename="sweep-{sweep.pk}.{fmt}"'
    return response

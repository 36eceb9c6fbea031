"""LiteLLM export files for tests, in the real column layout: the columns of each table are
read from LiteLLM's own proxy schema (../shared/reference/real), in the schema's order, as
`psql \\copy ... csv header` writes them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from django.conf import settings

SCHEMA_NAME = "litellm-proxy-schema-1.110.2.prisma"


def real_dir() -> Path:
    """../shared/reference/real beside the checkout (or beside the worktrees' folder)."""
    base = Path(settings.BASE_DIR)
    for parent in (base.parent, base.parent.parent):
        candidate = parent / "shared" / "reference" / "real"
        if (candidate / SCHEMA_NAME).is_file():
            return candidate
    raise FileNotFoundError(f"{SCHEMA_NAME} not found beside {base}")


def schema_columns(table: str) -> list[str]:
    """The columns of `model <table> { ... }` in LiteLLM's schema, in order."""
    text = (real_dir() / SCHEMA_NAME).read_text()
    block = re.search(r"^model " + re.escape(table) + r" \{\n(.*?)^\}", text, re.M | re.S)
    assert block is not None, table
    columns = []
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith(("//", "@@")):
            continue
        columns.append(line.split()[0])
    return columns


def export(table: str, rows: list[dict[str, object]]) -> bytes:
    """A CSV export of `table` holding `rows` (columns not given are empty)."""
    columns = schema_columns(table)
    unknown = {name for row in rows for name in row} - set(columns)
    assert not unknown, f"not columns of {table}: {unknown}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue().encode()

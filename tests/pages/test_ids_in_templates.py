"""Ids reach forms and URLs unlocalized.

USE_THOUSAND_SEPARATOR is on (figures read "1,500,000"), so ``{{ plan.pk }}`` renders id
1006 as "1,006", which a form posts back and the view refuses ("Field 'id' expected a
number"). Templates write ids as ``{{ plan.pk|stringformat:"s" }}``.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.template import Context, Template

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
BARE_ID = re.compile(r"\{\{ ?[a-zA-Z_.]+(?:\.pk|\.id|_id) ?\}\}")


def test_no_template_renders_a_bare_id() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in BARE_ID.finditer(path.read_text())
        if not match.group(0).rstrip("} ").endswith(("auto_id", "field_id"))
    ]
    assert found == []


def test_an_id_over_a_thousand_renders_without_a_separator(settings) -> None:
    settings.USE_THOUSAND_SEPARATOR = True
    context = Context({"plan": {"pk": 1006}})
    assert Template("{{ plan.pk }}").render(context) == "1,006"  # why the rule exists
    assert Template('{{ plan.pk|stringformat:"s" }}').render(context) == "1006"

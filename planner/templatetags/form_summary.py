"""The error summary at the top of a form: one link per field with an error."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _items(form: Any, prefix: str = "") -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for error in form.non_field_errors():
        items.append(("", f"{prefix}{error}"))
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        field = form[name]
        label = str(field.label)
        for error in errors:
            text = str(error)
            if label.split(" (")[0].lower() not in text.lower():
                text = f"{label}: {text}"
            items.append((f"#{field.auto_id}", f"{prefix}{text}"))
    return items


@register.inclusion_tag("partials/error_summary.html")
def error_summary(form: Any, formset: Any = None, item_name: str = "Self-host option") -> dict:
    """Every error of ``form`` and of each form of ``formset`` ("Self-host option 2: ..."),
    each linking to its field."""
    items = _items(form) if form is not None else []
    if formset is not None and formset.is_bound:
        items += [("", str(error)) for error in formset.non_form_errors()]
        for number, sub in enumerate(formset.forms, 1):
            items += _items(sub, prefix=f"{item_name} {number}: ")
    return {"items": items}

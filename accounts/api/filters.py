"""django-filter's DRF backend, building each view's automatic FilterSet once.

With ``filterset_fields`` on a view, ``DjangoFilterBackend`` defines a new ``FilterSet``
class on every request, and the FilterSet metaclass introspects the model's fields each
time: about a millisecond of CPU per list request (BENCHMARKS.md "## Load"). The class
depends only on the view and the model, so it is built once per pair.
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    _classes: dict[tuple[type, type], Any] = {}

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        if getattr(view, "filterset_class", None) or queryset is None:
            return super().get_filterset_class(view, queryset)
        key = (type(view), queryset.model)
        filterset_class = self._classes.get(key)
        if filterset_class is None:
            # Two threads racing here both build an equal class; either is fine to keep.
            filterset_class = self._classes[key] = super().get_filterset_class(view, queryset)
        return filterset_class

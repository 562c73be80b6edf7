"""
Which data-scope attributes exist and which values they take: read from the scoped models
themselves, so that an admin picks ``region = EMEA`` from the data instead of typing it.
"""

from __future__ import annotations

from django.apps import apps

from roles.models import ALL_VALUES
from roles.querysets import ScopedQuerySet

#: Values offered per attribute (a datalist, not a report): enough for regions and departments.
OFFERED_VALUES = 200


def scoped_models() -> list[type]:
    """Every installed model whose rows are scoped by claims (its manager is a ScopedQuerySet)."""
    return [
        model
        for model in apps.get_models()
        if getattr(model._default_manager, "_queryset_class", None) is not None
        and issubclass(model._default_manager._queryset_class, ScopedQuerySet)
    ]


def scope_attributes() -> list[str]:
    """Every attribute some scoped model is filtered by, e.g. ["department", "region"]."""
    return sorted({attribute for model in scoped_models() for attribute in getattr(model, "scope_attributes", {})})


def scope_values(attribute: str, *, limit: int = OFFERED_VALUES) -> list[str]:
    """The distinct values of `attribute` present in the data, across every model scoped by it (one query each)."""
    values: set[str] = set()
    for model in scoped_models():
        lookup = getattr(model, "scope_attributes", {}).get(attribute)
        if lookup:
            rows = model._default_manager.order_by(lookup).values_list(lookup, flat=True).distinct()[:limit]
            values.update(str(value) for value in rows if value not in (None, ""))
    return sorted(values)[:limit]


def scope_value_matches(attribute: str, value: str) -> bool:
    """Whether some row has `attribute` = `value` (``*`` always matches): an indexed EXISTS per scoped model."""
    if value == ALL_VALUES:
        return True
    return any(
        model._default_manager.filter(**{model.scope_attributes[attribute]: value}).exists()
        for model in scoped_models()
        if attribute in getattr(model, "scope_attributes", {})
    )

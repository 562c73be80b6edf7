"""System checks: a scoped model's declaration is verified at start-up, not at the first request."""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist


def _resolves(model, lookup: str) -> bool:
    """Whether `lookup` ("region", "customer__region") names a field, following relations."""
    *relations, last = lookup.split("__")
    for name in relations:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        # Forward relations only: a to-many lookup would repeat rows.
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            return False
        model = field.related_model
    try:
        model._meta.get_field(last)
    except FieldDoesNotExist:
        return False
    return True


def scope_declaration_errors(model) -> list[checks.CheckMessage]:
    """What is wrong with how `model` declares its scope attributes (nothing if it is not scoped)."""
    from roles.models import attribute_validator
    from roles.querysets import ScopedQuerySet

    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    if not (isinstance(queryset_class, type) and issubclass(queryset_class, ScopedQuerySet)):
        return []
    declared = getattr(model, "scope_attributes", None)
    if not isinstance(declared, dict) or not declared:
        return [
            checks.Error(
                f"{model._meta.label} uses ScopedQuerySet but declares no scope_attributes.",
                hint='Add e.g. scope_attributes = {"region": "region"} to the model.',
                obj=model,
                id="roles.E001",
            )
        ]
    errors = []
    for attribute, lookup in declared.items():
        if not isinstance(attribute, str) or not attribute_validator.regex.match(attribute):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.scope_attributes: {attribute!r} is not a valid attribute name.",
                    hint="Use lowercase letters, digits and _, as in role data scopes.",
                    obj=model,
                    id="roles.E002",
                )
            )
        if not isinstance(lookup, str) or not _resolves(model, lookup):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.scope_attributes[{attribute!r}] = {lookup!r} names no field.",
                    hint="Use a field name or a lookup through foreign keys, e.g. 'customer__region'.",
                    obj=model,
                    id="roles.E003",
                )
            )
    return errors


@checks.register()
def check_scope_attributes(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [error for model in apps.get_models() for error in scope_declaration_errors(model)]

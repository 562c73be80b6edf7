"""Row scoping by data-scope claims, for any model that declares its scope attributes."""

from __future__ import annotations

from django.db import models

from roles.claims import AccessClaims


class ScopedQuerySet(models.QuerySet):
    """
    A QuerySet that narrows itself to the rows a caller's data scopes allow.

    The model declares ``scope_attributes``: a mapping of claim attribute to model field (or a
    lookup through foreign keys), e.g. ``{"region": "region"}`` or ``{"region": "customer__region"}``.
    Every attribute must be granted: a caller without a claim for one of them sees nothing (deny
    by default). ``roles.checks`` verifies the declaration at start-up; see docs/ROLES.md.
    """

    def visible_to(self, claims: AccessClaims) -> ScopedQuerySet:
        scope_attributes: dict[str, str] = getattr(self.model, "scope_attributes", {})
        if not scope_attributes:
            raise TypeError(f"{self.model.__name__} declares no scope_attributes; it cannot be scoped.")
        queryset = self
        for attribute, lookup in scope_attributes.items():
            values = claims.allowed_values(attribute)
            if values is None:
                continue
            if not values:
                return self.none()
            queryset = queryset.filter(**{f"{lookup}__in": values})
        return queryset

"""
The business data the portal serves, defined once for every protocol that serves it.

The REST API's viewsets (GPT Actions) and the MCP tools (ChatGPT apps, Claude connectors) both
read these collections: the same model, serializer, required permission and row scoping, so a
user sees exactly the same rows whichever client asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from rest_framework import serializers

from actions_api.models import Customer, Document, Order
from actions_api.serializers import CustomerSerializer, DocumentSerializer, OrderSerializer
from roles.claims import AccessClaims

#: What a caller is told about a row that does not exist or that their data scopes hide.
NOT_VISIBLE = "Not found, or not visible with your roles."


@dataclass(frozen=True)
class Collection:
    """One kind of scoped row: what it is, how it is shown, and what reading it takes."""

    name: str  # plural, as in URLs and tool names
    noun: str
    model: type[models.Model]
    serializer_class: type[serializers.ModelSerializer]
    required_permission: str
    scoped_by: str
    related: tuple[str, ...] = ()

    @property
    def permission_description(self) -> str:
        """What `required_permission` lets a GPT read, in the words an admin reads on the role page."""
        plural = self.model._meta.verbose_name_plural
        return f"Lets a GPT list and read {plural}: only those whose {self.scoped_by} the role's data scopes allow."

    def visible_rows(self, access: AccessClaims) -> models.QuerySet:
        """Only the rows the caller's data scopes allow (row scoping lives in the model's QuerySet)."""
        return self.model.objects.visible_to(access).select_related(*self.related)


CUSTOMERS = Collection("customers", "customer", Customer, CustomerSerializer, "customers.read", "region")
ORDERS = Collection("orders", "order", Order, OrderSerializer, "orders.read", "region", related=("customer",))
DOCUMENTS = Collection("documents", "document", Document, DocumentSerializer, "documents.read", "department")
COLLECTIONS = (CUSTOMERS, ORDERS, DOCUMENTS)

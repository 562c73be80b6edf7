"""A company's own model is scoped by declaring it: no per-endpoint filtering code."""

import pytest
from django.core import checks
from django.db import connection, models
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from actions_api.catalog import Collection
from actions_api.models import Customer
from actions_api.views import ScopedReadOnlyViewSet
from roles.checks import check_scope_attributes, scope_declaration_errors
from roles.querysets import ScopedQuerySet
from tests.factories import CustomerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


# What docs/ROLES.md tells a company to write: a model, its declaration, a viewset.
class Invoice(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=20)

    scope_attributes = {"region": "customer__region"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        # An app that is not installed: makemigrations and the rest of the suite never see it.
        app_label = "scoping_example"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class InvoiceSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="customer.region")

    class Meta:
        model = Invoice
        fields = ["id", "number", "region"]


class InvoiceViewSet(ScopedReadOnlyViewSet):
    collection = Collection("invoices", "invoice", Invoice, InvoiceSerializer, "invoices.read", "region")


@pytest.fixture
def invoices(db):
    """The table, made for this test only (rolled back with it; no migration)."""
    with connection.schema_editor() as editor:
        editor.create_model(Invoice)
    for region in ("EMEA", "AMER", "APAC"):
        customer = CustomerFactory(region=region)
        Invoice.objects.create(customer=customer, number=f"INV-{region}")


def list_invoices(token: str):
    view = InvoiceViewSet.as_view({"get": "list"})
    return view(APIRequestFactory().get("/api/v1/invoices", HTTP_AUTHORIZATION=f"Bearer {token}"))


@pytest.mark.parametrize(
    "scopes, expected",
    [
        ({"region": ["EMEA"]}, {"INV-EMEA"}),
        ({"region": ["AMER", "APAC"]}, {"INV-AMER", "INV-APAC"}),
        ({"region": ["*"]}, {"INV-EMEA", "INV-AMER", "INV-APAC"}),
        ({"department": ["HR"]}, set()),  # no claim for the model's attribute: nothing
    ],
)
def test_a_declared_model_is_filtered_by_the_tokens_data_scopes_through_a_relation(
    invoices, mint_token, scopes, expected
):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role__permissions=["invoices.read"], role__scopes=scopes)

    response = list_invoices(mint_token(user))

    assert response.status_code == 200
    assert {row["number"] for row in response.data["results"]} == expected


def test_without_the_permission_the_declared_model_is_refused(invoices, mint_token):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role__permissions=["orders.read"], role__scopes={"region": ["*"]})
    assert list_invoices(mint_token(user)).status_code == 403


def test_the_demo_models_and_the_declared_one_pass_the_start_up_check():
    assert check_scope_attributes() == []
    assert scope_declaration_errors(Invoice) == []


def test_a_declaration_naming_no_field_fails_the_start_up_check(monkeypatch):
    monkeypatch.setattr(Invoice, "scope_attributes", {"region": "customer__continent", "Bad-Name": "number"})
    errors = scope_declaration_errors(Invoice)
    assert {error.id for error in errors} == {"roles.E002", "roles.E003"}
    assert all(isinstance(error, checks.Error) and error.obj is Invoice for error in errors)

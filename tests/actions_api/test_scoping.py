"""Rows are narrowed in the queryset by the token's data scopes; no claim, no data."""

import pytest

from actions_api.models import Customer, Document, Order, Region
from roles.claims import AccessClaims
from tests.factories import (
    CustomerFactory,
    DocumentFactory,
    OrderFactory,
    RoleAssignmentFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders_everywhere():
    return {region: OrderFactory.create_batch(3, customer=CustomerFactory(region=region)) for region in Region}


def claims(**data_scopes) -> AccessClaims:
    return AccessClaims.build(roles=[], permissions=[], data_scopes=data_scopes)


@pytest.mark.parametrize(
    "data_scopes, visible_regions",
    [
        ({"region": ["EMEA"]}, {"EMEA"}),
        ({"region": ["EMEA", "APAC"]}, {"EMEA", "APAC"}),
        ({"region": ["*"]}, {"EMEA", "AMER", "APAC"}),
        ({"region": []}, set()),
        ({"department": ["HR"]}, set()),
        ({}, set()),
        ({"region": ["Atlantis"]}, set()),
    ],
)
def test_orders_visible_to_claims(orders_everywhere, data_scopes, visible_regions):
    visible = Order.objects.visible_to(claims(**data_scopes))
    assert {order.region for order in visible} == visible_regions
    assert visible.count() == 3 * len(visible_regions)


def test_documents_are_scoped_by_department():
    hr, finance = DocumentFactory(department="HR"), DocumentFactory(department="Finance")
    assert list(Document.objects.visible_to(claims(department=["HR"]))) == [hr]
    assert set(Document.objects.visible_to(claims(department=["*"]))) == {hr, finance}


def test_a_sales_rep_in_emea_sees_only_emea_orders_through_the_api(bearer, mint_token, orders_everywhere):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=RoleFactory(permissions=["orders.read"], scopes={"region": ["EMEA"]}))

    response = bearer(mint_token(user)).get("/api/v1/orders")

    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert {row["region"] for row in body["results"]} == {"EMEA"}
    assert {row["id"] for row in body["results"]} == {order.id for order in orders_everywhere[Region.EMEA]}


def test_an_order_outside_the_callers_region_is_not_found(bearer, mint_token, orders_everywhere):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=RoleFactory(permissions=["orders.read"], scopes={"region": ["EMEA"]}))
    client = bearer(mint_token(user))

    assert client.get(f"/api/v1/orders/{orders_everywhere[Region.EMEA][0].id}").status_code == 200
    response = client.get(f"/api/v1/orders/{orders_everywhere[Region.AMER][0].id}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_permission_without_a_data_scope_shows_no_rows(bearer, mint_token, orders_everywhere):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=RoleFactory(permissions=["orders.read"]))

    body = bearer(mint_token(user)).get("/api/v1/orders").json()

    assert body["count"] == 0 and body["results"] == []


def test_a_data_scope_without_the_permission_is_forbidden(bearer, mint_token, orders_everywhere):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=RoleFactory(permissions=["customers.read"], scopes={"region": ["*"]}))
    client = bearer(mint_token(user))

    assert client.get("/api/v1/orders").status_code == 403
    assert client.get("/api/v1/customers").json()["count"] == Customer.objects.count()


@pytest.mark.parametrize(
    "path, scoped_by",
    [("/api/v1/customers", "region"), ("/api/v1/orders", "region"), ("/api/v1/documents", "department")],
)
def test_every_row_names_the_attribute_it_is_scoped_by(bearer, mint_token, demo, django_user_model, path, scoped_by):
    admin_like = UserFactory()
    RoleAssignmentFactory(
        user=admin_like,
        role=RoleFactory(
            permissions=["customers.read", "orders.read", "documents.read"],
            scopes={"region": ["*"], "department": ["*"]},
        ),
    )
    rows = bearer(mint_token(admin_like)).get(path).json()["results"]
    assert rows and all(isinstance(row[scoped_by], str) and isinstance(row["id"], int) for row in rows)


def test_an_unscoped_model_cannot_be_queried_by_claims():
    from django.contrib.auth import get_user_model

    from roles.querysets import ScopedQuerySet

    with pytest.raises(TypeError, match="declares no scope_attributes"):
        ScopedQuerySet(model=get_user_model()).visible_to(claims(region=["*"]))

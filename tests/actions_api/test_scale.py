"""Seeding at scale: fast bulk loads that top up instead of duplicating, and lists that read an index."""

import re

import pytest

from accounts.models import User
from actions_api.demo import DEMO_PASSWORD, seed_demo
from actions_api.models import Customer, Document, Order
from actions_api.scale import ROLE_PREFIX, USER_PREFIX, ScaleSize, scale_seed
from roles.claims import AccessClaims, effective_claims
from roles.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db

SMALL = ScaleSize(users=40, roles=6, orders=500, documents=60)


def _counts() -> dict[str, int]:
    return {
        "users": RoleAssignment.objects.filter(user__username__startswith=USER_PREFIX)
        .values("user")
        .distinct()
        .count(),
        "roles": Role.objects.filter(slug__startswith=ROLE_PREFIX).count(),
        "assignments": RoleAssignment.objects.filter(user__username__startswith=USER_PREFIX).count(),
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "documents": Document.objects.count(),
    }


def test_seed_scale_creates_the_requested_volumes():
    added = scale_seed(size=SMALL)

    assert added == {"roles": 6, "users": 40, "role assignments": 80, "customers": 5, "orders": 500, "documents": 60}
    assert _counts() == {"users": 40, "roles": 6, "assignments": 80, "customers": 5, "orders": 500, "documents": 60}
    assert set(Order.objects.values_list("region", flat=True)) == {"EMEA", "AMER", "APAC"}
    assert all(order.region == order.customer.region for order in Order.objects.select_related("customer")[:50])


def test_seed_scale_run_twice_adds_nothing_and_a_bigger_run_only_tops_up():
    scale_seed(size=SMALL)
    before = _counts()

    assert not any(scale_seed(size=SMALL).values())
    assert _counts() == before

    added = scale_seed(size=ScaleSize(users=50, roles=6, orders=750, documents=60))
    assert added == {"roles": 0, "users": 10, "role assignments": 20, "customers": 3, "orders": 250, "documents": 0}
    assert Order.objects.count() == 750
    assert Order.objects.values("reference").distinct().count() == 750


def test_seed_scale_keeps_the_demo_users_and_their_roles_working_and_adds_no_way_to_sign_in():
    seed_demo()
    alice_before = effective_claims(user=User.objects.get(username="alice"))

    scale_seed(size=SMALL)
    seed_demo()  # and the demo seed still runs on top of scale data

    alice = User.objects.get(username="alice")
    assert alice.check_password(DEMO_PASSWORD)
    assert effective_claims(user=alice) == alice_before
    scale_user = User.objects.get(username=f"{USER_PREFIX}00000001")
    assert not scale_user.has_usable_password()


def test_scale_users_get_claims_from_their_scale_roles():
    scale_seed(size=SMALL)

    claims = effective_claims(user=User.objects.get(username=f"{USER_PREFIX}00000007"))

    assert len(claims.roles) == 2 and all(slug.startswith(ROLE_PREFIX) for slug in claims.roles)
    assert claims.permissions and set(claims.data_scopes) == {"region", "department"}


# ---------------------------------------------------------------- query plans
PLAN_SIZE = ScaleSize(users=10, roles=4, orders=30_000, documents=6_000)
REGION = AccessClaims.build(roles=[], permissions=[], data_scopes={"region": ["EMEA"], "department": ["HR"]})
EVERYTHING = AccessClaims.build(roles=[], permissions=[], data_scopes={"region": ["*"], "department": ["*"]})


def _first_page_plan(queryset) -> str:
    """The plan of a list page as the API asks for it: the model's ordering, 20 rows."""
    return queryset[:20].explain()


@pytest.mark.parametrize("model", [Order, Document, Customer], ids=["orders", "documents", "customers"])
@pytest.mark.parametrize("claims", [REGION, EVERYTHING], ids=["one-value", "every-value"])
def test_every_scoped_list_page_is_read_from_an_index_in_order_not_scanned_and_sorted(model, claims):
    scale_seed(size=PLAN_SIZE)
    queryset = model.objects.visible_to(claims)
    if model is Order:
        queryset = queryset.select_related("customer")  # exactly what the orders view lists

    plan = _first_page_plan(queryset)

    table = model._meta.db_table
    assert f"Seq Scan on {table}" not in plan, plan
    assert "Sort" not in plan, plan
    assert re.search(rf"Index (Only )?Scan (Backward )?using \w+ on {table}\b", plan), plan


@pytest.mark.parametrize("model", [Order, Document, Customer], ids=["orders", "documents", "customers"])
@pytest.mark.parametrize("claims", [REGION, EVERYTHING], ids=["one-value", "every-value"])
def test_every_scoped_detail_lookup_reads_the_primary_key_index(model, claims):
    scale_seed(size=PLAN_SIZE)
    row = model.objects.visible_to(claims).order_by("pk").last()

    plan = model.objects.visible_to(claims).filter(pk=row.pk).explain()

    table = model._meta.db_table
    assert f"Seq Scan on {table}" not in plan, plan
    assert re.search(rf"Index (Only )?Scan using {table}_pkey on {table}\b", plan), plan

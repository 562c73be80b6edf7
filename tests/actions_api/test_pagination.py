"""List totals: exact for small lists, cached briefly for big ones, never shared between scopes."""

import pytest
from django.core.cache import cache

from tests.factories import CustomerFactory, OrderFactory, RoleAssignmentFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def orders_of(mint_token, bearer):
    """The orders list's `count` as seen by a holder of the given region scope."""

    tokens = {}

    def count(region: str) -> int:
        if region not in tokens:
            role = RoleFactory(permissions=["orders.read"], scopes={"region": [region]})
            tokens[region] = mint_token(RoleAssignmentFactory(role=role).user)
        response = bearer(tokens[region]).get("/api/v1/orders")
        assert response.status_code == 200, response.content
        return response.json()["count"]

    return count


def _orders(region: str, how_many: int) -> None:
    customer = CustomerFactory(region=region)
    OrderFactory.create_batch(how_many, customer=customer, region=region)


def test_small_list_totals_are_exact_on_every_request(rolegate, orders_of):
    rolegate(LIST_COUNT_CACHE_MIN_ROWS=100)
    _orders("EMEA", 3)
    assert orders_of("EMEA") == 3

    _orders("EMEA", 2)

    assert orders_of("EMEA") == 5


def test_big_list_totals_are_cached_for_a_while(rolegate, orders_of):
    rolegate(LIST_COUNT_CACHE_MIN_ROWS=3)
    _orders("EMEA", 4)
    assert orders_of("EMEA") == 4

    _orders("EMEA", 2)

    assert orders_of("EMEA") == 4  # the cached total, at most LIST_COUNT_CACHE_SECONDS old
    cache.clear()
    assert orders_of("EMEA") == 6


def test_a_cached_total_is_never_served_to_another_scope(rolegate, orders_of):
    rolegate(LIST_COUNT_CACHE_MIN_ROWS=1)
    _orders("EMEA", 4)
    _orders("AMER", 2)

    assert orders_of("EMEA") == 4
    assert orders_of("AMER") == 2

"""effective_claims: the single source of what a token carries."""

import pytest

from roles.claims import AccessClaims, effective_claims
from tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_claims_are_the_union_of_the_users_roles():
    user = UserFactory()
    RoleAssignmentFactory(
        user=user, role=RoleFactory(slug="sales-emea", permissions=["orders.read"], scopes={"region": ["EMEA"]})
    )
    RoleAssignmentFactory(
        user=user,
        role=RoleFactory(slug="sales-apac", permissions=["orders.read", "customers.read"], scopes={"region": ["APAC"]}),
    )

    claims = effective_claims(user=user)

    assert claims.roles == ("sales-apac", "sales-emea")
    assert claims.permissions == {"orders.read", "customers.read"}
    assert dict(claims.data_scopes) == {"region": ("APAC", "EMEA")}


def test_a_wildcard_absorbs_every_other_value():
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=RoleFactory(scopes={"region": ["EMEA"]}))
    RoleAssignmentFactory(user=user, role=RoleFactory(scopes={"region": ["*"]}))

    claims = effective_claims(user=user)

    assert dict(claims.data_scopes) == {"region": ("*",)}
    assert claims.allowed_values("region") is None


def test_a_user_without_roles_holds_nothing():
    assert effective_claims(user=UserFactory()) == AccessClaims()


def test_an_inactive_user_holds_nothing_even_with_roles():
    user = UserFactory(is_active=False)
    RoleAssignmentFactory(user=user, role=RoleFactory(permissions=["orders.read"]))
    assert effective_claims(user=user) == AccessClaims()


def test_claims_cannot_be_widened_after_computation():
    claims = AccessClaims.build(roles=["a"], permissions=["orders.read"], data_scopes={"region": ["EMEA"]})
    with pytest.raises(TypeError):
        claims.data_scopes["region"] = ("*",)  # type: ignore[index]
    assert claims.allowed_values("department") == ()

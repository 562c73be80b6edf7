"""Composite roles, teams, time-bound and connection-bound assignments, through minted tokens and the API."""

import datetime as dt
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from roles import claims as claims_module
from roles.claim_rows import CLAIM_ROWS_FUNCTION, claim_rows_function_body, claim_rows_sql
from roles.claims import effective_claims, resolve_access
from roles.models import RoleAssignment, RoleInclusion
from roles.services import role_assign, role_include
from tests.factories import ConnectionFactory, OrderFactory, RoleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def me(bearer, token) -> dict:
    response = bearer(token).get("/api/v1/me")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_composite_role_grants_what_its_included_roles_grant_at_any_depth(mint_token, bearer):
    reader = RoleFactory(slug="order-reader", permissions=["orders.read"])
    emea = RoleFactory(slug="emea", scopes={"region": ["EMEA"]})
    middle = RoleFactory(slug="middle")
    lead = RoleFactory(slug="sales-lead", permissions=["customers.read"])
    role_include(role=middle, included=[reader, emea])
    role_include(role=lead, included=[middle])
    user = UserFactory()
    role_assign(role=lead, user=user)
    OrderFactory(customer__region="EMEA")
    OrderFactory(customer__region="AMER")

    token = mint_token(user)

    claims = me(bearer, token)
    assert claims["roles"] == ["emea", "middle", "order-reader", "sales-lead"]
    assert claims["permissions"] == ["customers.read", "orders.read"]
    assert claims["data_scopes"] == {"region": ["EMEA"]}
    rows = bearer(token).get("/api/v1/orders").json()["results"]
    assert {row["region"] for row in rows} == {"EMEA"} and len(rows) == 1


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_an_inclusion_that_would_close_a_cycle_is_refused_at_any_depth(depth):
    chain = [RoleFactory(slug=f"r{index}") for index in range(depth + 1)]
    for parent, child in pairwise(chain):
        role_include(role=parent, included=[child])

    with pytest.raises(ValidationError, match="cannot include itself") as refused:
        role_include(role=chain[-1], included=[chain[0]])
    assert " → ".join(f"r{index}" for index in [depth, *range(depth + 1)]) in str(refused.value)

    # Nor through the relation manager, from either side, nor by writing the through model.
    with pytest.raises(ValidationError), transaction.atomic():
        chain[-1].includes.add(chain[0])
    with pytest.raises(ValidationError), transaction.atomic():
        chain[0].included_in.add(chain[-1])
    with pytest.raises(ValidationError), transaction.atomic():
        RoleInclusion.objects.create(role=chain[-1], included_role=chain[0])
    assert not RoleInclusion.objects.filter(role=chain[-1]).exists()


def test_a_role_cannot_include_itself():
    role = RoleFactory()
    with pytest.raises(ValidationError):
        role_include(role=role, included=[role])
    with pytest.raises(ValidationError), transaction.atomic():
        role.includes.add(role)


def test_a_role_assigned_to_a_team_reaches_every_member_and_only_them(mint_token, bearer):
    finance = RoleFactory(slug="finance-team-role", permissions=["orders.read"], scopes={"region": ["*"]})
    alice, bob, outsider = UserFactory(), UserFactory(), UserFactory()
    team = TeamFactory(members=[alice, bob])
    role_assign(role=finance, team=team)
    OrderFactory(customer__region="APAC")

    for member in (alice, bob):
        assert me(bearer, mint_token(member))["roles"] == ["finance-team-role"]
        assert bearer(mint_token(member)).get("/api/v1/orders").json()["count"] == 1
    assert me(bearer, mint_token(outsider))["roles"] == []
    assert bearer(mint_token(outsider)).get("/api/v1/orders").status_code == 403


def test_only_assignments_in_force_at_minting_time_count(mint_token, bearer):
    now = timezone.now()
    current = RoleFactory(slug="current", permissions=["orders.read"], scopes={"region": ["EMEA"]})
    expired = RoleFactory(slug="expired", permissions=["documents.read"], scopes={"department": ["HR"]})
    future = RoleFactory(slug="future", permissions=["customers.read"], scopes={"region": ["AMER"]})
    user = UserFactory()
    role_assign(role=current, user=user, starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1))
    role_assign(role=expired, user=user, starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(seconds=1))
    role_assign(role=future, user=user, starts_at=now + dt.timedelta(hours=1))

    claims = me(bearer, mint_token(user))

    assert claims["roles"] == ["current"]
    assert claims["permissions"] == ["orders.read"]
    assert claims["data_scopes"] == {"region": ["EMEA"]}
    assert bearer(mint_token(user)).get("/api/v1/documents").status_code == 403


def test_an_assignment_must_end_after_it_starts():
    now = timezone.now()
    with pytest.raises(ValidationError):
        role_assign(role=RoleFactory(), user=UserFactory(), starts_at=now, ends_at=now - dt.timedelta(hours=1))


def test_a_connection_bound_role_is_carried_only_by_tokens_for_its_connections(mint_token, bearer):
    reports_gpt, other_gpt = ConnectionFactory(), ConnectionFactory()
    bound = RoleFactory(slug="reports-only", permissions=["orders.read"], scopes={"region": ["EMEA"]})
    bound.connections.add(reports_gpt)
    everywhere = RoleFactory(slug="everywhere", permissions=["customers.read"], scopes={"region": ["AMER"]})
    user = UserFactory()
    role_assign(role=bound, user=user)
    role_assign(role=everywhere, user=user)

    on_reports = me(bearer, mint_token(user, connection=reports_gpt))
    on_other = me(bearer, mint_token(user, connection=other_gpt))

    assert on_reports["roles"] == ["everywhere", "reports-only"]
    assert on_reports["data_scopes"] == {"region": ["AMER", "EMEA"]}
    assert on_other["roles"] == ["everywhere"]
    assert on_other["permissions"] == ["customers.read"]
    assert on_other["data_scopes"] == {"region": ["AMER"]}
    assert bearer(mint_token(user, connection=other_gpt)).get("/api/v1/orders").status_code == 403


def test_a_role_included_through_a_connection_bound_composite_is_not_carried_elsewhere():
    gpt, other = ConnectionFactory(), ConnectionFactory()
    child = RoleFactory(slug="child", permissions=["orders.read"])
    parent = RoleFactory(slug="parent")
    parent.connections.add(gpt)
    role_include(role=parent, included=[child])
    user = UserFactory()
    role_assign(role=parent, user=user)

    assert effective_claims(user=user, connection=gpt).roles == ("child", "parent")
    assert effective_claims(user=user, connection=other).roles == ()


def test_an_inactive_user_holds_nothing():
    user = UserFactory(is_active=False)
    role_assign(role=RoleFactory(permissions=["orders.read"]), user=user)
    assert effective_claims(user=user, connection=None).permissions == frozenset()


def test_claims_take_a_fixed_number_of_queries_however_deep_and_wide(django_assert_max_num_queries):
    connection = ConnectionFactory()
    user = UserFactory()
    chain = [RoleFactory(slug=f"level-{index}", permissions=[f"level{index}.read"]) for index in range(30)]
    for parent, child in pairwise(chain):
        role_include(role=parent, included=[child])
    for index in range(10):
        team = TeamFactory(members=[user])
        role_assign(role=RoleFactory(slug=f"team-role-{index}", scopes={"region": [f"R{index}"]}), team=team)
    role_assign(role=chain[0], user=user)
    chain[5].connections.add(connection)

    with django_assert_max_num_queries(1):  # assignments, the roles they reach and their parts, in one statement
        claims = effective_claims(user=user, connection=connection)

    assert len(claims.roles) == 40
    assert len(claims.data_scopes["region"]) == 10


@pytest.mark.django_db
def test_the_assignments_reaching_a_user_are_read_by_index_not_by_scanning_them_all():
    """
    The second-factor policy reads them at every sign-in (PostgreSQL's claims read them in the statement
    below): `team_id IN (subquery)` under the OR scanned all 200,000 (100 ms). Read as that policy reads them:
    no ordering and so no join (a subquery drops both), so the plan depends on the indexes, not on what earlier
    tests left in the planner's statistics.
    """
    user = UserFactory()
    sql, params = RoleAssignment.objects.reaching(user).order_by().values("role_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would be scanned anyway
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "BitmapOr" in plan, plan  # one index scan per condition, not a pass over every assignment


@pytest.mark.django_db
def test_the_claims_statement_reads_the_assignments_by_index_not_by_scanning_them_all():
    """The one statement behind every token's claims uses the same two indexes (user, teams)."""
    user = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {claim_rows_sql()}", {"user": user.pk})
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "BitmapOr" in plan, plan


@pytest.mark.django_db
def test_the_claims_function_in_the_database_runs_exactly_the_claims_statement():
    """Claims are read through a function (its plan cached); a changed statement needs a migration replacing it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [CLAIM_ROWS_FUNCTION])
        sources = [row[0] for row in cursor.fetchall()]

    assert sources == [claim_rows_function_body()]


@pytest.mark.django_db
def test_the_assignments_reaching_a_user_are_their_own_and_their_teams_only():
    user, other = UserFactory(), UserFactory()
    team, other_team = TeamFactory(members=[user]), TeamFactory(members=[other])
    own = role_assign(role=RoleFactory(), user=user)
    through_team = role_assign(role=RoleFactory(), team=team)
    role_assign(role=RoleFactory(), user=other)
    role_assign(role=RoleFactory(), team=other_team)

    assert set(RoleAssignment.objects.reaching(user)) == {own, through_team}


def test_the_demo_databases_orm_reading_gives_the_same_access_as_the_one_statement(monkeypatch):
    """SQLite (the demo) reads claims through the ORM; PostgreSQL in one statement: same answer, every case."""
    now = timezone.now()
    gpt, other = ConnectionFactory(), ConnectionFactory()
    reader = RoleFactory(slug="reader", permissions=["orders.read"], scopes={"region": ["EMEA", "AMER"]})
    everything = RoleFactory(slug="everything", scopes={"region": ["*"]})
    bound = RoleFactory(slug="bound", permissions=["customers.read"])
    bound.connections.add(gpt)
    guarded = RoleFactory(slug="guarded", permissions=["documents.read"], requires_mfa=True)
    lead = RoleFactory(slug="lead", scopes={"department": ["HR"]})
    role_include(role=lead, included=[reader, bound])
    role_include(role=bound, included=[everything])
    user = UserFactory()
    role_assign(role=lead, user=user)
    role_assign(role=guarded, team=TeamFactory(members=[user]))
    role_assign(role=reader, user=user, starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=1))
    role_assign(role=everything, user=user, starts_at=now + dt.timedelta(hours=1))
    cases = [(connection_, amr) for connection_ in (gpt, other, None) for amr in (["pwd"], ["pwd", "mfa"])]

    one_statement = [resolve_access(user=user, connection=connection_, at=now, amr=amr) for connection_, amr in cases]
    monkeypatch.setattr(
        claims_module, "read_claim_rows", lambda user, using: claims_module._claim_rows_through_orm(user)
    )
    through_orm = [resolve_access(user=user, connection=connection_, at=now, amr=amr) for connection_, amr in cases]

    assert through_orm == one_statement
    assert {access.claims.roles for access in one_statement} == {
        ("bound", "everything", "guarded", "lead", "reader"),
        ("bound", "everything", "lead", "reader"),
        ("guarded", "lead", "reader"),
        ("lead", "reader"),
    }

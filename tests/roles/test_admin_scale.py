"""
Every admin list and change page runs a bounded number of queries with 100,000 users and 1,000
roles (plus teams, assignments, memberships and audit events in proportion).
"""

import time

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Application, User
from roles.audit.models import AuditEvent
from roles.models import ApiPermission, Role, RoleAssignment, RoleDataScope, RoleInclusion, Team, TeamMembership

USERS, ROLES, TEAMS, EVENTS = 100_000, 1_000, 100, 20_000
MAX_QUERIES = 20
pytestmark = pytest.mark.slow  # seeds 100,000 users; in the default run, `-m "not slow"` skips it


def _insert(sql: str, **params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def big_deployment(db):
    """
    The bulk rows (users, their team memberships and role assignments, audit events) are made by
    one INSERT ... SELECT over generate_series each: PostgreSQL builds them without 100,000 Python
    objects (bulk_create spent a minute of CPU here). Like bulk_create, no signal is sent.
    """
    _insert(
        f"INSERT INTO {User._meta.db_table}"
        " (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)"
        " SELECT '!', false, 'user' || lpad(n::text, 6, '0'), '', '', 'user' || lpad(n::text, 6, '0')"
        " || '@example.test', false, true, now() FROM generate_series(0, %(last)s) AS n",
        last=USERS - 1,
    )
    permissions = ApiPermission.objects.bulk_create(ApiPermission(code=f"things{n}.read") for n in range(20))
    roles = Role.objects.bulk_create(Role(slug=f"role-{n:04d}", name=f"Role {n}") for n in range(ROLES))
    Role.permissions.through.objects.bulk_create(
        Role.permissions.through(role_id=role.pk, apipermission_id=permissions[index % 20].pk)
        for index, role in enumerate(roles)
    )
    RoleDataScope.objects.bulk_create(
        RoleDataScope(role=role, attribute="region", value=f"R{index % 7}") for index, role in enumerate(roles)
    )
    # Composites: chains of ten roles each.
    RoleInclusion.objects.bulk_create(
        RoleInclusion(role=roles[index], included_role=roles[index + 1])
        for index in range(ROLES - 1)
        if index % 10 != 9
    )
    teams = Team.objects.bulk_create(Team(slug=f"team-{n:03d}", name=f"Team {n}") for n in range(TEAMS))
    # User number n is in team n % TEAMS and holds role n % ROLES.
    numbered_users = (
        f"FROM generate_series(0, %(last)s) AS n JOIN {User._meta.db_table} AS u"
        " ON u.username = 'user' || lpad(n::text, 6, '0')"
    )
    _insert(
        f"INSERT INTO {TeamMembership._meta.db_table} (added_at, team_id, user_id)"
        f" SELECT now(), (%(teams)s::bigint[])[n %% {TEAMS} + 1], u.id {numbered_users}",
        teams=[team.pk for team in teams],
        last=USERS - 1,
    )
    _insert(
        f"INSERT INTO {RoleAssignment._meta.db_table} (granted_at, role_id, user_id)"
        f" SELECT now(), (%(roles)s::bigint[])[n %% {ROLES} + 1], u.id {numbered_users}",
        roles=[role.pk for role in roles],
        last=USERS - 1,
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(role=roles[index], team=team) for index, team in enumerate(teams))
    _insert(
        f"INSERT INTO {AuditEvent._meta.db_table}"
        " (occurred_at, actor_label, action, target_type, target_id, target_label, changes, details)"
        " SELECT now(), 'user' || lpad((n %% %(users)s)::text, 6, '0'), 'sign_in', 'accounts.user', n::text,"
        " 'user' || lpad((n %% %(users)s)::text, 6, '0'), '{}', '{}' FROM generate_series(0, %(last)s) AS n",
        users=USERS,
        last=EVENTS - 1,
    )
    Application.objects.bulk_create(
        Application(
            name=f"GPT {n}",
            client_id=f"gpt-{n}",
            client_type="confidential",
            authorization_grant_type="authorization-code",
            redirect_uris="https://app.example.test/cb",
        )
        for n in range(20)
    )
    roles[0].connections.add(Application.objects.first())
    # The user whose pages are read holds many rows: per-row queries would show.
    first = User.objects.get(username="user000000")
    RoleAssignment.objects.bulk_create(RoleAssignment(role=role, user=first) for role in roles[500:530])
    TeamMembership.objects.bulk_create(TeamMembership(team=team, user=first) for team in teams[50:60])
    RoleInclusion.objects.bulk_create(RoleInclusion(role=roles[0], included_role=role) for role in roles[600:620])
    return {"user": User.objects.get(username="user000000"), "role": roles[0], "team": teams[0]}


def admin_pages(deployment) -> list[str]:
    user, role, team = deployment["user"], deployment["role"], deployment["team"]
    assignment = RoleAssignment.objects.filter(user=user).first()
    membership = TeamMembership.objects.filter(user=user).first()
    event = AuditEvent.objects.first()
    connection = Application.objects.first()
    autocomplete = reverse("admin:autocomplete")
    return [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_changelist") + "?q=user00012",
        reverse("admin:accounts_user_changelist") + "?role_slug=role-0001&is_active__exact=1",
        reverse("admin:accounts_user_changelist") + "?team_slug=team-007",
        reverse("admin:accounts_user_changelist") + "?_facets=True",
        reverse("admin:accounts_user_change", args=[user.pk]),
        reverse("admin:accounts_user_change", args=[user.pk]) + f"?connection={connection.client_id}",
        reverse("admin:roles_role_changelist"),
        reverse("admin:roles_role_changelist") + "?q=role-09",
        reverse("admin:roles_role_change", args=[role.pk]),
        reverse("admin:roles_role_members", args=[role.pk]),
        reverse("admin:roles_role_members", args=[role.pk]) + "?page=2",
        reverse("admin:roles_roleassignment_changelist"),
        reverse("admin:roles_roleassignment_changelist") + "?state=active&holder=team&role_slug=role-0003",
        reverse("admin:roles_roleassignment_change", args=[assignment.pk]),
        reverse("admin:roles_team_changelist"),
        reverse("admin:roles_team_change", args=[team.pk]),
        reverse("admin:roles_teammembership_changelist") + "?team_slug=team-000",
        reverse("admin:roles_teammembership_change", args=[membership.pk]),
        reverse("admin:roles_apipermission_changelist"),
        reverse("admin:roles_accessrevocation_changelist"),
        reverse("admin:roles_auditevent_changelist"),
        reverse("admin:roles_auditevent_changelist") + "?_facets=True",
        reverse("admin:roles_roleassignment_changelist") + "?_facets=True",
        reverse("admin:roles_auditevent_changelist") + "?action__exact=sign_in&actor_label=user000001",
        reverse("admin:roles_auditevent_change", args=[event.pk]),
        reverse("admin:accounts_application_changelist"),
        reverse("admin:accounts_application_change", args=[connection.pk]),
        autocomplete + "?app_label=roles&model_name=roleassignment&field_name=role&term=role-09",
        autocomplete + "?app_label=roles&model_name=roleassignment&field_name=user&term=user0001",
        autocomplete + "?app_label=roles&model_name=teammembership&field_name=team&term=team",
    ]


@pytest.mark.django_db
def test_admin_pages_run_a_bounded_number_of_queries_with_100000_users_and_1000_roles(
    big_deployment, client, django_assert_max_num_queries
):
    client.force_login(User.objects.create_superuser("root", "root@example.test", "root-password"))
    report = []
    for url in admin_pages(big_deployment):
        with django_assert_max_num_queries(MAX_QUERIES) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, url
        report.append((len(queries), elapsed, url))
    print(f"\nadmin pages with {USERS} users, {ROLES} roles (queries, seconds, page):")
    for count, elapsed, url in report:
        print(f"  {count:3d}  {elapsed:6.3f}  {url}")

"""
What claims are computed from, read in one statement on PostgreSQL: the roles a user's
assignments (their own and their teams') reach through composites, each with its parts and the
assignments that give it.

Claims are computed at every token issuance; through the ORM the same data took three queries and
most of a grant's Python (building the SQL, hydrating assignments, teams and roles). Here the SQL
is a constant, PostgreSQL walks the composites (a recursive CTE) and aggregates the parts into
arrays, and Python builds only the few rows the user holds. The demo's SQLite reads the same
through the ORM (``roles.claims``).
"""

from __future__ import annotations

import functools

from django.db import connections

from roles.models import ApiPermission, Role, RoleAssignment, RoleDataScope, RoleInclusion, Team, TeamMembership

#: The assignments are read by index: `team_id = ANY(ARRAY(subquery))` is computed once, so both
#: conditions of the OR use their index (BitmapOr); `team_id IN (subquery)` scanned every assignment.
_STATEMENT = """
WITH RECURSIVE assigned AS (
    SELECT a.id, a.role_id, a.team_id, a.starts_at, a.ends_at
    FROM {assignment} a
    WHERE a.user_id = %(user)s
       OR a.team_id = ANY(ARRAY(SELECT m.team_id FROM {membership} m WHERE m.user_id = %(user)s))
), reachable(id) AS (
    SELECT role_id FROM assigned
    UNION
    SELECT i.included_role_id FROM {inclusion} i JOIN reachable r ON i.role_id = r.id
)
SELECT r.id, r.slug, r.name, r.requires_mfa,
    ARRAY(SELECT p.code FROM {role_permission} rp JOIN {permission} p ON p.id = rp.apipermission_id
          WHERE rp.role_id = r.id ORDER BY p.code),
    ARRAY(SELECT ARRAY[s.attribute, s.value] FROM {scope} s WHERE s.role_id = r.id ORDER BY s.attribute, s.value),
    ARRAY(SELECT c.application_id FROM {role_connection} c WHERE c.role_id = r.id),
    ARRAY(SELECT i.included_role_id FROM {inclusion} i WHERE i.role_id = r.id),
    held.ids, held.team_ids, held.team_slugs, held.team_names, held.starts, held.ends
FROM {role} r
LEFT JOIN LATERAL (
    SELECT array_agg(a.id ORDER BY a.id) AS ids, array_agg(a.team_id ORDER BY a.id) AS team_ids,
        array_agg(t.slug ORDER BY a.id) AS team_slugs, array_agg(t.name ORDER BY a.id) AS team_names,
        array_agg(a.starts_at ORDER BY a.id) AS starts, array_agg(a.ends_at ORDER BY a.id) AS ends
    FROM assigned a LEFT JOIN {team} t ON t.id = a.team_id
    WHERE a.role_id = r.id
) held ON true
WHERE r.id = ANY(ARRAY(SELECT id FROM reachable))
ORDER BY r.slug
"""
_ROLE_FIELDS = ["id", "slug", "name", "requires_mfa"]
_ASSIGNMENT_FIELDS = ["id", "user_id", "team_id", "role_id", "starts_at", "ends_at"]


@functools.cache
def claim_rows_sql() -> str:
    """The statement, with the tables' names from the models (and so from their migrations)."""
    return _STATEMENT.format(
        assignment=RoleAssignment._meta.db_table,
        membership=TeamMembership._meta.db_table,
        inclusion=RoleInclusion._meta.db_table,
        role_permission=Role.permissions.through._meta.db_table,
        permission=ApiPermission._meta.db_table,
        scope=RoleDataScope._meta.db_table,
        role_connection=Role.connections.through._meta.db_table,
        role=Role._meta.db_table,
        team=Team._meta.db_table,
    )


#: The statement as a PL/pgSQL function (migration 0009), called once per token issuance. PostgreSQL
#: plans a bare statement at every execution, and planning this one (a recursive CTE, four ARRAY
#: sublinks, a lateral join) cost ~0.5 ms of the database's CPU against ~0.1 ms to run it; a
#: function's plan is cached for its session. Server-side prepared statements would do the same but
#: are off (PgBouncer in transaction mode needs that); a function call needs nothing of the session.
CLAIM_ROWS_FUNCTION = "rolegate_claim_rows"
_FUNCTION = """CREATE OR REPLACE FUNCTION {name}(p_user bigint)
RETURNS TABLE(
    id bigint, slug varchar, name varchar, requires_mfa boolean, permission_codes varchar[], scope_pairs varchar[],
    connection_ids bigint[], included bigint[], ids bigint[], team_ids bigint[], team_slugs varchar[],
    team_names varchar[], starts timestamptz[], ends timestamptz[]
) LANGUAGE plpgsql STABLE AS $claims${body}$claims$"""


def claim_rows_function_body() -> str:
    """The function's body: the statement, with its parameter (migrations that define it must match)."""
    statement = claim_rows_sql().replace("%(user)s", "p_user")
    return f"\n#variable_conflict use_column\nBEGIN\nRETURN QUERY {statement.strip()};\nEND\n"


def claim_rows_function_sql() -> str:
    """``CREATE OR REPLACE FUNCTION`` for the function (the text a migration freezes)."""
    return _FUNCTION.format(name=CLAIM_ROWS_FUNCTION, body=claim_rows_function_body())


def read_claim_rows(user, *, using: str = "default") -> tuple[list[RoleAssignment], dict[int, Role], dict[int, set]]:
    """
    The user's assignments (active or not, each with its role and team), every role they reach
    with ``permission_codes``, ``scope_pairs`` and ``connection_ids`` (as ``with_claim_parts``
    sets them), and the inclusions among those roles: one statement (a call of the function
    holding it, see ``CLAIM_ROWS_FUNCTION``).
    """
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT * FROM {CLAIM_ROWS_FUNCTION}(%(user)s)", {"user": user.pk})
        rows = cursor.fetchall()
    assignments: list[RoleAssignment] = []
    roles: dict[int, Role] = {}
    graph: dict[int, set] = {}
    for pk, slug, name, requires_mfa, codes, pairs, connection_ids, included, *held in rows:
        role = roles[pk] = Role.from_db(using, _ROLE_FIELDS, (pk, slug, name, requires_mfa))
        role.permission_codes, role.scope_pairs, role.connection_ids = codes, pairs, connection_ids
        if included:
            graph[pk] = set(included)
        ids, team_ids, team_slugs, team_names, starts, ends = held
        for assignment_pk, team_id, team_slug, team_name, starts_at, ends_at in zip(
            ids or (), team_ids or (), team_slugs or (), team_names or (), starts or (), ends or (), strict=True
        ):
            values = (assignment_pk, None if team_id else user.pk, team_id, pk, starts_at, ends_at)
            assignment = RoleAssignment.from_db(using, _ASSIGNMENT_FIELDS, values)
            assignment.role = role
            assignment.team = (
                Team.from_db(using, ["id", "slug", "name"], (team_id, team_slug, team_name)) if team_id else None
            )
            assignments.append(assignment)
    return assignments, roles, graph

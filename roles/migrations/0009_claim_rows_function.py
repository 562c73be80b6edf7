"""
The claims statement as a PL/pgSQL function (see ``roles.claim_rows.CLAIM_ROWS_FUNCTION``): PostgreSQL
caches a function's plan for its session instead of planning the statement at every token issuance.

The definition is frozen here, as a migration must be; a test checks that the database's function
runs exactly ``roles.claim_rows.claim_rows_sql()``, so a change to the statement needs a migration
that replaces it. PostgreSQL only: the demo's SQLite reads claims through the ORM.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION rolegate_claim_rows(p_user bigint)
RETURNS TABLE(
    id bigint, slug varchar, name varchar, requires_mfa boolean, permission_codes varchar[], scope_pairs varchar[],
    connection_ids bigint[], included bigint[], ids bigint[], team_ids bigint[], team_slugs varchar[],
    team_names varchar[], starts timestamptz[], ends timestamptz[]
) LANGUAGE plpgsql STABLE AS $claims$
#variable_conflict use_column
BEGIN
RETURN QUERY WITH RECURSIVE assigned AS (
    SELECT a.id, a.role_id, a.team_id, a.starts_at, a.ends_at
    FROM roles_roleassignment a
    WHERE a.user_id = p_user
       OR a.team_id = ANY(ARRAY(SELECT m.team_id FROM roles_teammembership m WHERE m.user_id = p_user))
), reachable(id) AS (
    SELECT role_id FROM assigned
    UNION
    SELECT i.included_role_id FROM roles_roleinclusion i JOIN reachable r ON i.role_id = r.id
)
SELECT r.id, r.slug, r.name, r.requires_mfa,
    ARRAY(SELECT p.code FROM roles_role_permissions rp JOIN roles_apipermission p ON p.id = rp.apipermission_id
          WHERE rp.role_id = r.id ORDER BY p.code),
    ARRAY(SELECT ARRAY[s.attribute, s.value] FROM roles_roledatascope s WHERE s.role_id = r.id ORDER BY s.attribute, s.value),
    ARRAY(SELECT c.application_id FROM roles_role_connections c WHERE c.role_id = r.id),
    ARRAY(SELECT i.included_role_id FROM roles_roleinclusion i WHERE i.role_id = r.id),
    held.ids, held.team_ids, held.team_slugs, held.team_names, held.starts, held.ends
FROM roles_role r
LEFT JOIN LATERAL (
    SELECT array_agg(a.id ORDER BY a.id) AS ids, array_agg(a.team_id ORDER BY a.id) AS team_ids,
        array_agg(t.slug ORDER BY a.id) AS team_slugs, array_agg(t.name ORDER BY a.id) AS team_names,
        array_agg(a.starts_at ORDER BY a.id) AS starts, array_agg(a.ends_at ORDER BY a.id) AS ends
    FROM assigned a LEFT JOIN roles_team t ON t.id = a.team_id
    WHERE a.role_id = r.id
) held ON true
WHERE r.id = ANY(ARRAY(SELECT id FROM reachable))
ORDER BY r.slug;
END
$claims$
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS rolegate_claim_rows(bigint)")


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0008_role_requires_mfa"),
    ]

    operations = [migrations.RunPython(create_function, drop_function, elidable=False)]

"""
What access means: permissions, data scopes, roles, and who holds them.

A role grants permissions (what kind of data: ``orders.read``) and data scopes (which rows:
``region = EMEA``); it may include other roles (a composite) and may be limited to certain
OAuth connections. Users hold roles through assignments, directly or through a team, possibly
for a period only. A user's effective claims are computed in :mod:`roles.claims`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import F, Func
from django.utils import timezone

from roles.audit.models import AuditEvent  # noqa: F401  (the audit log's model belongs to this app)

#: The wildcard value: a data scope with it grants every value of its attribute.
ALL_VALUES = "*"

permission_code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", "Use the form resource.action, e.g. orders.read."
)
attribute_validator = RegexValidator(r"^[a-z][a-z0-9_]*$", "Use lowercase letters, digits and _, e.g. region.")


class ApiPermission(models.Model):
    """A kind of access the API checks, e.g. ``orders.read``."""

    code = models.CharField(max_length=100, unique=True, validators=[permission_code_validator])
    description = models.CharField(max_length=255, blank=True)
    in_use = models.BooleanField(
        "checked by the API",
        default=True,
        help_text="Kept up to date after every migrate: off when no API view or MCP tool checks this code any more "
        "(roles keep it; nothing is deleted).",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "API permission"

    def __str__(self) -> str:
        return self.code


class RoleQuerySet(models.QuerySet):
    def with_claim_parts(self) -> RoleQuerySet:
        """
        Each role with what it puts in a token, in this one query (subqueries, no join fan-out):
        ``permission_codes`` (sorted), ``scope_pairs`` (``[attribute, value]``, sorted) and
        ``connection_ids`` (empty: not limited to connections). Claims are computed at every
        token issuance, so this spares the token endpoint three round trips. The demo's SQLite has
        no arrays: there the same attributes come from three prefetch queries.
        """
        if connections[self.db].vendor != "postgresql":
            return self._with_claim_parts_prefetched()
        return self.annotate(
            permission_codes=ArraySubquery(
                ApiPermission.objects.filter(roles=models.OuterRef("pk")).order_by("code").values("code")
            ),
            scope_pairs=ArraySubquery(
                RoleDataScope.objects.filter(role=models.OuterRef("pk"))
                .order_by("attribute", "value")
                .values(
                    pair=Func(
                        F("attribute"),
                        F("value"),
                        template="ARRAY[%(expressions)s]",
                        output_field=ArrayField(models.CharField()),
                    )
                )
            ),
            connection_ids=ArraySubquery(
                Role.connections.through.objects.filter(role_id=models.OuterRef("pk")).values("application_id")
            ),
        )

    def _with_claim_parts_prefetched(self) -> list[Role]:
        roles = list(self.prefetch_related("permissions", "data_scopes", "connections"))
        for role in roles:
            role.permission_codes = sorted(permission.code for permission in role.permissions.all())
            role.scope_pairs = sorted([scope.attribute, scope.value] for scope in role.data_scopes.all())
            role.connection_ids = [connection.pk for connection in role.connections.all()]
        return roles


class Role(models.Model):
    """A named bundle of permissions and data scopes, e.g. ``sales-emea``."""

    slug = models.SlugField(max_length=100, unique=True, help_text="Stable name carried in tokens.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    permissions = models.ManyToManyField(ApiPermission, blank=True, related_name="roles")
    includes = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        through="RoleInclusion",
        related_name="included_in",
        help_text="Roles whose permissions and data scopes this role also grants (a composite role).",
    )
    connections = models.ManyToManyField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        blank=True,
        related_name="limited_roles",
        verbose_name="limited to connections",
        help_text="Leave empty for every connection. Otherwise only tokens minted for these connections carry it.",
    )
    requires_mfa = models.BooleanField(
        "requires two-step sign-in",
        default=False,
        help_text="Only tokens of a sign-in with a second factor (authenticator app, passkey) carry this role. "
        "To make its holders set one up, add it to the two-step sign-in policy.",
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class RoleInclusion(models.Model):
    """`role` includes `included_role`: holding the first grants the second too."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="inclusions")
    included_role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "included_role"], name="unique_role_inclusion"),
            models.CheckConstraint(condition=~models.Q(role=models.F("included_role")), name="role_not_self_included"),
        ]

    def __str__(self) -> str:
        return f"{self.role.slug} includes {self.included_role.slug}"

    def save(self, *args, **kwargs):
        # Also for code that writes the through model itself, not only for forms.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from roles.graph import ensure_no_cycle

        if self.role_id is not None and self.role_id == self.included_role_id:
            raise ValidationError({"included_role": "A role cannot include itself."})
        if self.included_role_id is not None:
            ensure_no_cycle(role_id=self.role_id, included_ids=[self.included_role_id])


class RoleDataScope(models.Model):
    """One allowed value of one attribute (``region = EMEA``); ``*`` allows every value."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="data_scopes")
    attribute = models.CharField(max_length=100, validators=[attribute_validator])
    value = models.CharField(max_length=200, help_text="An allowed value, or * for every value.")

    class Meta:
        ordering = ["attribute", "value"]
        constraints = [models.UniqueConstraint(fields=["role", "attribute", "value"], name="unique_role_scope_value")]
        verbose_name = "data scope"

    def __str__(self) -> str:
        return f"{self.attribute} = {self.value}"


class Team(models.Model):
    """A group of users (a department, a project); roles assigned to it reach every member."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", blank=True
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__slug"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]
        verbose_name = "team membership"

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class EqualsAny(Func):
    """`column = ANY(array)` (PostgreSQL), a condition: see ``RoleAssignmentQuerySet.reaching``."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = models.BooleanField()


class RoleAssignmentQuerySet(models.QuerySet):
    def reaching(self, user) -> RoleAssignmentQuerySet:
        """
        Assignments to `user` directly or to a team `user` belongs to (active or not).

        On PostgreSQL the teams are `team_id = ANY(ARRAY(subquery))`, computed once before the scan:
        with `team_id IN (subquery)` under the OR the planner scanned every assignment (100 ms at
        200,000 of them, at every token issuance) where both conditions can use their index (0.2 ms).
        """
        teams = TeamMembership.objects.filter(user=user).values("team_id")
        if connections[self.db].vendor != "postgresql":
            return self.filter(models.Q(user=user) | models.Q(team_id__in=teams))
        return self.filter(models.Q(user=user) | models.Q(EqualsAny(F("team_id"), ArraySubquery(teams))))

    def active(self, at=None) -> RoleAssignmentQuerySet:
        """Assignments in force at `at` (default: now)."""
        at = at or timezone.now()
        return self.filter(
            models.Q(starts_at__isnull=True) | models.Q(starts_at__lte=at),
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=at),
        )


HOLDER_REQUIRED = "Assign the role to a user or to a team (exactly one of them)."


def validate_period(starts_at, ends_at) -> None:
    """An assignment's period, for the model, the bulk service and the admin's form alike (and a constraint)."""
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})


class RoleAssignment(models.Model):
    """A user or a team holds a role, possibly for a period only: who granted it and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: in force from now on.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until removed.")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["role__slug"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_user_role"),
            models.UniqueConstraint(fields=["team", "role"], name="unique_team_role"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="assignment_to_user_or_team",
                # Checked by full_clean(), which skips it when an inline form fills the holder:
                # the new user or team it belongs to has no id until the admin saves it.
                violation_error_message=HOLDER_REQUIRED,
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["role", "user"], name="assignment_role_user")]

    def __str__(self) -> str:
        return f"{self.holder_label} → {self.role.slug}"

    @property
    def holder_label(self) -> str:
        return f"team {self.team}" if self.team_id else str(self.user)

    def clean(self) -> None:
        # "A user or a team" is the check constraint above, not a test here: in an inline on the
        # add page of a user or a team, the holder has no id yet when clean() runs.
        validate_period(self.starts_at, self.ends_at)

    def is_active_at(self, at) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (self.ends_at is None or self.ends_at > at)


class AccessRevocation(models.Model):
    """
    Access tokens issued before `revoked_before` are refused when they match: issued to `user`
    (null: to anyone), through the connection `client_id` ("": any), and with the id `token_id`
    ("": any). Written only by :mod:`roles.revocations`; an append-only security record.

    `user` keeps its id after the user is deleted (no database constraint, nothing cascades):
    the revocation written at deletion must outlive the user, or their tokens would work again.
    The API reads these through an in-process copy (see ``actions_api.revocation_list``), so the
    normal request path makes no query; only rows younger than an access token's lifetime matter.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    client_id = models.CharField(max_length=255, blank=True, help_text="The connection's client id; empty: every one.")
    token_id = models.CharField(max_length=64, blank=True, help_text="The access token's jti; empty: every token.")
    revoked_before = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "access revocation"

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else "everyone"
        through = f" through {self.client_id}" if self.client_id else ""
        token = f" (token {self.token_id})" if self.token_id else ""
        return f"{who}{through}{token} before {self.revoked_before:%Y-%m-%d %H:%M:%S}"

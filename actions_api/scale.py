"""
Data at realistic scale for benchmarks: users, roles, assignments, customers, orders, documents.

Rows are recognisable by a naming prefix (``scale-user-…``, ``scale-role-…``, ``SCALE-…``), so
the demo rows of :mod:`actions_api.demo` are never touched and a re-run only tops up what is
missing: every row is numbered, and seeding continues after the highest number present. On
PostgreSQL rows go in through ``COPY`` (psycopg 3), elsewhere through ``bulk_create`` batches.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import User
from actions_api.demo import CURRENCIES, PERMISSIONS
from actions_api.models import Customer, Document, Order, Region
from roles.models import ALL_VALUES, ApiPermission, Role, RoleAssignment, RoleDataScope

USER_PREFIX, ROLE_PREFIX = "scale-user-", "scale-role-"
CUSTOMER_PREFIX, ORDER_PREFIX, DOCUMENT_PREFIX = "Scale customer ", "SCALE-", "Scale document "
DEPARTMENTS = ["HR", "Finance", "Sales", "Engineering", "Legal", "Operations"]
ORDERS_PER_CUSTOMER = 100
ROLES_PER_USER = 2
BATCH_SIZE = 50_000
_DIGITS = 8  # fixed width, so the highest number is also the greatest name
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

#: progress(step, done, total)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScaleSize:
    users: int = 1_000
    roles: int = 50
    orders: int = 10_000
    documents: int = 1_000

    @property
    def customers(self) -> int:
        return max(len(Region), -(-self.orders // ORDERS_PER_CUSTOMER)) if self.orders else 0


def scale_seed(*, size: ScaleSize, progress: Progress = lambda step, done, total: None) -> dict[str, int]:
    """
    Brings the scale rows up to `size` (never removes any) and refreshes planner statistics.

    Returns how many rows of each kind were added.
    """
    added = {
        "roles": _seed_roles(size.roles, progress),
        "users": _seed_users(size.users, progress),
    }
    added["role assignments"] = _seed_assignments(size.users, size.roles, progress)
    added["customers"] = _seed_customers(size.customers, progress)
    added["orders"] = _seed_orders(size.orders, progress)
    added["documents"] = _seed_documents(size.documents, progress)
    if any(added.values()):
        progress("planner statistics", 0, 1)
        _analyze([User, Role, RoleAssignment, RoleDataScope, Customer, Order, Document])
        progress("planner statistics", 1, 1)
    return added


# ---------------------------------------------------------------- the tables
def _seed_roles(count: int, progress: Progress) -> int:
    start = _highest_number(Role, "slug", ROLE_PREFIX)
    if start >= count:
        return 0
    permissions = {
        code: ApiPermission.objects.get_or_create(code=code, defaults={"description": description})[0]
        for code, description in PERMISSIONS.items()
    }
    codes = sorted(permissions)
    values = [*Region.values, ALL_VALUES]
    with transaction.atomic():
        roles = Role.objects.bulk_create(
            Role(slug=f"{ROLE_PREFIX}{number:0{_DIGITS}d}", name=f"Scale role {number}")
            for number in range(start + 1, count + 1)
        )
        links, scopes = [], []
        for role in roles:
            number = int(role.slug.removeprefix(ROLE_PREFIX))
            links += [
                Role.permissions.through(role=role, apipermission=permissions[code])
                for code in codes[: 1 + number % len(codes)]
            ]
            scopes.append(RoleDataScope(role=role, attribute="region", value=values[number % len(values)]))
            scopes.append(
                RoleDataScope(role=role, attribute="department", value=DEPARTMENTS[number % len(DEPARTMENTS)])
            )
        Role.permissions.through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        RoleDataScope.objects.bulk_create(scopes, batch_size=BATCH_SIZE)
    progress("roles", count - start, count - start)
    return count - start


def _seed_users(count: int, progress: Progress) -> int:
    start = _highest_number(User, "username", USER_PREFIX)
    # Unusable passwords: scale data never adds a way to sign in, whatever database it lands in.
    password, now = make_password(None), timezone.now()

    def rows(number: int) -> tuple:
        username = f"{USER_PREFIX}{number:0{_DIGITS}d}"
        return (password, False, username, "Scale", f"User {number}", f"{username}@scale.example", False, True, now)

    fields = [
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    return _insert(User, fields, start, count, rows, "users", progress)


def _seed_assignments(users: int, roles: int, progress: Progress) -> int:
    """Each scale user holds up to two scale roles; users that already hold roles are skipped."""
    if not users or not roles:
        return 0
    user_ids = list(
        User.objects.filter(username__startswith=USER_PREFIX, role_assignments__isnull=True)
        .order_by("username")
        .values_list("id", "username")
    )
    role_ids = list(Role.objects.filter(slug__startswith=ROLE_PREFIX).order_by("slug").values_list("id", flat=True))
    now, per_user = timezone.now(), min(ROLES_PER_USER, len(role_ids))

    def assignments() -> Iterator[tuple]:
        for user_id, username in user_ids:
            number = int(username.removeprefix(USER_PREFIX))
            for offset in range(per_user):
                yield (user_id, role_ids[(number + offset * 7) % len(role_ids)], now)

    total = len(user_ids) * per_user
    return _copy(
        RoleAssignment, ["user_id", "role_id", "granted_at"], assignments(), total, "role assignments", progress
    )


def _seed_customers(count: int, progress: Progress) -> int:
    start = _highest_number(Customer, "name", CUSTOMER_PREFIX)
    regions = Region.values

    def rows(number: int) -> tuple:
        return (
            f"{CUSTOMER_PREFIX}{number:0{_DIGITS}d}",
            regions[number % len(regions)],
            "Scaleland",
            f"buyer{number}@scale.example",
        )

    return _insert(Customer, ["name", "region", "country", "email"], start, count, rows, "customers", progress)


def _seed_orders(count: int, progress: Progress) -> int:
    start = _highest_number(Order, "reference", ORDER_PREFIX)
    if start >= count:
        return 0
    customers = list(
        Customer.objects.filter(name__startswith=CUSTOMER_PREFIX).order_by("name").values_list("id", "region")
    )
    statuses = Order.Status.values

    def rows(number: int) -> tuple:
        rng = random.Random(number)  # the same row whatever the batch it lands in
        customer_id, region = customers[number % len(customers)]
        placed_at = EPOCH + dt.timedelta(minutes=3 * number + rng.randrange(180))
        amount = Decimal(rng.randrange(1_000, 5_000_000)) / 100
        return (
            f"{ORDER_PREFIX}{number:0{_DIGITS}d}",
            customer_id,
            region,
            amount,
            CURRENCIES[region],
            statuses[rng.randrange(len(statuses))],
            placed_at,
        )

    fields = ["reference", "customer_id", "region", "amount", "currency", "status", "placed_at"]
    return _insert(Order, fields, start, count, rows, "orders", progress)


def _seed_documents(count: int, progress: Progress) -> int:
    start = _highest_number(Document, "title", DOCUMENT_PREFIX)

    def rows(number: int) -> tuple:
        department = DEPARTMENTS[number % len(DEPARTMENTS)]
        return (
            f"{DOCUMENT_PREFIX}{number:0{_DIGITS}d}",
            department,
            f"Scale document {number}: a {department} record.",
            EPOCH + dt.timedelta(hours=number),
        )

    return _insert(
        Document, ["title", "department", "summary", "updated_at"], start, count, rows, "documents", progress
    )


# ---------------------------------------------------------------- bulk loading
def _highest_number(model: type[models.Model], field: str, prefix: str) -> int:
    """The number in the greatest `prefix`-named row (0 when there is none)."""
    name = (
        model.objects.filter(**{f"{field}__startswith": prefix})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    return int(name.removeprefix(prefix)) if name else 0


def _insert(
    model, fields: list[str], start: int, count: int, row: Callable[[int], tuple], step: str, progress: Progress
) -> int:
    if start >= count:
        return 0
    rows = (row(number) for number in range(start + 1, count + 1))
    return _copy(model, fields, rows, count - start, step, progress)


def _copy(model, fields: list[str], rows: Iterable[tuple], total: int, step: str, progress: Progress) -> int:
    """Loads `rows` in committed batches, so an interrupted run keeps what it loaded and tops up later."""
    done = 0
    progress(step, 0, total)
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            done += _load_batch(model, fields, batch)
            batch = []
            progress(step, done, total)
    if batch:
        done += _load_batch(model, fields, batch)
        progress(step, done, total)
    return done


@transaction.atomic
def _load_batch(model, fields: list[str], batch: list[tuple]) -> int:
    if connection.vendor != "postgresql":
        model.objects.bulk_create((model(**dict(zip(fields, row, strict=True))) for row in batch), batch_size=1_000)
        return len(batch)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row(row)
    return len(batch)


def _analyze(models_: list[type[models.Model]]) -> None:
    """Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans) after a bulk load."""
    with connection.cursor() as cursor:
        for model in models_:
            table = connection.ops.quote_name(model._meta.db_table)
            if connection.vendor == "postgresql" and connection.get_autocommit():
                cursor.execute(f"VACUUM (ANALYZE) {table}")
            else:
                cursor.execute(f"ANALYZE {table}")

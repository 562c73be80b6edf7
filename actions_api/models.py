"""
Demo business data that GPT Actions read: customers, orders and documents.

Each model declares the attribute it is scoped by; its QuerySet's ``visible_to(claims)``
does the rest (see :class:`roles.querysets.ScopedQuerySet`).
"""

from django.db import connections, models
from django.utils import timezone

from roles.querysets import ScopedQuerySet


class Region(models.TextChoices):
    EMEA = "EMEA", "Europe, Middle East and Africa"
    AMER = "AMER", "Americas"
    APAC = "APAC", "Asia-Pacific"


class Customer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    region = models.CharField(max_length=10, choices=Region.choices, db_index=True)
    country = models.CharField(max_length=100)
    email = models.EmailField(blank=True)

    scope_attributes = {"region": "region"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "name"], name="customer_region_name")]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        SHIPPED = "shipped"
        PAID = "paid"
        CANCELLED = "cancelled"

    reference = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    # Denormalised from the customer so that scoping an order needs no join.
    region = models.CharField(max_length=10, choices=Region.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    placed_at = models.DateTimeField()

    scope_attributes = {"region": "region"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        # One index per shape of scoped list, so a page is read in order instead of sorted:
        # a region scope, and `*` (no filter at all).
        indexes = [
            models.Index(fields=["region", "-placed_at", "-id"], name="order_region_recent"),
            models.Index(fields=["-placed_at", "-id"], name="order_recent"),
        ]

    def __str__(self) -> str:
        return self.reference


class Document(models.Model):
    title = models.CharField(max_length=200, unique=True)
    department = models.CharField(max_length=50, db_index=True)
    summary = models.TextField()
    updated_at = models.DateTimeField()

    scope_attributes = {"department": "department"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["department", "title"], name="document_department_title")]

    def __str__(self) -> str:
        return self.title


class ActionCallQuerySet(models.QuerySet):
    def older_than(self, moment) -> "ActionCallQuerySet":
        return self.filter(at__lt=moment)

    def write(self, rows: list[dict]) -> None:
        """
        Writes rows (dicts of field values) in one statement. On PostgreSQL it is ``COPY``, which
        psycopg feeds typed values: no model instance and no SQL is built, about a tenth of
        ``bulk_create``'s CPU per row (10 against 95 µs), for the database too. Either way the
        batch is written whole or not at all.
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql":
            self.bulk_create([self.model(**row) for row in rows])
            return
        fields = [field for field in self.model._meta.concrete_fields if not field.primary_key]
        statement = f"COPY {self.model._meta.db_table} ({', '.join(field.column for field in fields)}) FROM STDIN"
        with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[field.attname] for field in fields])


class ActionCall(models.Model):
    """
    One request to the Actions API, as a GPT builder needs to see it when something fails.

    Recorded in memory after the response and written in batches (actions_api.call_log); never
    holds the token.
    """

    at = models.DateTimeField("time", default=timezone.now, db_index=True)
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=200, help_text="The path called, without its query string.")
    status = models.PositiveSmallIntegerField(db_index=True)
    subject = models.CharField("sub", max_length=64, blank=True, help_text="The token's subject (user id).")
    username = models.CharField("user", max_length=150, blank=True)
    client_id = models.CharField(max_length=100, blank=True, db_index=True)
    rows = models.PositiveIntegerField("rows returned", null=True, blank=True)
    error = models.CharField(max_length=40, blank=True, help_text="The problem's error code, e.g. invalid_token.")
    reason = models.CharField(max_length=500, blank=True, help_text="Why the call was refused, as the caller was told.")
    duration_ms = models.PositiveIntegerField("duration (ms)")
    request_id = models.CharField(
        "request id",
        max_length=64,
        blank=True,
        db_index=True,
        help_text="The X-Request-ID of the call's response and of its server log lines.",
    )

    objects = ActionCallQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "Action call"
        # The dashboard's aggregates over a time range read only this index (an index-only scan).
        # The checklist's "first who am I call" reads a tiny partial index instead of scanning the log.
        indexes = [
            models.Index(fields=["at"], include=["status", "client_id", "error"], name="action_call_dashboard"),
            models.Index(
                fields=["at"], condition=models.Q(endpoint="/api/v1/me", status=200), name="action_call_who_am_i"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} → {self.status}"

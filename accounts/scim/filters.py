"""
SCIM filters (already parsed and validated by scim2-models) translated into Django ``Q`` objects,
so that filtering, counting and paging happen in the database, in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from functools import reduce

from django.db.models import Q
from scim2_models import InvalidFilterException
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from scim2_models.path.visitor import FilterVisitor

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:user"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
NOTHING = Q(pk__in=[])


class Kind(Enum):
    TEXT = "text"  # caseExact false (userName, emails, names)
    EXACT = "exact"  # caseExact true (externalId)
    BOOLEAN = "boolean"
    ID = "id"  # an integer primary key, rendered as a string
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    """Where a SCIM attribute lives in the database, and how it compares."""

    lookup: str
    kind: Kind = Kind.TEXT


_TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.ne: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}
_EXACT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.ne: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
_ORDERING = {CompareOperator.gt: "gt", CompareOperator.ge: "gte", CompareOperator.lt: "lt", CompareOperator.le: "lte"}

USER_COLUMNS: dict[tuple[str, str], Column] = {
    (CORE_USER, "id"): Column("pk", Kind.ID),
    (CORE_USER, "username"): Column("username"),
    (CORE_USER, "externalid"): Column("scim_link__external_id", Kind.EXACT),
    (CORE_USER, "active"): Column("is_active", Kind.BOOLEAN),
    (CORE_USER, "name.givenname"): Column("first_name"),
    (CORE_USER, "name.familyname"): Column("last_name"),
    (CORE_USER, "emails"): Column("email"),
    (CORE_USER, "emails.value"): Column("email"),
    (CORE_USER, "meta.created"): Column("date_joined", Kind.DATETIME),
    (CORE_USER, "meta.lastmodified"): Column("scim_link__modified_at", Kind.DATETIME),
    (ENTERPRISE_USER, "department"): Column("scim_link__department"),
}
GROUP_COLUMNS: dict[tuple[str, str], Column] = {
    (CORE_GROUP, "id"): Column("pk", Kind.ID),
    (CORE_GROUP, "displayname"): Column("name"),
    (CORE_GROUP, "externalid"): Column("scim_link__external_id", Kind.EXACT),
    (CORE_GROUP, "members"): Column("memberships__user_id", Kind.ID),
    (CORE_GROUP, "members.value"): Column("memberships__user_id", Kind.ID),
    (CORE_GROUP, "meta.created"): Column("scim_link__created_at", Kind.DATETIME),
    (CORE_GROUP, "meta.lastmodified"): Column("scim_link__modified_at", Kind.DATETIME),
}


class QueryFilter(FilterVisitor[Q]):
    """
    A filter as a ``Q`` over one model. An attribute with no column matches nothing (RFC 7644
    §3.4.2.2 lets a provider treat attributes it does not keep as absent).
    """

    def __init__(self, columns: dict[tuple[str, str], Column], core_schema: str, prefix: str = ""):
        self.columns = columns
        self.core_schema = core_schema
        self.prefix = prefix

    def column(self, path: AttrPath) -> Column | None:
        schema = (path.uri or self.core_schema).casefold()
        names = [self.prefix, path.attr, path.sub_attr or ""]
        return self.columns.get((schema, ".".join(name for name in names if name).casefold()))

    def visit_comparison(self, node: Comparison) -> Q:
        column = self.column(node.attr_path)
        if column is None:
            return NOTHING
        condition = _compare(column, node.op, node.value)
        return ~condition if node.op == CompareOperator.ne else condition

    def visit_present(self, node: Present) -> Q:
        column = self.column(node.attr_path)
        if column is None:
            return NOTHING
        present = Q(**{f"{column.lookup}__isnull": False})
        return present & ~Q(**{column.lookup: ""}) if column.kind in (Kind.TEXT, Kind.EXACT) else present

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        combine = (lambda a, b: a & b) if node.op == LogicalOperator.and_ else (lambda a, b: a | b)
        return reduce(combine, (self.visit(term) for term in node.terms))

    def visit_value_path(self, node: ValuePath) -> Q:
        inner = QueryFilter(self.columns, self.core_schema, prefix=node.attr_path.attr)
        return inner.visit(node.val_filter)


def to_query(node: FilterNode, *, columns: dict[tuple[str, str], Column], core_schema: str) -> Q:
    """The ``Q`` selecting what `node` selects."""
    return QueryFilter(columns, core_schema).visit(node)


def _compare(column: Column, op: CompareOperator, value) -> Q:
    if column.kind is Kind.ID:
        if op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilterException(detail=f"'{op}' does not apply to identifiers")
        return Q(**{column.lookup: int(value)}) if str(value).isdigit() and len(str(value)) < 19 else NOTHING
    if column.kind is Kind.BOOLEAN:
        if op not in (CompareOperator.eq, CompareOperator.ne) or not isinstance(value, bool):
            raise InvalidFilterException(detail="A boolean compares with eq or ne to true or false")
        return Q(**{column.lookup: value})
    if column.kind is Kind.DATETIME:
        return _compare_datetime(column, op, value)
    if not isinstance(value, str):
        raise InvalidFilterException(detail=f"'{op}' compares this attribute with a string")
    lookups = _TEXT_LOOKUPS if column.kind is Kind.TEXT else _EXACT_LOOKUPS
    lookup = lookups.get(op) or _ORDERING[op]
    return Q(**{f"{column.lookup}__{lookup}": value})


def _compare_datetime(column: Column, op: CompareOperator, value) -> Q:
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidFilterException(detail=f"Not a dateTime: {value!r}") from None
    if moment.tzinfo is None:  # xsd:dateTime without an offset: read as UTC, like the timestamps SCIM sends back
        moment = moment.replace(tzinfo=dt.UTC)
    if op in (CompareOperator.eq, CompareOperator.ne):
        return Q(**{column.lookup: moment})
    if op not in _ORDERING:
        raise InvalidFilterException(detail=f"'{op}' does not apply to dateTime attributes")
    return Q(**{f"{column.lookup}__{_ORDERING[op]}": moment})

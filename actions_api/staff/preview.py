"""
"See what they see": the first rows of every collection exactly as the API would return them
for given claims, read with the API's own querysets and serializers. Nothing is minted and
nothing is logged as an Action call: this reads, it does not call the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from actions_api.catalog import COLLECTIONS, Collection
from actions_api.pagination import CachedCountPaginator
from actions_api.permissions import permission_missing
from roles.claims import AccessClaims

FIRST_ROWS = 5


@dataclass(frozen=True)
class CollectionAsSeen:
    collection: Collection
    permitted: bool
    count: int = 0
    columns: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def refusal(self) -> str:
        """What the API answers instead of rows (403) when the permission is missing."""
        return "" if self.permitted else permission_missing(self.collection.required_permission)


def collections_as_seen(*, claims: AccessClaims, first: int = FIRST_ROWS) -> list[CollectionAsSeen]:
    """
    For each collection: refused (403), or its count (cached like the API's) and the rows its
    first page starts with, in the API's order and shape (at most 2 queries each).
    """
    seen = []
    for collection in COLLECTIONS:
        if not claims.has_permission(collection.required_permission):
            seen.append(CollectionAsSeen(collection=collection, permitted=False))
            continue
        rows = collection.visible_rows(claims)
        data = collection.serializer_class(rows[:first], many=True).data if first else []
        seen.append(
            CollectionAsSeen(
                collection=collection,
                permitted=True,
                count=CachedCountPaginator(rows, 1).count,
                columns=list(collection.serializer_class().fields),
                rows=[dict(row) for row in data],
            )
        )
    return seen


def rows_visible(*, claims: AccessClaims) -> list[tuple[str, int | None]]:
    """(collection, how many rows these claims let a GPT read); None where the permission is missing."""
    return [
        (one.collection.name, one.count if one.permitted else None)
        for one in collections_as_seen(claims=claims, first=0)
    ]

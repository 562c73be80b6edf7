"""
The composite-role graph: which roles include which, loaded whole and walked in Python.

A deployment has at most a few thousand roles and inclusions, so one query loads the graph;
expanding in Python then costs no query per level, however deep composites nest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError


def load_inclusions() -> dict[int, set[int]]:
    """role id -> ids of the roles it includes directly (one query)."""
    from roles.models import RoleInclusion

    graph: dict[int, set[int]] = defaultdict(set)
    for role_id, included_id in RoleInclusion.objects.values_list("role_id", "included_role_id"):
        graph[role_id].add(included_id)
    return graph


def path_between(graph: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """A path of inclusions from `start` to `goal` (both ends included), or None."""
    parents: dict[int, int | None] = {start: None}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        if node == goal:
            path = [node]
            while parents[path[-1]] is not None:
                path.append(parents[path[-1]])
            return path[::-1]
        for child in graph.get(node, ()):
            if child not in parents:
                parents[child] = node
                frontier.append(child)
    return None


def find_cycle(graph: dict[int, set[int]], *, role_id: int, included_ids: Iterable[int]) -> list[int] | None:
    """The cycle that making `role_id` include `included_ids` would close, as role ids, or None."""
    for included_id in included_ids:
        path = path_between(graph, included_id, role_id)
        if path is not None:
            return [role_id, *path]
    return None


def ensure_no_cycle(*, role_id: int | None, included_ids: Iterable[int]) -> None:
    """
    Raises ValidationError naming the cycle if `role_id` including `included_ids` would make a
    role include itself, directly or through other roles at any depth.
    """
    from roles.models import Role

    included_ids = list(included_ids)
    if role_id is None or not included_ids:
        return
    cycle = find_cycle(load_inclusions(), role_id=role_id, included_ids=included_ids)
    if cycle is None:
        return
    slugs = dict(Role.objects.filter(pk__in=cycle).values_list("pk", "slug"))
    chain = " → ".join(slugs.get(pk, str(pk)) for pk in cycle)
    raise ValidationError(
        "A role cannot include itself, directly or through other roles: %(chain)s. "
        "Remove one of these inclusions first.",
        code="role_cycle",
        params={"chain": chain},
    )

"""Who is acting: the admin user of the current request, or whoever a service names."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

_actor: ContextVar[Callable[[], object] | None] = ContextVar("audit_actor", default=None)


def current_actor():
    """The authenticated user acting now, or None (the system: a command, a background job)."""
    resolve = _actor.get()
    user = resolve() if resolve else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@contextlib.contextmanager
def acting_as(user_or_resolver) -> Iterator[None]:
    """Attributes every audit event inside the block to a user (or to a callable returning one)."""
    resolver = user_or_resolver if callable(user_or_resolver) else (lambda: user_or_resolver)
    token = _actor.set(resolver)
    try:
        yield
    finally:
        _actor.reset(token)


_muted: ContextVar[bool] = ContextVar("audit_muted", default=False)


def is_muted() -> bool:
    return _muted.get()


@contextlib.contextmanager
def recorded_by_caller() -> Iterator[None]:
    """
    Inside the block, model signals record nothing: the caller (a bulk service) records the
    events itself, once per row, in bulk.
    """
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)

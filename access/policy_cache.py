"""Policy facts cached per process, invalidated by one database-wide epoch token.

Loading what a decision needs about a table (grants, rules, owners, masks, row filters,
tags, classifications: ``policies.load_facts``) costs a dozen queries; the gateway asks for
it on every query. Every write that can change a decision replaces the token of
:class:`access.models.PolicyEpoch` *in the same transaction* (signal receivers below, plus
explicit :func:`bump` calls on bulk paths such as catalog ingestion). A reader fetches the
token first and the facts second, so facts cached under a token are never older than the
token; a write in another process or on another web node changes the token on commit and
every cache misses on its next read. Grants that expire without a write bound an entry's
life by the earliest expiry they contain.

The cache is process-local (no Redis needed), bounded (LRU) and thread-safe.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

V = TypeVar("V")

MAX_ENTRIES = 4096
_TABLE = "access_policyepoch"


_pinned = threading.local()


def current() -> str:
    """The committed (or, inside a writing transaction, the pending) epoch token."""
    token = getattr(_pinned, "token", None)
    if token is not None:
        return str(token)
    with connection.cursor() as cur:
        cur.execute(f"SELECT token FROM {_TABLE} WHERE id = 1")
        row = cur.fetchone()
    return str(row[0]) if row else ""


@contextlib.contextmanager
def pinned() -> Iterator[str]:
    """Read the token once for a read-only block (one governed query): one round trip."""
    outer = getattr(_pinned, "token", None)
    _pinned.token = token = outer if outer is not None else current()
    try:
        yield token
    finally:
        _pinned.token = outer


def bump() -> None:
    """Invalidate every process' policy cache (call inside the writing transaction)."""
    token = uuid.uuid4().hex
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {_TABLE} SET token = %s, changed = %s WHERE id = 1",
            [token, timezone.now()],
        )
        updated = cur.rowcount
    if not updated:
        from access.models import PolicyEpoch

        PolicyEpoch.objects.update_or_create(pk=1, defaults={"token": token})
    if getattr(_pinned, "token", None) is not None:
        _pinned.token = token  # a write inside a pinned block: follow it


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, tuple[Any, datetime | None]] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_load(self, key: Any, load: Callable[[], tuple[V, datetime | None]]) -> V:
        with self.lock:
            entry = self.items.get(key)
            if entry is not None and (entry[1] is None or entry[1] > timezone.now()):
                self.items.move_to_end(key)
                self.hits += 1
                return entry[0]
            self.misses += 1
        value, valid_until = load()
        with self.lock:
            self.items[key] = (value, valid_until)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def get_current(self, key: Any, load: Callable[[], tuple[V, datetime | None]]) -> V:
        """``key``'s value under the current epoch; the token is read before ``load`` runs,
        so a cached value is never older than the epoch it is filed under."""
        return self.get_or_load((key, current()), load)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


facts_cache = _Lru(MAX_ENTRIES)
subject_cache = _Lru(MAX_ENTRIES)
lookup_cache = _Lru(MAX_ENTRIES)  # the gateway's visible tables / source per user


def clear() -> None:
    for cache in (facts_cache, subject_cache, lookup_cache):
        cache.clear()


# -- what invalidates -------------------------------------------------------------------------


def _on_change(sender: Any, **kwargs: Any) -> None:
    bump()


def _on_m2m(sender: Any, action: str = "", **kwargs: Any) -> None:
    if action.startswith("post_"):
        bump()


def _on_user_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A login only stamps last_login: no decision depends on it.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump()


def connect() -> None:
    """Wire the receivers (AccessConfig.ready). Every model a decision reads is listed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from access.models import AccessRule, Grant, MaskingPolicy, RowFilterPolicy, UserAttribute
    from catalog.models import (
        Asset,
        Classification,
        Column,
        Database,
        Ownership,
        Schema,
        Source,
        Table,
        TagAssignment,
    )

    watched: tuple[type[Any], ...] = (
        AccessRule,
        Grant,
        MaskingPolicy,
        RowFilterPolicy,
        UserAttribute,
        Classification,
        Ownership,
        TagAssignment,
        UserObjectPermission,
        GroupObjectPermission,
        Group,
        Source,
    )
    for model in watched:
        post_save.connect(
            _on_change, sender=model, dispatch_uid=f"policy-epoch-save-{model.__name__}"
        )
        post_delete.connect(
            _on_change, sender=model, dispatch_uid=f"policy-epoch-delete-{model.__name__}"
        )
    # Assets are hard-deleted only with their source (catalog.services.delete_source bumps);
    # a post_delete receiver would stop Django's fast cascade delete of a large source.
    assets: tuple[type[Any], ...] = (Asset, Database, Schema, Table, Column)
    for model in assets:
        post_save.connect(
            _on_change, sender=model, dispatch_uid=f"policy-epoch-save-{model.__name__}"
        )
    user_model = get_user_model()
    post_save.connect(_on_user_saved, sender=user_model, dispatch_uid="policy-epoch-save-user")
    post_delete.connect(_on_change, sender=user_model, dispatch_uid="policy-epoch-delete-user")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            _on_m2m, sender=through, dispatch_uid=f"policy-epoch-m2m-{through.__name__}"
        )

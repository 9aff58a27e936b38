"""Known tables and their columns: the caller's schema plus what a script creates.

The caller's schema is ``{"db.schema.table": {"column": "type", ...}}``; keys may also
have two parts (``schema.table``) or one (``table``), and may be mixed. A table
reference in SQL is matched against it by its full name first (after applying the
default catalog/schema), then by its trailing parts: ``orders`` finds
``shop.public.orders`` when that is the only table of that name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect

from lineage.sql.names import TableKey, parse_stored_name, stored_canonical


class TableIndex:
    """Tables with ordered column lists (``None`` = columns unknown), found by suffix."""

    def __init__(self) -> None:
        self.tables: dict[TableKey, list[str] | None] = {}
        self._by_name: dict[str, set[TableKey]] = {}
        self._by_lower: dict[TableKey, set[TableKey]] = {}

    def add(self, key: TableKey, columns: list[str] | None) -> None:
        self.tables[key] = columns
        self._by_name.setdefault(key[-1].lower(), set()).add(key)
        self._by_lower.setdefault(_lower(key), set()).add(key)

    def remove(self, key: TableKey) -> None:
        if self.tables.pop(key, "missing") == "missing":
            return
        self._by_name.get(key[-1].lower(), set()).discard(key)
        self._by_lower.get(_lower(key), set()).discard(key)

    def find(self, parts: TableKey) -> tuple[TableKey | None, bool]:
        """The unique table matching ``parts`` and whether the match was ambiguous."""
        if not parts:
            return None, False
        if parts in self.tables:
            return parts, False
        exact_ci = self._by_lower.get(_lower(parts), set())
        if len(exact_ci) == 1:
            return next(iter(exact_ci)), False
        n = len(parts)
        lowered = _lower(parts)
        candidates = [
            key
            for key in self._by_name.get(parts[-1].lower(), ())
            if len(key) > n and _lower(key[-n:]) == lowered
        ]
        if len(candidates) == 1:
            return candidates[0], False
        return None, len(candidates) > 1 or len(exact_ci) > 1


def _lower(key: TableKey) -> TableKey:
    return tuple(part.lower() for part in key)


class SchemaIndex:
    """A caller's schema, prepared once and reusable across many ``analyze`` calls.

    Build one for a large schema that is used for many statements: ``analyze`` accepts it
    wherever it accepts a plain mapping, and skips re-reading the mapping each call.
    """

    def __init__(self, schema: Mapping[str, Mapping[str, str]] | None) -> None:
        items: list[tuple[str, list[str]]] = []
        digest = hashlib.blake2b(digest_size=16)
        for table_name, columns in (schema or {}).items():
            names = [str(column) for column in (columns or {})]
            items.append((str(table_name), names))
            digest.update(str(table_name).encode())
            digest.update(b"\x00")
            for column in names:
                digest.update(column.encode())
                digest.update(b"\x01")
            digest.update(b"\x02")
        self._items = items
        self.fingerprint = digest.hexdigest()
        self._prepared: dict[str, TableIndex] = {}

    def for_dialect(self, dialect: Dialect) -> TableIndex:
        """The schema's tables with names canonicalized by ``dialect``'s case rules."""
        key = type(dialect).__name__ + str(dialect.normalization_strategy)
        index = self._prepared.get(key)
        if index is None:
            index = TableIndex()
            for table_name, columns in self._items:
                parts = parse_stored_name(table_name, dialect)
                if parts:
                    index.add(parts, [stored_canonical(column, dialect) for column in columns])
            self._prepared[key] = index
        return index


@dataclass
class Resolved:
    """A table reference resolved against the known tables."""

    key: TableKey
    columns: list[str] | None
    ambiguous: bool = False


class Catalog:
    """What the engine knows while it walks a script: caller's schema + script tables.

    Tables created, altered, renamed or dropped by earlier statements of the script
    shadow the caller's schema, so later statements see the script's effects.
    """

    def __init__(
        self,
        schema: TableIndex,
        *,
        default_catalog: str | None,
        default_schema: str | None,
        dialect: Dialect,
    ) -> None:
        self.schema = schema
        self.script = TableIndex()
        self.dropped: set[TableKey] = set()
        self.dialect = dialect
        self.default_catalog = (
            stored_canonical(default_catalog, dialect) if default_catalog else None
        )
        self.default_schema = stored_canonical(default_schema, dialect) if default_schema else None

    def qualify(self, parts: TableKey) -> TableKey:
        """``parts`` completed with the default catalog/schema (when they are set)."""
        if len(parts) == 1 and self.default_schema:
            if self.default_catalog:
                return (self.default_catalog, self.default_schema, parts[0])
            return (self.default_schema, parts[0])
        if len(parts) == 2 and self.default_catalog:
            return (self.default_catalog, *parts)
        return parts

    def resolve(self, parts: TableKey) -> Resolved:
        """Find the table that ``parts`` (as written in SQL) refers to."""
        qualified = self.qualify(parts)
        ambiguous = False
        for index in (self.script, self.schema):
            for candidate in (qualified, parts) if qualified != parts else (parts,):
                key, amb = index.find(candidate)
                ambiguous = ambiguous or amb
                if key is not None:
                    if index is self.schema and key in self.dropped:
                        continue
                    return Resolved(key, index.tables[key])
        return Resolved(qualified, None, ambiguous)

    def define(self, key: TableKey, columns: list[str] | None) -> None:
        """Record that the script created (or replaced) table ``key``."""
        self.dropped.discard(key)
        self.script.remove(key)
        self.script.add(key, columns)

    def drop(self, key: TableKey) -> None:
        self.script.remove(key)
        self.dropped.add(key)

    def rename(self, old: TableKey, new: TableKey) -> None:
        columns = self.resolve(old).columns
        self.drop(old)
        self.define(new, columns)

    def add_columns(self, key: TableKey, columns: list[str]) -> None:
        current = self.resolve(key)
        if current.columns is None:
            return
        self.define(current.key, current.columns + [c for c in columns if c not in current.columns])

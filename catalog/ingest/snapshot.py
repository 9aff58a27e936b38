"""A source's schema as read at one moment (pure data, no Django).

Both ingestion paths produce this: the native SQLAlchemy reader and the
OpenMetadata-compatible API. ``catalog.ingest.apply`` diffs it against the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ForeignKeyRef:
    columns: list[str]
    ref_database: str
    ref_schema: str
    ref_table: str
    ref_columns: list[str]


@dataclass
class ColumnSnap:
    name: str
    data_type: str
    nullable: bool = True
    position: int = 0
    comment: str = ""
    is_primary_key: bool = False


@dataclass
class TableSnap:
    name: str
    kind: str = "table"  # table | view
    comment: str = ""
    row_count: int | None = None
    view_sql: str = ""
    columns: list[ColumnSnap] = field(default_factory=list)
    foreign_keys: list[ForeignKeyRef] = field(default_factory=list)


@dataclass
class SchemaSnap:
    name: str
    comment: str = ""
    tables: list[TableSnap] = field(default_factory=list)


@dataclass
class DatabaseSnap:
    name: str
    comment: str = ""
    schemas: list[SchemaSnap] = field(default_factory=list)


@dataclass
class SourceSnap:
    databases: list[DatabaseSnap] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        tables = [t for d in self.databases for s in d.schemas for t in s.tables]
        return {
            "databases": len(self.databases),
            "schemas": sum(len(d.schemas) for d in self.databases),
            "tables": len(tables),
            "columns": sum(len(t.columns) for t in tables),
        }


def quote_part(part: str) -> str:
    """FQN part quoting per the contract: quoted with " when it contains a dot."""
    if "." in part or '"' in part:
        return '"' + part.replace('"', '""') + '"'
    return part


def make_fqn(*parts: str) -> str:
    return ".".join(quote_part(p) for p in parts)


def split_fqn(fqn: str) -> list[str]:
    """Inverse of :func:`make_fqn`."""
    parts: list[str] = []
    buf: list[str] = []
    i, quoted = 0, False
    while i < len(fqn):
        ch = fqn[i]
        if quoted:
            if ch == '"' and i + 1 < len(fqn) and fqn[i + 1] == '"':
                buf.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                buf.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ".":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts

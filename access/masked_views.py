"""``CREATE VIEW`` statements that apply one role's policy inside the source database.

For tools that query the database directly: each table the role may query gets a view
``<table>__masked_<role>`` next to it, built by the gateway's own rewrite (same masks,
same row filters). Differences from the gateway, by necessity: operators without a SQL
form are nullified; in row filters ``{user.username}`` becomes ``CURRENT_USER`` and any
other ``{user.*}`` attribute makes the filter FALSE (the view shows no rows).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import Group
from sqlglot import exp

from access import policies
from access.gateway import parse, resolve, rewrite
from catalog.models import Asset, AssetType, Source


def view_name(table: str, group: str) -> str:
    return f"{table}__masked_{re.sub(r'[^a-z0-9]+', '_', group.lower()).strip('_')}"


def statements(*, source: Source, group: Group) -> list[dict[str, Any]]:
    """One entry per table: ``{"table", "view", "sql"}`` or ``{"table", "skipped": why}``."""
    dialect = parse.DIALECTS.get(source.kind, "sqlite")
    subject = policies.subject_for_group(group)
    out: list[dict[str, Any]] = []
    tables = (
        Asset.objects.filter(source=source, type=AssetType.TABLE, deleted_at__isnull=True)
        .select_related("schema_ref", "database_ref", "source")
        .order_by("fqn")
    )
    for table in tables:
        ta = policies.evaluate(subject, policies.load_facts(table), dialect=dialect)
        if not ta.allowed:
            out.append(
                {"table": table.fqn, "skipped": f"{group.name} may not query it: {ta.reason}"}
            )
            continue
        parts = resolve.physical_parts(table, source.kind)
        node = exp.Table(
            this=exp.to_identifier(parts[2], quoted=True),
            db=exp.to_identifier(parts[1], quoted=True) if parts[1] else None,
        )
        query = exp.select("*").from_(node)
        base = resolve.BaseTable(node=node, asset=table, alias=table.name, physical=parts)
        try:
            rewritten = rewrite.rewrite(
                query, [base], {table.id: ta}, dialect=dialect, limit=None, sql_only=True
            )
        except parse.QueryRejected as exc:
            out.append({"table": table.fqn, "skipped": str(exc)})
            continue
        name = view_name(parts[2], group.name)
        target = exp.Table(
            this=exp.to_identifier(name, quoted=True),
            db=exp.to_identifier(parts[1], quoted=True) if parts[1] else None,
        )
        create = exp.Create(
            this=target,
            kind="VIEW",
            expression=rewritten.query,
            replace=dialect != "sqlite",
            exists=dialect == "sqlite",
        )
        out.append(
            {
                "table": table.fqn,
                "view": name,
                "sql": create.sql(dialect=dialect) + ";",
                "masks": rewritten.masks,
                "row_filters": rewritten.row_filters,
            }
        )
    return out

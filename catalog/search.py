"""Catalog search: one index over assets and glossary terms, kept in sync by services.

SQLite: an FTS5 table (external content over ``catalog_searchentry``, kept in sync by
triggers) ranked with bm25. PostgreSQL: a generated ``tsvector`` column with a GIN index
plus a pg_trgm index on names for substring matches. Other databases: LIKE. Exact name
matches always rank first, then name prefixes, then text relevance.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from catalog.models import (
    Asset,
    Classification,
    ClassificationStatus,
    GlossaryTerm,
    Ownership,
    SearchEntry,
    Source,
    TagAssignment,
    TermLink,
)

_TOKEN = re.compile(r"\w+", re.UNICODE)
BATCH = 2000


def _pipe(values: Iterable[str]) -> str:
    items = sorted({v for v in values if v})
    return "|" + "|".join(items) + "|" if items else ""


def _principal_names(ownerships: Iterable[Ownership]) -> list[str]:
    return [o.principal for o in ownerships]


def index_assets(assets: Sequence[Asset], *, new: bool = False) -> None:
    """Create or refresh the search entries of ``assets`` (batched).

    ``new=True`` promises the assets were inserted in this transaction: nothing can be
    attached to them yet (tags, owners, terms, classifications, an entry), so those
    lookups are skipped. Ingestion uses it for the bulk of a first import.
    """
    live = [a for a in assets if a.pk]
    for i in range(0, len(live), BATCH):
        batch = live[i : i + BATCH]
        if new:
            _index_new(batch)
        else:
            _index_batch(batch)


def _index_new(assets: Sequence[Asset]) -> None:
    source_ids = {a.source_id for a in assets}
    names = dict(Source.objects.filter(id__in=source_ids).values_list("id", "name"))
    _write_entries(
        [
            (a.pk, a.type, a.fqn, a.name, a.description or "", "", "", "", "", names[a.source_id])
            for a in assets
            if a.deleted_at is None
        ],
        [],
    )


def _index_batch(assets: Sequence[Asset]) -> None:
    ids = [a.pk for a in assets]
    tags: dict[int, list[str]] = {}
    for asset_id, name in TagAssignment.objects.filter(asset_id__in=ids).values_list(
        "asset_id", "tag__name"
    ):
        tags.setdefault(asset_id, []).append(name)
    owners: dict[int, list[str]] = {}
    for own in Ownership.objects.filter(asset_id__in=ids).select_related("user", "group"):
        owners.setdefault(own.asset_id or 0, []).append(own.principal)
    terms: dict[int, list[str]] = {}
    for asset_id, name in TermLink.objects.filter(asset_id__in=ids).values_list(
        "asset_id", "term__name"
    ):
        terms.setdefault(asset_id, []).append(name)
    classes: dict[int, list[str]] = {}
    for asset_id, entity in Classification.objects.filter(
        asset_id__in=ids, status__in=[ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED]
    ).values_list("asset_id", "entity"):
        classes.setdefault(asset_id, []).append(entity)
    source_names = dict(Asset.objects.filter(id__in=ids).values_list("id", "source__name"))
    existing = dict(SearchEntry.objects.filter(asset_id__in=ids).values_list("asset_id", "id"))
    to_create: list[tuple[Any, ...]] = []
    to_update: list[tuple[Any, ...]] = []
    to_delete: list[int] = []
    for a in assets:
        if a.deleted_at is not None:
            if a.pk in existing:
                to_delete.append(existing[a.pk])
            continue
        doc = (
            a.type,
            a.fqn,
            a.name,
            a.description or "",
            _pipe(tags.get(a.pk, [])),
            _pipe(owners.get(a.pk, [])),
            _pipe(terms.get(a.pk, [])),
            _pipe(classes.get(a.pk, [])),
            source_names.get(a.pk, ""),
        )
        if a.pk in existing:
            to_update.append((*doc, existing[a.pk]))
        else:
            to_create.append((a.pk, *doc))
    if to_delete:
        SearchEntry.objects.filter(id__in=to_delete).delete()
    _write_entries(to_create, to_update)


# Plain SQL for the entry rows: the ORM's bulk_create/bulk_update cost ~10 us a value (and
# bulk_update's CASE WHEN is quadratic in the batch), which dominated indexing at scale.
_DOC_COLUMNS = (
    "type",
    "fqn",
    "name",
    "description",
    "tags",
    "owners",
    "terms",
    "classifications",
    "source_name",
)


def _write_entries(to_create: list[tuple[Any, ...]], to_update: list[tuple[Any, ...]]) -> None:
    qn = connection.ops.quote_name
    table = qn(SearchEntry._meta.db_table)
    with connection.cursor() as cur:
        if to_create:
            columns = ("asset_id", *_DOC_COLUMNS)
            row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
            fields = [SearchEntry._meta.get_field(c.removesuffix("_id")) for c in columns]
            size = max(1, connection.ops.bulk_batch_size(fields, to_create))
            head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "
            for i in range(0, len(to_create), size):
                chunk = to_create[i : i + size]
                cur.execute(
                    head + ", ".join([row_sql] * len(chunk)),
                    [value for row in chunk for value in row],
                )
        if to_update:
            sets = ", ".join(f"{qn(c)} = %s" for c in _DOC_COLUMNS)
            cur.executemany(f"UPDATE {table} SET {sets} WHERE {qn('id')} = %s", to_update)


def remove_assets(asset_ids: Sequence[int]) -> None:
    for i in range(0, len(asset_ids), BATCH):
        SearchEntry.objects.filter(asset_id__in=asset_ids[i : i + BATCH]).delete()


def index_term(term: GlossaryTerm) -> None:
    owners = _principal_names(term.ownerships.select_related("user", "group"))
    doc = {
        "type": "term",
        "fqn": term.fqn,
        "name": term.name,
        "description": " ".join([term.definition, *term.synonyms]),
        "owners": _pipe(owners),
        "tags": _pipe([term.status]),
        "terms": _pipe(term.synonyms),
    }
    SearchEntry.objects.update_or_create(term=term, defaults=doc)


@dataclass
class SearchResult:
    total: int
    entries: list[SearchEntry]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def _backend() -> str:
    return connection.vendor if connection.vendor in ("sqlite", "postgresql") else "like"


def _restriction(user: Any) -> tuple[str, list[Any]]:
    """SQL predicate limiting entries to what ``user`` may see."""
    clauses: list[str] = []
    params: list[Any] = []
    restricted = Asset.objects.restrict(user, "view")
    if restricted.query.is_empty():
        asset_clause = "0=1"
    elif restricted.query.where:
        sql, p = restricted.values("id").query.sql_with_params()
        asset_clause = f"e.asset_id IN ({sql})"
        params.extend(p)
    else:
        asset_clause = "e.asset_id IS NOT NULL"
    clauses.append(asset_clause)
    if user.is_superuser or user.has_perm("catalog.view_glossaryterm"):
        clauses.append("e.term_id IS NOT NULL")
    return "(" + " OR ".join(clauses) + ")", params


def search(
    user: Any,
    q: str = "",
    *,
    type: str | None = None,
    tag: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    classification: str | None = None,
    limit: int = 50,
    offset: int = 0,
    with_facets: bool = False,
) -> SearchResult:
    """Ranked, permission-filtered search. ``type`` accepts a comma-separated list."""
    where, params = _restriction(user)
    filters = [where]
    if type:
        types = [t.strip() for t in type.split(",") if t.strip()]
        filters.append("e.type IN (" + ",".join(["%s"] * len(types)) + ")")
        params.extend(types)
    for column, value in (("tags", tag), ("owners", owner), ("classifications", classification)):
        if value:
            filters.append(f"e.{column} LIKE %s")
            params.append(f"%|{value}|%")
    if source:
        filters.append("e.source_name = %s")
        params.append(source)
    tokens = _TOKEN.findall(q.lower())[:12]
    backend = _backend()
    select_rank = "0"
    from_sql = "catalog_searchentry e"
    rank_params: list[Any] = []
    if tokens:
        if backend == "sqlite":
            match = " AND ".join(f'"{t}"*' for t in tokens)
            # CROSS JOIN fixes SQLite's join order: full-text matches first, then entries by
            # primary key. With a plain JOIN and a ``type`` filter the planner walks the
            # type index and re-runs the MATCH for every row (25 s vs 30 ms at 100k columns).
            from_sql = "catalog_search_fts f CROSS JOIN catalog_searchentry e ON f.rowid = e.id"
            filters.append("catalog_search_fts MATCH %s")
            params.append(match)
            select_rank = "-bm25(catalog_search_fts, 10.0, 3.0, 1.0, 4.0, 2.0, 3.0, 3.0)"
        elif backend == "postgresql":
            tsq = " & ".join(f"{t}:*" for t in tokens)
            filters.append("(e.search_vector @@ to_tsquery('simple', %s) OR lower(e.name) LIKE %s)")
            params.extend([tsq, f"%{q.lower().strip()}%"])
            select_rank = "ts_rank_cd(e.search_vector, to_tsquery('simple', %s))"
            rank_params.append(tsq)
        else:
            for t in tokens:
                filters.append(
                    "(lower(e.name) LIKE %s OR lower(e.fqn) LIKE %s OR lower(e.description) LIKE %s)"
                )
                params.extend([f"%{t}%"] * 3)
    where_sql = " AND ".join(filters)
    needle = q.lower().strip()
    order = (
        "CASE WHEN lower(e.name) = %s THEN 0 WHEN lower(e.name) LIKE %s THEN 1 ELSE 2 END, "
        "rank DESC, length(e.fqn), e.id"
    )
    order_params = [needle, f"{needle}%"]
    with connection.cursor() as cur:
        # PostgreSQL: one pass for the page and the total (the window count is taken before
        # LIMIT); matching and ranking a broad query dominates, so a separate count doubled
        # it. SQLite refuses bm25() next to a window function, and its count is cheap.
        window = ", count(*) OVER ()" if backend != "sqlite" else ""
        cur.execute(
            f"SELECT e.id, {select_rank} AS rank{window} FROM {from_sql} "
            f"WHERE {where_sql} ORDER BY {order} LIMIT %s OFFSET %s",
            [*rank_params, *params, *order_params, limit, offset],
        )
        rows = cur.fetchall()
        ids = [row[0] for row in rows]
        if window and rows:
            total = int(rows[0][2])
        elif window and not offset:
            total = 0
        else:  # SQLite, or a page past the end: count every match
            cur.execute(f"SELECT count(*) FROM {from_sql} WHERE {where_sql}", params)
            total = int(cur.fetchone()[0])
        facets: dict[str, dict[str, int]] = {}
        if with_facets and total:
            for column in ("type", "source_name"):
                cur.execute(
                    f"SELECT e.{column}, count(*) FROM {from_sql} WHERE {where_sql} "
                    f"GROUP BY e.{column} ORDER BY count(*) DESC LIMIT 20",
                    params,
                )
                facets[column] = {str(k): int(v) for k, v in cur.fetchall() if k}
            cur.execute(
                f"SELECT e.tags, e.classifications FROM {from_sql} WHERE {where_sql} LIMIT 2000",
                params,
            )
            tag_counts: Counter[str] = Counter()
            class_counts: Counter[str] = Counter()
            for tags_text, classes_text in cur.fetchall():
                tag_counts.update(t for t in (tags_text or "").split("|") if t)
                class_counts.update(c for c in (classes_text or "").split("|") if c)
            facets["tag"] = dict(tag_counts.most_common(20))
            facets["classification"] = dict(class_counts.most_common(20))
    by_id = {
        e.id: e for e in SearchEntry.objects.filter(id__in=ids).select_related("asset", "term")
    }
    return SearchResult(total=total, entries=[by_id[i] for i in ids if i in by_id], facets=facets)


def reindex_all() -> int:
    """Rebuild every entry (after bulk imports or a backend switch)."""
    count = 0
    last = 0
    while True:
        batch = list(Asset.objects.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            break
        index_assets(batch)
        count += len(batch)
        last = batch[-1].id
    for term in GlossaryTerm.objects.all():
        index_term(term)
        count += 1
    return count


__all__ = ["SearchResult", "index_assets", "index_term", "reindex_all", "remove_assets", "search"]

"""Catalog search: one index over assets and glossary terms, kept in sync by services.

SQLite: an FTS5 table (external content over ``catalog_searchentry``, kept in sync by
triggers) ranked with bm25. PostgreSQL: a generated ``tsvector`` column with a GIN index
plus a pg_trgm index on names for substring matches, and GIN indexes on the tag, owner
and classification lists. Both: an index on lower-cased names for exact and prefix name
matches (migrations 0002 and 0005). Other databases: LIKE. Exact name matches always rank
first, then name prefixes, then text relevance; the work of a search is bounded (see
"searching" below).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

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


# -- searching ------------------------------------------------------------------------------
#
# The work of one search is bounded whatever the size of the catalog. A broad query ("book")
# matches a large part of a big catalog, and ranking and counting every match grew with it
# (PostgreSQL p95 ~450 ms at a million columns). Instead, one statement reads the matches
# through the indexes up to TOTAL_CAP + 1 (more for a page further down), counts them and
# orders them in three tiers:
#
# 1. names equal to the query, shortest path first;
# 2. names starting with the query, alphabetically;
# 3. other matches (words of the path, tags, descriptions; on PostgreSQL also names that
#    contain the query), most relevant first.
#
# When there are more matches than were read, ``total`` is the number read and marked as a
# lower bound, the first two tiers come from the name index in their order (so an exact
# name match still comes first), and the third is ranked among the matches read. Results
# past MAX_RESULTS are not served (narrow the query instead), as in most search engines.
# Measured at a million columns (bench/catalog_bench.py): counting to 10,000 instead of
# 1,000 took the PostgreSQL p95 from ~40 to ~160 ms, most of it reading the rows to count.

TOTAL_CAP = 1_000
MAX_RESULTS = 10_000
# Up to this many visible assets, a restricted user's search starts from them (see
# _restriction); past it, from the matches, which are then dense enough.
VISIBLE_DRIVES = 20_000


@dataclass
class SearchResult:
    """One page of hits.

    ``total`` counts the matches up to ``TOTAL_CAP`` (or to the end of the page, further
    down); when there are more, ``total_is_lower_bound`` is true (show "1,000+").
    ``facets`` are counted over the same matches.
    """

    total: int
    entries: list[SearchEntry]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    total_is_lower_bound: bool = False


def _backend() -> str:
    return connection.vendor if connection.vendor in ("sqlite", "postgresql") else "like"


@dataclass
class _Clause:
    """A piece of SQL with its parameters."""

    sql: str
    params: list[Any] = field(default_factory=list)


def _and(*clauses: _Clause | None) -> _Clause:
    parts = [c for c in clauses if c is not None and c.sql]
    return _Clause(
        " AND ".join(f"({c.sql})" for c in parts) or "1=1", [p for c in parts for p in c.params]
    )


def _restriction(user: Any) -> _Clause | None:
    """SQL predicate limiting entries to what ``user`` may see; None if they may see nothing."""
    restricted = Asset.objects.restrict(user, "view")
    terms = bool(user.is_superuser or user.has_perm("catalog.view_glossaryterm"))
    if restricted.query.is_empty():
        return _Clause("e.term_id IS NOT NULL") if terms else None
    if not restricted.query.where:  # every asset: only terms may be hidden
        return _Clause("") if terms else _Clause("e.asset_id IS NOT NULL")
    restricted = restricted.order_by()
    sql, params = restricted.values("id").query.sql_with_params()
    if connection.vendor == "postgresql" and not restricted[VISIBLE_DRIVES:].exists():
        # Few visible assets (100 granted tables: 5,000): an array of them, computed once
        # and probed through the asset_id index, so their entries are read first instead of
        # testing match after match (0.2 s for a broad query). Past VISIBLE_DRIVES the
        # probes would cost more than the matches they save.
        assets = _Clause(f"e.asset_id = ANY(ARRAY({sql}))", list(params))
    else:  # many: matches are tested against them
        assets = _Clause(f"e.asset_id IN ({sql})", list(params))
    if terms:
        return _Clause(f"{assets.sql} OR e.term_id IS NOT NULL", assets.params)
    return assets


def _listed(backend: str, column: str, value: str) -> _Clause:
    """``value`` is one of the ``|a|b|`` list in ``column`` (tags, owners, classifications)."""
    if backend == "postgresql":  # the partial GIN indexes of migration 0005
        return _Clause(
            f"e.{column} <> '' AND string_to_array(e.{column}, '|') @> ARRAY[%s]::text[]", [value]
        )
    escape = " ESCAPE '\\'" if backend == "sqlite" else ""
    return _Clause(f"e.{column} LIKE %s{escape}", [f"%|{_like_escape(value)}|%"])


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _after_prefix(text: str) -> str | None:
    """The least string above every string starting with ``text``, in code point order."""
    point = ord(text[-1]) + 1
    if 0xD800 <= point <= 0xDFFF:  # surrogates are not characters
        point = 0xE000
    return text[:-1] + chr(point) if point <= 0x10FFFF else None


_ENTRIES = "catalog_searchentry e"
# A word of 3+ letters or digits: what the trigram index can look up cheaply inside names
# (compounds and phrases are found by the full-text index already).
_ONE_WORD = re.compile(r"[^\W_]{3,}")
# CROSS JOIN fixes SQLite's join order: full-text matches first, then entries by primary
# key. With a plain JOIN and a ``type`` filter the planner walks the type index and re-runs
# the MATCH for every row (25 s vs 30 ms at 100k columns).
_FTS_FROM = "catalog_search_fts f CROSS JOIN catalog_searchentry e ON f.rowid = e.id"
_BM25 = "bm25(catalog_search_fts, 10.0, 3.0, 1.0, 4.0, 2.0, 3.0, 3.0)"


@dataclass
class _Text:
    """The SQL that matches, tiers and ranks one query string on one backend."""

    backend: str
    needle: str
    tokens: list[str]

    def lname(self, alias: str = "e") -> str:
        # Byte order on PostgreSQL, so that a prefix is one range of the name index whatever
        # the database collation; SQLite's default (BINARY) already is.
        if self.backend == "postgresql":
            return f'lower({alias}.name) COLLATE "C"'
        return f"lower({alias}.name)"

    def exact(self, alias: str = "e") -> _Clause:
        return _Clause(f"{self.lname(alias)} = %s", [self.needle])

    def longer_names(self, alias: str = "e") -> _Clause | None:
        """Names that start with the query and are longer than it."""
        if self.backend == "like":
            return _Clause(
                f"lower({alias}.name) LIKE %s AND lower({alias}.name) <> %s",
                [_like_escape(self.needle) + "%", self.needle],
            )
        upper = _after_prefix(self.needle)
        if upper is None:
            return None
        lname = self.lname(alias)
        return _Clause(f"{lname} > %s AND {lname} < %s", [self.needle, upper])

    def tier(self, alias: str) -> _Clause:
        """0 for an exact name, 1 for a longer name with the query as prefix, else 2."""
        exact, longer = self.exact(alias), self.longer_names(alias)
        if longer is None:
            return _Clause(f"CASE WHEN {exact.sql} THEN 0 ELSE 2 END", exact.params)
        return _Clause(
            f"CASE WHEN {exact.sql} THEN 0 WHEN {longer.sql} THEN 1 ELSE 2 END",
            [*exact.params, *longer.params],
        )

    @property
    def tsquery(self) -> str:
        """Every word as a prefix; a compound (departure_date) as a phrase of whole words
        ending in a prefix. Prefixes cost: the index collects every row of every word they
        begin, so a prefix of one or two letters is matched whole too (the prefix "id" covers
        every ``*_id``: 35 ms at a million columns)."""
        words = []
        for token in self.tokens:
            parts = [p for p in token.split("_") if p]
            if parts:
                last = parts[-1] if len(parts[-1]) < 3 else f"{parts[-1]}:*"
                words.append(" <-> ".join([*parts[:-1], last]))
        return " & ".join(f"({w})" for w in words)

    def matches(self) -> tuple[str, _Clause]:
        """FROM and WHERE of every match: what ``total`` counts."""
        if self.backend == "sqlite":
            match = " AND ".join(f'"{t}"*' for t in self.tokens)
            return _FTS_FROM, _Clause("catalog_search_fts MATCH %s", [match])
        if self.backend == "postgresql":
            either = [_Clause("e.search_vector @@ to_tsquery('simple', %s)", [self.tsquery])]
            longer = self.longer_names()
            either.append(
                _Clause(f"{self.lname()} >= %s AND {self.lname()} < %s", longer.params)
                if longer
                else self.exact()
            )
            if _ONE_WORD.fullmatch(self.needle):  # inside a name, through pg_trgm
                either.append(
                    _Clause("lower(e.name) LIKE %s", ["%" + _like_escape(self.needle) + "%"])
                )
            return _ENTRIES, _Clause(
                " OR ".join(f"({c.sql})" for c in either), [p for c in either for p in c.params]
            )
        words = [
            _Clause(
                "lower(e.name) LIKE %s OR lower(e.fqn) LIKE %s OR lower(e.description) LIKE %s",
                [f"%{_like_escape(t)}%"] * 3,
            )
            for t in self.tokens
        ]
        return _ENTRIES, _and(*words)

    def columns(self) -> _Clause:
        """What the statement keeps of each match: id, name, fqn and what ranks it."""
        if self.backend == "postgresql":
            return _Clause("e.id, e.name, e.fqn, e.search_vector")
        if self.backend == "sqlite":
            return _Clause(f"e.id, e.name, e.fqn, -{_BM25} AS relevance")
        return _Clause("e.id, e.name, e.fqn")

    def relevance(self, alias: str) -> _Clause:
        if self.backend == "postgresql":
            return _Clause(
                f"ts_rank_cd({alias}.search_vector, to_tsquery('simple', %s))", [self.tsquery]
            )
        if self.backend == "sqlite":
            return _Clause(f"{alias}.relevance")
        return _Clause("0")


class _Planner:
    """How the search statements read the entries (PostgreSQL settings, SQLite hints).

    The statements stop after a number of matches, and a planner prices that as a fraction
    of a scan, assuming matches are spread evenly through the table or an index. They are
    not (a name prefix is a cluster of rows, tagging moves rows), and such a scan of the
    table or of the ``type`` index read up to a million rows to find 1,000 (0.7-1.5 s on
    PostgreSQL). So matches are read through bitmaps of the match indexes only, and the
    ordered name and browse indexes are walked only where a statement needs their order
    (SQLite, without statistics, preferred the ``type`` index and sorted: 50 ms). On
    PostgreSQL, also no parallel workers (their start costs more than these statements,
    and they would make "the first matches" differ from run to run, and so the pages), and
    no JIT (the disabled plans' costs would trigger it). The settings last for this
    transaction or savepoint and are restored afterwards.
    """

    def __init__(self, cur: Any) -> None:
        self.cur = cur
        self.pg = connection.vendor == "postgresql"
        self.mode = ""

    def _set(self, mode: str) -> None:
        if self.pg and mode != self.mode:
            self.cur.execute(
                "SELECT set_config('enable_indexscan', %s, true), "
                "set_config('enable_seqscan', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true), "
                "set_config('jit', 'off', true)",
                ["on" if mode == "in_order" else "off"],
            )
        self.mode = mode

    def matching(self) -> None:
        """Before a statement that reads matches in any order."""
        self._set("matching")

    def in_order(self, index: str) -> str:
        """Before a statement that walks ``index`` in its order: its FROM clause."""
        self._set("in_order")
        if connection.vendor == "sqlite":
            return f"catalog_searchentry e INDEXED BY {index}"
        return _ENTRIES

    @classmethod
    @contextmanager
    def around(cls, cur: Any) -> Iterator[_Planner]:
        planner = cls(cur)
        if not planner.pg:
            yield planner
            return
        names = ("enable_indexscan", "enable_seqscan", "max_parallel_workers_per_gather", "jit")
        with transaction.atomic():
            cur.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
            before = cur.fetchone()
            yield planner
            cur.execute(
                "SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in names), before
            )


def _ids(cur: Any, sql: str, params: list[Any]) -> list[int]:
    cur.execute(sql, params)
    return [row[0] for row in cur.fetchall()]


_FACET_COLUMNS = ("type", "source_name", "tags", "classifications")


def _ranked(
    planner: _Planner,
    text: _Text | None,
    scope: _Clause,
    *,
    end: int,
    read: int,
    with_facets: bool,
) -> tuple[list[int], int, dict[str, dict[str, int]]]:
    """Ids of the first ``end`` results in order, the matches counted up to ``read + 1``, and
    (if asked) facet counts over the first ``read`` matches."""
    if text is None:  # no query: everything in scope, shortest paths first
        from_sql, where, columns = _ENTRIES, scope, _Clause("e.id, e.fqn")
        tier, key = _Clause("0"), _Clause("length(t.fqn), t.id")
    else:
        from_sql, match = text.matches()
        where, columns, tier = _and(scope, match), text.columns(), text.tier("m")
        relevance = text.relevance("t")
        key = _Clause(
            f"CASE WHEN t.tier = 1 THEN {text.lname('t')} END, "
            f"CASE WHEN t.tier = 2 THEN {relevance.sql} END DESC, length(t.fqn), t.id",
            relevance.params,
        )
    extra = "".join(f", e.{c}" for c in _FACET_COLUMNS) if with_facets else ""
    facet_out = "".join(f", t.{c}" for c in _FACET_COLUMNS) if with_facets else ""
    # One statement: the first ``read + 1`` matches, their count, and the first ``end`` of
    # each tier in order (every match read, for facets). Tiers are ordered separately so
    # that, when there are more matches, the third can still be used while the first two
    # come from the name index.
    cur = planner.cur
    planner.matching()
    cur.execute(
        f"WITH m AS MATERIALIZED (SELECT {columns.sql}{extra} FROM {from_sql} WHERE {where.sql} "
        "LIMIT %s) SELECT * FROM ("
        f"SELECT t.id, t.tier, count(*) OVER () AS total, "
        f"row_number() OVER (PARTITION BY t.tier ORDER BY {key.sql}) AS pos{facet_out} "
        f"FROM (SELECT m.*, {tier.sql} AS tier FROM m) t"
        ") s WHERE pos <= %s ORDER BY tier, pos",
        [
            *columns.params,
            *where.params,
            read + 1,
            *key.params,
            *tier.params,
            read + 1 if with_facets else max(end, 1),
        ],
    )
    rows = cur.fetchall()
    total = int(rows[0][2]) if rows else 0
    facets = _facets([row[4:] for row in rows[:read]]) if with_facets and rows else {}
    ranked = [row[0] for row in rows if row[3] <= end]
    if total <= read:
        return ranked, total, facets
    if text is None:
        entries = planner.in_order("catalog_searchentry_browse")
        return (
            _ids(
                cur,
                f"SELECT e.id FROM {entries} WHERE {scope.sql} "
                "ORDER BY length(e.fqn), e.id LIMIT %s",
                [*scope.params, end],
            ),
            total,
            facets,
        )
    # More matches than read: exact and prefix names from the name index, in order.
    entries = planner.in_order("catalog_searchentry_lname")
    where = _and(scope, text.exact())
    ids = _ids(
        cur,
        f"SELECT e.id FROM {entries} WHERE {where.sql} ORDER BY length(e.fqn), e.id LIMIT %s",
        [*where.params, end],
    )
    longer = text.longer_names()
    if len(ids) < end and longer:
        where = _and(scope, longer)
        ids += _ids(
            cur,
            f"SELECT e.id FROM {entries} WHERE {where.sql} "
            f"ORDER BY {text.lname()}, length(e.fqn), e.id LIMIT %s",
            [*where.params, end - len(ids)],
        )
    third = [row[0] for row in rows if row[1] == 2 and row[3] <= end]
    return ids + third, total, facets


def _facets(rows: list[tuple[Any, ...]]) -> dict[str, dict[str, int]]:
    """Facet counts (top 20 of each) over (type, source_name, tags, classifications) rows."""
    counters: dict[str, Counter[str]] = {
        name: Counter() for name in ("type", "source_name", "tag", "classification")
    }
    for type_, source_name, tags_text, classes_text in rows:
        counters["type"][type_] += 1
        if source_name:
            counters["source_name"][source_name] += 1
        counters["tag"].update(t for t in (tags_text or "").split("|") if t)
        counters["classification"].update(c for c in (classes_text or "").split("|") if c)
    return {name: dict(c.most_common(20)) for name, c in counters.items()}


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
    """Ranked, permission-filtered search. ``type`` accepts a comma-separated list.

    Order: names equal to ``q`` (shortest path first), then names starting with ``q``
    (alphabetically), then other matches by relevance. Without ``q``: every entry the
    filters allow, shortest path first. Only the first ``MAX_RESULTS`` are served.
    """
    backend = _backend()
    restriction = _restriction(user)
    if restriction is None:
        return SearchResult(total=0, entries=[])
    # NUL occurs in no name (PostgreSQL refuses it in any text parameter).
    if any("\0" in v for v in (type, tag, owner, source, classification) if v):
        return SearchResult(total=0, entries=[])
    q = q.replace("\0", " ")
    filters: list[_Clause | None] = [restriction]
    types = [t.strip() for t in (type or "").split(",") if t.strip()]
    if types:
        filters.append(_Clause("e.type IN (" + ",".join(["%s"] * len(types)) + ")", types))
    for column, value in (("tags", tag), ("owners", owner), ("classifications", classification)):
        if value:
            filters.append(_listed(backend, column, value))
    if source:
        filters.append(_Clause("e.source_name = %s", [source]))
    scope = _and(*filters)
    needle = q.lower().strip()
    tokens = _TOKEN.findall(needle)[:12]
    text = _Text(backend, needle, tokens) if tokens else None
    end = min(offset + limit, MAX_RESULTS)
    read = max(TOTAL_CAP, end)  # a page further down reads (and counts) further
    with connection.cursor() as cur, _Planner.around(cur) as planner:
        ids, total, facets = _ranked(
            planner, text, scope, end=end, read=read, with_facets=with_facets
        )
    page = ids[offset:end]
    by_id = {
        e.id: e for e in SearchEntry.objects.filter(id__in=page).select_related("asset", "term")
    }
    return SearchResult(
        total=min(total, read),
        entries=[by_id[i] for i in page if i in by_id],
        facets=facets,
        total_is_lower_bound=total > read,
    )


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

"""Column-level SQL lineage engine (pure: no Django).

``analyze(sql, dialect, schema)`` returns a ``LineageResult``: tables read and written,
column edges ``source -> target`` with a transform kind and a confidence, per statement
and for the whole script. ``to_contract`` renders it as the ``lineage_parse`` JSON object.

Conventions:

* **FQNs** — ``db.schema.table.column``, as qualified as the SQL, the default
  catalog/schema and the schema allow; unquoted names lowercased, quoted mixed-case names
  kept (see ``names``); a part containing a dot is double-quoted.
* **Plain SELECT** — its outputs have no table: an edge's target is the bare output name
  (e.g. ``total``). Consumers storing a graph can skip ``kind == "select"`` statements.
* **Files** — COPY/UNLOAD/``INSERT OVERWRITE DIRECTORY`` locations and DuckDB file
  scans are one-part pseudo-tables: URIs as written (``"s3://bucket/x.csv"``), Snowflake
  stages as written (``@stage/path``), local paths prefixed ``file:``
  (``"file:/tmp/x.csv"``); quoted like any part containing a dot. ``STDIN``/``STDOUT``
  are not reported.
* **Unknown columns** — ``*`` as a column name stands for "all columns, unknown" (a
  ``SELECT *`` over a table without schema): ``db.t.* -> db.target.*``, confidence 0.5,
  with a warning.
* **Transforms** — ``identity`` (copied; aliases and casts included), ``expression``,
  ``case``, ``window``, ``hash``, ``aggregate`` (sum/avg/min/max/...), ``count``; see
  ``transforms`` for the exact function lists and ``model`` for how kinds compose.
* **Filters and join keys** — a column that decides which rows reach the target (WHERE,
  HAVING, QUALIFY, MERGE WHEN conditions anywhere in the statement's query, CTEs and
  subqueries included) gets a ``filter`` edge, one that decides which rows meet (JOIN
  ON/USING, MERGE ON) a ``join_key`` edge, **to every target column of the statement**.
  Their confidence is the resolution confidence, like value edges; no value flows
  through them, so value propagation (PII) must ignore them. When a value edge links
  the same two columns, only the value edge is kept.
* **Confidence** — 1.0 when resolved without guessing; lower when guessed (see
  ``resolve``). INSERT without a column list into a table of unknown columns maps the
  query's outputs by name with confidence at most 0.6.
* **Scripts** — see ``engine``: temp tables are resolved through, created-then-read
  tables are not sources, renames move lineage.
* **UPDATE/MERGE/DELETE** — the target table is not listed as read; its columns used in
  assignments do give edges (``t.a -> t.b``); self-edges are dropped.
* **Routines** — ``CREATE FUNCTION/PROCEDURE`` reads and writes nothing (the body runs
  later, when called).
"""

from lineage.sql.contract import to_contract
from lineage.sql.engine import analyze, clear_cache
from lineage.sql.model import ColumnEdge, LineageResult, StatementResult
from lineage.sql.schema import SchemaIndex

__all__ = [
    "ColumnEdge",
    "LineageResult",
    "SchemaIndex",
    "StatementResult",
    "analyze",
    "clear_cache",
    "to_contract",
]

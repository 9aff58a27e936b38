"""OpenLineage RunEvents (``POST /api/v1/lineage``, Marquez-compatible).

Validation: an event is a JSON object with ``eventTime`` (ISO 8601), ``run.runId``,
``job.namespace`` and ``job.name`` (strings), optional ``eventType``
(START/RUNNING/COMPLETE/ABORT/FAIL/OTHER), and ``inputs``/``outputs`` lists of datasets
``{"namespace", "name", "facets"?}``. Anything else is a 400 with the path of the problem.

Dataset -> catalog (first rule that applies):

1. ``namespace`` is the name of a registered source: ``name`` is resolved inside it like
   a table name in SQL (``db.schema.table``, ``schema.table`` or ``table``; the source's
   defaults fill the rest).
2. ``namespace`` is a database URI — ``postgres://host:port``, ``mysql://host:port``
   (also ``postgresql``/``mariadb``), ``sqlite:///path/file.db`` or ``sqlite:file.db`` —
   and a registered source of that kind points to the same host and port (for SQLite:
   the same file name): for PostgreSQL the first part of ``name`` (``db.schema.table``)
   selects the source whose database it is; for MySQL ``name`` is ``database.table``
   (Custos' FQN ``source.default.database.table``).
3. Otherwise the dataset is an external node named ``namespace/name`` (files,
   ``s3://bucket/key``, ``kafka://...``, uncatalogued databases) — kept, not dropped.

Column lineage: the ``columnLineage`` facet of each output (``fields.<col>.inputFields
[{namespace, name, field, transformations?}]``). Transformation type/subtype map to
Custos kinds: DIRECT/IDENTITY -> identity, DIRECT/TRANSFORMATION -> expression (``hash``
when ``masking`` is true), DIRECT/AGGREGATION -> aggregate, INDIRECT/JOIN -> join_key,
INDIRECT/FILTER and GROUP_BY -> filter, INDIRECT/SORT and WINDOW -> window,
INDIRECT/CONDITIONAL -> case; the older ``transformationType`` IDENTITY/MASKED map to
identity/hash; no information -> expression. Without the facet every input feeds every
output at table level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from django.utils.dateparse import parse_datetime

from catalog.ingest.snapshot import make_fqn, split_fqn
from catalog.models import Source, SourceKind
from custos.errors import ValidationFailed
from lineage.specs import EdgeSpec

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
MAX_DATASETS = 1000
MAX_FIELDS = 5000


@dataclass
class Dataset:
    namespace: str
    name: str
    column_lineage: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class RunEvent:
    event_type: str
    event_time: datetime | None
    run_id: str
    job_namespace: str
    job_name: str
    producer: str
    sql: str
    inputs: list[Dataset]
    outputs: list[Dataset]


def _bad(message: str, path: str) -> ValidationFailed:
    return ValidationFailed(f"Malformed OpenLineage event: {message}", details={"path": path})


def _str(obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(f"{path}.{key} must be a non-empty string", f"{path}.{key}")
    if len(value) > 1000:
        raise _bad(f"{path}.{key} is longer than 1000 characters", f"{path}.{key}")
    return value


def _obj(value: Any, path: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"{path} must be an object", path)
    return value


def _datasets(value: Any, path: str, *, outputs: bool) -> list[Dataset]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"{path} must be a list", path)
    if len(value) > MAX_DATASETS:
        raise _bad(f"{path} has more than {MAX_DATASETS} datasets", path)
    out = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        obj = _obj(item, where)
        dataset = Dataset(_str(obj, "namespace", where), _str(obj, "name", where))
        facets = _obj(obj.get("facets"), f"{where}.facets", required=False)
        if outputs and facets.get("columnLineage") is not None:
            dataset.column_lineage = _column_lineage(
                facets["columnLineage"], f"{where}.facets.columnLineage"
            )
        out.append(dataset)
    return out


def _column_lineage(value: Any, path: str) -> dict[str, list[dict[str, Any]]]:
    facet = _obj(value, path)
    fields = _obj(facet.get("fields"), f"{path}.fields")
    if len(fields) > MAX_FIELDS:
        raise _bad(f"{path}.fields has more than {MAX_FIELDS} columns", f"{path}.fields")
    out: dict[str, list[dict[str, Any]]] = {}
    for column, spec in fields.items():
        where = f"{path}.fields.{column}"
        spec_obj = _obj(spec, where)
        inputs = spec_obj.get("inputFields")
        if not isinstance(inputs, list):
            raise _bad(f"{where}.inputFields must be a list", f"{where}.inputFields")
        parsed = []
        for j, item in enumerate(inputs):
            at = f"{where}.inputFields[{j}]"
            obj = _obj(item, at)
            transformations = obj.get("transformations")
            if transformations is not None and not isinstance(transformations, list):
                raise _bad(f"{at}.transformations must be a list", f"{at}.transformations")
            parsed.append(
                {
                    "namespace": _str(obj, "namespace", at),
                    "name": _str(obj, "name", at),
                    "field": _str(obj, "field", at),
                    "kind": _kind(
                        transformations or [],
                        spec_obj.get("transformationType"),
                    ),
                }
            )
        out[str(column)] = parsed
    return out


_SUBTYPES = {
    ("DIRECT", "IDENTITY"): "identity",
    ("DIRECT", "TRANSFORMATION"): "expression",
    ("DIRECT", "AGGREGATION"): "aggregate",
    ("INDIRECT", "JOIN"): "join_key",
    ("INDIRECT", "FILTER"): "filter",
    ("INDIRECT", "GROUP_BY"): "filter",
    ("INDIRECT", "SORT"): "window",
    ("INDIRECT", "WINDOW"): "window",
    ("INDIRECT", "CONDITIONAL"): "case",
}


def _kind(transformations: list[Any], legacy: Any) -> str:
    """The Custos kind of one input field (the weakest of its transformations)."""
    from lineage.sql.model import parallel

    kinds = []
    for item in transformations:
        if not isinstance(item, dict):
            continue
        type_, subtype = str(item.get("type", "")).upper(), str(item.get("subtype", "")).upper()
        kind = _SUBTYPES.get((type_, subtype)) or ("filter" if type_ == "INDIRECT" else None)
        kind = kind or "expression"
        if item.get("masking") is True and kind in ("identity", "expression"):
            kind = "hash"
        kinds.append(kind)
    if not kinds:
        legacy_kind = str(legacy or "").upper()
        return {"IDENTITY": "identity", "MASKED": "hash"}.get(legacy_kind, "expression")
    result = kinds[0]
    for kind in kinds[1:]:
        result = parallel(result, kind)
    return result


def parse_event(data: Any) -> RunEvent:
    """Validate a RunEvent; raises ``ValidationFailed`` (400) naming the bad field."""
    event = _obj(data, "event")
    event_type = _str(event, "eventType", "event", required=False).upper()
    if event_type and event_type not in EVENT_TYPES:
        raise _bad(f"eventType must be one of {', '.join(EVENT_TYPES)}", "event.eventType")
    raw_time = _str(event, "eventTime", "event")
    try:
        event_time = parse_datetime(raw_time)
    except ValueError:
        event_time = None
    if event_time is None:
        raise _bad("eventTime must be an ISO 8601 date-time", "event.eventTime")
    run = _obj(event.get("run"), "event.run")
    job = _obj(event.get("job"), "event.job")
    job_facets = _obj(job.get("facets"), "event.job.facets", required=False)
    sql_facet = job_facets.get("sql")
    sql = sql_facet.get("query", "") if isinstance(sql_facet, dict) else ""
    return RunEvent(
        event_type=event_type or "OTHER",
        event_time=event_time,
        run_id=_str(run, "runId", "event.run"),
        job_namespace=_str(job, "namespace", "event.job"),
        job_name=_str(job, "name", "event.job"),
        producer=_str(event, "producer", "event", required=False),
        sql=sql if isinstance(sql, str) else "",
        inputs=_datasets(event.get("inputs"), "event.inputs", outputs=False),
        outputs=_datasets(event.get("outputs"), "event.outputs", outputs=True),
    )


_SCHEMES = {
    "postgres": SourceKind.POSTGRESQL,
    "postgresql": SourceKind.POSTGRESQL,
    "mysql": SourceKind.MYSQL,
    "mariadb": SourceKind.MYSQL,
    "sqlite": SourceKind.SQLITE,
}


class DatasetMapper:
    """Maps (namespace, name) to catalog FQNs, caching sources and their catalogs."""

    def __init__(self) -> None:
        self._catalogs: dict[int, Any] = {}
        self._sources: dict[str, list[Source]] = {}
        self.used: set[int] = set()

    def _catalog(self, source: Source) -> Any:
        from lineage.resolve import SourceCatalog

        if source.pk not in self._catalogs:
            self._catalogs[source.pk] = SourceCatalog(source)
        return self._catalogs[source.pk]

    def _candidates(self, namespace: str) -> list[Source]:
        if namespace in self._sources:
            return self._sources[namespace]
        by_name = Source.objects.filter(name=namespace).first()
        found: list[Source] = [by_name] if by_name else []
        if not found:
            found = _sources_at(namespace)
        self._sources[namespace] = found
        return found

    def table(self, namespace: str, name: str) -> str:
        """Catalog FQN of a dataset's table, or its external name ``namespace/name``."""
        for source in self._pick(namespace, name):
            catalog = self._catalog(source)
            table = catalog.find_table(split_fqn(name))
            if table is not None:
                self.used.add(source.pk)
                return str(table.fqn)
        return make_fqn(f"{namespace.rstrip('/')}/{name}")

    def column(self, namespace: str, name: str, field_name: str) -> str:
        table = self.table(namespace, name)
        for source in self._pick(namespace, name):
            hit = self._catalog(source).by_fqn.get(table)
            if hit is not None:
                return hit.column(field_name) or f"{table}.{make_fqn(field_name)}"
        return f"{table}.{make_fqn(field_name)}"

    def _pick(self, namespace: str, name: str) -> list[Source]:
        sources = self._candidates(namespace)
        if len(sources) <= 1:
            return sources
        first = split_fqn(name)[0].lower()
        preferred = [s for s in sources if self._catalog(s).default_catalog == first]
        return preferred or sources

    def single_source(self) -> Source | None:
        if len(self.used) != 1:
            return None
        return Source.objects.filter(pk=next(iter(self.used))).first()


def _sources_at(namespace: str) -> list[Source]:
    """Registered sources whose DSN points where a database-URI namespace points."""
    from sqlalchemy.engine import make_url

    from catalog.services import source_dsn

    parsed = urlparse(namespace)
    kind = _SCHEMES.get(parsed.scheme.lower())
    if kind is None:
        return []
    out = []
    for source in Source.objects.filter(kind=kind):
        try:
            url = make_url(source_dsn(source))
        except Exception:  # noqa: S112 - an unreadable DSN just does not match
            continue
        if kind == SourceKind.SQLITE:
            wanted = (parsed.path or parsed.netloc or namespace.split(":", 1)[-1]).rsplit("/", 1)[
                -1
            ]
            if url.database and url.database.rsplit("/", 1)[-1] == wanted:
                out.append(source)
            continue
        default_port = 5432 if kind == SourceKind.POSTGRESQL else 3306
        host = (url.host or "localhost").lower()
        same_host = host == (parsed.hostname or "").lower() or {
            host,
            (parsed.hostname or "").lower(),
        } <= {"localhost", "127.0.0.1", "::1"}
        if same_host and (url.port or default_port) == (parsed.port or default_port):
            out.append(source)
    return out


def edges_of(event: RunEvent, mapper: DatasetMapper) -> list[EdgeSpec]:
    edges: dict[tuple[str, str, str | None], None] = {}
    inputs = [mapper.table(d.namespace, d.name) for d in event.inputs]
    for output in event.outputs:
        target = mapper.table(output.namespace, output.name)
        for source in inputs:
            if source != target:
                edges[(source, target, None)] = None
        for column, fields in output.column_lineage.items():
            target_column = mapper.column(output.namespace, output.name, column)
            for item in fields:
                source_column = mapper.column(item["namespace"], item["name"], item["field"])
                edges[(source_column, target_column, item["kind"])] = None
    return [EdgeSpec(s, t, kind, 1.0) for (s, t, kind) in edges]

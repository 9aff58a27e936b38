"""OpenMetadata entity shapes, as plain dicts (pure: no Django, no openmetadata-ingestion).

The web process must never import openmetadata-ingestion, so the few things Custos needs to
know about OpenMetadata's JSON are written down here: which entity kinds exist, how their FQNs
are built, which fields an entity may carry (OpenMetadata's pydantic models forbid extra
fields), how a create request becomes an entity, and how a table entity becomes a
:class:`~catalog.ingest.snapshot.TableSnap`. ``tests/om`` checks these shapes against the real
pydantic models in ``.venv-ingest``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from catalog.ingest.snapshot import ColumnSnap, ForeignKeyRef, TableSnap, make_fqn, split_fqn

SERVER_VERSION = "2.0.7"  # major.minor must match the 2.0.x client

# Namespace of Custos' deterministic OpenMetadata ids: uuid5(NS, "<kind>:<fqn>"), so the same
# asset always has the same id whether it was staged, committed or rendered from the catalog.
ID_NAMESPACE = uuid.UUID("6f1e0c52-6a3e-4f0b-9d0e-6d2b8f9a4c11")


class EntityError(ValueError):
    """A malformed entity: the message says which field and why (shown to the client)."""


@dataclass(frozen=True)
class Kind:
    """One OpenMetadata entity kind: its collection path, reference type and fields."""

    name: str  # entity type as used in EntityReference.type
    collection: str  # URL path under /v1/
    required: tuple[str, ...]  # required fields of the create request
    parent_field: str | None  # create field holding the parent's FQN
    parent_kind: str | None
    fields: frozenset[str]  # fields the entity model accepts


def _fields(*names: str) -> frozenset[str]:
    return frozenset(names)


_COMMON = (
    "id",
    "name",
    "fullyQualifiedName",
    "displayName",
    "description",
    "version",
    "updatedAt",
    "updatedBy",
    "href",
    "deleted",
    "owners",
    "changeDescription",
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "databaseService",
            "services/databaseServices",
            ("name", "serviceType"),
            None,
            None,
            _fields(*_COMMON, "serviceType", "connection", "tags", "pipelines", "followers"),
        ),
        Kind(
            "database",
            "databases",
            ("name", "service"),
            "service",
            "databaseService",
            _fields(
                *_COMMON,
                "service",
                "serviceType",
                "tags",
                "default",
                "retentionPeriod",
                "extension",
                "sourceUrl",
                "sourceHash",
                "lifeCycle",
            ),
        ),
        Kind(
            "databaseSchema",
            "databaseSchemas",
            ("name", "database"),
            "database",
            "database",
            _fields(
                *_COMMON,
                "service",
                "serviceType",
                "database",
                "tags",
                "retentionPeriod",
                "extension",
                "sourceUrl",
                "sourceHash",
                "lifeCycle",
            ),
        ),
        Kind(
            "table",
            "tables",
            ("name", "columns", "databaseSchema"),
            "databaseSchema",
            "databaseSchema",
            _fields(
                *_COMMON,
                "service",
                "serviceType",
                "database",
                "databaseSchema",
                "tableType",
                "columns",
                "tableConstraints",
                "tablePartition",
                "schemaDefinition",
                "tags",
                "aliases",
                "dataModel",
                "locationPath",
                "tableProfilerConfig",
                "retentionPeriod",
                "extension",
                "sourceUrl",
                "fileFormat",
                "lifeCycle",
                "sourceHash",
                "processedLineage",
            ),
        ),
        Kind(
            "storedProcedure",
            "storedProcedures",
            ("name", "storedProcedureCode"),
            "databaseSchema",
            "databaseSchema",
            _fields(
                *_COMMON,
                "service",
                "serviceType",
                "database",
                "databaseSchema",
                "storedProcedureCode",
                "storedProcedureType",
                "tags",
                "extension",
                "sourceUrl",
                "lifeCycle",
                "sourceHash",
                "processedLineage",
            ),
        ),
        Kind(
            "classification",
            "classifications",
            ("name", "description"),
            None,
            None,
            _fields(*_COMMON, "provider", "mutuallyExclusive", "disabled", "termCount"),
        ),
        Kind(
            "tag",
            "tags",
            ("name", "description"),
            "classification",
            "classification",
            _fields(
                *_COMMON,
                "classification",
                "parent",
                "style",
                "provider",
                "mutuallyExclusive",
                "deprecated",
                "disabled",
            ),
        ),
        Kind(
            "glossary",
            "glossaries",
            ("name", "description"),
            None,
            None,
            _fields(*_COMMON, "tags", "provider", "mutuallyExclusive", "termCount", "reviewers"),
        ),
        Kind(
            "glossaryTerm",
            "glossaryTerms",
            ("glossary", "name", "description"),
            "glossary",
            "glossary",
            _fields(
                *_COMMON,
                "glossary",
                "parent",
                "synonyms",
                "relatedTerms",
                "references",
                "tags",
                "entityStatus",
                "provider",
                "mutuallyExclusive",
                "style",
            ),
        ),
    )
}
BY_COLLECTION = {k.collection: k for k in KINDS.values()}

COLUMN_FIELDS = frozenset(
    {
        "name",
        "displayName",
        "dataType",
        "arrayDataType",
        "dataLength",
        "precision",
        "scale",
        "dataTypeDisplay",
        "description",
        "fullyQualifiedName",
        "tags",
        "constraint",
        "ordinalPosition",
        "jsonSchema",
        "children",
        "profile",
        "customMetrics",
        "extension",
    }
)
VIEW_TYPES = {"View", "MaterializedView", "SecureView"}
REF_FIELDS = ("id", "type", "name", "fullyQualifiedName", "displayName", "deleted")


def entity_id(kind: str, fqn: str) -> str:
    """Deterministic id of an entity (stable across staging, commit and re-ingestion)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{fqn}"))


def entity_fqn(kind: str, body: dict[str, Any]) -> str:
    """The FQN OpenMetadata gives the entity a create request describes."""
    spec = KINDS[kind]
    name = body["name"]
    if kind == "tag":
        parent = body.get("parent") or body.get("classification")
        if not parent:
            raise EntityError("classification: a tag needs a classification or a parent")
        return _ref_fqn(parent) + "." + make_fqn(name)
    if kind == "glossaryTerm" and body.get("parent"):
        return _ref_fqn(body["parent"]) + "." + make_fqn(name)
    if spec.parent_field is None:
        return make_fqn(name)
    parent = body.get(spec.parent_field)
    if not parent:
        raise EntityError(f"{spec.parent_field}: field required")
    return _ref_fqn(parent) + "." + make_fqn(name)


def _ref_fqn(value: Any) -> str:
    """Create requests name parents by FQN string; entities by EntityReference."""
    if isinstance(value, dict):
        return str(value.get("fullyQualifiedName") or value.get("name") or "")
    return str(value)


def reference(kind: str, fqn: str, *, deleted: bool = False) -> dict[str, Any]:
    return {
        "id": entity_id(kind, fqn),
        "type": kind,
        "name": split_fqn(fqn)[-1],
        "fullyQualifiedName": fqn,
        "deleted": deleted,
    }


# -- validation ---------------------------------------------------------------------------


def _check_type(path: str, value: Any, expected: type | tuple[type, ...], label: str) -> None:
    if not isinstance(value, expected) or (
        isinstance(value, bool)
        and bool not in (expected if isinstance(expected, tuple) else (expected,))
    ):
        raise EntityError(f"{path}: {label} expected, got {type(value).__name__}")


def _check_name(path: str, value: Any) -> None:
    _check_type(path, value, str, "string")
    if not value or len(value) > 256:
        raise EntityError(f"{path}: must be 1-256 characters")


def _check_tags(path: str, tags: Any) -> None:
    if tags is None:
        return
    _check_type(path, tags, list, "list")
    for i, tag in enumerate(tags):
        _check_type(f"{path}[{i}]", tag, dict, "object")
        if not isinstance(tag.get("tagFQN"), str) or not tag["tagFQN"]:
            raise EntityError(f"{path}[{i}].tagFQN: field required")


def _check_columns(path: str, columns: Any, depth: int = 0) -> None:
    _check_type(path, columns, list, "list")
    if depth > 20:
        raise EntityError(f"{path}: nested too deeply")
    seen: set[str] = set()
    for i, col in enumerate(columns):
        where = f"{path}[{i}]"
        _check_type(where, col, dict, "object")
        unknown = set(col) - COLUMN_FIELDS
        if unknown:
            raise EntityError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        _check_name(f"{where}.name", col.get("name"))
        if col["name"] in seen:
            raise EntityError(f"{where}.name: duplicate column {col['name']!r}")
        seen.add(col["name"])
        if not isinstance(col.get("dataType"), str) or not col["dataType"]:
            raise EntityError(f"{where}.dataType: field required")
        for key in ("dataLength", "precision", "scale", "ordinalPosition"):
            if col.get(key) is not None:
                _check_type(f"{where}.{key}", col[key], int, "integer")
        for key in ("description", "dataTypeDisplay", "constraint"):
            if col.get(key) is not None:
                _check_type(f"{where}.{key}", col[key], str, "string")
        _check_tags(f"{where}.tags", col.get("tags"))
        if col.get("children"):
            _check_columns(f"{where}.children", col["children"], depth + 1)


def validate_create(kind: str, body: Any) -> dict[str, Any]:
    """Check a create request's required fields and the shapes Custos relies on."""
    spec = KINDS[kind]
    if not isinstance(body, dict):
        raise EntityError(f"request body: a JSON object expected for a {kind}")
    for field in spec.required:
        if body.get(field) is None:
            raise EntityError(f"{field}: field required")
    _check_name("name", body["name"])
    if "description" in body and body["description"] is not None:
        _check_type("description", body["description"], str, "string")
    if spec.parent_field and spec.parent_field in body and body[spec.parent_field] is not None:
        parent = body[spec.parent_field]
        if not isinstance(parent, str | dict):
            raise EntityError(f"{spec.parent_field}: FQN string expected")
    _check_tags("tags", body.get("tags"))
    if kind == "table":
        _check_columns("columns", body["columns"])
        constraints = body.get("tableConstraints")
        if constraints is not None:
            _check_type("tableConstraints", constraints, list, "list")
            for i, c in enumerate(constraints):
                _check_type(f"tableConstraints[{i}]", c, dict, "object")
                _check_type(f"tableConstraints[{i}].columns", c.get("columns", []), list, "list")
        for key in ("schemaDefinition", "tableType", "sourceHash"):
            if body.get(key) is not None:
                _check_type(key, body[key], str, "string")
    if kind == "databaseService" and not isinstance(body.get("serviceType"), str):
        raise EntityError("serviceType: string expected")
    return body


# -- create request -> entity ----------------------------------------------------------------


def _with_column_fqns(table_fqn: str, columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for col in columns:
        c = {k: v for k, v in col.items() if k in COLUMN_FIELDS}
        c["fullyQualifiedName"] = table_fqn + "." + make_fqn(col["name"])
        if c.get("children"):
            c["children"] = _with_column_fqns(c["fullyQualifiedName"], c["children"])
        out.append(c)
    return out


def build_entity(
    kind: str,
    body: dict[str, Any],
    *,
    service_type: str | None,
    updated_by: str,
    updated_at: int,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The entity OpenMetadata would return for the create request ``body``."""
    spec = KINDS[kind]
    fqn = entity_fqn(kind, body)
    entity: dict[str, Any] = {
        k: v
        for k, v in body.items()
        if k in spec.fields
        and v is not None
        and k
        not in (
            "service",
            "database",
            "databaseSchema",
            "classification",
            "parent",
            "glossary",
            "owners",
            "relatedTerms",
            "domains",
        )
    }
    version = 0.1
    if previous is not None:
        version = round(float(previous.get("version") or 0.1) + 0.1, 1)
    entity.update(
        id=entity_id(kind, fqn),
        name=body["name"],
        fullyQualifiedName=fqn,
        version=version,
        updatedAt=updated_at,
        updatedBy=updated_by,
        deleted=False,
    )
    parts = split_fqn(fqn)
    if kind in ("database", "databaseSchema", "table", "storedProcedure"):
        entity["service"] = reference("databaseService", make_fqn(parts[0]))
        if service_type:
            entity["serviceType"] = service_type
    if kind in ("databaseSchema", "table", "storedProcedure"):
        entity["database"] = reference("database", make_fqn(*parts[:2]))
    if kind in ("table", "storedProcedure"):
        entity["databaseSchema"] = reference("databaseSchema", make_fqn(*parts[:3]))
    if kind == "table":
        entity["columns"] = _with_column_fqns(fqn, body["columns"])
        entity.setdefault("tableType", "Regular")
    if kind == "tag":
        entity["classification"] = reference("classification", make_fqn(parts[0]))
        if body.get("parent"):
            entity["parent"] = reference("tag", _ref_fqn(body["parent"]))
    if kind == "glossaryTerm":
        entity["glossary"] = reference("glossary", make_fqn(parts[0]))
        if body.get("parent"):
            entity["parent"] = reference("glossaryTerm", _ref_fqn(body["parent"]))
    if kind in ("classification", "tag", "glossary", "glossaryTerm"):
        entity.setdefault("description", "")
    return entity


def clean_entity(kind: str, entity: dict[str, Any]) -> dict[str, Any]:
    """Drop fields the entity model does not accept (after a JSON Patch, for instance)."""
    spec = KINDS[kind]
    out = {k: v for k, v in entity.items() if k in spec.fields}
    if kind == "table" and isinstance(out.get("columns"), list):
        out["columns"] = [
            {k: v for k, v in c.items() if k in COLUMN_FIELDS}
            for c in out["columns"]
            if isinstance(c, dict)
        ]
    return out


# -- table entity -> snapshot ------------------------------------------------------------------


def column_type(col: dict[str, Any]) -> str:
    """The column type as Custos shows it (the source's own spelling when OpenMetadata has it)."""
    display = col.get("dataTypeDisplay")
    if display:
        return str(display).lower()
    base = str(col.get("dataType", "")).lower()
    if col.get("dataLength") and base in ("varchar", "char", "binary", "varbinary"):
        return f"{base}({col['dataLength']})"
    return base


def table_snap(
    entity: dict[str, Any],
    row_count: int | None = None,
    known_nullable: dict[str, bool | None] | None = None,
) -> TableSnap:
    """A :class:`TableSnap` of an OpenMetadata table entity (constraints included).

    OpenMetadata keeps one ``constraint`` per column, so a UNIQUE column does not say whether
    it is NOT NULL: ``known_nullable`` (what the catalog knew) fills that gap.
    """
    known_nullable = known_nullable or {}
    pk_cols: set[str] = set()
    fks: list[ForeignKeyRef] = []
    for c in entity.get("tableConstraints") or []:
        kind = c.get("constraintType")
        cols = [str(x) for x in c.get("columns") or []]
        if kind == "PRIMARY_KEY":
            pk_cols.update(cols)
        elif kind == "FOREIGN_KEY" and c.get("referredColumns"):
            refs = [split_fqn(str(r)) for r in c["referredColumns"]]
            if not refs or any(len(r) < 5 for r in refs):
                continue
            _, db, schema, table, _ = refs[0][-5:]
            fks.append(
                ForeignKeyRef(
                    columns=cols,
                    ref_database=db,
                    ref_schema=schema,
                    ref_table=table,
                    ref_columns=[r[-1] for r in refs],
                )
            )
    is_view = entity.get("tableType") in VIEW_TYPES
    snap = TableSnap(
        name=entity["name"],
        kind="view" if is_view else "table",
        comment=entity.get("description") or "",
        row_count=None if is_view else row_count,
        view_sql=(entity.get("schemaDefinition") or "") if is_view else "",
        foreign_keys=fks,
    )
    for pos, col in enumerate(entity.get("columns") or [], start=1):
        constraint = col.get("constraint")
        snap.columns.append(
            ColumnSnap(
                name=col["name"],
                data_type=column_type(col),
                nullable=_nullable(constraint, known_nullable.get(col["name"])),
                position=int(col.get("ordinalPosition") or pos),
                comment=col.get("description") or "",
                is_primary_key=constraint == "PRIMARY_KEY" or col["name"] in pk_cols,
            )
        )
    return snap


def _nullable(constraint: Any, known: bool | None) -> bool:
    if constraint == "UNIQUE":
        return True if known is None else known
    return constraint not in ("NOT_NULL", "PRIMARY_KEY")


def tag_labels(entity: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """(column name or None, TagLabel) for every tag on a table and its columns."""
    out: list[tuple[str | None, dict[str, Any]]] = [(None, t) for t in entity.get("tags") or []]
    for col in entity.get("columns") or []:
        out.extend((col["name"], t) for t in col.get("tags") or [])
    return out


def custos_tag_name(tag_fqn: str) -> str:
    """``PII.Sensitive`` -> ``pii-sensitive``; ``Custos.pii`` -> ``pii`` (Custos' own tags)."""
    parts = split_fqn(tag_fqn)
    if parts[0] == "Custos" and len(parts) == 2:
        parts = parts[1:]
    slug = "-".join(parts).lower()
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in slug).strip("-")
    return clean[:100] or "tag"


# -- JSON Patch (RFC 6902) -------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise EntityError(f"JSON Patch path {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for p in parts:
        if isinstance(doc, list):
            doc = doc[int(p)]
        elif isinstance(doc, dict):
            doc = doc[p]
        else:
            raise KeyError(p)
    return doc


def apply_json_patch(doc: Any, ops: Any) -> Any:
    """Apply JSON Patch ``ops`` to a copy of ``doc``; EntityError on a bad or failing op."""
    import copy

    if not isinstance(ops, list):
        raise EntityError("JSON Patch: a list of operations expected")
    doc = copy.deepcopy(doc)
    for i, op in enumerate(ops):
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise EntityError(f"JSON Patch[{i}]: 'op' and 'path' are required")
        try:
            doc = _apply_op(doc, op)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise EntityError(f"JSON Patch[{i}] {op['op']} {op['path']}: {exc!s}") from exc
    return doc


def _apply_op(doc: Any, op: dict[str, Any]) -> Any:
    name, parts = op["op"], _pointer(op["path"])
    if name == "test":
        if _walk(doc, parts) != op.get("value"):
            raise ValueError("test failed")
        return doc
    if name in ("move", "copy"):
        value = _walk(doc, _pointer(op["from"]))
        if name == "move":
            doc = _apply_op(doc, {"op": "remove", "path": op["from"]})
        import copy

        return _apply_op(doc, {"op": "add", "path": op["path"], "value": copy.deepcopy(value)})
    if not parts:
        if name in ("add", "replace"):
            return op.get("value")
        raise ValueError("cannot remove the document root")
    parent = _walk(doc, parts[:-1])
    key = parts[-1]
    if name == "add":
        if isinstance(parent, list):
            parent.insert(len(parent) if key == "-" else int(key), op.get("value"))
        else:
            parent[key] = op.get("value")
    elif name == "remove":
        if isinstance(parent, list):
            del parent[int(key)]
        else:
            del parent[key]
    elif name == "replace":
        if isinstance(parent, list):
            parent[int(key)] = op.get("value")
        else:
            if key not in parent:
                raise KeyError(key)
            parent[key] = op.get("value")
    else:
        raise ValueError(f"unknown op {name!r}")
    return doc


# -- Elasticsearch-shaped search ------------------------------------------------------------


def _lookup(doc: dict[str, Any], field: str) -> Any:
    if field.endswith(".keyword"):
        field = field[: -len(".keyword")]
    if field in doc:
        return doc[field]
    node: Any = doc
    for part in field.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def es_match(query: Any, doc: dict[str, Any]) -> bool:
    """Evaluate the subset of Elasticsearch's query DSL the ingestion client sends."""
    if not isinstance(query, dict) or not query:
        return True
    if "query" in query and len(query) == 1:
        return es_match(query["query"], doc)
    for name, arg in query.items():
        if name == "bool":
            must = _as_list(arg.get("must")) + _as_list(arg.get("filter"))
            if not all(es_match(q, doc) for q in must):
                return False
            should = _as_list(arg.get("should"))
            if should and not any(es_match(q, doc) for q in should):
                return False
            if any(es_match(q, doc) for q in _as_list(arg.get("must_not"))):
                return False
        elif name in ("term", "match", "match_phrase"):
            for field, value in arg.items():
                if isinstance(value, dict):
                    value = value.get("value", value.get("query"))
                if not _equal(_lookup(doc, field), value, exact=name == "term"):
                    return False
        elif name == "terms":
            for field, values in arg.items():
                if not any(_equal(_lookup(doc, field), v, exact=True) for v in values):
                    return False
        elif name == "exists":
            value = _lookup(doc, arg.get("field", ""))
            if value in (None, "", []):
                return False
        elif name in ("wildcard", "prefix"):
            for field, value in arg.items():
                if isinstance(value, dict):
                    value = value.get("value")
                pattern = str(value) + ("*" if name == "prefix" else "")
                if not fqn_matches(str(_lookup(doc, field) or ""), pattern):
                    return False
        elif name == "match_all":
            continue
        else:
            # unknown clause: do not silently widen or narrow; treat as "no constraint"
            continue
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _equal(actual: Any, expected: Any, *, exact: bool) -> bool:
    if isinstance(actual, list):
        return any(_equal(a, expected, exact=exact) for a in actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(actual) == bool(expected) if actual is not None else expected is False
    if actual is None:
        return False
    if exact:
        return str(actual) == str(expected) or str(actual).lower() == str(expected).lower()
    return str(expected).lower() in str(actual).lower()


def fqn_matches(fqn: str, pattern: str) -> bool:
    """Case-insensitive glob match of an FQN (``service.*.schema.table``)."""
    import fnmatch

    return fnmatch.fnmatchcase(fqn.lower(), pattern.lower().replace("[", "[[]"))


def search_document(entity: dict[str, Any]) -> dict[str, Any]:
    """The part of an entity the search index answers with (``_source``)."""
    doc: dict[str, Any] = {
        "id": entity.get("id"),
        "name": entity.get("name"),
        "fullyQualifiedName": entity.get("fullyQualifiedName"),
        "deleted": bool(entity.get("deleted", False)),
    }
    for key in ("tableType", "schemaDefinition", "description", "processedLineage", "entityType"):
        if entity.get(key) is not None:
            doc[key] = entity[key]
    for key in ("service", "database", "databaseSchema"):
        ref = entity.get(key)
        if isinstance(ref, dict):
            doc[key] = {
                "name": ref.get("name"),
                "fullyQualifiedName": ref.get("fullyQualifiedName"),
            }
    return doc


# -- catalog -> OpenMetadata rendering helpers ----------------------------------------------

DATA_TYPES = frozenset(
    [
        "NUMBER",
        "TINYINT",
        "SMALLINT",
        "INT",
        "BIGINT",
        "BYTEINT",
        "BYTES",
        "FLOAT",
        "DOUBLE",
        "DECIMAL",
        "NUMERIC",
        "TIMESTAMP",
        "TIMESTAMPZ",
        "TIME",
        "DATE",
        "DATETIME",
        "INTERVAL",
        "STRING",
        "MEDIUMTEXT",
        "TEXT",
        "CHAR",
        "LONG",
        "VARCHAR",
        "BOOLEAN",
        "BINARY",
        "VARBINARY",
        "ARRAY",
        "BLOB",
        "LONGBLOB",
        "MEDIUMBLOB",
        "MAP",
        "STRUCT",
        "UNION",
        "SET",
        "GEOGRAPHY",
        "ENUM",
        "JSON",
        "UUID",
        "VARIANT",
        "GEOMETRY",
        "BYTEA",
        "XML",
        "MACADDR",
        "TSVECTOR",
        "UNKNOWN",
        "CIDR",
        "INET",
        "CLOB",
        "YEAR",
        "POINT",
        "POLYGON",
        "BIT",
        "MONEY",
    ]
)
_TYPE_ALIASES = {
    "integer": "INT",
    "int4": "INT",
    "int8": "BIGINT",
    "int2": "SMALLINT",
    "mediumint": "INT",
    "serial": "INT",
    "bigserial": "BIGINT",
    "character varying": "VARCHAR",
    "character": "CHAR",
    "nvarchar": "VARCHAR",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "float4": "FLOAT",
    "float8": "DOUBLE",
    "bool": "BOOLEAN",
    "jsonb": "JSON",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPZ",
    "timestamptz": "TIMESTAMPZ",
    "time without time zone": "TIME",
    "tinytext": "TEXT",
    "longtext": "TEXT",
    "mediumtext": "MEDIUMTEXT",
    "clob": "CLOB",
    "varchar2": "VARCHAR",
}


def om_data_type(custos_type: str) -> str:
    """OpenMetadata's ``DataType`` for a Custos column type such as ``varchar(100)``."""
    base = custos_type.split("(", 1)[0].strip().lower()
    if base.endswith("[]"):
        return "ARRAY"
    if base in _TYPE_ALIASES:
        return _TYPE_ALIASES[base]
    upper = base.upper()
    if upper in DATA_TYPES:
        return upper
    if upper.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    return "UNKNOWN"


def data_length(custos_type: str) -> int | None:
    if "(" not in custos_type:
        return None
    inner = custos_type.split("(", 1)[1].split(")", 1)[0].split(",", 1)[0].strip()
    return int(inner) if inner.isdigit() else None


SERVICE_TYPES = {"postgresql": "Postgres", "mysql": "Mysql", "sqlite": "SQLite"}

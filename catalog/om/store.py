"""The entity store behind the OpenMetadata-compatible API.

Reads look in three places, first hit wins: the caller's open staging session, the committed
OpenMetadata JSON (``OmEntity``), and finally the catalog itself (assets ingested natively are
rendered as OpenMetadata entities). Writes of a caller bound to an open ``OmSession`` are
staged; ``commit_session`` applies them to the catalog in one transaction through
``catalog.ingest.apply.apply_snapshot`` (the native ingester's code: same drift events, audit
and search index). A caller without a session (someone pointing a stock ``metadata ingest`` at
Custos with a plain bot token) gets each request applied at once, in its own transaction.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

import audit.services as audit
from catalog import search
from catalog.ingest.apply import ApplyStats, apply_snapshot
from catalog.ingest.snapshot import DatabaseSnap, SchemaSnap, SourceSnap, make_fqn, split_fqn
from catalog.models import (
    Asset,
    AssetType,
    IngestionRun,
    LabelSource,
    Source,
    Tag,
    TagAssignment,
)
from catalog.om import entities as om
from catalog.om.models import (
    OmEntity,
    OmLineageEdge,
    OmSession,
    OmStagedEntity,
    SessionStatus,
)
from custos.errors import NotFound, ValidationFailed

logger = logging.getLogger("custos.om")

CATALOG_TYPES: dict[str, tuple[str, ...]] = {
    "database": (AssetType.DATABASE,),
    "databaseSchema": (AssetType.SCHEMA,),
    "table": (AssetType.TABLE, AssetType.VIEW),
}
STALE_PREFIX = "deleteStale:"
LINEAGE = "lineage"


_SQLITE_WRITER = threading.RLock()


@contextmanager
def serialized() -> Iterator[None]:
    """One OpenMetadata request at a time per process on SQLite.

    The CLI sends requests from several threads; SQLite has one writer, and its shared-cache
    in-memory databases (the test suite's) fail at once with "table is locked" instead of
    waiting. On other databases this is a no-op.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with _SQLITE_WRITER:
        yield


def now_ms() -> int:
    return int(time.time() * 1000)


def glob_regex(pattern: str) -> str:
    """A case-insensitive SQL regex for an FQN glob (``*`` and ``?`` wildcards)."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "^" + "".join(out) + "$"


class OmStore:
    """Entity reads and writes for one authenticated caller (and its session, if any)."""

    def __init__(self, *, user: Any, session: OmSession | None = None) -> None:
        self.user = user
        self.session = session
        self._id_cache: dict[str, tuple[str, str]] = {}

    @classmethod
    def for_token(cls, user: Any, token: Any) -> OmStore:
        session = None
        if token is not None and getattr(token, "pk", None):
            session = (
                OmSession.objects.select_related("source", "run")
                .filter(token_id=token.pk, status=SessionStatus.OPEN)
                .first()
            )
        return cls(user=user, session=session)

    @property
    def actor_name(self) -> str:
        return str(self.user.get_username()) if self.user is not None else "custos"

    # -- reads -------------------------------------------------------------------------------

    def source_for(self, fqn: str) -> Source | None:
        return Source.objects.filter(name=split_fqn(fqn)[0]).first()

    def get(self, kind: str, fqn: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
        """The entity ``kind`` named ``fqn``, or None."""
        if self.session is not None:
            staged = OmStagedEntity.objects.filter(session=self.session, kind=kind, fqn=fqn).first()
            if staged is not None:
                return dict(staged.body)
        committed = OmEntity.objects.filter(kind=kind, fqn=fqn).first()
        if committed is not None and kind in CATALOG_TYPES:
            # the catalog decides whether it still exists; OpenMetadata's JSON says the rest
            state = (
                Asset.objects.filter(fqn=fqn, type__in=CATALOG_TYPES[kind])
                .values("deleted_at")
                .first()
            )
            if state is None:
                return None
            body = dict(committed.body)
            if state["deleted_at"] is not None:
                if not include_deleted:
                    return None
                body["deleted"] = True
            return body
        if kind in CATALOG_TYPES or kind == "databaseService":
            rendered = self._render(kind, fqn)
            if rendered is None:
                return None
            if committed is None:
                return rendered
            body = dict(committed.body)
            if rendered.get("deleted"):
                if not include_deleted:
                    return None
                body["deleted"] = True
            return body
        if committed is None or (committed.body.get("deleted") and not include_deleted):
            return None
        return dict(committed.body)

    def fqn_of_id(self, kind: str | None, entity_id: str) -> tuple[str, str] | None:
        """(kind, fqn) of an id Custos handed out, or None."""
        if entity_id in self._id_cache:
            return self._id_cache[entity_id]
        found: tuple[str, str] | None = None
        if self.session is not None:
            row = (
                OmStagedEntity.objects.filter(session=self.session, entity_id=entity_id)
                .values_list("kind", "fqn")
                .first()
            )
            if row:
                found = (row[0], row[1])
        if found is None:
            row = OmEntity.objects.filter(entity_id=entity_id).values_list("kind", "fqn").first()
            if row:
                found = (row[0], row[1])
        if found is None:
            kinds = [kind] if kind in CATALOG_TYPES else list(CATALOG_TYPES)
            for k in kinds:
                for fqn in Asset.objects.filter(type__in=CATALOG_TYPES[k]).values_list(
                    "fqn", flat=True
                ):
                    if om.entity_id(k, fqn) == entity_id:
                        found = (k, fqn)
                        break
                if found:
                    break
        if found is not None:
            self._id_cache[entity_id] = found
        return found

    def get_by_id(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        hit = self.fqn_of_id(kind, entity_id)
        if hit is None or hit[0] != kind:
            return None
        return self.get(kind, hit[1])

    # -- rendering catalog assets -----------------------------------------------------------

    def _render(self, kind: str, fqn: str) -> dict[str, Any] | None:
        if kind == "databaseService":
            source = Source.objects.filter(name=fqn).first()
            if source is None:
                return None
            body: dict[str, Any] = {
                "id": om.entity_id(kind, fqn),
                "name": source.name,
                "fullyQualifiedName": fqn,
                "serviceType": om.SERVICE_TYPES.get(source.kind, "CustomDatabase"),
                "description": source.description or None,
                "version": 0.1,
                "updatedAt": int(source.updated.timestamp() * 1000),
                "updatedBy": "custos",
                "deleted": False,
            }
            connection = _public_connection(source)
            if connection:
                body["connection"] = {"config": connection}
            return body
        asset = (
            Asset.objects.filter(fqn=fqn, type__in=CATALOG_TYPES[kind])
            .select_related("source")
            .first()
        )
        if asset is None:
            return None
        return render_asset(kind, asset)

    # -- writes ------------------------------------------------------------------------------

    def put(self, kind: str, body: Any) -> dict[str, Any]:
        """Create or update from a create request; staged when a session is open."""
        om.validate_create(kind, body)
        fqn = om.entity_fqn(kind, body)
        self._check_parent(kind, fqn)
        previous = self.get(kind, fqn, include_deleted=True)
        service_type = None
        if kind in ("database", "databaseSchema", "table", "storedProcedure"):
            service = self.get("databaseService", make_fqn(split_fqn(fqn)[0]))
            service_type = (service or {}).get("serviceType")
        stored = without_secrets(body)  # the service's connection carries the password
        entity = om.build_entity(
            kind,
            stored,
            service_type=service_type,
            updated_by=self.actor_name,
            updated_at=now_ms(),
            previous=previous,
        )
        self._write([(kind, fqn, entity)])
        return entity

    def put_many(self, kind: str, bodies: Any) -> dict[str, Any]:
        """The bulk form: a BulkOperationResult; bad rows fail alone, good rows are written."""
        if not isinstance(bodies, list):
            raise ValidationFailed("request body: a JSON list of create requests expected")
        good: list[tuple[str, str, dict[str, Any]]] = []
        failed: list[dict[str, Any]] = []
        success: list[dict[str, Any]] = []
        service_types: dict[str, str | None] = {}
        for body in bodies:
            try:
                om.validate_create(kind, body)
                fqn = om.entity_fqn(kind, body)
                self._check_parent(kind, fqn, pending={f for _, f, _ in good})
            except (om.EntityError, NotFound, ValidationFailed) as exc:
                message = getattr(exc, "message", None) or str(exc)
                failed.append({"request": _short(body), "message": message, "status": 400})
                continue
            svc = split_fqn(fqn)[0]
            if svc not in service_types:
                service_types[svc] = (self.get("databaseService", make_fqn(svc)) or {}).get(
                    "serviceType"
                )
            entity = om.build_entity(
                kind,
                body,
                service_type=service_types[svc],
                updated_by=self.actor_name,
                updated_at=now_ms(),
                previous=None,
            )
            good.append((kind, fqn, entity))
            success.append({"request": fqn, "message": "Success", "status": 200})
        if good:
            self._write(good)
        return {
            "dryRun": False,
            "status": "success" if not failed else ("failure" if not good else "partialSuccess"),
            "numberOfRowsProcessed": len(bodies),
            "numberOfRowsPassed": len(good),
            "numberOfRowsFailed": len(failed),
            "successRequest": success,
            "failedRequest": failed,
        }

    def patch(self, kind: str, entity: dict[str, Any], ops: Any) -> dict[str, Any]:
        """Apply a JSON Patch to an entity; the result must still be a valid entity."""
        patched = om.apply_json_patch(entity, ops)
        if not isinstance(patched, dict):
            raise om.EntityError("JSON Patch: the result is not an object")
        fqn = entity["fullyQualifiedName"]
        for fixed in ("id", "fullyQualifiedName", "name"):
            if patched.get(fixed) != entity.get(fixed):
                raise om.EntityError(f"{fixed}: cannot be changed by a patch")
        if kind == "table":
            om._check_columns("columns", patched.get("columns"))
            patched["columns"] = om._with_column_fqns(fqn, patched["columns"])
        patched = om.clean_entity(kind, patched)
        patched["version"] = round(float(patched.get("version") or 0.1) + 0.1, 1)
        patched["updatedAt"] = now_ms()
        patched["updatedBy"] = self.actor_name
        self._write([(kind, fqn, patched)])
        return patched

    def _check_parent(self, kind: str, fqn: str, pending: set[str] | None = None) -> None:
        parts = split_fqn(fqn)
        source = Source.objects.filter(name=parts[0]).only("pk").first()
        if kind in ("databaseService", "database", "databaseSchema", "table", "storedProcedure"):
            if source is None:
                raise NotFound(
                    f"No Custos source named {parts[0]!r}: register the source in Custos first "
                    "(the workflow's serviceName must be a registered source's name)."
                )
            if self.session is not None and self.session.source_id != source.pk:
                raise ValidationFailed(
                    f"This workflow run may only write to source {self.session.source.name!r}."
                )
        spec = om.KINDS[kind]
        if spec.parent_kind and spec.parent_kind != "databaseService" and kind != "tag":
            parent_fqn = make_fqn(*parts[:-1])
            if not (pending and parent_fqn in pending) and (
                self.get(spec.parent_kind, parent_fqn) is None
            ):
                raise NotFound(f"{spec.parent_kind} instance for {parent_fqn} not found")

    def _write(self, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        if self.session is not None:
            self._stage(rows)
            return
        with transaction.atomic():
            apply_batch(
                entities=rows,
                stale=[],
                lineage=[],
                run=None,
                actor=self.user,
            )

    def _stage(self, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        assert self.session is not None
        seq = now_ms()
        with transaction.atomic():
            existing = {
                (s.kind, s.fqn): s
                for s in OmStagedEntity.objects.filter(
                    session=self.session,
                    kind__in={k for k, _, _ in rows},
                    fqn__in=[f for _, f, _ in rows],
                )
            }
            new, changed = [], []
            for kind, fqn, body in rows:
                eid = body.get("id") if kind in om.KINDS else None
                row = existing.get((kind, fqn))
                if row is None:
                    new.append(
                        OmStagedEntity(
                            session=self.session,
                            kind=kind,
                            fqn=fqn,
                            entity_id=eid,
                            body=body,
                            seq=seq,
                        )
                    )
                else:
                    row.body, row.seq = body, seq
                    changed.append(row)
            OmStagedEntity.objects.bulk_create(new, batch_size=500)
            OmStagedEntity.objects.bulk_update(changed, ["body", "seq"], batch_size=500)
            if len(rows) > 1 and rows[0][0] == "table":  # a bulk batch: report progress
                tables = OmStagedEntity.objects.filter(session=self.session, kind="table").count()
                IngestionRun.objects.filter(pk=self.session.run_id).update(
                    progress_done=tables, message=f"staged {tables} tables"
                )

    # -- stale deletion ------------------------------------------------------------------------

    def delete_stale(self, kind: str, request: Any) -> dict[str, Any]:
        """Mark entities of ``kind`` under a scope that the connector did not report deleted."""
        if not isinstance(request, dict):
            raise ValidationFailed("request body: a JSON object expected")
        scope = request.get("scopeFqn")
        scope_kind = request.get("scopeEntityType")
        seen = request.get("seenFqns")
        if not isinstance(scope, str) or not scope:
            raise ValidationFailed("scopeFqn: field required")
        if not isinstance(seen, list) or not all(isinstance(s, str) for s in seen):
            raise ValidationFailed("seenFqns: a list of FQNs expected")
        if scope_kind not in (None, "databaseService", "service", "database", "databaseSchema"):
            raise ValidationFailed(f"scopeEntityType: unsupported scope {scope_kind!r}")
        if self.source_for(scope) is None:
            raise NotFound(f"No Custos source named {split_fqn(scope)[0]!r}.")
        if self.session is not None and self.session.source.name != split_fqn(scope)[0]:
            raise ValidationFailed(
                f"This workflow run may only write to source {self.session.source.name!r}."
            )
        doomed = stale_fqns(kind, scope, set(seen), staged=self._staged_fqns(kind))
        marker = {"kind": kind, "scope": scope, "seen": sorted(set(seen))}
        if self.session is not None:
            self._stage([(STALE_PREFIX + kind, scope, marker)])
        else:
            with transaction.atomic():
                apply_batch(entities=[], stale=[marker], lineage=[], run=None, actor=self.user)
        return {
            "dryRun": False,
            "status": "success",
            "numberOfRowsProcessed": len(doomed),
            "numberOfRowsPassed": len(doomed),
            "numberOfRowsFailed": 0,
            "successRequest": [
                {"request": fqn, "message": "Deleted", "status": 200} for fqn in doomed
            ],
            "failedRequest": [],
        }

    def _staged_fqns(self, kind: str) -> set[str]:
        if self.session is None:
            return set()
        return set(
            OmStagedEntity.objects.filter(session=self.session, kind=kind).values_list(
                "fqn", flat=True
            )
        )

    # -- lineage -------------------------------------------------------------------------------

    def _ref_fqn(self, ref: Any, where: str) -> tuple[str, str]:
        if not isinstance(ref, dict) or not ref.get("id") or not ref.get("type"):
            raise ValidationFailed(f"{where}: an entity reference with id and type is required")
        hit = self.fqn_of_id(str(ref["type"]), str(ref["id"]))
        if hit is None:
            raise NotFound(f"{ref['type']} instance for {ref['id']} not found")
        return hit

    def add_lineage(self, request: Any) -> dict[str, Any]:
        """``PUT /v1/lineage``: an AddLineageRequest naming both ends by id."""
        if not isinstance(request, dict) or not isinstance(request.get("edge"), dict):
            raise ValidationFailed("edge: field required")
        edge = request["edge"]
        src = self._ref_fqn(edge.get("fromEntity"), "edge.fromEntity")
        dst = self._ref_fqn(edge.get("toEntity"), "edge.toEntity")
        return self.put_edge(src, dst, edge.get("lineageDetails") or {})

    def resolve_name(self, kind: str, fqn: str) -> tuple[str, str]:
        if kind not in om.KINDS or self.get(kind, fqn) is None:
            raise NotFound(f"{kind} instance for {fqn} not found")
        return kind, fqn

    def put_edge(self, src: tuple[str, str], dst: tuple[str, str], details: Any) -> dict[str, Any]:
        """Store (stage) one lineage edge with its column-level lineage."""
        if not isinstance(details, dict):
            raise ValidationFailed("lineageDetails: an object expected")
        columns = details.get("columnsLineage") or []
        if not isinstance(columns, list):
            raise ValidationFailed("lineageDetails.columnsLineage: a list expected")
        for i, c in enumerate(columns):
            if not isinstance(c, dict) or not isinstance(c.get("fromColumns") or [], list):
                raise ValidationFailed(f"lineageDetails.columnsLineage[{i}]: malformed")
        record = {
            "from": {"kind": src[0], "fqn": src[1]},
            "to": {"kind": dst[0], "fqn": dst[1]},
            "details": details,
        }
        self._write_lineage(record)
        return {"entity": om.reference(*src)}

    def _write_lineage(self, record: dict[str, Any]) -> None:
        key = record["from"]["fqn"] + " -> " + record["to"]["fqn"]
        if self.session is not None:
            self._stage([(LINEAGE, key, record)])
        else:
            with transaction.atomic():
                apply_batch(entities=[], stale=[], lineage=[record], run=None, actor=self.user)

    def lineage_edge(
        self, src: tuple[str, str] | None, dst: tuple[str, str] | None
    ) -> dict[str, Any] | None:
        """``{"edge": {...lineageDetails}}`` of a stored edge, or None."""
        if src is None or dst is None:
            return None
        record = self._lineage_record(src[1], dst[1])
        if record is None:
            return None
        details = dict(record["details"])
        details["fromEntity"] = om.reference(*src)
        details["toEntity"] = om.reference(*dst)
        return {"edge": _edge_details(details)}

    def _lineage_record(self, from_fqn: str, to_fqn: str) -> dict[str, Any] | None:
        if self.session is not None:
            staged = OmStagedEntity.objects.filter(
                session=self.session, kind=LINEAGE, fqn=f"{from_fqn} -> {to_fqn}"
            ).first()
            if staged is not None:
                return dict(staged.body)
        edge = OmLineageEdge.objects.filter(from_fqn=from_fqn, to_fqn=to_fqn).first()
        if edge is None:
            return None
        return {
            "from": {"kind": "table", "fqn": from_fqn},
            "to": {"kind": "table", "fqn": to_fqn},
            "details": {
                "sqlQuery": edge.sql or None,
                "columnsLineage": [
                    {"fromColumns": c.get("from", []), "toColumn": c.get("to")}
                    | ({"function": c["function"]} if c.get("function") else {})
                    for c in edge.columns
                ],
                "source": edge.origin or None,
            },
        }

    def patch_lineage(self, src: tuple[str, str], dst: tuple[str, str], ops: Any) -> None:
        record = self._lineage_record(src[1], dst[1])
        if record is None:
            raise NotFound(f"No lineage edge from {src[1]} to {dst[1]}.")
        details = om.apply_json_patch(record["details"], ops)
        if not isinstance(details, dict):
            raise om.EntityError("JSON Patch: the result is not an object")
        record["details"] = details
        self._write_lineage(record)

    # -- search --------------------------------------------------------------------------------

    def field_query(
        self, index: str, field: str, value: str, offset: int, size: int, deleted: bool
    ) -> list[dict[str, Any]]:
        kind = index_kind(index)
        if kind is None:
            return []
        if field not in ("fullyQualifiedName", "fullyQualifiedName.keyword", "name"):
            return []
        regex = glob_regex(value)
        docs: dict[str, dict[str, Any]] = {}
        if kind in CATALOG_TYPES:
            lookup = "fqn__iregex" if field != "name" else "name__iregex"
            assets = Asset.objects.filter(type__in=CATALOG_TYPES[kind], **{lookup: regex})
            assets = assets.filter(deleted_at__isnull=not deleted) if not deleted else assets
            for a in assets.select_related("source")[: offset + size + 100]:
                docs[a.fqn] = light_document(kind, a)
        if self.session is not None:
            rows = OmStagedEntity.objects.filter(session=self.session, kind=kind)
            rows = rows.filter(fqn__iregex=regex) if field != "name" else rows
            for row in rows:
                if field == "name" and not re.match(regex, row.body.get("name", ""), re.I):
                    continue
                docs[row.fqn] = om.search_document(row.body)
        if kind not in CATALOG_TYPES:
            for ent in OmEntity.objects.filter(kind=kind, fqn__iregex=regex):
                docs.setdefault(ent.fqn, om.search_document(ent.body))
        ordered = [docs[k] for k in sorted(docs)]
        if not deleted:
            ordered = [d for d in ordered if not d.get("deleted")]
        return ordered[offset : offset + size]

    def query(
        self, index: str, query_filter: Any, q: str, size: int, after: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        kind = index_kind(index)
        if kind is None:
            return [], 0
        docs: dict[str, dict[str, Any]] = {}
        if kind in CATALOG_TYPES:
            for a in Asset.objects.filter(type__in=CATALOG_TYPES[kind]).select_related("source"):
                docs[a.fqn] = light_document(kind, a)
            for ent in OmEntity.objects.filter(kind=kind, fqn__in=list(docs)):
                doc = om.search_document(ent.body)
                doc["deleted"] = docs[ent.fqn]["deleted"]
                docs[ent.fqn] = doc
        else:
            for ent in OmEntity.objects.filter(kind=kind):
                docs[ent.fqn] = om.search_document(ent.body)
        if self.session is not None:
            for row in OmStagedEntity.objects.filter(session=self.session, kind=kind):
                docs[row.fqn] = om.search_document(row.body)
        hits = [
            d
            for d in docs.values()
            if om.es_match(query_filter, d)
            and (not q or q.lower() in str(d.get("fullyQualifiedName", "")).lower())
        ]
        hits.sort(key=lambda d: str(d.get("fullyQualifiedName")), reverse=True)
        if after is not None:
            hits = [d for d in hits if str(d.get("fullyQualifiedName")) < after]
        return hits[:size], len(hits)


def _public_connection(source: Source) -> dict[str, Any] | None:
    """The service connection without credentials (the lineage parser reads its dialect)."""
    from catalog.om.workflow import WorkflowError, connection_config
    from catalog.services import source_dsn

    try:
        config = connection_config(source.kind, source_dsn(source))
    except (WorkflowError, ValueError):
        return None
    return dict(without_secrets(config))


_SECRET_KEYS = ("password", "secret", "token", "privatekey", "credential", "passphrase")


def without_secrets(value: Any) -> Any:
    """A copy of ``value`` without any key that looks like it holds a secret."""
    if isinstance(value, dict):
        return {
            k: without_secrets(v)
            for k, v in value.items()
            if not any(word in k.lower() for word in _SECRET_KEYS)
        }
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def _short(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: body[k] for k in ("name",) if k in body} or None
    return None


def _edge_details(details: dict[str, Any]) -> dict[str, Any]:
    allowed = ("fromEntity", "toEntity", "sqlQuery", "columnsLineage", "source", "pipeline")
    return {k: details[k] for k in allowed if details.get(k) is not None}


def index_kind(index: str) -> str | None:
    base = index.split(",")[0].strip()
    base = base.removesuffix("_search_index").removesuffix("_index")
    mapping = {
        "table": "table",
        "database": "database",
        "database_schema": "databaseSchema",
        "databaseschema": "databaseSchema",
        "stored_procedure": "storedProcedure",
        "storedprocedure": "storedProcedure",
        "tag": "tag",
        "classification": "classification",
        "glossary_term": "glossaryTerm",
        "glossary": "glossary",
        "database_service": "databaseService",
    }
    return mapping.get(base.lower())


def light_document(kind: str, asset: Asset) -> dict[str, Any]:
    """A search ``_source`` for a catalog asset, without loading its columns."""
    parts = split_fqn(asset.fqn)
    doc: dict[str, Any] = {
        "id": om.entity_id(kind, asset.fqn),
        "name": asset.name,
        "fullyQualifiedName": asset.fqn,
        "deleted": asset.deleted_at is not None,
        "service": {"name": parts[0], "fullyQualifiedName": make_fqn(parts[0])},
    }
    if kind == "table":
        doc["tableType"] = "View" if asset.type == AssetType.VIEW else "Regular"
        if asset.view_sql:
            doc["schemaDefinition"] = asset.view_sql
        doc["database"] = {"name": parts[1], "fullyQualifiedName": make_fqn(*parts[:2])}
        doc["databaseSchema"] = {"name": parts[2], "fullyQualifiedName": make_fqn(*parts[:3])}
    return doc


def _tag_label(assignment: TagAssignment) -> dict[str, Any]:
    label_types: dict[str, str] = {
        LabelSource.MANUAL: "Manual",
        LabelSource.DETECTED: "Automated",
        LabelSource.PROPAGATED: "Propagated",
    }
    label_type = label_types.get(str(assignment.source), "Manual")
    return {
        "tagFQN": "Custos." + make_fqn(assignment.tag.name),
        "name": assignment.tag.name,
        "source": "Classification",
        "labelType": label_type,
        "state": "Confirmed",
    }


def render_asset(kind: str, asset: Asset) -> dict[str, Any]:
    """An OpenMetadata entity for a catalog asset (database, schema, table or view)."""
    fqn = asset.fqn
    parts = split_fqn(fqn)
    body: dict[str, Any] = {
        "id": om.entity_id(kind, fqn),
        "name": asset.name,
        "fullyQualifiedName": fqn,
        "version": 0.1,
        "updatedAt": int(asset.updated.timestamp() * 1000),
        "updatedBy": "custos",
        "deleted": asset.deleted_at is not None,
        "service": om.reference("databaseService", make_fqn(parts[0])),
        "serviceType": om.SERVICE_TYPES.get(asset.source.kind, "CustomDatabase"),
    }
    if asset.description:
        body["description"] = asset.description
    if kind in ("databaseSchema", "table"):
        body["database"] = om.reference("database", make_fqn(*parts[:2]))
    if kind != "table":
        return body
    body["databaseSchema"] = om.reference("databaseSchema", make_fqn(*parts[:3]))
    body["tableType"] = "View" if asset.type == AssetType.VIEW else "Regular"
    if asset.view_sql:
        body["schemaDefinition"] = asset.view_sql
    columns = list(
        Asset.objects.filter(table_ref=asset, type=AssetType.COLUMN, deleted_at__isnull=True)
        .select_related("references")
        .prefetch_related("tag_assignments__tag")
        .order_by("position", "id")
    )
    body["columns"] = []
    pk: list[str] = []
    fks: list[dict[str, Any]] = []
    for col in columns:
        entry: dict[str, Any] = {
            "name": col.name,
            "dataType": om.om_data_type(col.data_type),
            "dataTypeDisplay": col.data_type,
            "fullyQualifiedName": col.fqn,
            "ordinalPosition": col.position,
            "constraint": "PRIMARY_KEY"
            if col.is_primary_key
            else ("NOT_NULL" if col.nullable is False else "NULL"),
            "tags": [_tag_label(t) for t in col.tag_assignments.all()],
        }
        length = om.data_length(col.data_type)
        if length is not None:
            entry["dataLength"] = length
        if col.description:
            entry["description"] = col.description
        body["columns"].append(entry)
        if col.is_primary_key:
            pk.append(col.name)
        if col.references is not None:
            fks.append(
                {
                    "constraintType": "FOREIGN_KEY",
                    "columns": [col.name],
                    "referredColumns": [col.references.fqn],
                }
            )
    constraints = ([{"constraintType": "PRIMARY_KEY", "columns": pk}] if pk else []) + fks
    if constraints:
        body["tableConstraints"] = constraints
    body["tags"] = [_tag_label(t) for t in asset.tag_assignments.select_related("tag").all()]
    return body


# -- applying to the catalog -----------------------------------------------------------------


def stale_fqns(kind: str, scope: str, seen: set[str], staged: set[str]) -> list[str]:
    """Live catalog assets of ``kind`` under ``scope`` neither reported nor staged."""
    if kind not in CATALOG_TYPES:
        return sorted(
            f
            for f in OmEntity.objects.filter(kind=kind, fqn__startswith=scope + ".").values_list(
                "fqn", flat=True
            )
            if f not in seen and f not in staged
        )
    parts = split_fqn(scope)
    assets = Asset.objects.filter(
        source__name=parts[0], type__in=CATALOG_TYPES[kind], deleted_at__isnull=True
    )
    if len(parts) >= 2:
        assets = assets.filter(Q(fqn__startswith=scope + "."))
    keep = seen | staged
    return sorted(f for f in assets.values_list("fqn", flat=True) if f not in keep)


def apply_batch(
    *,
    entities: list[tuple[str, str, dict[str, Any]]],
    stale: list[dict[str, Any]],
    lineage: list[dict[str, Any]],
    run: IngestionRun | None,
    actor: Any,
) -> dict[str, Any]:
    """Apply OpenMetadata writes to the catalog (the caller holds the transaction).

    Tables become a partial :class:`SourceSnap` applied by ``apply_snapshot`` with pruning
    limited to those tables (dropped columns) and to what stale-deletion requests name.
    """
    by_source: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for kind, fqn, body in entities:
        by_source[split_fqn(fqn)[0]].append((kind, fqn, body))
    stale_by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for marker in stale:
        stale_by_source[split_fqn(marker["scope"])[0]].append(marker)
    totals: dict[str, Any] = {"tables": 0, "columns": 0, "deleted": 0, "drift_events": 0}
    staged_tables = {f for k, f, _ in entities if k == "table"}
    for name in sorted(set(by_source) | set(stale_by_source)):
        source = Source.objects.filter(name=name).first()
        if source is None:
            continue
        rows = by_source.get(name, [])
        doomed: set[str] = set()
        for marker in stale_by_source.get(name, []):
            doomed.update(
                stale_fqns(marker["kind"], marker["scope"], set(marker["seen"]), staged_tables)
            )
        snap, table_fqns = _snapshot(source, rows)
        stats: ApplyStats | None = None
        if table_fqns or doomed or snap.databases:
            stats = apply_snapshot(
                source=source,
                snapshot=snap,
                run=run,
                prune=True,
                prune_within=table_fqns | doomed,
            )
            totals["deleted"] += stats.deleted
            totals["drift_events"] += stats.drift
        counts = snap.counts()
        totals["tables"] += counts["tables"]
        totals["columns"] += counts["columns"]
        _save_entities(source, rows)
        _apply_tags(source, rows, actor)
        if doomed:
            OmEntity.objects.filter(fqn__in=doomed).update(updated=timezone.now())
    _save_entities(None, [r for r in entities if r[0] in ("classification", "tag")])
    totals["lineage_edges"] = _apply_lineage(lineage, actor)
    return totals


def _snapshot(
    source: Source, rows: list[tuple[str, str, dict[str, Any]]]
) -> tuple[SourceSnap, set[str]]:
    """A partial snapshot of ``source`` holding the databases, schemas and tables in ``rows``."""
    bodies = {(k, f): b for k, f, b in rows}
    tables = [(f, b) for (k, f), b in bodies.items() if k == "table"]
    schema_fqns = {f for (k, f) in bodies if k == "databaseSchema"}
    db_fqns = {f for (k, f) in bodies if k == "database"}
    for f, _ in tables:
        parts = split_fqn(f)
        schema_fqns.add(make_fqn(*parts[:3]))
    for f in schema_fqns:
        db_fqns.add(make_fqn(*split_fqn(f)[:2]))
    existing = {
        a.fqn: a
        for a in Asset.objects.filter(
            source=source, fqn__in=list(schema_fqns | db_fqns | {f for f, _ in tables})
        ).only("fqn", "comment", "row_count")
    }

    def comment(kind: str, fqn: str) -> str:
        body = bodies.get((kind, fqn))
        if body is None:
            committed = OmEntity.objects.filter(kind=kind, fqn=fqn).first()
            body = committed.body if committed else None
        if body is not None:
            return str(body.get("description") or "")
        asset = existing.get(fqn)
        return asset.comment if asset else ""

    dbs: dict[str, DatabaseSnap] = {}
    schemas: dict[str, SchemaSnap] = {}
    for f in sorted(db_fqns):
        dbs[f] = DatabaseSnap(name=split_fqn(f)[1], comment=comment("database", f))
    for f in sorted(schema_fqns):
        parts = split_fqn(f)
        schemas[f] = SchemaSnap(name=parts[2], comment=comment("databaseSchema", f))
        dbs[make_fqn(*parts[:2])].schemas.append(schemas[f])
    for f, body in sorted(tables, key=lambda t: t[0]):
        parts = split_fqn(f)
        prior = existing.get(f)
        known: dict[str, bool | None] = {}
        if prior is not None and any(
            c.get("constraint") == "UNIQUE" for c in body.get("columns") or []
        ):
            known = dict(
                Asset.objects.filter(table_ref=prior, type=AssetType.COLUMN).values_list(
                    "name", "nullable"
                )
            )
        schemas[make_fqn(*parts[:3])].tables.append(
            om.table_snap(body, row_count=prior.row_count if prior else None, known_nullable=known)
        )
    return SourceSnap(databases=list(dbs.values())), {f for f, _ in tables}


def _save_entities(source: Source | None, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    if not rows:
        return
    existing = {
        (e.kind, e.fqn): e
        for e in OmEntity.objects.filter(
            kind__in={k for k, _, _ in rows}, fqn__in=[f for _, f, _ in rows]
        )
    }
    new, changed = [], []
    for kind, fqn, body in rows:
        if kind not in om.KINDS:
            continue
        row = existing.get((kind, fqn))
        if row is None:
            new.append(OmEntity(kind=kind, fqn=fqn, entity_id=body["id"], source=source, body=body))
        else:
            row.body = body
            changed.append(row)
    OmEntity.objects.bulk_create(new, batch_size=500)
    OmEntity.objects.bulk_update(changed, ["body", "updated"], batch_size=500)


def _apply_tags(source: Source, rows: list[tuple[str, str, dict[str, Any]]], actor: Any) -> None:
    """OpenMetadata tag labels on tables/columns become Custos tag assignments."""
    wanted: list[tuple[str, str, str]] = []  # (asset fqn, tag name, label source)
    for kind, fqn, body in rows:
        if kind != "table":
            continue
        for column, label in om.tag_labels(body):
            target = fqn if column is None else fqn + "." + make_fqn(column)
            source_kind = {
                "Automated": LabelSource.DETECTED,
                "Propagated": LabelSource.PROPAGATED,
            }.get(str(label.get("labelType")), LabelSource.MANUAL)
            wanted.append((target, om.custos_tag_name(label["tagFQN"]), source_kind))
    if not wanted:
        return
    assets = {a.fqn: a for a in Asset.objects.filter(fqn__in={w[0] for w in wanted})}
    touched: list[Asset] = []
    for fqn, name, label_source in wanted:
        asset = assets.get(fqn)
        if asset is None:
            continue
        tag, _ = Tag.objects.get_or_create(name=name)
        _, created = TagAssignment.objects.get_or_create(
            asset=asset, tag=tag, defaults={"source": label_source}
        )
        if created:
            audit.record(
                action="catalog.tag.add",
                obj=asset,
                changes={"tag": name, "source": label_source, "via": "openmetadata"},
            )
            touched.append(asset)
    if touched:
        search.index_assets(touched)


def _apply_lineage(records: list[dict[str, Any]], actor: Any) -> int:
    if not records:
        return 0
    fqns = {r["from"]["fqn"] for r in records} | {r["to"]["fqn"] for r in records}
    assets = {a.fqn: a for a in Asset.objects.filter(fqn__in=fqns)}
    count = 0
    by_source: dict[int, list[str]] = defaultdict(list)
    for r in records:
        src_asset, dst_asset = assets.get(r["from"]["fqn"]), assets.get(r["to"]["fqn"])
        owner = dst_asset or src_asset
        if owner is None:
            continue
        details = r.get("details") or {}
        columns = [
            {
                "from": [str(x) for x in c.get("fromColumns") or []],
                "to": str(c.get("toColumn") or ""),
                **({"function": str(c["function"])} if c.get("function") else {}),
            }
            for c in details.get("columnsLineage") or []
            if isinstance(c, dict)
        ]
        OmLineageEdge.objects.update_or_create(
            from_fqn=r["from"]["fqn"],
            to_fqn=r["to"]["fqn"],
            defaults={
                "source_id": owner.source_id,
                "from_asset": src_asset,
                "to_asset": dst_asset,
                "columns": columns,
                "sql": str(details.get("sqlQuery") or ""),
                "origin": str(details.get("source") or ""),
                "created_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        by_source[owner.source_id].append(f"{r['from']['fqn']} -> {r['to']['fqn']}")
        count += 1
    for source in Source.objects.filter(pk__in=list(by_source)):
        audit.record(
            action="catalog.lineage.ingest",
            obj=source,
            changes={"via": "openmetadata", "edges": sorted(by_source[source.pk])[:200]},
        )
    return count


# -- sessions --------------------------------------------------------------------------------


def commit_session(session: OmSession, *, actor: Any = None) -> dict[str, Any]:
    """Apply everything a session staged, in one transaction, then close it."""
    with transaction.atomic():
        locked = OmSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.OPEN:
            raise ValidationFailed(f"Session {session.pk} is {locked.status}, not open.")
        staged = list(OmStagedEntity.objects.filter(session=locked).order_by("seq", "id"))
        entities = [(s.kind, s.fqn, s.body) for s in staged if s.kind in om.KINDS]
        stale = [s.body for s in staged if s.kind.startswith(STALE_PREFIX)]
        lineage = [s.body for s in staged if s.kind == LINEAGE]
        totals = apply_batch(
            entities=entities, stale=stale, lineage=lineage, run=locked.run, actor=actor
        )
        OmStagedEntity.objects.filter(session=locked).delete()
        locked.status = SessionStatus.COMMITTED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
    session.status = SessionStatus.COMMITTED
    return totals


def discard_session(session: OmSession) -> int:
    """Drop everything a session staged; the catalog is untouched."""
    with transaction.atomic():
        count, _ = OmStagedEntity.objects.filter(session=session).delete()
        OmSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.DISCARDED, closed_at=timezone.now()
        )
    session.status = SessionStatus.DISCARDED
    return count

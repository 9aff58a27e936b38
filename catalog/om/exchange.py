"""Import and export of OpenMetadata's JSON entity format (tables, glossary, tags).

The document is one JSON object holding lists of OpenMetadata entities, each exactly as
OpenMetadata's API returns it (and as its pydantic models accept it)::

    {"format": "openmetadata-entities", "version": 1, "openmetadataVersion": "2.0.7",
     "databaseServices": [...], "databases": [...], "databaseSchemas": [...],
     "tables": [...], "classifications": [...], "tags": [...],
     "glossaries": [...], "glossaryTerms": [...]}

Custos tags travel as the classification ``Custos``; the glossary as the glossary ``Custos``.
Importing tables needs their service to be a registered source (by name); they go through the
same apply path as ingestion (drift, audit, search), in one transaction with the rest.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

import audit.services as audit
from catalog import search
from catalog.ingest.snapshot import make_fqn, split_fqn
from catalog.models import Asset, AssetType, GlossaryTerm, Source, Tag, TermStatus
from catalog.om import entities as om
from catalog.om.store import apply_batch, now_ms, render_asset
from custos.errors import ValidationFailed

FORMAT = "openmetadata-entities"
CUSTOS = "Custos"
LISTS = (
    "databaseServices",
    "databases",
    "databaseSchemas",
    "tables",
    "classifications",
    "tags",
    "glossaries",
    "glossaryTerms",
)
_STATUS_TO_OM: dict[str, str] = {
    TermStatus.DRAFT: "Draft",
    TermStatus.APPROVED: "Approved",
    TermStatus.DEPRECATED: "Deprecated",
}
_STATUS_FROM_OM: dict[str, str] = {v: k for k, v in _STATUS_TO_OM.items()}


def _meta(kind: str, fqn: str) -> dict[str, Any]:
    eid = om.entity_id(kind, fqn)
    return {
        "id": eid,
        "fullyQualifiedName": fqn,
        "version": 0.1,
        "updatedAt": now_ms(),
        "updatedBy": "custos",
        "deleted": False,
    }


def export_document(*, sources: list[str] | None = None) -> dict[str, Any]:
    """Every live table (with its parents), tag and glossary term, as OpenMetadata entities."""
    doc: dict[str, Any] = {"format": FORMAT, "version": 1, "openmetadataVersion": om.SERVER_VERSION}
    for key in LISTS:
        doc[key] = []
    source_qs = Source.objects.all()
    if sources:
        source_qs = source_qs.filter(name__in=sources)
    for source in source_qs.order_by("name"):
        doc["databaseServices"].append(
            {
                **_meta("databaseService", make_fqn(source.name)),
                "name": source.name,
                "serviceType": om.SERVICE_TYPES.get(source.kind, "CustomDatabase"),
                **({"description": source.description} if source.description else {}),
            }
        )
        assets = Asset.objects.filter(source=source, deleted_at__isnull=True).select_related(
            "source"
        )
        for asset in assets.filter(type=AssetType.DATABASE):
            doc["databases"].append(render_asset("database", asset))
        for asset in assets.filter(type=AssetType.SCHEMA):
            doc["databaseSchemas"].append(render_asset("databaseSchema", asset))
        for asset in assets.filter(type__in=(AssetType.TABLE, AssetType.VIEW)):
            doc["tables"].append(render_asset("table", asset))
    tags = list(Tag.objects.order_by("name"))
    if tags:
        doc["classifications"].append(
            {
                **_meta("classification", CUSTOS),
                "name": CUSTOS,
                "description": "Tags exported from Custos.",
                "mutuallyExclusive": False,
            }
        )
    for tag in tags:
        fqn = CUSTOS + "." + make_fqn(tag.name)
        doc["tags"].append(
            {
                **_meta("tag", fqn),
                "name": tag.name,
                "description": tag.description,
                "classification": om.reference("classification", CUSTOS),
            }
        )
    terms = list(GlossaryTerm.objects.select_related("parent").order_by("fqn"))
    if terms:
        doc["glossaries"].append(
            {
                **_meta("glossary", CUSTOS),
                "name": CUSTOS,
                "description": "Business glossary exported from Custos.",
            }
        )
    for term in terms:
        fqn = CUSTOS + "." + term.fqn
        entry: dict[str, Any] = {
            **_meta("glossaryTerm", fqn),
            "name": term.name,
            "description": term.definition,
            "glossary": om.reference("glossary", CUSTOS),
            "synonyms": list(term.synonyms),
            "entityStatus": _STATUS_TO_OM.get(str(term.status), "Draft"),
        }
        if term.parent is not None:
            entry["parent"] = om.reference("glossaryTerm", CUSTOS + "." + term.parent.fqn)
        doc["glossaryTerms"].append(entry)
    return doc


def _entity_fqn(where: str, entity: Any) -> str:
    if not isinstance(entity, dict):
        raise ValidationFailed(f"{where}: an entity object expected")
    fqn = entity.get("fullyQualifiedName")
    if not isinstance(fqn, str) or not fqn:
        raise ValidationFailed(f"{where}.fullyQualifiedName: field required")
    if not isinstance(entity.get("name"), str) or not entity["name"]:
        raise ValidationFailed(f"{where}.name: field required")
    return fqn


def import_document(*, actor: Any, document: Any) -> dict[str, int]:
    """Import tables, tags and glossary terms; all or nothing. Returns counts."""
    if not isinstance(document, dict):
        raise ValidationFailed("An OpenMetadata entity document (a JSON object) is expected.")
    for key in LISTS:
        if key in document and not isinstance(document[key], list):
            raise ValidationFailed(f"{key}: a list expected")
    counts = {"tables": 0, "tags": 0, "glossary_terms": 0}
    tables: list[tuple[str, str, dict[str, Any]]] = []
    for i, entity in enumerate(document.get("tables") or []):
        where = f"tables[{i}]"
        fqn = _entity_fqn(where, entity)
        parts = split_fqn(fqn)
        if len(parts) != 4:
            raise ValidationFailed(f"{where}.fullyQualifiedName: service.database.schema.table")
        try:
            om._check_columns(f"{where}.columns", entity.get("columns"))
        except om.EntityError as exc:
            raise ValidationFailed(str(exc)) from exc
        if not Source.objects.filter(name=parts[0]).exists():
            raise ValidationFailed(
                f"{where}: no Custos source named {parts[0]!r}; register it before importing."
            )
        body = om.clean_entity("table", entity)
        body["id"] = om.entity_id("table", fqn)
        body["columns"] = om._with_column_fqns(fqn, body["columns"])
        tables.append(("table", fqn, body))
    with transaction.atomic():
        for i, entity in enumerate(document.get("tags") or []):
            fqn = _entity_fqn(f"tags[{i}]", entity)
            name = om.custos_tag_name(fqn)
            tag, created = Tag.objects.get_or_create(name=name)
            description = str(entity.get("description") or "")
            if created or (description and tag.description != description):
                tag.description = description
                tag.save()
                audit.record(
                    action="catalog.tag.import", obj=tag, changes={"from": fqn, "name": name}
                )
            counts["tags"] += 1
        counts["glossary_terms"] = _import_terms(document)
        if tables:
            totals = apply_batch(entities=tables, stale=[], lineage=[], run=None, actor=actor)
            counts["tables"] = totals["tables"]
    return counts


def _import_terms(document: dict[str, Any]) -> int:
    glossaries = {
        str(g.get("name")): g for g in document.get("glossaries") or [] if isinstance(g, dict)
    }
    entries = []
    for i, entity in enumerate(document.get("glossaryTerms") or []):
        fqn = _entity_fqn(f"glossaryTerms[{i}]", entity)
        parts = split_fqn(fqn)
        if len(parts) < 2:
            raise ValidationFailed(f"glossaryTerms[{i}].fullyQualifiedName: glossary.term")
        if parts[0] == CUSTOS:
            parts = parts[1:]  # our own glossary: terms live at the root
        entries.append((parts, entity))
    # a foreign glossary becomes a root term holding its terms
    for name, g in glossaries.items():
        if name != CUSTOS and any(p[0] == name for p, _ in entries):
            entries.append(([name], {"description": g.get("description") or "", "name": name}))
    count = 0
    by_fqn: dict[str, GlossaryTerm] = {}
    for parts, entity in sorted(entries, key=lambda e: len(e[0])):
        parent = by_fqn.get(make_fqn(*parts[:-1])) if len(parts) > 1 else None
        if len(parts) > 1 and parent is None:
            parent = GlossaryTerm.objects.filter(fqn=make_fqn(*parts[:-1])).first()
        synonyms = entity.get("synonyms") or []
        if not isinstance(synonyms, list):
            raise ValidationFailed(f"glossary term {parts[-1]}: synonyms must be a list")
        status = _STATUS_FROM_OM.get(str(entity.get("entityStatus")), TermStatus.DRAFT)
        term, created = GlossaryTerm.objects.update_or_create(
            fqn=make_fqn(*parts),
            defaults={
                "name": parts[-1],
                "parent": parent,
                "definition": str(entity.get("description") or ""),
                "synonyms": [str(s) for s in synonyms],
                "status": status,
            },
        )
        audit.record(
            action="catalog.term.import",
            obj=term,
            changes={"created": created, "name": term.name},
        )
        search.index_term(term)
        by_fqn[term.fqn] = term
        count += 1
    return count

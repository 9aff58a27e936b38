"""Subject access: everything held about the subject, as a signed zip of JSON per table."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from catalog.ingest.native import connect
from catalog.models import Source
from gdpr.discovery import discover
from gdpr.evidence import sign_document
from gdpr.sourcesql import rows

MAX_ROWS = 10_000


def _safe_name(fqn: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in fqn)


def build_bundle(
    *,
    request_id: int,
    subject_ref: str,
    sources: list[Source],
    identifiers: dict[str, list[str]],
    known_keys: dict[int, list[Any]],
) -> bytes:
    from catalog.services import source_dsn

    found = discover(sources=sources, identifiers=identifiers, known_keys=known_keys)
    buffer = io.BytesIO()
    tables: list[dict[str, Any]] = []
    engines: dict[int, Any] = {}
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for finding in sorted(found.base_findings(), key=lambda f: f.table.fqn):
                if not finding.rows:
                    continue
                sid = finding.table.source_id
                if sid not in engines:
                    engines[sid] = connect(source_dsn(next(s for s in sources if s.pk == sid)))
                with engines[sid].connect() as conn:
                    columns, data = rows(conn, finding.table.ref, finding.predicate, MAX_ROWS)
                body = json.dumps(
                    {"table": finding.table.fqn, "columns": columns, "rows": data},
                    cls=DjangoJSONEncoder,
                    indent=2,
                    ensure_ascii=False,
                ).encode()
                name = f"tables/{_safe_name(finding.table.fqn)}.json"
                zf.writestr(name, body)
                tables.append(
                    {
                        "table": finding.table.fqn,
                        "file": name,
                        "rows": len(data),
                        "truncated": len(data) >= MAX_ROWS,
                        "sha256": hashlib.sha256(body).hexdigest(),
                    }
                )
            manifest = {
                "type": "custos.gdpr.subject_access",
                "request": request_id,
                "subject": subject_ref,
                "generated_at": timezone.now().isoformat(),
                "tables": tables,
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
            signed = sign_document(manifest)
            zf.writestr("signature.json", json.dumps(signed["signature"], indent=2))
    finally:
        for engine in engines.values():
            engine.dispose()
    return buffer.getvalue()

"""Validate Custos' answers with OpenMetadata's own pydantic models.

Runs under ``.venv-ingest/bin/python`` (never in the web process): reads JSON Lines of
``{"model": "<name>", "data": {...}}`` on stdin and prints one JSON line per input:
``{"ok": true}`` or ``{"ok": false, "error": "..."}``. ``tests/om/helpers.py`` drives it.
"""

from __future__ import annotations

import json
import sys
import warnings

warnings.filterwarnings("ignore")


def _models() -> dict[str, type]:
    from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
    from metadata.generated.schema.entity.classification.classification import Classification
    from metadata.generated.schema.entity.classification.tag import Tag
    from metadata.generated.schema.entity.data.database import Database
    from metadata.generated.schema.entity.data.databaseSchema import DatabaseSchema
    from metadata.generated.schema.entity.data.glossary import Glossary
    from metadata.generated.schema.entity.data.glossaryTerm import GlossaryTerm
    from metadata.generated.schema.entity.data.storedProcedure import StoredProcedure
    from metadata.generated.schema.entity.data.table import Table
    from metadata.generated.schema.entity.services.connections.testConnectionDefinition import (
        TestConnectionDefinition,
    )
    from metadata.generated.schema.entity.services.databaseService import DatabaseService
    from metadata.generated.schema.type.bulkOperationResult import BulkOperationResult
    from metadata.generated.schema.type.entityLineage import LineageDetails
    from metadata.ingestion.ometa.mixins.es_mixin import ESResponse

    return {
        "Table": Table,
        "Database": Database,
        "DatabaseSchema": DatabaseSchema,
        "DatabaseService": DatabaseService,
        "StoredProcedure": StoredProcedure,
        "Classification": Classification,
        "Tag": Tag,
        "Glossary": Glossary,
        "GlossaryTerm": GlossaryTerm,
        "TestConnectionDefinition": TestConnectionDefinition,
        "BulkOperationResult": BulkOperationResult,
        "LineageDetails": LineageDetails,
        "AddLineageRequest": AddLineageRequest,
        "ESResponse": ESResponse,
    }


def main() -> None:
    models = _models()
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        try:
            model = models[item["model"]]
            model.model_validate(item["data"])
            out = {"ok": True}
        except Exception as exc:
            out = {"ok": False, "error": f"{item.get('model')}: {str(exc)[:2000]}"}
        sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()

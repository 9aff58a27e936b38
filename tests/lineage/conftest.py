from __future__ import annotations

from typing import Any

import pytest

from catalog.demo import transformation_scripts
from lineage import services
from lineage.ingest.querylog import QueryEntry


@pytest.fixture
def lineage_air(catalog_source: Any) -> Any:
    """The ``air`` demo source with view lineage (ingestion hook) and its scripts' lineage."""
    scripts = transformation_scripts("sqlite")
    services.ingest_sql(
        source=catalog_source, entries=[QueryEntry(sql=s.sql, label=s.name) for s in scripts]
    )
    return catalog_source

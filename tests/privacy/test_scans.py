"""PII scans: sampling pushed down, detections stored with evidence (no values), steward
rejections remembered, re-scans withdrawing or flagging what no longer holds, drift-driven
scans, and the demo warehouse on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog.demo import build_airline
from catalog.models import Asset, Classification, SearchEntry
from privacy import services
from privacy.models import ScanRun
from privacy.sampling import Sampler, TableRef

PASSENGERS = "air.airline.main.raw_passengers"


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _detected(fqn: str, entity: str) -> Classification:
    return Classification.objects.get(asset__fqn=fqn, entity=entity, source="detected")


def _table(fqn: str) -> Asset:
    return Asset.objects.get(fqn=fqn)


@pytest.fixture
def scanned(catalog_source: Any, admin: Any) -> ScanRun:
    scan = services.scan_now(actor=admin, source=catalog_source)
    assert scan.status == "succeeded", scan.error
    return scan


def test_source_scan_proposes_detections_with_explanations(
    scanned: ScanRun, demo_sqlite: str
) -> None:
    stats = scanned.stats
    assert stats["tables"] >= 10 and stats["columns"] > 100 and not stats["errors"]
    assert scanned.progress_done == scanned.progress_total == stats["tables"]
    email = _detected(f"{PASSENGERS}.email", "EMAIL_ADDRESS")
    assert email.status == "proposed" and email.confidence > 0.9
    assert "EmailRecognizer" in email.explanation
    notes = Classification.objects.get(asset__fqn__endswith="raw_customer_notes.note_text")
    assert notes.entity == "FREE_TEXT_PII" and notes.evidence["free_text"]
    assert "EMAIL_ADDRESS" in notes.evidence["entities_in_text"]
    # hard negatives of the demo are not flagged
    flagged = set(Classification.objects.values_list("asset__name", flat=True))
    assert not flagged & {"ticket_number", "order_code", "amount", "invoice_number", "season_code"}
    # search facet follows
    entry = SearchEntry.objects.get(asset__fqn=f"{PASSENGERS}.email")
    assert "EMAIL_ADDRESS" in entry.classification_list
    assert (
        AuditEvent.objects.filter(action="privacy.classification.detect").count() == stats["create"]
    )
    assert AuditEvent.objects.filter(action="privacy.scan.succeeded").exists()


def test_evidence_holds_recognizers_and_shares_never_values(
    scanned: ScanRun, demo_sqlite: str
) -> None:
    with sqlite3.connect(_path(demo_sqlite)) as conn:
        values = [r[0] for r in conn.execute("SELECT email FROM raw_passengers LIMIT 50")]
        notes = [r[0] for r in conn.execute("SELECT note_text FROM raw_customer_notes LIMIT 50")]
    for row in Classification.objects.all():
        blob = json.dumps(row.evidence) + row.explanation
        assert not any(v and v in blob for v in values + notes), row
    email = _detected(f"{PASSENGERS}.email", "EMAIL_ADDRESS")
    signal = next(s for s in email.evidence["signals"] if s["kind"] == "value")
    assert signal["detail"] == "EmailRecognizer" and signal["share"] > 0.9
    assert email.evidence["fingerprint"] == {"entity": "EMAIL_ADDRESS", "score": email.confidence}


def test_sampling_sql_is_bounded(catalog_source: Any, demo_sqlite: str) -> None:
    engine = sa.create_engine(demo_sqlite)
    with Sampler(engine, max_rows=50, max_values=10) as sampler:
        sample = sampler.sample(TableRef("raw_bookings", ("pnr", "booking_id"), row_count=600))
    engine.dispose()
    assert sample.method == "limit" and sample.rows == 50
    assert len(sample.values["pnr"]) == 10
    assert sample.statements and all("LIMIT" in s for s in sample.statements)


def test_rejection_is_remembered_until_the_evidence_changes(
    scanned: ScanRun, admin: Any, sam: Any, catalog_source: Any
) -> None:
    passport = _detected(f"{PASSENGERS}.passport_number", "PASSPORT")
    services.review(actor=sam, classification=passport, action="reject", note="travel doc ids")
    passport.refresh_from_db()
    assert passport.status == "rejected"
    assert passport.evidence["rejected"]["score"] == passport.confidence
    table = _table(PASSENGERS)
    services.scan_now(actor=admin, source=catalog_source, table=table)
    passport.refresh_from_db()
    assert passport.status == "rejected"
    assert Classification.objects.filter(asset=passport.asset).count() == 1
    # the evidence moved by more than 0.15 since the rejection -> raised again
    passport.evidence = {**passport.evidence, "rejected": {"score": passport.confidence - 0.3}}
    passport.save()
    services.scan_now(actor=admin, source=catalog_source, table=table)
    passport.refresh_from_db()
    assert passport.status == "proposed"
    assert "evidence changed" in passport.evidence["reraised"]["reason"]
    assert AuditEvent.objects.filter(action="privacy.classification.reraise").count() == 1


def test_rescan_withdraws_stale_proposals_and_flags_confirmed_ones(
    scanned: ScanRun, admin: Any, sam: Any, catalog_source: Any, demo_sqlite: str
) -> None:
    card = _detected("air.airline.main.raw_payments.card_number", "CREDIT_CARD")
    services.review(actor=sam, classification=card, action="confirm")
    phone = _detected(f"{PASSENGERS}.phone", "PHONE_NUMBER")
    with sqlite3.connect(_path(demo_sqlite)) as conn:
        conn.execute("UPDATE raw_passengers SET phone = 'hello world'")
        conn.execute("UPDATE raw_payments SET card_number = 'abc'")
    services.scan_now(actor=admin, source=catalog_source)
    phone.refresh_from_db()
    assert phone.status == "withdrawn"  # row kept: history
    assert "no longer detected" in phone.evidence["withdrawn"]["reason"]
    card.refresh_from_db()
    assert card.status == "confirmed"  # never silently removed
    assert card.evidence["review"]["flag"] == "no_longer_detected"
    queue = [c.pk for c in services_queue(sam)]
    assert card.pk in queue and phone.pk not in queue
    assert AuditEvent.objects.filter(action="privacy.classification.withdraw").exists()
    assert AuditEvent.objects.filter(action="privacy.classification.flag").exists()
    assert "PHONE_NUMBER" not in SearchEntry.objects.get(asset=phone.asset).classification_list
    # confirming again clears the flag
    services.review(actor=sam, classification=card, action="confirm")
    card.refresh_from_db()
    assert "review" not in card.evidence


def services_queue(user: Any) -> list[Classification]:
    from privacy.selectors import review_queue

    return list(review_queue(user))


def test_drift_after_reingestion_scans_only_new_columns(
    catalog_source: Any, admin: Any, demo_sqlite: str, django_capture_on_commit_callbacks: Any
) -> None:
    with sqlite3.connect(_path(demo_sqlite)) as conn:
        conn.execute("ALTER TABLE raw_passengers ADD COLUMN backup_email TEXT")
        conn.execute(
            "UPDATE raw_passengers SET backup_email = 'pax' || passenger_id || '@example.org'"
        )
    with django_capture_on_commit_callbacks(execute=True):
        run = catalog_services.ingest_now(actor=admin, source=catalog_source)
    assert run.status == "succeeded"
    scan = ScanRun.objects.get(ingestion_run=run)
    assert scan.scope == "changed"
    assert scan.targets == {PASSENGERS: ["backup_email"]}
    scan.refresh_from_db()
    assert scan.status == "succeeded" and scan.stats["columns"] == 1
    assert _detected(f"{PASSENGERS}.backup_email", "EMAIL_ADDRESS").status == "proposed"
    assert not Classification.objects.filter(asset__fqn=f"{PASSENGERS}.email").exists()


def test_first_ingestion_starts_no_scan(catalog_source: Any) -> None:
    assert not ScanRun.objects.exists()


def test_unreachable_source_fails_the_scan_cleanly(
    catalog_source: Any, admin: Any, demo_sqlite: str
) -> None:
    import os

    os.remove(_path(demo_sqlite))
    scan = services.scan_now(actor=admin, source=catalog_source)
    assert scan.status == "failed" and "does not exist" in scan.error
    assert "/" not in scan.error.split("does not exist")[-1]


def test_manual_classification_suppresses_the_same_proposal(
    catalog_source: Any, admin: Any, sam: Any
) -> None:
    column = Asset.objects.get(fqn=f"{PASSENGERS}.email")
    services.add_classification(actor=sam, column=column, entity="EMAIL_ADDRESS")
    services.scan_now(actor=admin, source=catalog_source, table=_table(PASSENGERS))
    assert not Classification.objects.filter(asset=column, source="detected").exists()


# -- the demo warehouse on each server -------------------------------------------------------


@pytest.mark.sources
@pytest.mark.parametrize(
    ("kind", "passengers", "big_table"),
    [
        ("postgres", "{db}.raw.passengers", "raw.bookings"),
        ("mysql", "default.{db}_raw.passengers", "{db}_raw.bookings"),
    ],
)
def test_demo_scan_on_servers(
    kind: str,
    passengers: str,
    big_table: str,
    throwaway_db: Callable[[str], str],
    admin: Any,
    db: Any,
) -> None:
    url = throwaway_db(kind)
    name = url.rsplit("/", 1)[1]
    build_airline(url, size="small", seed=5)
    layers = [f"{name}_{layer}" for layer in ("raw", "staging", "marts")]
    source = catalog_services.create_source(
        actor=admin,
        name=f"t-{kind}",
        dsn=url,
        include_schemas=layers if kind == "mysql" else None,  # not the server's other DBs
    )
    assert catalog_services.ingest_now(actor=admin, source=source).status == "succeeded"
    scan = services.scan_now(actor=admin, source=source)
    assert scan.status == "succeeded", scan.error
    assert not scan.stats["errors"] and scan.stats["tables"] >= 10
    fqn = f"t-{kind}." + passengers.format(db=name)
    assert _detected(f"{fqn}.email", "EMAIL_ADDRESS").status == "proposed"
    assert _detected(f"{fqn}.passport_number", "PASSPORT").confidence > 0.8
    # pushed-down sampling: LIMIT everywhere, TABLESAMPLE on big PostgreSQL tables
    schema, table = big_table.format(db=name).split(".")
    engine = sa.create_engine(url)
    with Sampler(engine, big_table_rows=100) as sampler:
        sample = sampler.sample(TableRef(table, ("pnr",), schema=schema, row_count=600))
    engine.dispose()
    assert all("LIMIT" in s.upper() for s in sample.statements)
    if kind == "postgres":
        assert sample.method.startswith("tablesample")
        assert "TABLESAMPLE" in sample.statements[0]
    assert sample.values["pnr"]

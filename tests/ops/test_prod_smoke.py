"""Smoke test of the production stack: gunicorn + RQ workers + PostgreSQL, production
settings, on loopback (``make smoke-prod``; see tests/ops/prodstack.py)."""

from __future__ import annotations

import re

import pytest

from tests.ops.prodstack import DEMO_SOURCE, ProdStack

pytestmark = pytest.mark.prodstack


def test_health_readiness_and_metrics(prodstack: ProdStack) -> None:
    assert prodstack.get("/healthz").json() == {"status": "ok"}
    ready = prodstack.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "postgresql"}
    metrics = prodstack.get("/metrics")
    assert metrics.status_code == 200
    # merged from every gunicorn worker (PROMETHEUS_MULTIPROC_DIR) plus database gauges
    assert "custos_http_request_duration_seconds_bucket" in metrics.text
    columns = re.search(r"^custos_catalog_columns (\S+)$", metrics.text, re.MULTILINE)
    assert columns is not None and float(columns.group(1)) > 0


def test_login_page_and_its_static_files_are_served(prodstack: ProdStack) -> None:
    page = prodstack.get("/login/")
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in page.headers  # CUSTOS_HSTS_SECONDS=0 locally
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page.text)
    assert stylesheets, "the login page links no stylesheet"
    for href in stylesheets:
        css = prodstack.get(href)
        assert css.status_code == 200, href
        assert css.headers["content-type"].startswith("text/css")
        assert "max-age" in css.headers.get("cache-control", "")  # whitenoise, not Django


def test_api_needs_a_token(prodstack: ProdStack) -> None:
    anonymous = prodstack.get("/api/v1/sources")
    assert anonymous.status_code in (401, 403)
    assert "error" in anonymous.json()
    sources = prodstack.api("GET", "/sources")
    assert sources.status_code == 200
    assert DEMO_SOURCE in [s["name"] for s in sources.json()["results"]]


def test_ingestion_through_the_api_runs_on_an_rq_worker(prodstack: ProdStack) -> None:
    started = prodstack.api("POST", f"/sources/{DEMO_SOURCE}/ingest")
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]

    finished = prodstack.wait_run(run_id, timeout=90)

    assert finished["status"] == "succeeded", finished["error"]
    assert finished["stats"]["tables"] > 0
    row = prodstack.run_row(run_id)
    assert row["worker"].startswith(f"smoke-{prodstack.id}-"), row  # not run inline by gunicorn
    assert row["attempts"] == 1
    found = prodstack.api("GET", "/search", params={"q": "passengers", "type": "table"})
    assert found.status_code == 200
    fqns = [r["fqn"] for r in found.json()["results"]]
    assert any(f.startswith(f"{DEMO_SOURCE}.") and f.endswith("passengers") for f in fqns), fqns

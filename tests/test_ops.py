"""Health, readiness, metrics, request ids."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_health_and_readiness(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"


def test_metrics_exposes_custos_gauges_to_loopback(client: Any, catalog_source: Any) -> None:
    client.get("/healthz")
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "custos_http_request_duration_seconds_bucket" in body
    assert "custos_audit_chain_length" in body
    assert "custos_catalog_columns" in body


def test_metrics_refused_remotely_or_without_token(client: Any, settings: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    settings.CUSTOS_METRICS_TOKEN = "s3cret-metrics"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics")
    assert ok.status_code == 200


def test_request_id_is_echoed_or_generated(client: Any) -> None:
    assert (
        client.get("/healthz", HTTP_X_REQUEST_ID="abcdef123456").headers["X-Request-ID"]
        == "abcdef123456"
    )
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id!").headers["X-Request-ID"]
    assert generated != "bad id!"
    assert len(generated) == 32


def test_security_headers(client: Any) -> None:
    resp = client.get("/login/")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"

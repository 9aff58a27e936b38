"""Prometheus metrics: request latency, job queue, ingest/scan counters, audit chain,
policy decisions. Served at ``/metrics``.

Counters and histograms live in-process (set ``PROMETHEUS_MULTIPROC_DIR`` under gunicorn
so all workers' samples are merged). Queue depth, failed jobs and chain length are read
from the database at scrape time, so any node reports the cluster-wide value.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

REQUEST_LATENCY = Histogram(
    "custos_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_DURATION = Histogram(
    "custos_job_duration_seconds",
    "Background job duration",
    ["job", "outcome"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)
INGESTED_ASSETS = Counter(
    "custos_ingested_assets_total", "Assets created or updated by ingestion", ["source"]
)
SCANNED_COLUMNS = Counter(
    "custos_scanned_columns_total", "Columns classified by PII scans", ["source"]
)
POLICY_DECISIONS = Counter(
    "custos_policy_decisions_total", "Access decisions at enforcement points", ["point", "decision"]
)


def _scalar(sql: str) -> float:
    with connection.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
    return float(row[0] or 0) if row else 0.0


class DatabaseCollector(Collector):
    """Cluster-wide gauges read at scrape time (cheap indexed queries)."""

    def collect(self) -> Iterator[Any]:
        checks: list[tuple[str, str, str]] = [
            (
                "custos_audit_chain_length",
                "Number of events in the audit chain",
                "SELECT max(seq) FROM audit_auditevent",
            ),
            (
                "custos_jobs_queued",
                "Background jobs waiting to run",
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'",
            ),
            (
                "custos_jobs_failed",
                "Background jobs that failed",
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'",
            ),
            (
                "custos_ingestion_runs_failed",
                "Ingestion runs that failed",
                "SELECT count(*) FROM catalog_ingestionrun WHERE status = 'failed'",
            ),
            (
                "custos_catalog_columns",
                "Live catalogued columns",
                "SELECT count(*) FROM catalog_asset WHERE type = 'column' AND deleted_at IS NULL",
            ),
        ]
        for name, doc, sql in checks:
            try:
                value = _scalar(sql)
            except Exception:  # noqa: S112 - a table of an optional backend may be absent
                continue
            family = GaugeMetricFamily(name, doc)
            family.add_metric([], value)
            yield family


_collector_registered = False


def _registry() -> CollectorRegistry:
    global _collector_registered
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DatabaseCollector())
        return registry
    if not _collector_registered:
        REGISTRY.register(DatabaseCollector())
        _collector_registered = True
    return REGISTRY


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition. Needs ``CUSTOS_METRICS_TOKEN`` as a bearer token when set,
    otherwise only loopback clients may scrape."""
    token = getattr(settings, "CUSTOS_METRICS_TOKEN", "")
    if token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied, token):
            return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    elif request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1"):
        return HttpResponse(
            "metrics are served to loopback only\n", status=403, content_type="text/plain"
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        REQUEST_LATENCY.labels(
            request.method or "", route[:120], f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - start)
        return response

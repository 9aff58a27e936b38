"""Property-based API test: Schemathesis against the OpenAPI schema served at /api/schema/.

Every operation of the schema is called in-process (WSGI) on pytest-django's test database,
as an admin with a real API token, over the small demo catalog (source ``air``) plus one object
of each kind the API manages (term, owner, access request, grant, masking policy,
classification, scan, erasure request, legal hold, retention policy, audit export, spare
token). Generated path, query and body values are now and then swapped for those objects'
identifiers (the ``flatmap_*`` hooks below), so cases reach the success paths, not only 404s.

Each answer must: not be a 5xx; have a documented status code, content type and headers;
match the documented body schema. Runs are deterministic (``derandomize``) and bounded:
``test_api_conforms_to_its_schema`` (the suite, ~1.5 min) takes the schema's examples and
``FAST_EXAMPLES`` generated cases per operation; ``..._deep`` (``slow``: ``make test-slow``,
~2.5-3.5 min) adds Schemathesis' coverage phase (boundary values, wrong types, malformed
bodies and media types for every parameter) and ``DEEP_EXAMPLES`` cases. A failure prints
the request as a curl command: replay it with the ``api`` fixture.

The test is deliberately not transactional: jobs that endpoints queue with
``transaction.on_commit`` (ingestion, privacy scans, the OpenMetadata CLI run behind
``POST /sources/{name}/om-ingest``) are never started, so no operation has to be excluded.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import checks

from custos.wsgi import application

# Generated cases per operation, beyond Schemathesis' examples and (deep run) coverage cases.
FAST_EXAMPLES = int(os.environ.get("CUSTOS_SCHEMATHESIS_FAST_EXAMPLES", "10"))
DEEP_EXAMPLES = int(os.environ.get("CUSTOS_SCHEMATHESIS_DEEP_EXAMPLES", "25"))

TABLE = "air.airline.main.raw_passengers"
OTHER_TABLE = "air.airline.main.mart_marketing_contacts"
COLUMN = f"{TABLE}.email"


def _config(*, coverage: bool) -> schemathesis.Config:
    # The coverage phase: deterministic boundary and wrong-type values for every parameter.
    return schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": coverage}}})


schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=_config(coverage=False))
deep_schema = schemathesis.openapi.from_dict(
    copy.deepcopy(schema.raw_schema), config=_config(coverage=True)
)
deep_schema.app = application

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]

# Real values by parameter (or body field) name; ``id`` is filled per test from the objects
# the ``world`` fixture creates, keyed by the collection path in front of ``{id}``.
KNOWN: dict[str, list[Any]] = {
    "fqn": [TABLE, COLUMN, "air", "air.airline.main"],
    "name": ["air"],
    "tag": ["pii"],
    "entity": ["EMAIL_ADDRESS"],
    "username": ["admin", "alice"],
    "column": [COLUMN],
    "table": [TABLE],
    "source": ["air"],
    "from": [TABLE],
    "to": [OTHER_TABLE],
    "user": ["alice"],
    "group": ["Analyst"],
    "role": ["Analyst"],
    "q": ["passenger", "email"],
    "asset": [TABLE],
    "assets": [[TABLE]],
    "sql": ["SELECT email FROM raw_passengers", "SELECT * FROM mart_marketing_contacts"],
}
KNOWN_IDS: dict[str, list[Any]] = {}


def _known_for(context: Any, name: str) -> list[Any]:
    if name != "id":
        return KNOWN.get(name, [])
    path = context.operation.path
    prefix = path[: path.index("{id}")]
    return KNOWN_IDS.get(prefix, [])


def _with_known_values(context: Any, generated: Any, names: list[str]) -> Any:
    """The generated dict as is, or with known values in place of some fields."""
    if not isinstance(generated, dict):
        return st.just(generated)
    choices = {n: _known_for(context, n) for n in names}
    choices = {n: values for n, values in choices.items() if values}
    if not choices:
        return st.just(generated)
    swapped = st.fixed_dictionaries(
        {n: st.sampled_from(values) for n, values in choices.items()}
    ).map(lambda known: {**generated, **known})
    return st.one_of(st.just(generated), swapped)


def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    return _with_known_values(context, path_parameters, list(path_parameters or ()))


def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    names = [p.name for p in context.operation.query]
    return _with_known_values(context, query, names)


def flatmap_body(context: Any, body: Any) -> Any:
    return _with_known_values(context, body, list(body) if isinstance(body, dict) else [])


for _loaded in (schema, deep_schema):
    _loaded.hook(flatmap_path_parameters)
    _loaded.hook(flatmap_query)
    _loaded.hook(flatmap_body)


@contextmanager
def _in_test_transaction() -> Iterator[None]:
    """Raw WSGI calls that leave the test's connection (and its transaction) alone.

    Django closes "obsolete" connections when a request starts and ends; inside the test's
    transaction that would roll it back. Django's test client switches this off around each
    of its own requests (and back on after), so it is switched off here around each call.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _created(client: APIClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = client.post(url, body, format="json")
    assert resp.status_code in (200, 201, 202), (url, resp.content)
    result: dict[str, Any] = resp.json()
    return result


@pytest.fixture
def world(
    admin: Any, alice: Any, catalog_source: Any, api: Callable[[Any], APIClient]
) -> Iterator[dict[str, str]]:
    """One object of each kind, made through the API; returns the admin's auth header."""
    from access.tokens import create_token
    from catalog.models import IngestionRun

    as_admin, as_alice = api(admin), api(alice)
    term = _created(as_admin, "/api/v1/glossary/terms", {"name": "Passenger"})
    _created(as_admin, f"/api/v1/glossary/terms/{term['id']}/assets", {"fqn": TABLE})
    _created(as_admin, f"/api/v1/assets/{TABLE}/tags", {"tag": "pii"})
    owner = _created(as_admin, f"/api/v1/assets/{TABLE}/owners", {"user": "alice"})
    pending = _created(
        as_alice, "/api/v1/access-requests", {"assets": [TABLE], "reason": "churn study"}
    )
    approved = _created(
        as_alice, "/api/v1/access-requests", {"assets": [OTHER_TABLE], "reason": "campaign"}
    )
    approved = _created(as_admin, f"/api/v1/access-requests/{approved['id']}/approve", {})
    policy = _created(
        as_admin,
        "/api/v1/access/policies/masking",
        {
            "name": "emails",
            "target_kind": "classification",
            "entity": "email_address",
            "operator": "partial",
            "group": "Analyst",
        },
    )
    classification = _created(
        as_admin, f"/api/v1/privacy/columns/{COLUMN}/classifications", {"entity": "EMAIL_ADDRESS"}
    )
    scan = _created(as_admin, "/api/v1/privacy/scans", {"source": "air"})
    erasure = _created(
        as_admin, "/api/v1/privacy/erasure-requests", {"identifiers": {"email": "a@example.com"}}
    )
    hold = _created(
        as_admin, "/api/v1/privacy/legal-holds", {"table": OTHER_TABLE, "reason": "litigation"}
    )
    retention = _created(
        as_admin,
        "/api/v1/privacy/retention-policies",
        {
            "name": "old notes",
            "table": "air.airline.main.raw_customer_notes",
            "date_column": "created_at",
            "older_than_days": 3650,
            "action": "delete",
        },
    )
    export = _created(as_admin, "/api/v1/audit/exports", {"scope": "all"})
    spare, _ = create_token(user=admin, name="spare")  # revoking it leaves the test's token
    _, plain = create_token(user=admin, name="schemathesis")
    KNOWN_IDS.clear()
    KNOWN_IDS.update(
        {
            "/api/v1/glossary/terms/": [term["id"]],
            "/api/v1/owners/": [owner["id"]],
            "/api/v1/access-requests/": [pending["id"], approved["id"]],
            "/api/v1/access/grants/": [g["id"] for g in approved["grants"]],
            "/api/v1/access/policies/{kind}/": [policy["id"]],
            "/api/v1/privacy/classifications/": [classification["id"]],
            "/api/v1/privacy/scans/": [scan["id"]],
            "/api/v1/privacy/erasure-requests/": [erasure["id"]],
            "/api/v1/privacy/legal-holds/": [hold["id"]],
            "/api/v1/privacy/retention-policies/": [retention["id"]],
            "/api/v1/audit/exports/": [export["id"]],
            "/api/v1/tokens/": [spare.pk],
            "/api/v1/ingestion-runs/": list(IngestionRun.objects.values_list("pk", flat=True)),
        }
    )
    yield {"Authorization": f"Token {plain}"}
    KNOWN_IDS.clear()


# The world is made once per operation and its examples then share it, as real clients do.
_HEALTH_CHECKS_THAT_DO_NOT_APPLY = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FAST_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_HEALTH_CHECKS_THAT_DO_NOT_APPLY,
)
def test_api_conforms_to_its_schema(case: Any, world: dict[str, str]) -> None:
    with _in_test_transaction():
        case.call_and_validate(headers=world, checks=CHECKS)


@pytest.mark.slow
@pytest.mark.django_db
@deep_schema.parametrize()
@settings(
    max_examples=DEEP_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_HEALTH_CHECKS_THAT_DO_NOT_APPLY,
)
def test_api_conforms_to_its_schema_deep(case: Any, world: dict[str, str]) -> None:
    """Coverage phase (boundary and wrong-type values of every parameter) plus more cases."""
    with _in_test_transaction():
        case.call_and_validate(headers=world, checks=CHECKS)


# Findings of the runs above, pinned as plain tests (the fuzzer meets them only with some seeds).


@pytest.mark.django_db
def test_any_method_on_an_unknown_api_path_is_a_json_404(admin: Any) -> None:
    from access.tokens import create_token

    client = APIClient(enforce_csrf_checks=True)  # as a real client: no CSRF exemption
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_token(user=admin, name='t')[1]}")
    # An id that is not a number matches no API route: this was a CSRF failure page (HTML 403).
    resp = client.post("/api/v1/access-requests/%C2%84/approve/", {}, format="json")
    assert resp.status_code == 404, resp.content
    assert resp.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_removing_a_tag_the_asset_does_not_have_is_404_whatever_its_name(
    admin: Any, catalog_source: Any, api: Callable[[Any], APIClient]
) -> None:
    # A name outside [-\w] used to fall through to GET-only /assets/{fqn}: a 405.
    for tag in ("%C2%84", "no-such-tag"):
        resp = api(admin).delete(f"/api/v1/assets/{TABLE}/tags/{tag}/")
        assert resp.status_code == 404, resp.content
        assert resp.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_bulk_review_with_an_id_beyond_64_bits_is_400_not_500(
    admin: Any, api: Callable[[Any], APIClient]
) -> None:
    resp = api(admin).post(
        "/api/v1/privacy/review/bulk", {"ids": [2**70], "action": "confirm"}, format="json"
    )
    assert resp.status_code == 400, resp.content
    assert resp.json()["error"]["details"]["ids"]


@pytest.mark.django_db
def test_a_body_in_an_unparsed_media_type_is_a_documented_415(
    admin: Any, api: Callable[[Any], APIClient]
) -> None:
    resp = api(admin).post("/api/v1/tokens/", b"name=x", content_type="text/plain")
    assert resp.status_code == 415, resp.content
    documented = schema["/api/v1/tokens/"]["POST"].definition.raw["responses"]
    assert "415" in documented

"""Column classification: values + names into one entity, free text, explanations, API."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from faker import Faker

from privacy.detect import (
    ENTITIES,
    FREE_TEXT_PII,
    ColumnClassifier,
    ColumnResult,
    ColumnSample,
    get_classifier,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fake() -> Faker:
    Faker.seed(11)
    return Faker(["en_US", "en_GB", "de_DE", "id_ID"])


def classify(name: str, values: Sequence[object], **kwargs: str) -> ColumnResult:
    return get_classifier().classify(ColumnSample(name=name, values=values, **kwargs))


def test_email_by_name_and_values(fake: Faker) -> None:
    result = classify("e_mail", [fake.email() for _ in range(50)])
    assert result.entity == "EMAIL_ADDRESS"
    assert result.score > 0.9
    assert {e.kind for e in result.evidence} >= {"value", "name"}


@pytest.mark.parametrize(
    ("name", "entity", "make"),
    [
        ("no_hp", "PHONE_NUMBER", lambda f: f.phone_number()),
        ("card", "CREDIT_CARD", lambda f: f.credit_card_number()),
        ("kontonummer", "IBAN_CODE", lambda f: f.iban()),
        ("client_ip", "IP_ADDRESS", lambda f: f.ipv4()),
        ("ssn", "US_SSN", lambda f: f.ssn()),
        ("tgl_lahir", "DATE_OF_BIRTH", lambda f: str(f.date_of_birth())),
        ("nombre", "PERSON", lambda f: f.name()),
        ("alamat", "POSTAL_ADDRESS", lambda f: f.address()),
        ("home_city", "LOCATION", lambda f: f.city()),
    ],
)
def test_named_columns(fake: Faker, name: str, entity: str, make: object) -> None:
    assert callable(make)
    assert classify(name, [make(fake) for _ in range(40)]).entity == entity


def test_airline_identifiers() -> None:
    pnrs = ["X7KQ2M", "ABC3DE", "Q9ZP4L", "MN2K8T", "ZZ4Q7P"]
    assert classify("record_locator", pnrs).entity == "BOOKING_REFERENCE"
    ffns = ["992004512345678", "GA123456789", "12345678", "KL 1234567890"]
    assert classify("frequent_flyer_no", ffns).entity == "FREQUENT_FLYER_NUMBER"
    passports = ["J8369854", "12AB34567", "C01X00T47", "K1234567"]
    assert classify("passport_no", passports).entity == "PASSPORT"
    apis = ["SMITH/JOHN MR", "SARI/DEWI MRS", "MUELLER/ANNA MS"]
    assert classify("c11", apis).entity == "PERSON"


def test_opaque_names_are_decided_by_values_alone(fake: Faker) -> None:
    assert classify("c1", [fake.email() for _ in range(30)]).entity == "EMAIL_ADDRESS"
    assert classify("attr_7", ["GB82WEST12345698765432", "DE89370400440532013000"]).entity == (
        "IBAN_CODE"
    )
    # Weak shapes need a name: six upper-case characters could be any code.
    assert classify("c2", ["X7KQ2M", "ABC3DE", "Q9ZP4L", "MN2K8T"]).entity is None


def test_opaque_names_use_a_stricter_threshold() -> None:
    values = ["AB123456C", "CE654321A", "JK112233D", "HL998877B"]  # UK NINO, value score 0.75
    strict = ColumnClassifier(threshold=0.65)
    assert strict.classify(ColumnSample(name="holder_info", values=values)).entity == "NATIONAL_ID"
    assert strict.classify(ColumnSample(name="c3", values=values)).entity is None


def test_values_contradicting_the_name_cancel_it() -> None:
    assert classify("email", ["yes", "no", "unknown", "maybe"]).entity is None
    assert classify("phone_type", ["mobile", "home", "work"]).entity is None


def test_schema_only_column_uses_name() -> None:
    result = classify("date_of_birth", [])
    assert result.entity == "DATE_OF_BIRTH"
    assert classify("notes", []).entity is None


def test_free_text_with_pii_inside() -> None:
    notes = [
        "Seat change requested by the passenger",
        "Passenger asked for a callback, call me at +44 20 7946 0958 after 6pm",
        "Refund to be sent to dewi.sari@example.co.id as discussed",
        "Meal preference updated to vegetarian for both legs",
    ]
    result = classify("notes", notes)
    assert result.entity == FREE_TEXT_PII
    assert result.free_text is True
    assert set(result.entities_in_text) == {"PHONE_NUMBER", "EMAIL_ADDRESS"}
    assert "free text" in result.explain()


def test_free_text_without_pii_is_not_pii() -> None:
    notes = ["Flight delayed 45 minutes at gate 12", "Crew change in Singapore, no issues"] * 3
    result = classify("remarks", notes)
    assert result.entity is None
    assert result.free_text is False


def test_free_text_needs_context_for_weak_shapes() -> None:
    with_cue = ["Passport number K1234567 checked at the counter today"] * 2
    without = ["Order K1234567 was shipped from the warehouse today"] * 2
    assert "PASSPORT" in classify("remarks", with_cue).entities_in_text
    assert classify("remarks", without).entity is None


def test_explain_is_one_sentence_naming_share_recognizer_and_name() -> None:
    values = [f"user{i}@example.com" for i in range(62)] + [f"n/a {i}" for i in range(38)]
    result = classify("e_mail", values)
    assert result.entity == "EMAIL_ADDRESS"
    assert result.explain() == (
        "62% of 100 sampled values matched EmailRecognizer; "
        "column name 'e_mail' suggests EMAIL_ADDRESS"
    )
    assert "\n" not in result.explain()


def test_explain_for_no_pii_gives_the_guard() -> None:
    text = classify("ACADEMIC_YEAR_CODE", ["2019", "2020", "2021"]).explain()
    assert text.startswith("no PII")
    assert "years" in text


def test_sampling_dedupes_and_caps() -> None:
    classifier = ColumnClassifier(max_samples=10)
    values = [f"user{i}@example.com" for i in range(50)] * 3 + [None, "", "  "]
    result = classifier.classify(ColumnSample(name="email", values=values))
    assert result.sampled == 10
    share = next(e.share for e in result.evidence if e.kind == "value")
    assert share == 1.0


def test_entities_restriction() -> None:
    only_phone = ColumnClassifier(entities=["PHONE_NUMBER"])
    result = only_phone.classify(ColumnSample(name="email", values=["a@example.com"]))
    assert result.entity is None
    with pytest.raises(ValueError, match="unknown entities"):
        ColumnClassifier(entities=["NOT_AN_ENTITY"])


def test_classify_many_matches_classify(fake: Faker) -> None:
    columns = [
        ColumnSample(name="email", values=[fake.email() for _ in range(10)]),
        ColumnSample(name="order_id", values=list(range(1, 40))),
        ColumnSample(name="email", values=[fake.email() for _ in range(10)]),
    ]
    classifier = get_classifier()
    assert [r.entity for r in classifier.classify_many(columns)] == [
        "EMAIL_ADDRESS",
        None,
        "EMAIL_ADDRESS",
    ]
    assert classifier.classify_many(columns[:1])[0] == classifier.classify(columns[0])


def test_public_types_are_frozen_and_vocabulary_is_documented() -> None:
    result = classify("email", ["a@example.com"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.entity = "PERSON"  # type: ignore[misc]
    assert len(set(ENTITIES)) == len(ENTITIES)
    assert "DATE_TIME" not in ENTITIES
    import privacy.detect

    doc = privacy.detect.__doc__ or ""
    assert all(entity in doc for entity in ENTITIES)


def test_get_classifier_is_a_singleton() -> None:
    assert get_classifier() is get_classifier()


def test_scores_are_bounded(fake: Faker) -> None:
    for name, values in (("email", [fake.email()]), ("x", ["1"]), ("notes", ["hi there"])):
        assert 0.0 <= classify(name, list(values)).score <= 1.0


OFFLINE_SCRIPT = textwrap.dedent(
    """
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network disabled by test")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from privacy.detect import ColumnSample, ColumnClassifier

    classifier = ColumnClassifier()
    columns = [
        ColumnSample(name="e_mail", values=["ana@example.co.id", "bo@mail.example.de"]),
        ColumnSample(name="phone", values=["+44 20 7946 0958", "+62 812 3456 7890"]),
        ColumnSample(name="c1", values=["4111 1111 1111 1111", "5500 0000 0000 0004"]),
        ColumnSample(name="notes", values=["please call me at +44 20 7946 0958 tonight"]),
    ]
    print([r.entity for r in classifier.classify_many(columns)])
    """
)


def test_works_with_network_access_impossible() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TLDEXTRACT", "HTTP", "HTTPS"))
    }
    env["PYTHONPATH"] = str(ROOT)
    completed = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip() == (
        "['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'FREE_TEXT_PII']"
    )

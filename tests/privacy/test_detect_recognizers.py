"""Each value recognizer, through the offline Presidio engine, and the checksum helpers."""

from __future__ import annotations

import pytest

from privacy.detect import checksums
from privacy.detect.engine import get_analyzer


def _found(text: str, entity: str) -> list[str]:
    results = get_analyzer().analyze(text, language="en", entities=[entity])
    return [text[r.start : r.end] for r in results if r.entity_type == entity]


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        ("EMAIL_ADDRESS", "ana.sari@example.co.id"),
        ("CREDIT_CARD", "4111 1111 1111 1111"),
        ("IBAN_CODE", "DE89370400440532013000"),
        ("IP_ADDRESS", "192.168.10.42"),
        ("US_SSN", "536-22-8726"),
        ("PHONE_NUMBER", "+44 20 7946 0958"),
        ("IN_AADHAAR", "2341 2341 2346"),
        ("IN_PAN", "ABCPE1234F"),
        ("PASSPORT", "J8369854"),
        ("PASSPORT", "12AB34567"),
        ("NATIONAL_ID", "AB123456C"),
        ("NATIONAL_ID", "12345678Z"),
        ("NATIONAL_ID", "184058212172911"),
        ("NATIONAL_ID", "3275014101900001"),
        ("BOOKING_REFERENCE", "X7KQ2M"),
        ("FREQUENT_FLYER_NUMBER", "GA 123456789"),
        ("DATE_OF_BIRTH", "1985-03-12"),
        ("DATE_OF_BIRTH", "12.03.1985"),
        ("POSTAL_ADDRESS", "1777 Kramer Court"),
        ("POSTAL_ADDRESS", "Beckergasse 8"),
        ("POSTAL_ADDRESS", "45, rue de Samson"),
        ("POSTAL_ADDRESS", "Jl. Erlangga No. 06"),
        ("POSTAL_CODE", "SW1A 1AA"),
        ("PERSON", "SMITH/JOHN MR"),
        ("PERSON", "Joshua Hanson"),
    ],
)
def test_recognizer_matches_whole_value(entity: str, text: str) -> None:
    assert text in _found(text, entity)


@pytest.mark.parametrize(
    ("entity", "text", "why"),
    [
        ("CREDIT_CARD", "4111 1111 1111 1112", "Luhn check fails"),
        ("IBAN_CODE", "DE89370400440532013001", "mod-97 check fails"),
        ("IN_AADHAAR", "2341 2341 2347", "Verhoeff check fails"),
        ("IN_AADHAAR", "1341 2341 2346", "Aadhaar never starts with 0 or 1"),
        ("NATIONAL_ID", "12345678A", "DNI check letter is Z"),
        ("NATIONAL_ID", "184058212172912", "NIR key is 11"),
        ("NATIONAL_ID", "3299994513000000", "NIK day/month impossible"),
        ("IN_PAN", "abcpe1234f", "PAN is upper case"),
        ("BOOKING_REFERENCE", "123456", "digits only"),
        ("DATE_OF_BIRTH", "1850-03-12", "nobody alive was born then"),
    ],
)
def test_recognizer_rejects_look_alikes(entity: str, text: str, why: str) -> None:
    assert _found(text, entity) == [], why


def test_checksums() -> None:
    assert checksums.luhn_valid("4111111111111111")
    assert not checksums.luhn_valid("4111111111111112")
    assert checksums.verhoeff_valid("234123412346")
    assert not checksums.verhoeff_valid("234123412347")
    assert checksums.iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not checksums.iban_valid("GB82 WEST 1234 5698 7654 33")
    assert checksums.spanish_dni_valid("X1234567L")
    assert checksums.french_nir_valid("184058212172911")
    assert not checksums.french_nir_valid("184058212172912")
    assert checksums.indonesian_nik_plausible("3275014101900001")
    assert checksums.digits_only("+44 (20) 79") == "442079"

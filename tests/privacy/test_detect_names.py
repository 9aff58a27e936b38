"""Column-name evidence in several naming styles and languages."""

from __future__ import annotations

import pytest

from privacy.detect.names import column_hits, is_opaque, split_name


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("emailAddress", ["email", "address"]),
        ("EMAIL_ADDR", ["email", "addr"]),
        ("PassengerDOB", ["passenger", "dob"]),
        ("address_line_1", ["address", "line"]),
        ("Straße", ["strasse"]),
        ("prénom", ["prenom"]),
    ],
)
def test_split_name_handles_styles_and_accents(name: str, tokens: list[str]) -> None:
    assert split_name(name) == tokens


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("email", "EMAIL_ADDRESS"),
        ("e_mail", "EMAIL_ADDRESS"),
        ("emailAddress", "EMAIL_ADDRESS"),
        ("kundenEmail", "EMAIL_ADDRESS"),
        ("surel", "EMAIL_ADDRESS"),  # Indonesian
        ("courriel", "EMAIL_ADDRESS"),  # French
        ("no_hp", "PHONE_NUMBER"),  # Indonesian
        ("telefone", "PHONE_NUMBER"),  # Portuguese
        ("telefonnummer", "PHONE_NUMBER"),  # German compound
        ("tgl_lahir", "DATE_OF_BIRTH"),  # Indonesian
        ("geburtsdatum", "DATE_OF_BIRTH"),
        ("fecha_nacimiento", "DATE_OF_BIRTH"),
        ("geboortedatum", "DATE_OF_BIRTH"),
        ("nombre", "PERSON"),
        ("apellido", "PERSON"),
        ("passengerFirstName", "PERSON"),
        ("nama_lengkap", "PERSON"),
        ("alamat", "POSTAL_ADDRESS"),
        ("plz", "POSTAL_CODE"),
        ("postal_code", "POSTAL_CODE"),
        ("pnr", "BOOKING_REFERENCE"),
        ("record_locator", "BOOKING_REFERENCE"),
        ("frequent_flyer_no", "FREQUENT_FLYER_NUMBER"),
        ("passport_no", "PASSPORT"),
        ("reisepass", "PASSPORT"),
        ("national_id", "NATIONAL_ID"),
        ("nik", "NATIONAL_ID"),
        ("jenis_kelamin", "GENDER"),
        ("Staatsangehörigkeit", "NATIONALITY"),
        ("ip_address", "IP_ADDRESS"),
    ],
)
def test_name_suggests_entity(name: str, entity: str) -> None:
    hits = column_hits(name)
    assert entity in hits
    assert max(hits.values(), key=lambda h: h.weight).entity == entity


@pytest.mark.parametrize(
    "name",
    [
        "product_name",
        "mac_address",
        "email_verified",
        "card_type",
        "departure_city",
        "phone_country_code",
        "user_name",
        "loyalty_tier",
        "ACADEMIC_YEAR_CODE",
    ],
)
def test_qualified_names_suggest_nothing(name: str) -> None:
    assert column_hits(name) == {}


def test_table_settles_bare_name() -> None:
    assert column_hits("name", table="crm.passengers")["PERSON"].weight >= 0.85
    assert column_hits("name", table="ops.airports") == {}


def test_comment_counts_as_weaker_evidence() -> None:
    hit = column_hits("c7", comment="E-mail address of the booker")["EMAIL_ADDRESS"]
    assert hit.source == "comment"
    assert hit.weight < column_hits("email")["EMAIL_ADDRESS"].weight


@pytest.mark.parametrize("name", ["c1", "attr_7", "col_12", "f3", "value", ""])
def test_opaque_names(name: str) -> None:
    assert is_opaque(name)


@pytest.mark.parametrize("name", ["email", "order_id", "city"])
def test_descriptive_names_are_not_opaque(name: str) -> None:
    assert not is_opaque(name)

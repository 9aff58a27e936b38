"""PII column classification bench: Custos' classifier vs OpenMetadata's own.

Run::

    make -f mk/ingest.mk ingest-env      # once: builds .venv-ingest (OpenMetadata 2.0.7)
    .venv/bin/python bench/pii_bench.py  # [--values 50] [--seed 7] [--skip-om]

What it does:

* generates a labelled set of columns with Faker in several locales (en_US, en_GB, de_DE,
  fr_FR, id_ID, en_IN, es_ES, nl_NL, pt_BR): realistic column names in several naming
  styles and languages, plus hard negatives (surrogate keys, codes, years, amounts, opaque
  names such as ``c1`` / ``attr_7``, 16-digit order ids, SKUs, flight numbers, airport
  codes, event timestamps, fare basis codes, hashes, PII-free prose);
* classifies every column with Custos (``privacy.detect``, in a ``.venv`` subprocess) and
  with OpenMetadata's ``HeuristicPIIClassifier`` (``bench/_om_pii_runner.py`` in a
  ``.venv-ingest`` subprocess, offline: its spaCy model download is replaced by a blank
  pipeline, so its NER is off -- printed in the output);
* prints precision / recall / F1 per entity and overall, a binary "is PII" score, columns
  per second, peak RSS of each subprocess, and Custos/OpenMetadata ratios.

Scoring OpenMetadata: its decision is the ``PII.Sensitive`` / ``PII.NonSensitive`` tag of
``metadata/pii/processor.py`` (confidence 80, its default); the entity it is credited with
is its highest-scoring PIITag of the winning sensitivity. Its tags map to our vocabulary
(``OM_TO_CUSTOS``): LOCATION counts as right for LOCATION, POSTAL_ADDRESS and POSTAL_CODE;
DATE_TIME for DATE_OF_BIRTH; NRP for NATIONALITY and GENDER; its country passport tags for
PASSPORT; its national-ID tags (ES_NIF, ES_NIE, PL_PESEL, ...) for NATIONAL_ID; any PII tag
on a prose column labelled FREE_TEXT_PII counts as right. OpenMetadata has no booking
reference or frequent-flyer notion, so those rows measure recall it cannot have.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import string
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OM_PYTHON = ROOT / ".venv-ingest" / "bin" / "python"
OM_RUNNER = ROOT / "bench" / "_om_pii_runner.py"

OM_TO_CUSTOS: dict[str, frozenset[str]] = {
    "EMAIL_ADDRESS": frozenset({"EMAIL_ADDRESS"}),
    "PHONE_NUMBER": frozenset({"PHONE_NUMBER"}),
    "CREDIT_CARD": frozenset({"CREDIT_CARD"}),
    "IBAN_CODE": frozenset({"IBAN_CODE"}),
    "US_BANK_NUMBER": frozenset({"IBAN_CODE"}),
    "IP_ADDRESS": frozenset({"IP_ADDRESS"}),
    "US_SSN": frozenset({"US_SSN"}),
    "IN_AADHAAR": frozenset({"IN_AADHAAR"}),
    "IN_PAN": frozenset({"IN_PAN"}),
    "PERSON": frozenset({"PERSON"}),
    "LOCATION": frozenset({"LOCATION", "POSTAL_ADDRESS", "POSTAL_CODE"}),
    "DATE_TIME": frozenset({"DATE_OF_BIRTH"}),
    "NRP": frozenset({"NATIONALITY", "GENDER"}),
    **dict.fromkeys(("US_PASSPORT", "IT_PASSPORT", "IN_PASSPORT"), frozenset({"PASSPORT"})),
    **dict.fromkeys(
        (
            "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "IT_IDENTITY_CARD", "PL_PESEL", "SG_NRIC_FIN",
            "FI_PERSONAL_IDENTITY_CODE", "AU_TFN", "US_ITIN", "IN_VOTER", "UK_NHS",
        ),
        frozenset({"NATIONAL_ID"}),
    ),
}  # fmt: skip

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "id_ID", "en_IN", "es_ES", "nl_NL", "pt_BR")


# --- value generators ------------------------------------------------------------------


def _verhoeff_check_digit(body: str) -> str:
    sys.path.insert(0, str(ROOT))
    from privacy.detect.checksums import verhoeff_valid

    return next(d for d in "0123456789" if verhoeff_valid(body + d))


def _aadhaar(rng: random.Random) -> str:
    body = str(rng.randint(2, 9)) + "".join(rng.choices(string.digits, k=10))
    number = body + _verhoeff_check_digit(body)
    return rng.choice([number, f"{number[:4]} {number[4:8]} {number[8:]}"])


def _pan(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    return (
        "".join(rng.choices(letters, k=3))
        + rng.choice("PCHFT")
        + rng.choice(letters)
        + "".join(rng.choices(string.digits, k=4))
        + rng.choice(letters)
    )


def _nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    digits = "".join(rng.choices(string.digits, k=6))
    return f"{first}{second}{digits}{rng.choice('ABCD')}"


def _dni(rng: random.Random) -> str:
    number = rng.randint(10_000_000, 99_999_999)
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def _nik(rng: random.Random) -> str:
    region = f"{rng.randint(31, 36)}{rng.randint(1, 79):02d}{rng.randint(1, 40):02d}"
    day = rng.randint(1, 28) + rng.choice((0, 40))
    return f"{region}{day:02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}{rng.randint(1, 9999):04d}"


def _nir(rng: random.Random) -> str:
    body = (
        f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    )
    return f"{body}{97 - int(body) % 97:02d}"


def _passport(rng: random.Random) -> str:
    kind = rng.randrange(4)
    digits = string.digits
    if kind == 0:  # India / Indonesia style
        return rng.choice("ABCJKLMNPRSTUVWXYZ") + "".join(rng.choices(digits, k=7))
    if kind == 1:  # France
        letters = "".join(rng.choices(string.ascii_uppercase, k=2))
        return f"{rng.randint(10, 99)}{letters}{rng.randint(10000, 99999)}"
    if kind == 2:  # Germany
        return rng.choice("CFGHJK") + "".join(rng.choices("CFGHJKLMNPRTVWXYZ0123456789", k=8))
    return "".join(rng.choices(digits, k=9))  # US / UK


def _pnr(rng: random.Random) -> str:
    return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6))


def _ffn(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:  # Miles & More: 15 digits starting 9920
        return "9920" + "".join(rng.choices(string.digits, k=11))
    if kind == 1:  # airline prefix + digits
        return rng.choice(("GA", "SQ", "EK", "QF")) + "".join(rng.choices(string.digits, k=9))
    if kind == 2:  # BA Executive Club: 8 digits
        return "".join(rng.choices(string.digits, k=8))
    return rng.choice(("AB", "KL", "AF")) + " " + "".join(rng.choices(string.digits, k=10))


def _luhn_fail_16(rng: random.Random) -> str:
    sys.path.insert(0, str(ROOT))
    from privacy.detect.checksums import luhn_valid

    while True:
        number = str(rng.randint(10**15, 10**16 - 1))
        if not luhn_valid(number):
            return number


def _apis_name(fake: object) -> str:
    last = fake.last_name().upper()  # type: ignore[attr-defined]
    first = fake.first_name().upper()  # type: ignore[attr-defined]
    return f"{last}/{first} {random.choice(('MR', 'MRS', 'MS'))}"


def _note_with_pii(fake: object, rng: random.Random) -> str:
    templates = (
        "Pax asked for a callback, call me at {phone} after 6pm",
        "Refund to be sent to {email} as discussed",
        "Customer rebooked, contact {email} or {phone}",
        "Wheelchair requested at gate. Reach daughter on {phone}",
    )
    return rng.choice(templates).format(
        phone=fake.phone_number(),  # type: ignore[attr-defined]
        email=fake.email(),  # type: ignore[attr-defined]
    )


Row = tuple[str, str | None, list[object], str | None]  # name, label, values, table


def build_dataset(values_per_column: int, seed: int) -> list[Row]:
    """Labelled columns: (name, entity or None, values, table)."""
    from faker import Faker

    rng = random.Random(seed)
    Faker.seed(seed)
    fakers = {locale: Faker(locale) for locale in LOCALES}
    rows: list[Row] = []
    n = values_per_column

    def add(name: str, label: str | None, gen: Callable[[], object], table: str | None = None):
        rows.append((name, label, [gen() for _ in range(n)], table))

    def per_locale(
        names: tuple[str, ...],
        label: str | None,
        method: str,
        locales: tuple[str, ...] = LOCALES,
        wrap: Callable[[object], object] = lambda v: v,
    ) -> None:
        for index, locale in enumerate(locales):
            fake = fakers[locale]
            name = names[index % len(names)]
            add(name, label, lambda fake=fake: wrap(getattr(fake, method)()))  # type: ignore[misc]

    en = fakers["en_US"]
    # --- positives ---------------------------------------------------------------------
    per_locale(
        ("email", "e_mail", "emailAddress", "EMAIL_ADDR", "surel", "courriel", "correo",
         "contact", "c3"),
        "EMAIL_ADDRESS", "email",
    )  # fmt: skip
    per_locale(
        ("phone", "telefon", "mobile", "phone_number", "no_hp", "telephone", "telefono",
         "telefoonnummer", "attr_7"),
        "PHONE_NUMBER", "phone_number",
    )  # fmt: skip
    for name in ("card_number", "cc_num", "kartennummer", "c12", "payment_card"):
        add(name, "CREDIT_CARD", lambda: en.credit_card_number())
    for name, locale in (("iban", "de_DE"), ("kontonummer", "de_DE"), ("rekening", "nl_NL"),
                         ("c5", "fr_FR"), ("bank_account", "es_ES")):  # fmt: skip
        add(name, "IBAN_CODE", lambda fake=fakers[locale]: fake.iban())  # type: ignore[misc]
    for name in ("ip_address", "client_ip", "c9"):
        add(name, "IP_ADDRESS", lambda: rng.choice((en.ipv4(), en.ipv4_public())))
    add("last_login_ip", "IP_ADDRESS", lambda: en.ipv6())
    for name in ("ssn", "social_security_number"):
        add(name, "US_SSN", lambda: en.ssn())
    for name in ("aadhaar", "aadhaar_no", "c8"):
        add(name, "IN_AADHAAR", lambda: _aadhaar(rng))
    for name in ("pan_number", "pan_card"):
        add(name, "IN_PAN", lambda: _pan(rng))
    for name, gen in (
        ("national_id", lambda: _nino(rng)), ("nino", lambda: _nino(rng)),
        ("nik", lambda: _nik(rng)), ("no_ktp", lambda: _nik(rng)), ("dni", lambda: _dni(rng)),
        ("c14", lambda: _dni(rng)), ("numero_securite_sociale", lambda: _nir(rng)),
    ):  # fmt: skip
        add(name, "NATIONAL_ID", gen)
    for name in ("passport_no", "paspor", "reisepass", "passeport", "travel_document",
                 "passportNumber"):  # fmt: skip
        add(name, "PASSPORT", lambda: _passport(rng))
    per_locale(
        ("dob", "date_of_birth", "geburtsdatum", "date_naissance", "tgl_lahir", "birthDate",
         "fecha_nacimiento", "geboortedatum", "data_nascimento"),
        "DATE_OF_BIRTH", "date_of_birth", wrap=str,
    )  # fmt: skip
    add("dob", "DATE_OF_BIRTH", lambda: en.date_of_birth().strftime("%d/%m/%Y"))
    for name in ("pnr", "booking_ref", "record_locator", "kode_booking", "PNR_CODE"):
        add(name, "BOOKING_REFERENCE", lambda: _pnr(rng))
    for name in ("ffn", "frequent_flyer_no", "loyalty_number", "miles_and_more_number"):
        add(name, "FREQUENT_FLYER_NUMBER", lambda: _ffn(rng))
    per_locale(
        ("address", "street_address", "adresse", "home_address", "alamat", "address_line1",
         "direccion", "adres", "endereco"),
        "POSTAL_ADDRESS", "address",
    )  # fmt: skip
    per_locale(
        ("street_address", "strasse", "rue"), "POSTAL_ADDRESS", "street_address",
        locales=("en_US", "de_DE", "fr_FR"),
    )  # fmt: skip
    per_locale(
        ("zip", "postcode", "plz", "code_postal", "kode_pos", "pincode", "codigo_postal",
         "postcode", "cep"),
        "POSTAL_CODE", "postcode",
    )  # fmt: skip
    per_locale(
        ("first_name", "vorname", "prenom", "nama_depan", "firstName", "nombre", "voornaam"),
        "PERSON", "first_name", locales=("en_US", "de_DE", "fr_FR", "id_ID", "en_GB", "es_ES", "nl_NL"),
    )  # fmt: skip
    per_locale(
        ("last_name", "nachname", "nom", "apellido", "surname", "sobrenome"),
        "PERSON", "last_name", locales=("en_US", "de_DE", "fr_FR", "es_ES", "en_IN", "pt_BR"),
    )  # fmt: skip
    per_locale(("full_name", "nama_lengkap", "customer_name"), "PERSON", "name",
               locales=("en_GB", "id_ID", "en_IN"))  # fmt: skip
    rows.append(("name", "PERSON", [en.name() for _ in range(n)], "crm.passengers"))
    add("passenger_name", "PERSON", lambda: _apis_name(en))
    add("c11", "PERSON", lambda: _apis_name(fakers["en_GB"]))
    for name in ("gender", "sex", "jenis_kelamin", "geschlecht"):
        add(name, "GENDER", lambda: rng.choice(("M", "F", "X", "male", "female")[:2]))
    add("gender", "GENDER", lambda: rng.choice(("Male", "Female", "Unknown")))
    for name in ("nationality", "kewarganegaraan", "nacionalidad"):
        add(name, "NATIONALITY", lambda: en.country_code(representation="alpha-3"))
    add("citizenship", "NATIONALITY", lambda: en.country())
    per_locale(("city", "home_city", "kota", "wohnort"), "LOCATION", "city",
               locales=("en_US", "en_GB", "id_ID", "de_DE"))  # fmt: skip
    for name in ("notes", "remarks", "agent_comment"):
        add(
            name,
            "FREE_TEXT_PII",
            lambda: _note_with_pii(en, rng) if rng.random() < 0.3 else en.sentence(nb_words=10),
        )

    # --- hard negatives ----------------------------------------------------------------
    start = rng.randint(1000, 900000)
    rows.append(("order_id", None, [start + i for i in range(n)], None))
    rows.append(("customer_id", None, [start * 3 + i * 2 for i in range(n)], None))
    rows.append(("c1", None, [start + i for i in range(n)], None))
    add("booking_id", None, lambda: en.uuid4())
    rows.append(("ACADEMIC_YEAR_CODE", None, [str(y) for y in range(1990, 1990 + n)], None))
    add("fiscal_year", None, lambda: rng.randint(2001, 2030))
    for name in ("amount", "fare_amount", "price", "attr_3"):
        add(name, None, lambda: f"{rng.uniform(5, 2500):.2f}")
    for name in ("qty", "passenger_count", "seats_available", "c2"):
        add(name, None, lambda: rng.randint(0, 400))
    for name in ("order_number", "c4"):
        add(name, None, lambda: _luhn_fail_16(rng))
    add("invoice_no", None, lambda: str(rng.randint(10**15, 10**16 - 1)))
    add("product_sku", None, lambda: f"SKU-{rng.randint(10000, 99999)}-{rng.choice(('BL', 'RD'))}")
    add(
        "flight_number",
        None,
        lambda: rng.choice(("GA", "BA", "LH", "SQ")) + str(rng.randint(1, 9999)),
    )
    add(
        "flight_no",
        None,
        lambda: rng.choice(("GA", "BA", "LH", "SQ")) + f"{rng.randint(1, 9999):04d}",
    )
    for name in ("origin", "destination", "airport_code", "c6"):
        add(
            name, None, lambda: rng.choice(("CGK", "DPS", "LHR", "FRA", "CDG", "SIN", "JFK", "MAD"))
        )
    add("departure_city", None, lambda: en.city())
    add("created_at", None, lambda: en.date_time().isoformat(sep=" "))
    add("departure_date", None, lambda: str(en.date_between("-2y", "+1y")))
    add("event_ts", None, lambda: en.iso8601())
    add(
        "fare_basis",
        None,
        lambda: (
            rng.choice(("Y", "Q", "K", "M"))
            + "".join(rng.choices(string.ascii_uppercase, k=4))
            + rng.choice(("", "7", "ID"))
        ),
    )
    add(
        "coupon_code",
        None,
        lambda: "".join(rng.choices(string.ascii_uppercase + string.digits, k=8)),
    )
    add("transaction_ref", None, lambda: "TX" + "".join(rng.choices(string.digits, k=12)))
    add("seat", None, lambda: f"{rng.randint(1, 45)}{rng.choice('ABCDEF')}")
    add("status", None, lambda: rng.choice(("CONFIRMED", "CANCELLED", "WAITLISTED")))
    add("currency", None, lambda: rng.choice(("IDR", "USD", "EUR", "SGD")))
    add("is_active", None, lambda: rng.choice((True, False)))
    add("payload_sha256", None, lambda: en.sha256())
    add(
        "app_version",
        None,
        lambda: f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
    )
    add("latitude", None, lambda: str(en.latitude()))
    add("product_name", None, lambda: en.catch_phrase())
    add(
        "airline_name",
        None,
        lambda: rng.choice(("Garuda Indonesia", "British Airways", "Lufthansa")),
    )
    add("description", None, lambda: en.sentence(nb_words=12))
    add("attr_9", None, lambda: en.sentence(nb_words=8))
    add(
        "aircraft_registration",
        None,
        lambda: rng.choice(("PK-", "G-", "D-")) + "".join(rng.choices(string.ascii_uppercase, k=3)),
    )
    add("c7", None, lambda: str(rng.randint(100000, 999999)))
    add("page_views", None, lambda: str(rng.randint(1000000, 99999999)))
    add(
        "tracking_code",
        None,
        lambda: (
            "".join(rng.choices(string.ascii_uppercase, k=2))
            + str(rng.randint(10**8, 10**9))
            + "ID"
        ),
    )
    return rows


# --- runners ---------------------------------------------------------------------------


def _payload(rows: list[Row]) -> dict[str, object]:
    return {
        "columns": [
            {
                "name": name,
                "values": [
                    v if isinstance(v, int | float | bool | str) else str(v) for v in values
                ],
                "table": table,
            }
            for name, _, values, table in rows
        ],
        "confidence": 80,
    }


def run_ours_subprocess() -> None:
    """``--run-ours``: classify the JSON on stdin with Custos, report like the OM runner."""
    sys.path.insert(0, str(ROOT))
    request = json.load(sys.stdin)
    started = time.perf_counter()
    from privacy.detect import ColumnClassifier, ColumnSample

    classifier = ColumnClassifier()
    built = time.perf_counter() - started
    columns = [
        ColumnSample(name=c["name"], values=c["values"], table=c.get("table"))
        for c in request["columns"]
    ]
    started = time.perf_counter()
    results = classifier.classify_many(columns)
    seconds = time.perf_counter() - started
    json.dump(
        {
            "results": [
                {"entity": r.entity, "score": r.score, "explanation": r.explain()} for r in results
            ],
            "seconds": seconds,
            "build_seconds": built,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
        sys.stdout,
    )


def _run(command: list[str], payload: dict[str, object]) -> dict[str, object]:
    completed = subprocess.run(
        command, input=json.dumps(payload), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr.strip()[-2000:])
    return json.loads(completed.stdout)


# --- scoring ---------------------------------------------------------------------------


def _om_prediction(result: dict[str, object], truth: str | None) -> str | None:
    tag = result.get("pii_tag")
    if not result.get("tag") or not tag:
        return None
    if truth == "FREE_TEXT_PII":
        return truth
    mapped = OM_TO_CUSTOS.get(str(tag), frozenset())
    if truth in mapped:
        return truth
    return sorted(mapped)[0] if mapped else f"OM:{tag}"


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(truths: list[str | None], predictions: list[str | None]) -> dict[str, object]:
    per_entity: dict[str, tuple[float, float, float, int]] = {}
    labels = sorted({t for t in truths if t})
    for label in labels:
        tp = sum(t == p == label for t, p in zip(truths, predictions, strict=True))
        fp = sum(p == label and t != label for t, p in zip(truths, predictions, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truths, predictions, strict=True))
        per_entity[label] = (*_prf(tp, fp, fn), tp + fn)
    tp = sum(t is not None and t == p for t, p in zip(truths, predictions, strict=True))
    fp = sum(p is not None and t != p for t, p in zip(truths, predictions, strict=True))
    fn = sum(t is not None and t != p for t, p in zip(truths, predictions, strict=True))
    btp = sum(t is not None and p is not None for t, p in zip(truths, predictions, strict=True))
    bfp = sum(t is None and p is not None for t, p in zip(truths, predictions, strict=True))
    bfn = sum(t is not None and p is None for t, p in zip(truths, predictions, strict=True))
    return {
        "per_entity": per_entity,
        "overall": _prf(tp, fp, fn),
        "binary": _prf(btp, bfp, bfn),
        "false_positives": bfp,
    }


def _fmt(value: float) -> str:
    return f"{value:5.2f}"


def report(
    rows: list[Row], ours: dict[str, Any], om: dict[str, Any] | None, om_error: str | None
) -> None:
    truths = [label for _, label, _, _ in rows]
    our_preds = [r["entity"] for r in ours["results"]]
    ours_score = score(truths, our_preds)
    om_preds: list[str | None] | None = None
    om_score = None
    if om is not None:
        om_preds = [_om_prediction(r, t) for r, t in zip(om["results"], truths, strict=True)]
        om_score = score(truths, om_preds)

    n_cols = len(rows)
    n_vals = sum(len(values) for _, _, values, _ in rows)
    positives = sum(1 for t in truths if t)
    print(f"PII classification bench: {n_cols} columns ({positives} PII, {n_cols - positives} "
          f"hard negatives), {n_vals} values, locales {', '.join(LOCALES)}")  # fmt: skip
    print(
        "  Caveat: the labelled set and the Custos classifier share an author (column names\n"
        "  and value formats overlap its vocabulary): read Custos' figures as an upper bound."
    )
    if om is not None:
        for note in om.get("notes", []):
            print(f"  OpenMetadata: {note}")
        errors = sum(1 for r in om["results"] if "error" in r)
        if errors:
            print(f"  OpenMetadata raised on {errors} columns (counted as 'no PII')")
    else:
        print(f"  OpenMetadata NOT RUN: {om_error}")
    print()
    header = f"{'entity':24} {'n':>3} | {'Custos P':>8} {'R':>5} {'F1':>5}"
    if om_score:
        header += f" | {'OM P':>6} {'R':>5} {'F1':>5}"
    print(header)
    print("-" * len(header))
    for label, (p, r, f, support) in ours_score["per_entity"].items():  # type: ignore[attr-defined]
        line = f"{label:24} {support:>3} | {_fmt(p):>8} {_fmt(r)} {_fmt(f)}"
        if om_score:
            op, orr, of, _ = om_score["per_entity"][label]  # type: ignore[index]
            line += f" | {_fmt(op):>6} {_fmt(orr)} {_fmt(of)}"
        print(line)
    print("-" * len(header))
    for key, title in (("overall", "overall (entity match)"), ("binary", "binary (is PII)")):
        p, r, f = ours_score[key]  # type: ignore[misc]
        line = f"{title:24} {'':>3} | {_fmt(p):>8} {_fmt(r)} {_fmt(f)}"
        if om_score:
            op, orr, of = om_score[key]  # type: ignore[misc]
            line += f" | {_fmt(op):>6} {_fmt(orr)} {_fmt(of)}"
        print(line)
    print(f"false positives on hard negatives: Custos {ours_score['false_positives']}"
          + (f", OpenMetadata {om_score['false_positives']}" if om_score else ""))  # fmt: skip
    print()
    ours_rate = n_cols / ours["seconds"]
    print(f"Custos:       {ours_rate:8.1f} columns/s ({ours['seconds']:.2f} s), "
          f"engine build {ours['build_seconds']:.2f} s, peak RSS {ours['peak_rss_mb']:.0f} MB")  # fmt: skip
    if om is not None:
        om_rate = n_cols / om["seconds"]
        print(f"OpenMetadata: {om_rate:8.1f} columns/s ({om['seconds']:.2f} s), "
              f"engine build {om['build_seconds']:.2f} s, peak RSS {om['peak_rss_mb']:.0f} MB")  # fmt: skip
        of1 = om_score["overall"][2]  # type: ignore[index]
        bf1 = om_score["binary"][2]  # type: ignore[index]
        print(
            f"ratios Custos/OM: speed {ours_rate / om_rate:.1f}x, "
            f"peak RSS {ours['peak_rss_mb'] / om['peak_rss_mb']:.2f}x, "
            f"entity F1 {ours_score['overall'][2] / of1 if of1 else float('inf'):.2f}x, "  # type: ignore[index]
            f"binary F1 {ours_score['binary'][2] / bf1 if bf1 else float('inf'):.2f}x"  # type: ignore[index]
        )
    mistakes = [
        (name, label, pred)
        for (name, label, _, _), pred in zip(rows, our_preds, strict=True)
        if label != pred
    ]
    if mistakes:
        print()
        print("Custos mistakes (column: truth -> predicted):")
        for name, label, pred in mistakes:
            print(f"  {name}: {label} -> {pred}")
    if om_preds is not None:
        confusion = Counter(
            (label, pred) for label, pred in zip(truths, om_preds, strict=True) if label != pred
        )
        print()
        print("OpenMetadata mistakes (truth -> predicted: columns):")
        for (label, pred), count in sorted(confusion.items(), key=lambda kv: -kv[1]):
            print(f"  {label} -> {pred}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=50, help="values per column (OM samples 50)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-om", action="store_true", help="do not run OpenMetadata")
    parser.add_argument("--run-ours", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_ours:
        run_ours_subprocess()
        return

    rows = build_dataset(args.values, args.seed)
    payload = _payload(rows)
    ours = _run([sys.executable, __file__, "--run-ours"], payload)
    om = None
    om_error = None
    if args.skip_om:
        om_error = "--skip-om given"
    elif not OM_PYTHON.exists():
        om_error = f"{OM_PYTHON} missing: run `make -f mk/ingest.mk ingest-env`"
    else:
        try:
            om = _run([str(OM_PYTHON), str(OM_RUNNER)], payload)
        except RuntimeError as exc:
            om_error = f"runner failed: {exc}"
    report(rows, ours, om, om_error)


if __name__ == "__main__":
    main()

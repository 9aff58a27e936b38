"""Custom Presidio pattern recognizers for the identifiers an airline holds.

Presidio ships e-mail, card (Luhn), IBAN (mod 97), IP, US SSN and phone recognizers; the
ones here add passports, national IDs (Aadhaar with Verhoeff, PAN, UK NINO, Spanish
DNI/NIE, French NIR, Indonesian NIK), dates of birth, postal addresses and codes, booking
references (PNR), frequent-flyer numbers and airline-style person names.

Scores are *shape* confidences: a validated checksum scores high, a bare shape that many
unrelated codes share (six upper-case characters, nine digits) scores low, and the column
classifier then needs column-name or context evidence before it emits the entity.
Patterns are case-sensitive (no ``IGNORECASE``): identifiers are printed in upper case,
and ``abc123`` in a column is far more often a slug than a booking reference.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer

from privacy.detect import checksums

_FLAGS = re.MULTILINE


class _Recognizer(PatternRecognizer):
    """A pattern recognizer with this module's conventions: case-sensitive, English."""

    ENTITY = ""
    PATTERNS: tuple[Pattern, ...] = ()
    CONTEXT: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            patterns=[Pattern(p.name, p.regex, p.score) for p in self.PATTERNS],
            context=list(self.CONTEXT),
            global_regex_flags=_FLAGS,
        )


class AadhaarRecognizer(_Recognizer):
    """Indian Aadhaar: 12 digits, first digit 2-9, Verhoeff check digit."""

    ENTITY = "IN_AADHAAR"
    PATTERNS = (Pattern("aadhaar", r"(?<![\d-])[2-9]\d{3}([ -]?)\d{4}\1\d{4}(?![\d-])", 0.5),)
    CONTEXT = ("aadhaar", "aadhar", "uidai", "uid")

    def validate_result(self, pattern_text: str) -> bool:
        number = checksums.digits_only(pattern_text)
        return checksums.verhoeff_valid(number) and len(set(number)) > 2


class PanRecognizer(_Recognizer):
    """Indian Permanent Account Number: AAAAA9999A, 4th letter = holder type."""

    ENTITY = "IN_PAN"
    PATTERNS = (Pattern("pan", r"\b[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]\b", 0.6),)
    CONTEXT = ("pan", "permanent", "income", "tax")


class PassportRecognizer(_Recognizer):
    """Passport numbers in the common national formats (shape only: no check digit)."""

    ENTITY = "PASSPORT"
    PATTERNS = (
        # India, UK (new), Indonesia, Spain, Netherlands: 1-2 letters + 6-8 digits.
        Pattern("letters+digits", r"\b[A-Z]{1,2}\d{6,8}\b", 0.35),
        # France: 2 digits, 2 letters, 5 digits.
        Pattern("fr", r"\b\d{2}[A-Z]{2}\d{5}\b", 0.4),
        # Germany: 9 characters from a restricted alphabet, starting with a letter.
        Pattern("de", r"\b[CFGHJK][CFGHJKLMNPRTVWXYZ0-9]{8}\b", 0.3),
        # US and older UK passports: 9 digits, indistinguishable from many numbers.
        Pattern("digits", r"(?<![\d-])\d{9}(?![\d-])", 0.1),
    )
    CONTEXT = ("passport", "paspor", "reisepass", "passeport", "pasaporte", "paspoort")

    def validate_result(self, pattern_text: str) -> bool | None:
        if pattern_text[0] in "CFGHJK" and len(pattern_text) == 9 and pattern_text.isalpha():
            return False  # the German alphabet pattern also matches plain words
        return None


class UkNinoRecognizer(_Recognizer):
    """UK National Insurance number (prefix letters exclude D, F, I, Q, U, V)."""

    ENTITY = "NATIONAL_ID"
    PATTERNS = (
        Pattern(
            "nino",
            r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
            r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
            0.7,
        ),
    )
    CONTEXT = ("national", "insurance", "nino", "nin")


class SpanishDniRecognizer(_Recognizer):
    """Spanish DNI / NIE with its mod-23 check letter."""

    ENTITY = "NATIONAL_ID"
    PATTERNS = (Pattern("dni/nie", r"\b[XYZ]?\d{7,8}-?[A-Z]\b", 0.4),)
    CONTEXT = ("dni", "nie", "nif", "documento", "identidad")

    def validate_result(self, pattern_text: str) -> bool:
        return checksums.spanish_dni_valid(pattern_text)


class FrenchNirRecognizer(_Recognizer):
    """French social-security number (NIR / numero INSEE) with its mod-97 key."""

    ENTITY = "NATIONAL_ID"
    PATTERNS = (
        Pattern(
            "nir", r"\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]) ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}\b", 0.5
        ),
    )
    CONTEXT = ("securite", "sociale", "nir", "insee")

    def validate_result(self, pattern_text: str) -> bool:
        return checksums.french_nir_valid(pattern_text)


class IndonesianNikRecognizer(_Recognizer):
    """Indonesian NIK (KTP number): 16 digits embedding region code and birth date."""

    ENTITY = "NATIONAL_ID"
    PATTERNS = (Pattern("nik", r"(?<![\d-])\d{16}(?![\d-])", 0.35),)
    CONTEXT = ("nik", "ktp", "kependudukan")

    def validate_result(self, pattern_text: str) -> bool | None:
        # No check digit exists: a plausible layout keeps the shape score, nothing more.
        return None if checksums.indonesian_nik_plausible(pattern_text) else False


class BookingReferenceRecognizer(_Recognizer):
    """Airline booking reference / PNR record locator: six upper-case letters or digits."""

    ENTITY = "BOOKING_REFERENCE"
    PATTERNS = (Pattern("pnr", r"(?<![\w-])[A-Z0-9]{6}(?![\w-])", 0.3),)
    CONTEXT = ("pnr", "booking", "locator", "reservation", "confirmation", "reference")

    def validate_result(self, pattern_text: str) -> bool | None:
        letters = sum(ch.isalpha() for ch in pattern_text)
        # All digits is a number; a word-like run of letters with no vowel-free stretch is
        # as likely a code word. PNRs mix letters and digits or are random consonant runs.
        return None if letters >= 2 else False


class FrequentFlyerRecognizer(_Recognizer):
    """Frequent-flyer / loyalty numbers: optional airline prefix + 7-12 digits."""

    ENTITY = "FREQUENT_FLYER_NUMBER"
    PATTERNS = (
        Pattern("prefixed", r"\b[A-Z]{2,3}[ -]?\d{7,12}\b", 0.3),
        Pattern("digits", r"(?<![\d-])\d{8,12}(?![\d-])", 0.05),
    )
    CONTEXT = ("frequent", "flyer", "flier", "loyalty", "miles", "member")


_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june"
    "|july|august|september|october|november|december"
)


class DateOfBirthRecognizer(_Recognizer):
    """Calendar dates (no time of day) with a year a living person can be born in.

    Any date matches: only a column name or nearby words (``born``, ``dob``) make it a date
    of birth, which the classifier checks.
    """

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = (
        Pattern("iso", r"\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b", 0.2),
        Pattern(
            "d/m/y",
            r"\b(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1(?:19|20)\d{2}\b",
            0.2,
        ),
        Pattern(
            "m/d/y",
            r"\b(?:0?[1-9]|1[0-2])([./-])(?:0?[1-9]|[12]\d|3[01])\1(?:19|20)\d{2}\b",
            0.2,
        ),
        Pattern("yyyymmdd", r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b", 0.1),
        Pattern(
            "d month y",
            rf"(?i)\b(?:0?[1-9]|[12]\d|3[01])\.? (?:{_MONTHS})\.? (?:19|20)\d{{2}}\b",
            0.2,
        ),
        Pattern(
            "month d, y",
            rf"(?i)\b(?:{_MONTHS})\.? (?:0?[1-9]|[12]\d|3[01]),? (?:19|20)\d{{2}}\b",
            0.2,
        ),
    )
    CONTEXT = ("birth", "born", "dob", "birthday", "lahir", "geburtsdatum", "naissance")

    def validate_result(self, pattern_text: str) -> bool | None:
        years = re.findall(r"(?:19|20)\d{2}", pattern_text)
        if not years:
            return False
        year = int(years[0] if not pattern_text[:4].isdigit() else pattern_text[:4])
        return None if 1900 <= year <= dt.date.today().year else False


_STREET_WORDS = (
    # English (US/UK/IN)
    "street|st|road|rd|avenue|ave|lane|ln|drive|dr|court|ct|boulevard|blvd|place|pl|way"
    "|terrace|crescent|close|circle|cir|plaza|square|sq|parkway|pkwy|highway|hwy|trail"
    "|grove|gardens|mews|row|walk|mall|pike|bypass|loop|path|heights|crossing|marg|nagar"
    "|chowk|apt|suite|flat|unit|studio|floor|block"
)
_PREFIX_STREET_WORDS = (
    # Street type written before the name: fr, es, pt, id, it
    "rue|avenue|av|boulevard|bd|all[ée]e|chemin|impasse|quai|route|calle|c/|avenida|avda"
    "|plaza|paseo|camino|carrer|ronda|pasaje|rambla|traves[ií]a|rua|travessa|largo|pra[çc]a"
    "|alameda|jalan|jl|gang|gg|via|piazza|viale|h\\.?\\s?no"
)
_SUFFIX_STREET_WORDS = (
    # Street type fused to the end of the name: de, nl
    "stra(?:ß|ss)e|str|weg|gasse|platz|allee|ring|damm|ufer|straat|laan|plein|gracht|kade"
    "|dijk|singel|steeg|hof|dreef"
)


class PostalAddressRecognizer(_Recognizer):
    """Street addresses in English, German, Dutch, French, Spanish, Portuguese, Indonesian."""

    ENTITY = "POSTAL_ADDRESS"
    PATTERNS = (
        Pattern(
            "number street-type",
            rf"(?i)\b\d{{1,5}}[A-Za-z]?(?:[-/]\d+)?,?(?: [\w'.-]+){{1,4}}? "
            rf"(?:{_STREET_WORDS})\b\.?",
            0.6,
        ),
        Pattern(
            "street-type name number",
            rf"(?i)(?:^|\b\d{{1,5}},? )(?:{_PREFIX_STREET_WORDS})\.?\s+[\w'. -]{{2,40}}",
            0.6,
        ),
        Pattern(
            "name+street-type number",
            rf"(?i)\b[\w'-]+(?:{_SUFFIX_STREET_WORDS})\.? \d{{1,5}}[a-z]?\b",
            0.6,
        ),
        Pattern(
            "house-number first",
            r"^\d{1,5}[A-Za-z]?(?:[-/]\d+)?,? \p{Lu}[\w'-]+(?: \p{Lu}[\w'-]+){0,3}$",
            0.3,
        ),
    )
    CONTEXT = ("address", "street", "lives", "alamat", "adresse", "direccion", "endereco")


class PostalCodeRecognizer(_Recognizer):
    """Postal codes: UK, Canada and the Netherlands by shape; digit-only codes weakly."""

    ENTITY = "POSTAL_CODE"
    PATTERNS = (
        Pattern("uk", r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", 0.5),
        Pattern("ca", r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b", 0.5),
        Pattern("nl", r"\b[1-9]\d{3} ?[A-Z]{2}\b", 0.4),
        Pattern("us zip+4 / pt / br", r"(?<![\d-])\d{4,5}-\d{3,4}(?![\d-])", 0.3),
        Pattern("digits", r"(?<![\d.,-])\d{4,6}(?![\d.,-])", 0.05),
    )
    CONTEXT = ("zip", "postcode", "postal", "plz", "pin", "kode")


# One word of a personal name: "Hanson", "O'Neil", "Weihmann-Peukert", "R.", or a particle.
_NAME_WORD = (
    r"(?:\p{Lu}[\p{Ll}'\u2019]+(?:-\p{Lu}?[\p{Ll}'\u2019]+)?|\p{Lu}\."
    r"|van|von|de|del|der|da|dos|du|la|le|bin|binti)"
)


class PersonNameRecognizer(_Recognizer):
    """Person names without NER: airline ``SURNAME/GIVEN MR`` and capitalised words."""

    ENTITY = "PERSON"
    PATTERNS = (
        Pattern(
            "airline surname/given",
            r"\b\p{Lu}[\p{Lu}' -]*/\p{Lu}[\p{Lu}' -]*?(?: (?:MR|MRS|MS|MISS|MSTR|DR|CHD|INF))?\b",
            0.7,
        ),
        Pattern(
            "title + name",
            r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|M|Sr|Sra|Bapak|Ibu|Dhr|Mevr)\.? "
            r"\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+){0,3}",
            0.4,
        ),
        Pattern("capitalised words", rf"^{_NAME_WORD}(?: {_NAME_WORD}){{0,4}}$", 0.2),
    )
    CONTEXT = ("name", "passenger", "mr", "mrs")


def custom_recognizers() -> Iterator[EntityRecognizer]:
    """One instance of every recognizer defined in this module."""
    for recognizer in (
        AadhaarRecognizer,
        PanRecognizer,
        PassportRecognizer,
        UkNinoRecognizer,
        SpanishDniRecognizer,
        FrenchNirRecognizer,
        IndonesianNikRecognizer,
        BookingReferenceRecognizer,
        FrequentFlyerRecognizer,
        DateOfBirthRecognizer,
        PostalAddressRecognizer,
        PostalCodeRecognizer,
        PersonNameRecognizer,
    ):
        yield recognizer()

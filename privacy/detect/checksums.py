"""Check-digit algorithms that separate real identifiers from look-alike digit strings."""

from __future__ import annotations

# Verhoeff's dihedral-group tables (multiplication, permutation), as published in
# J. Verhoeff, "Error Detecting Decimal Codes" (1969); Aadhaar uses this scheme.
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def digits_only(text: str) -> str:
    """The decimal digits of ``text``, in order."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def luhn_valid(number: str) -> bool:
    """Luhn (mod 10) check used by payment card numbers."""
    if not number.isdigit() or len(number) < 2:
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def verhoeff_valid(number: str) -> bool:
    """Verhoeff check (the last digit is the check digit), used by Aadhaar."""
    if not number.isdigit():
        return False
    check = 0
    for position, char in enumerate(reversed(number)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(char)]]
    return check == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN (spaces and dashes ignored)."""
    compact = iban.replace(" ", "").replace("-", "").upper()
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    if not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def spanish_dni_valid(value: str) -> bool:
    """Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter) check letter."""
    compact = value.replace("-", "").replace(" ", "").upper()
    if len(compact) != 9 or not compact[-1].isalpha():
        return False
    body = compact[:-1]
    if body[0] in "XYZ":
        body = str("XYZ".index(body[0])) + body[1:]
    if not body.isdigit():
        return False
    return _DNI_LETTERS[int(body) % 23] == compact[-1]


def french_nir_valid(value: str) -> bool:
    """French social-security number (NIR): 13 digits + 2-digit key = 97 - (n mod 97)."""
    compact = value.replace(" ", "").upper()
    if len(compact) != 15:
        return False
    # Corsica's departments 2A/2B are encoded as 19/18 for the key computation.
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    key = compact[13:]
    if not (body.isdigit() and key.isdigit()) or compact[0] not in "12":
        return False
    return 97 - int(body) % 97 == int(key)


def indonesian_nik_plausible(value: str) -> bool:
    """Indonesian NIK: 16 digits = region (6) + birth date DDMMYY (+40 on DD for women) + 4."""
    if len(value) != 16 or not value.isdigit():
        return False
    province = int(value[:2])
    day, month = int(value[6:8]), int(value[8:10])
    if day > 40:
        day -= 40
    return 11 <= province <= 94 and 1 <= day <= 31 and 1 <= month <= 12 and value[12:] != "0000"

"""Pure PII column classifier (no Django): Presidio offline + name evidence + guards.

Usage::

    from privacy.detect import ColumnSample, get_classifier

    result = get_classifier().classify(ColumnSample(name="e_mail", values=["a@x.com"]))
    result.entity, result.score, result.explain()

Entity vocabulary (``ENTITIES``), Presidio's names where Presidio has the entity:

==========================  ===============================================================
EMAIL_ADDRESS               e-mail address (Presidio, tld-validated)
CREDIT_CARD                 payment card number (Presidio, Luhn)
IBAN_CODE                   IBAN (Presidio, mod-97); other bank account formats are not emitted
IP_ADDRESS                  IPv4/IPv6 address (Presidio)
US_SSN                      US social security number (Presidio)
IN_AADHAAR                  Indian Aadhaar (Verhoeff check digit)
IN_PAN                      Indian Permanent Account Number (AAAAA9999A)
NATIONAL_ID                 other national identifiers: UK NINO, Spanish DNI/NIE, French NIR,
                            Indonesian NIK, and id/tax/insurance numbers named as such
PASSPORT                    passport / travel document number
PHONE_NUMBER                phone number (Presidio + libphonenumber)
DATE_OF_BIRTH               a date (or birth year) *named* as a birth date; plain dates and
                            event timestamps are never PII on their own
BOOKING_REFERENCE           airline PNR / record locator (6 upper-case alphanumerics)
FREQUENT_FLYER_NUMBER       loyalty-programme member number
POSTAL_ADDRESS              street address (with or without city / postcode)
POSTAL_CODE                 postcode / ZIP (quasi-identifier)
PERSON                      personal names (no NER model: name evidence + value shape,
                            incl. airline ``SURNAME/GIVEN MR``)
GENDER                      gender / sex (APIS data)
NATIONALITY                 nationality / citizenship (APIS data)
LOCATION                    a person's city / town / place of birth (not airports or routes)
FREE_TEXT_PII               prose (notes, remarks) with PII inside; ``free_text`` is True and
                            ``entities_in_text`` lists what was found. Chosen over ``None``
                            so that masking-by-classification never leaves such a column clear.
==========================  ===============================================================
"""

from privacy.detect.classifier import (
    ENTITIES,
    FREE_TEXT_PII,
    ColumnClassifier,
    ColumnResult,
    ColumnSample,
    Evidence,
    get_classifier,
)

__all__ = [
    "ENTITIES",
    "FREE_TEXT_PII",
    "ColumnClassifier",
    "ColumnResult",
    "ColumnSample",
    "Evidence",
    "get_classifier",
]

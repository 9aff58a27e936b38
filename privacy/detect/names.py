"""Column-name evidence: which entity a column's name, table or comment suggests.

Names arrive in every style -- ``email``, ``e_mail``, ``emailAddress``, ``EMAIL_ADDR``,
``kundenEmail`` -- and in several languages. A name is split into lower-case ASCII tokens
(camelCase, snake_case, kebab, dots, spaces; accents folded; digits dropped), and runs of
up to four adjacent tokens are looked up *concatenated* in the vocabulary below, longest
run first, so ``e_mail``, ``no_hp`` and ``date_of_birth`` hit the same entries as
``email``, ``nohp`` and ``dateofbirth``. A token left over after that is looked up as a
compound (``telefonnummer``, ``passengerfirstname``) by its longest vocabulary substring
of at least five letters.

Leftover tokens then qualify the hit: ``product_name`` is not a person, ``departure_city``
not a place someone lives, ``card_type`` not a card number (see ``_VETO``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# entity -> {concatenated term: weight}. Weights say how sure the term alone makes us;
# values still have to agree (see classifier.py).
_VOCAB: dict[str, dict[str, float]] = {
    "EMAIL_ADDRESS": {
        # en
        "email": 0.95,
        "emailaddress": 0.95,
        "emailaddr": 0.95,
        "emailid": 0.9,
        "mail": 0.7,
        "mailaddress": 0.9,
        "contactemail": 0.95,
        # id: surel = surat elektronik, posel = pos elektronik
        "surel": 0.95,
        "posel": 0.9,
        "alamatemail": 0.95,
        "alamatsurel": 0.95,
        # de / nl
        "emailadresse": 0.95,
        "mailadresse": 0.9,
        "emailadres": 0.95,
        # fr / es / pt
        "courriel": 0.95,
        "adressemail": 0.95,
        "adresseemail": 0.95,
        "mel": 0.5,
        "correo": 0.8,
        "correoelectronico": 0.95,
        "correioeletronico": 0.95,
        "correioelectronico": 0.95,
    },
    "PHONE_NUMBER": {
        "phone": 0.95,
        "phonenumber": 0.95,
        "phoneno": 0.95,
        "phonenum": 0.95,
        "telephone": 0.95,
        "tel": 0.8,
        "telno": 0.9,
        "telnr": 0.9,
        "mobile": 0.85,
        "mobileno": 0.9,
        "mobilenumber": 0.9,
        "mobilephone": 0.95,
        "mob": 0.6,
        "cell": 0.7,
        "cellphone": 0.95,
        "msisdn": 0.95,
        "fax": 0.8,
        "contactnumber": 0.85,
        "contactno": 0.85,
        "whatsapp": 0.8,
        "homephone": 0.95,
        "workphone": 0.95,
        # id
        "telepon": 0.95,
        "telp": 0.9,
        "notelp": 0.95,
        "nohp": 0.95,
        "hp": 0.6,
        "nomorhp": 0.95,
        "nomortelepon": 0.95,
        "handphone": 0.95,
        "nomorponsel": 0.95,
        "ponsel": 0.9,
        # de
        "telefon": 0.95,
        "telefonnummer": 0.95,
        "handy": 0.85,
        "handynummer": 0.95,
        "mobilnummer": 0.95,
        "rufnummer": 0.95,
        "festnetz": 0.85,
        "mobiltelefon": 0.95,
        # fr
        "portable": 0.7,
        "numerotelephone": 0.95,
        "numerodetelephone": 0.95,
        # es / pt
        "telefono": 0.95,
        "movil": 0.85,
        "celular": 0.9,
        "numerotelefono": 0.95,
        "telefone": 0.95,
        "telemovel": 0.9,
        # nl
        "telefoon": 0.95,
        "telefoonnummer": 0.95,
        "mobiel": 0.85,
        "mobielnummer": 0.95,
    },
    "DATE_OF_BIRTH": {
        "dob": 0.95,
        "dateofbirth": 0.95,
        "birthdate": 0.95,
        "birthday": 0.9,
        "birthdt": 0.95,
        "bdate": 0.8,
        "bday": 0.8,
        "birth": 0.85,
        "born": 0.7,
        "birthyear": 0.8,
        "yearofbirth": 0.8,
        "yob": 0.8,
        # id
        "tgllahir": 0.95,
        "tanggallahir": 0.95,
        "lahir": 0.85,
        "tahunlahir": 0.8,
        # de
        "geburtsdatum": 0.95,
        "gebdatum": 0.95,
        "gebdat": 0.9,
        "geburtstag": 0.9,
        "geburt": 0.85,
        "geburtsjahr": 0.8,
        # fr
        "datenaissance": 0.95,
        "datedenaissance": 0.95,
        "naissance": 0.9,
        # es
        "fechanacimiento": 0.95,
        "fechadenacimiento": 0.95,
        "nacimiento": 0.9,
        "fnac": 0.7,
        # nl
        "geboortedatum": 0.95,
        "geboorte": 0.85,
        # pt
        "datanascimento": 0.95,
        "datadenascimento": 0.95,
        "nascimento": 0.9,
        "dtnasc": 0.85,
    },
    "PERSON": {
        "name": 0.6,
        "firstname": 0.95,
        "fname": 0.85,
        "givenname": 0.95,
        "forename": 0.95,
        "lastname": 0.95,
        "lname": 0.85,
        "surname": 0.95,
        "familyname": 0.95,
        "fullname": 0.95,
        "middlename": 0.95,
        "maidenname": 0.95,
        "nickname": 0.6,
        "passengername": 0.95,
        "paxname": 0.95,
        "guestname": 0.95,
        "customername": 0.9,
        "contactname": 0.9,
        "cardholder": 0.9,
        "cardholdername": 0.95,
        "holdername": 0.9,
        "travellername": 0.95,
        "travelername": 0.95,
        "employeename": 0.9,
        # id
        "nama": 0.7,
        "namadepan": 0.95,
        "namabelakang": 0.95,
        "namalengkap": 0.95,
        # de
        "vorname": 0.95,
        "nachname": 0.95,
        "familienname": 0.95,
        "rufname": 0.9,
        # fr
        "prenom": 0.95,
        "nom": 0.75,
        "nomdefamille": 0.95,
        "nomfamille": 0.95,
        "nomcomplet": 0.95,
        # es
        "nombre": 0.8,
        "apellido": 0.95,
        "apellidos": 0.95,
        "nombrecompleto": 0.95,
        "primerapellido": 0.95,
        "segundoapellido": 0.95,
        # nl
        "voornaam": 0.95,
        "achternaam": 0.95,
        "naam": 0.7,
        "tussenvoegsel": 0.8,
        # pt
        "nome": 0.75,
        "sobrenome": 0.95,
        "apelido": 0.85,
        "nomecompleto": 0.95,
    },
    "POSTAL_ADDRESS": {
        "address": 0.85,
        "addr": 0.8,
        "streetaddress": 0.95,
        "street": 0.8,
        "streetname": 0.85,
        "addressline": 0.95,
        "homeaddress": 0.95,
        "mailingaddress": 0.95,
        "billingaddress": 0.95,
        "shippingaddress": 0.9,
        "postaladdress": 0.95,
        "residentialaddress": 0.95,
        "housenumber": 0.6,
        # id
        "alamat": 0.9,
        "alamatrumah": 0.95,
        "jalan": 0.6,
        # de
        "adresse": 0.9,
        "anschrift": 0.95,
        "strasse": 0.85,
        "hausnummer": 0.6,
        "wohnadresse": 0.95,
        # fr
        "adressepostale": 0.95,
        "rue": 0.6,
        "domicile": 0.8,
        # es
        "direccion": 0.9,
        "domicilio": 0.85,
        "calle": 0.6,
        # nl
        "adres": 0.9,
        "straat": 0.8,
        "straatnaam": 0.85,
        "huisnummer": 0.6,
        # pt
        "endereco": 0.9,
        "morada": 0.9,
        "logradouro": 0.9,
        "rua": 0.6,
    },
    "POSTAL_CODE": {
        "zip": 0.9,
        "zipcode": 0.95,
        "postcode": 0.95,
        "postalcode": 0.95,
        "postal": 0.8,
        "pincode": 0.9,
        "plz": 0.95,
        "postleitzahl": 0.95,
        "codepostal": 0.95,
        "codigopostal": 0.95,
        "cep": 0.85,
        "kodepos": 0.95,
    },
    "LOCATION": {
        "city": 0.6,
        "town": 0.6,
        "homecity": 0.8,
        "hometown": 0.8,
        "birthplace": 0.8,
        "placeofbirth": 0.8,
        "residence": 0.6,
        "kota": 0.6,
        "tempatlahir": 0.8,
        "stadt": 0.6,
        "wohnort": 0.8,
        "geburtsort": 0.8,
        "ville": 0.6,
        "lieudenaissance": 0.8,
        "ciudad": 0.6,
        "localidad": 0.6,
        "lugardenacimiento": 0.8,
        "cidade": 0.6,
        "woonplaats": 0.8,
        "naturalidade": 0.7,
    },
    "NATIONALITY": {
        "nationality": 0.9,
        "citizenship": 0.9,
        "nationalite": 0.9,
        "nacionalidad": 0.9,
        "nacionalidade": 0.9,
        "nationaliteit": 0.9,
        "staatsangehorigkeit": 0.9,
        "staatsangehoerigkeit": 0.9,
        "nationalitat": 0.9,
        "kewarganegaraan": 0.9,
        "warganegara": 0.85,
    },
    "GENDER": {
        "gender": 0.9,
        "sex": 0.85,
        "genero": 0.85,
        "genre": 0.6,
        "sexe": 0.9,
        "sexo": 0.9,
        "geschlecht": 0.9,
        "geslacht": 0.9,
        "jeniskelamin": 0.95,
        "kelamin": 0.85,
    },
    "PASSPORT": {
        "passport": 0.95,
        "passportno": 0.95,
        "passportnumber": 0.95,
        "passportnum": 0.95,
        "traveldocument": 0.8,
        "traveldoc": 0.8,
        "documentnumber": 0.6,
        "docnumber": 0.5,
        "docno": 0.5,
        "paspor": 0.95,
        "nopaspor": 0.95,
        "nomorpaspor": 0.95,
        "reisepass": 0.95,
        "reisepassnummer": 0.95,
        "passnummer": 0.85,
        "passeport": 0.95,
        "numeropasseport": 0.95,
        "pasaporte": 0.95,
        "numeropasaporte": 0.95,
        "paspoort": 0.95,
        "paspoortnummer": 0.95,
        "passaporte": 0.95,
    },
    "NATIONAL_ID": {
        "nationalid": 0.95,
        "nationalidnumber": 0.95,
        "nid": 0.7,
        "nin": 0.7,
        "nino": 0.9,
        "ninumber": 0.9,
        "nationalinsurance": 0.9,
        "nationalinsurancenumber": 0.95,
        "idcard": 0.85,
        "idcardnumber": 0.9,
        "idnumber": 0.7,
        "identitynumber": 0.9,
        "identitycard": 0.9,
        "identificationnumber": 0.8,
        "citizenid": 0.9,
        "taxid": 0.85,
        "tin": 0.6,
        "taxnumber": 0.8,
        "socialsecurity": 0.8,
        # id
        "nik": 0.95,
        "ktp": 0.9,
        "noktp": 0.95,
        "nomorktp": 0.95,
        "npwp": 0.9,
        # de
        "personalausweis": 0.95,
        "ausweisnummer": 0.9,
        "ausweis": 0.8,
        "steuerid": 0.9,
        "sozialversicherungsnummer": 0.95,
        "svnr": 0.8,
        # fr
        "cni": 0.8,
        "numerosecuritesociale": 0.95,
        "securitesociale": 0.9,
        "nir": 0.8,
        "insee": 0.8,
        # es
        "dni": 0.95,
        "nie": 0.9,
        "nif": 0.9,
        # nl
        "bsn": 0.95,
        "burgerservicenummer": 0.95,
        # pt / br
        "cpf": 0.95,
        "cartaocidadao": 0.9,
    },
    "US_SSN": {
        "ssn": 0.95,
        "socialsecuritynumber": 0.95,
        "socialsecurityno": 0.95,
        "socialsecurity": 0.8,
    },
    "IN_AADHAAR": {
        "aadhaar": 0.95,
        "aadhar": 0.95,
        "aadhaarnumber": 0.95,
        "aadhaarno": 0.95,
        "uidai": 0.9,
    },
    "IN_PAN": {
        "pan": 0.6,
        "pancard": 0.9,
        "pannumber": 0.7,
        "panno": 0.7,
    },
    "CREDIT_CARD": {
        "creditcard": 0.95,
        "creditcardnumber": 0.95,
        "card": 0.6,
        "cardnumber": 0.9,
        "cardno": 0.9,
        "cardnum": 0.9,
        "ccnumber": 0.9,
        "ccnum": 0.9,
        "cc": 0.4,
        "debitcard": 0.9,
        "pan": 0.6,
        "pannumber": 0.5,
        "primaryaccountnumber": 0.9,
        "kartennummer": 0.9,
        "kreditkarte": 0.95,
        "cartebancaire": 0.9,
        "numerocarte": 0.9,
        "numerodecarte": 0.9,
        "tarjeta": 0.8,
        "numerotarjeta": 0.9,
        "tarjetadecredito": 0.95,
        "cartao": 0.8,
        "numerocartao": 0.9,
        "kartukredit": 0.95,
        "nomorkartu": 0.7,
    },
    "IBAN_CODE": {
        "iban": 0.95,
        "bankaccount": 0.8,
        "accountnumber": 0.6,
        "accountno": 0.6,
        "acctno": 0.6,
        "rekening": 0.8,
        "norekening": 0.85,
        "nomorrekening": 0.85,
        "rekeningnummer": 0.9,
        "kontonummer": 0.9,
        "bankverbindung": 0.8,
        "rib": 0.7,
        "numerodecompte": 0.7,
        "numerocuenta": 0.7,
        "cuenta": 0.6,
        "numeroconta": 0.7,
    },
    "IP_ADDRESS": {
        "ip": 0.9,
        "ipaddress": 0.95,
        "ipaddr": 0.95,
        "ipv4": 0.9,
        "ipv6": 0.9,
        "clientip": 0.95,
        "remoteaddr": 0.85,
        "sourceip": 0.9,
        "srcip": 0.9,
        "xforwardedfor": 0.9,
    },
    "BOOKING_REFERENCE": {
        "pnr": 0.95,
        "pnrlocator": 0.95,
        "recordlocator": 0.95,
        "locator": 0.8,
        "bookingref": 0.95,
        "bookingreference": 0.95,
        "bookingcode": 0.9,
        "bookingnumber": 0.85,
        "bookingno": 0.85,
        "booking": 0.5,
        "confirmationcode": 0.85,
        "confirmationnumber": 0.85,
        "reservationcode": 0.85,
        "reservationnumber": 0.8,
        "resloc": 0.9,
        "kodebooking": 0.95,
        "kodepemesanan": 0.9,
        "buchungsnummer": 0.9,
        "buchungscode": 0.9,
        "numeroreservation": 0.8,
        "localizador": 0.95,
        "codigoreserva": 0.9,
        "codigodereserva": 0.9,
        "boekingsnummer": 0.9,
        "boekingscode": 0.9,
    },
    "FREQUENT_FLYER_NUMBER": {
        "frequentflyer": 0.95,
        "frequentflyernumber": 0.95,
        "frequentflyerno": 0.95,
        "frequentflier": 0.95,
        "ffn": 0.9,
        "ffnumber": 0.9,
        "ffno": 0.85,
        "ffp": 0.8,
        "ffpnumber": 0.9,
        "loyaltynumber": 0.9,
        "loyaltyno": 0.9,
        "loyaltyid": 0.85,
        "loyaltyaccount": 0.8,
        "membershipnumber": 0.7,
        "memberno": 0.6,
        "membernumber": 0.6,
        "milesandmore": 0.9,
        "skymiles": 0.9,
        "mileageplus": 0.9,
        "executiveclub": 0.85,
        "aadvantage": 0.9,
        "flyingblue": 0.9,
        "krisflyer": 0.9,
        "garudamiles": 0.9,
        "vielfliegernummer": 0.95,
        "vielflieger": 0.9,
        "numerofidelite": 0.85,
        "viajerofrecuente": 0.9,
    },
}

# Terms that name something which is *not* the entity their words suggest; matching them
# consumes the tokens so that ``address`` in ``mac_address`` proposes nothing.
_NON_PII_TERMS = frozenset(
    {
        "macaddress",
        "webaddress",
        "walletaddress",
        "contractaddress",
        "serveraddress",
        "hostaddress",
        "username",
        "hostname",
        "filename",
        "tablename",
        "columnname",
        "schemaname",
        "domainname",
        "airportname",
        "airlinename",
        "productname",
        "companyname",
        "brandname",
        "cityname",
        "countryname",
        "statename",
        "emailtemplate",
        "emaildomain",
        "phonecountrycode",
        "countrycode",
        "callingcode",
        "dialcode",
        "cardtype",
        "cardbrand",
        "boardingpass",
        "nameserver",
    }
)

# Leftover tokens that cancel an entity's name evidence: the column is *about* the entity
# (its type, count, status, place in a route) rather than holding it.
_ABOUT_TOKENS = frozenset(
    {
        "is",
        "has",
        "flag",
        "opt",
        "optin",
        "optout",
        "verified",
        "valid",
        "validated",
        "count",
        "cnt",
        "sent",
        "bounced",
        "type",
        "status",
        "hash",
        "hashed",
        "sha",
        "md5",
        "token",
        "tokenized",
        "enabled",
        "consent",
        "pref",
        "preference",
        "format",
        "template",
        "provider",
        "domain",
        "length",
        "len",
        "mask",
        "masked",
        "encrypted",
        "last4",
        "last",
        "expiry",
        "exp",
        "expiration",
        "brand",
        "network",
        "issuer",
        "scheme",
        "category",
        "tier",
        "level",
        "points",
        "balance",
        "since",
        "changed",
    }
)
_VETO: dict[str, frozenset[str]] = {
    "PERSON": frozenset(
        {
            "product",
            "item",
            "airline",
            "carrier",
            "airport",
            "city",
            "country",
            "state",
            "region",
            "file",
            "host",
            "table",
            "column",
            "schema",
            "database",
            "db",
            "company",
            "brand",
            "hotel",
            "station",
            "route",
            "event",
            "app",
            "application",
            "service",
            "domain",
            "server",
            "device",
            "model",
            "category",
            "tag",
            "user",
            "account",
            "org",
            "organisation",
            "organization",
            "team",
            "department",
            "dept",
            "store",
            "shop",
            "merchant",
            "vendor",
            "supplier",
            "bank",
            "project",
            "job",
            "task",
            "field",
            "attribute",
            "key",
            "class",
            "type",
            "group",
            "role",
            "plan",
            "fare",
            "cabin",
            "terminal",
            "gate",
            "aircraft",
            "ship",
            "street",
            "place",
            "location",
            "venue",
            "site",
            "campaign",
            "promo",
            "channel",
            "partner",
            "agency",
            "report",
            "metric",
            "dataset",
            "feature",
            "package",
            "module",
            "function",
            "queue",
            "topic",
            "bucket",
            "path",
            "folder",
            "image",
            "document",
            "menu",
            "course",
            "school",
            "program",
            "produk",
            "barang",
            "maskapai",
            "bandara",
            "negara",
            "perusahaan",
            "produit",
            "ville",
            "pays",
            "entreprise",
            "producto",
            "ciudad",
            "pais",
            "empresa",
            "produto",
            "cidade",
            "produkt",
            "stadt",
            "land",
            "firma",
            "flight",
            "display",
            "screen",
            "short",
            "code",
        }
    ),
    "LOCATION": frozenset(
        {
            "origin",
            "destination",
            "departure",
            "arrival",
            "dep",
            "arr",
            "orig",
            "dest",
            "airport",
            "hub",
            "station",
            "flight",
            "route",
            "from",
            "to",
            "hotel",
            "office",
            "branch",
            "store",
            "warehouse",
            "venue",
            "event",
            "code",
            "iata",
            "stopover",
            "transit",
            "via",
            "asal",
            "tujuan",
            "abflug",
            "ankunft",
            "depart",
            "arrivee",
            "origen",
            "destino",
            "company",
            "airline",
            "carrier",
        }
    ),
    "POSTAL_ADDRESS": frozenset({"ip", "mac", "web", "url", "wallet", "memory", "server"}),
    "CREDIT_CARD": frozenset(
        {"id", "sim", "loyalty", "gift", "report", "score", "boarding", "key", "bin"}
    ),
    "BOOKING_REFERENCE": frozenset(
        {"date", "time", "channel", "class", "fee", "amount", "source", "id", "agent"}
    ),
}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_OPAQUE = re.compile(
    r"^(?:[a-z]{1,2}|col|column|attr|attribute|field|fld|var|val|value|data|unnamed|tmp|temp"
    r"|misc|extra|custom|udf|prop|property|x|y|z)\d*$"
)
_MIN_COMPOUND_TERM = 5
_MAX_RUN = 4


@dataclass(frozen=True)
class NameHit:
    """One entity suggested by a name: the entity, how strongly, and the words that said so."""

    entity: str
    weight: float
    term: str
    source: str  # "name", "table" or "comment"


def _unaccent(text: str) -> str:
    text = text.replace("ß", "ss").replace("ẞ", "SS")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case with accents removed (``Straße`` -> ``strasse``, ``prénom`` -> ``prenom``)."""
    return _unaccent(text).lower()


def split_name(name: str) -> list[str]:
    """Split an identifier into lower-case word tokens, dropping pure-digit tokens."""
    tokens: list[str] = []
    for part in _SEPARATORS.split(_unaccent(name)):
        for word in _CAMEL_BOUNDARY.split(part):
            stripped = word.lower().rstrip("0123456789")
            if stripped and not stripped.isdigit():
                tokens.append(stripped)
    return tokens


def is_opaque(name: str) -> bool:
    """True for names that say nothing about their content: ``c1``, ``attr_7``, ``col``, ``""``."""
    compact = "".join(split_name(name))
    return not compact or bool(_OPAQUE.match(fold(name).replace("_", "").replace("-", "")))


def _term_entities(term: str) -> list[tuple[str, float]]:
    return [(entity, terms[term]) for entity, terms in _VOCAB.items() if term in terms]


_ALL_TERMS = frozenset(term for terms in _VOCAB.values() for term in terms) | _NON_PII_TERMS
_COMPOUND_TERMS = sorted(
    (t for t in _ALL_TERMS if len(t) >= _MIN_COMPOUND_TERM), key=len, reverse=True
)


def _match_runs(tokens: list[str]) -> tuple[list[str], list[bool]]:
    """Greedy longest-run matching; returns the matched terms and which tokens they used."""
    used = [False] * len(tokens)
    terms: list[str] = []
    for size in range(min(_MAX_RUN, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            if any(used[start : start + size]):
                continue
            candidate = "".join(tokens[start : start + size])
            if candidate in _ALL_TERMS:
                terms.append(candidate)
                used[start : start + size] = [True] * size
    for index, token in enumerate(tokens):
        if used[index] or len(token) < _MIN_COMPOUND_TERM + 1:
            continue
        for term in _COMPOUND_TERMS:
            if term in token:
                terms.append(term)
                used[index] = True
                break
    return terms, used


def name_hits(text: str | None, *, source: str = "name") -> list[NameHit]:
    """Entities suggested by one identifier or comment, strongest first."""
    if not text:
        return []
    tokens = split_name(text)
    terms, used = _match_runs(tokens)
    leftovers = {token for token, was_used in zip(tokens, used, strict=True) if not was_used}
    if source == "comment":
        # Prose is full of words like "is" and "type": only identifiers get qualified.
        leftovers = set()
    hits: dict[str, NameHit] = {}
    for term in terms:
        for entity, weight in _term_entities(term):
            if leftovers & _ABOUT_TOKENS or leftovers & _VETO.get(entity, frozenset()):
                continue
            if entity == "PERSON" and term in {"name", "nama", "nom", "nombre", "nome", "naam"}:
                # A bare "name" is a person only when nothing else qualifies it.
                weight = weight if not leftovers else weight * 0.9
            previous = hits.get(entity)
            if previous is None or weight > previous.weight:
                hits[entity] = NameHit(entity=entity, weight=weight, term=term, source=source)
    return sorted(hits.values(), key=lambda hit: hit.weight, reverse=True)


def leftover_tokens(text: str | None) -> set[str]:
    """Tokens of ``text`` that no vocabulary term explains (guards look at these)."""
    if not text:
        return set()
    tokens = split_name(text)
    _, used = _match_runs(tokens)
    return {token for token, was_used in zip(tokens, used, strict=True) if not was_used}


# Comments are prose: only whole words count, and a comment is weaker than a name.
_COMMENT_WEIGHT = 0.8

_PERSON_TABLES = frozenset(
    {
        "passenger",
        "pax",
        "customer",
        "client",
        "guest",
        "traveller",
        "traveler",
        "employee",
        "staff",
        "crew",
        "member",
        "user",
        "contact",
        "person",
        "people",
        "patient",
        "account",
        "penumpang",
        "pelanggan",
        "kunde",
        "kunden",
        "passagier",
        "reisende",
        "passager",
        "voyageur",
        "pasajero",
        "cliente",
        "reiziger",
        "klant",
        "passageiro",
        "booker",
        "holder",
        "profile",
    }
)
_BARE_NAMES = frozenset({"name", "nama", "nom", "nombre", "nome", "naam"})


def _table_tokens(table: str | None) -> set[str]:
    tokens = split_name(table.rsplit(".", 1)[-1]) if table else []
    return {token[:-1] if token.endswith("s") and len(token) > 3 else token for token in tokens}


def column_hits(
    name: str, comment: str | None = None, table: str | None = None
) -> dict[str, NameHit]:
    """Best hit per entity from a column's name and comment, qualified by its table.

    The table never proposes an entity on its own, but it settles bare names:
    ``passengers.name`` is a person, ``airports.name`` / ``airports.city`` are not.
    """
    best: dict[str, NameHit] = {hit.entity: hit for hit in name_hits(name)}
    table_tokens = _table_tokens(table)
    for entity, hit in list(best.items()):
        if table_tokens & _VETO.get(entity, frozenset()) and not table_tokens & _PERSON_TABLES:
            del best[entity]
        elif entity == "PERSON" and hit.term in _BARE_NAMES and table_tokens & _PERSON_TABLES:
            best[entity] = NameHit(entity, max(hit.weight, 0.85), hit.term, "name+table")
    for hit in name_hits(comment, source="comment"):
        weighted = NameHit(hit.entity, hit.weight * _COMMENT_WEIGHT, hit.term, "comment")
        current = best.get(hit.entity)
        if current is None or weighted.weight > current.weight:
            best[hit.entity] = weighted
    return best

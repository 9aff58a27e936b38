"""Static reference data for the airline demo: airports, aircraft types, passenger locales."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Airport:
    iata: str
    icao: str
    name: str
    city: str
    country_code: str
    country: str
    latitude: float
    longitude: float
    timezone: str


_AIRPORT_TABLE = """\
AMS|EHAM|Amsterdam Airport Schiphol|Amsterdam|NL|Netherlands|52.3105|4.7683|Europe/Amsterdam
FRA|EDDF|Frankfurt Airport|Frankfurt am Main|DE|Germany|50.0379|8.5622|Europe/Berlin
LIS|LPPT|Humberto Delgado Airport|Lisbon|PT|Portugal|38.7742|-9.1342|Europe/Lisbon
LHR|EGLL|London Heathrow Airport|London|GB|United Kingdom|51.47|-0.4543|Europe/London
LGW|EGKK|London Gatwick Airport|London|GB|United Kingdom|51.1537|-0.1821|Europe/London
MAN|EGCC|Manchester Airport|Manchester|GB|United Kingdom|53.365|-2.2728|Europe/London
DUB|EIDW|Dublin Airport|Dublin|IE|Ireland|53.4264|-6.2499|Europe/Dublin
CDG|LFPG|Paris Charles de Gaulle Airport|Paris|FR|France|49.0097|2.5479|Europe/Paris
ORY|LFPO|Paris Orly Airport|Paris|FR|France|48.7262|2.3652|Europe/Paris
NCE|LFMN|Nice Côte d'Azur Airport|Nice|FR|France|43.6584|7.2159|Europe/Paris
MUC|EDDM|Munich Airport|Munich|DE|Germany|48.3537|11.775|Europe/Berlin
BER|EDDB|Berlin Brandenburg Airport|Berlin|DE|Germany|52.3667|13.5033|Europe/Berlin
HAM|EDDH|Hamburg Airport|Hamburg|DE|Germany|53.6304|9.9882|Europe/Berlin
MAD|LEMD|Adolfo Suárez Madrid-Barajas Airport|Madrid|ES|Spain|40.4983|-3.5676|Europe/Madrid
BCN|LEBL|Josep Tarradellas Barcelona-El Prat Airport|Barcelona|ES|Spain|41.2974|2.0833|Europe/Madrid
PMI|LEPA|Palma de Mallorca Airport|Palma|ES|Spain|39.5517|2.7388|Europe/Madrid
OPO|LPPR|Francisco Sá Carneiro Airport|Porto|PT|Portugal|41.2481|-8.6814|Europe/Lisbon
FCO|LIRF|Rome Fiumicino Airport|Rome|IT|Italy|41.8003|12.2389|Europe/Rome
MXP|LIMC|Milan Malpensa Airport|Milan|IT|Italy|45.6306|8.7281|Europe/Rome
VCE|LIPZ|Venice Marco Polo Airport|Venice|IT|Italy|45.5053|12.3519|Europe/Rome
ZRH|LSZH|Zurich Airport|Zurich|CH|Switzerland|47.4582|8.5555|Europe/Zurich
GVA|LSGG|Geneva Airport|Geneva|CH|Switzerland|46.2381|6.109|Europe/Zurich
VIE|LOWW|Vienna International Airport|Vienna|AT|Austria|48.1103|16.5697|Europe/Vienna
CPH|EKCH|Copenhagen Airport|Copenhagen|DK|Denmark|55.618|12.6508|Europe/Copenhagen
ARN|ESSA|Stockholm Arlanda Airport|Stockholm|SE|Sweden|59.6498|17.9238|Europe/Stockholm
OSL|ENGM|Oslo Gardermoen Airport|Oslo|NO|Norway|60.1976|11.1004|Europe/Oslo
HEL|EFHK|Helsinki Airport|Helsinki|FI|Finland|60.3172|24.9633|Europe/Helsinki
WAW|EPWA|Warsaw Chopin Airport|Warsaw|PL|Poland|52.1657|20.9671|Europe/Warsaw
KRK|EPKK|Kraków John Paul II Airport|Kraków|PL|Poland|50.0777|19.7848|Europe/Warsaw
PRG|LKPR|Václav Havel Airport Prague|Prague|CZ|Czechia|50.1008|14.26|Europe/Prague
BUD|LHBP|Budapest Ferenc Liszt International Airport|Budapest|HU|Hungary|47.4369|19.2556|Europe/Budapest
ATH|LGAV|Athens International Airport|Athens|GR|Greece|37.9364|23.9445|Europe/Athens
IST|LTFM|Istanbul Airport|Istanbul|TR|Türkiye|41.2753|28.7519|Europe/Istanbul
JFK|KJFK|John F. Kennedy International Airport|New York|US|United States|40.6413|-73.7781|America/New_York
EWR|KEWR|Newark Liberty International Airport|Newark|US|United States|40.6895|-74.1745|America/New_York
BOS|KBOS|Boston Logan International Airport|Boston|US|United States|42.3656|-71.0096|America/New_York
ORD|KORD|Chicago O'Hare International Airport|Chicago|US|United States|41.9742|-87.9073|America/Chicago
SFO|KSFO|San Francisco International Airport|San Francisco|US|United States|37.6213|-122.379|America/Los_Angeles
MIA|KMIA|Miami International Airport|Miami|US|United States|25.7959|-80.287|America/New_York
YYZ|CYYZ|Toronto Pearson International Airport|Toronto|CA|Canada|43.6777|-79.6248|America/Toronto
GRU|SBGR|São Paulo/Guarulhos International Airport|São Paulo|BR|Brazil|-23.4356|-46.4731|America/Sao_Paulo
GIG|SBGL|Rio de Janeiro/Galeão International Airport|Rio de Janeiro|BR|Brazil|-22.809|-43.2506|America/Sao_Paulo
DXB|OMDB|Dubai International Airport|Dubai|AE|United Arab Emirates|25.2532|55.3657|Asia/Dubai
SIN|WSSS|Singapore Changi Airport|Singapore|SG|Singapore|1.3644|103.9915|Asia/Singapore
NRT|RJAA|Narita International Airport|Tokyo|JP|Japan|35.772|140.3929|Asia/Tokyo
JNB|FAOR|O. R. Tambo International Airport|Johannesburg|ZA|South Africa|-26.1367|28.2411|Africa/Johannesburg
"""


def _parse_airports(table: str) -> tuple[Airport, ...]:
    airports = []
    for line in table.strip().splitlines():
        iata, icao, name, city, code, country, lat, lon, tz = line.split("|")
        airports.append(Airport(iata, icao, name, city, code, country, float(lat), float(lon), tz))
    return tuple(airports)


AIRPORTS: tuple[Airport, ...] = _parse_airports(_AIRPORT_TABLE)
HUBS: tuple[str, ...] = ("AMS", "FRA", "LIS")


@dataclass(frozen=True)
class AircraftType:
    manufacturer: str
    model: str
    seats: int
    range_km: int
    registration_prefix: str


AIRCRAFT_TYPES: tuple[AircraftType, ...] = (
    AircraftType("Airbus", "A320neo", 180, 6300, "PH-C"),
    AircraftType("Airbus", "A321neo", 220, 7400, "D-AC"),
    AircraftType("Boeing", "737-800", 189, 5400, "CS-T"),
    AircraftType("Embraer", "E190", 100, 4500, "PH-E"),
    AircraftType("Airbus", "A330-300", 297, 11700, "CS-W"),
    AircraftType("Boeing", "787-9", 290, 14000, "PH-B"),
    AircraftType("Airbus", "A350-900", 325, 15000, "D-AX"),
)


@dataclass(frozen=True)
class PassengerLocale:
    faker_locale: str
    country_code: str
    country: str
    currency: str
    weight: int  # relative share of passengers


LOCALES: tuple[PassengerLocale, ...] = (
    PassengerLocale("nl_NL", "NL", "Netherlands", "EUR", 14),
    PassengerLocale("de_DE", "DE", "Germany", "EUR", 16),
    PassengerLocale("en_GB", "GB", "United Kingdom", "GBP", 14),
    PassengerLocale("fr_FR", "FR", "France", "EUR", 11),
    PassengerLocale("es_ES", "ES", "Spain", "EUR", 9),
    PassengerLocale("it_IT", "IT", "Italy", "EUR", 8),
    PassengerLocale("pt_BR", "BR", "Brazil", "BRL", 6),
    PassengerLocale("en_US", "US", "United States", "USD", 12),
    PassengerLocale("pl_PL", "PL", "Poland", "PLN", 6),
    PassengerLocale("sv_SE", "SE", "Sweden", "SEK", 4),
)

# Approximate fixed demo exchange rates to EUR, mirrored in the staging SQL.
EUR_RATES: dict[str, float] = {
    "EUR": 1.0,
    "GBP": 1.17,
    "USD": 0.92,
    "BRL": 0.17,
    "PLN": 0.23,
    "SEK": 0.087,
}

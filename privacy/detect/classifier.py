"""One PII entity per column, from sampled values, the column's name and its comment.

How a column is decided (``ColumnClassifier.classify``):

1. **Sample**: values become stripped strings; empties and duplicates are dropped and at
   most ``max_samples`` distinct values are kept.
2. **Name evidence** (names.py): the column name, comment and table suggest entities with
   a weight (``e_mail`` -> EMAIL_ADDRESS 0.95, bare ``name`` -> PERSON 0.6).
3. **Guards** (guards.py): an id/code/year/amount-like name weakens value-only evidence;
   id/year/amount/timestamp-shaped values veto the entities they imitate.
4. **Value evidence**: a cheap shape test per entity decides which entities are plausible
   at all and which values are worth a Presidio call; plausible values are joined into one
   text per column and analysed once with ``entities=`` restricted to the plausible ones
   (phones go through libphonenumber per value, trying first the region that matched
   before). A value supports an entity when a match covers (nearly) all of it. The value
   score is ``share of sampled values supporting it x calibrated strength`` of the
   recognizer (a validated checksum is strong, a bare six-character shape is weak).
5. **Combination**: with name evidence and compatible values, name and value scores
   combine as independent evidence (``1 - (1-n)(1-v)``); values that contradict the name
   (``email_verified`` holding booleans) cancel it. Without name evidence the value score
   alone must clear ``threshold``; for opaque names (``c1``, ``attr_7``) it must clear
   ``threshold + 0.15``.
6. **Free text**: when no structured entity wins and the values are prose, PII *inside*
   the text (e-mail, phone, card, IBAN, IDs, and context-cued passport / booking / birth
   dates) makes the column ``FREE_TEXT_PII`` with ``free_text=True`` and the entities
   found in ``entities_in_text``.

``ColumnResult.score`` is the winning entity's score; when ``entity`` is None it is the best
score that fell short of the threshold (0.0 when nothing was even plausible).
"""

from __future__ import annotations

import bisect
import re
import statistics
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from privacy.detect import guards, names
from privacy.detect.engine import Engines, get_engines

FREE_TEXT_PII = "FREE_TEXT_PII"

#: The entity vocabulary this classifier emits, most specific first (ties go to the
#: earlier entity). Presidio's names where Presidio has the entity.
ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "IN_AADHAAR",
    "IN_PAN",
    "NATIONAL_ID",
    "PASSPORT",
    "PHONE_NUMBER",
    "DATE_OF_BIRTH",
    "BOOKING_REFERENCE",
    "FREQUENT_FLYER_NUMBER",
    "POSTAL_ADDRESS",
    "POSTAL_CODE",
    "PERSON",
    "GENDER",
    "NATIONALITY",
    "LOCATION",
    FREE_TEXT_PII,
)

_OPAQUE_MARGIN = 0.15
_MAX_VALUE_CHARS = 1000
_JOIN = "\n\n"
_PHONE_SAMPLE = 40  # libphonenumber is the slow path: 40 values estimate a share well
_SCHEMA_ONLY_FACTOR = 0.85  # a name with no values to confirm it
_MIN_PLAUSIBLE = 0.4  # share of values passing the cheap shape test to try an entity


@dataclass(frozen=True)
class ColumnSample:
    """A column to classify: its name, some of its values, and optional metadata."""

    name: str
    values: Sequence[object]
    table: str | None = None
    comment: str | None = None
    data_type: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One reason behind a result.

    ``kind`` is ``value`` (a recognizer matched sampled values: ``detail`` names it and
    ``share`` is the share of sampled distinct values it matched), ``name`` / ``comment``
    (``detail`` is the matched term), or ``guard`` (``detail`` is the reason, ``score`` the
    multiplier it applied).
    """

    kind: str
    detail: str
    entity: str | None
    share: float | None
    score: float


@dataclass(frozen=True)
class ColumnResult:
    """The classification of one column."""

    entity: str | None
    score: float
    evidence: tuple[Evidence, ...]
    free_text: bool = False
    entities_in_text: tuple[str, ...] = ()
    sampled: int = field(default=0, compare=False)
    column: str = field(default="", compare=False)
    #: When ``entity`` is None: the best entity that fell short of the threshold.
    candidate: str | None = field(default=None, compare=False)

    def explain(self) -> str:
        """One sentence saying why, e.g. "62% of 100 sampled values matched EmailRecognizer;
        column name 'e_mail' suggests EMAIL_ADDRESS"."""
        parts: list[str] = []
        focus = self.entity or self.candidate
        relevant = [e for e in self.evidence if (focus and e.entity == focus) or e.kind == "guard"]
        if self.free_text:
            found = ", ".join(self.entities_in_text)
            parts.append(f"free text: {found} found inside {self.sampled} sampled values")
        for item in relevant:
            if self.free_text and item.kind == "value":
                continue
            if item.kind == "value" and item.share is not None:
                parts.append(
                    f"{item.share:.0%} of {self.sampled} sampled values matched {item.detail}"
                )
            elif item.kind in {"name", "comment"}:
                what = "column name" if item.kind == "name" else "comment"
                subject = self.column if item.kind == "name" else item.detail
                parts.append(f"{what} {subject!r} suggests {item.entity}")
            elif item.kind == "guard" and (self.entity is None or item.entity == self.entity):
                parts.append(f"not PII-like: {item.detail}")
        if self.entity is None:
            verdict = "no PII"
            if self.candidate:
                verdict += f" (best candidate {self.candidate} scored {self.score:.2f})"
            if not parts:
                parts.append(
                    f"none of {self.sampled} sampled values matched a PII recognizer"
                    if self.sampled
                    else "no values and no telling column name"
                )
            return f"{verdict}: " + "; ".join(dict.fromkeys(parts))
        return "; ".join(dict.fromkeys(parts)) or f"classified as {self.entity}"


@dataclass
class _Support:
    """Value evidence for one entity."""

    plausible: int = 0  # values passing the cheap shape test
    matched: int = 0  # values a recognizer matched (whole value)
    strength: float = 0.0  # summed calibrated strength of those matches
    recognizer: str = ""

    def share(self, total: int) -> float:
        return self.matched / total if total else 0.0

    def score(self, total: int) -> float:
        if not self.matched or not total:
            return 0.0
        return self.share(total) * self.strength / self.matched


# --- cheap shape tests: a superset of what the recognizers accept ----------------------

_DIGITS = re.compile(r"\d")
_PHONE_CHARS = re.compile(r"^[+(]?[\d\s().\-/]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?$", re.I)
_IP_CHARS = re.compile(r"^[\d.]{7,15}$|^[0-9a-fA-F:]{2,39}$")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_ID_CHARS = re.compile(r"^[A-Za-z0-9 -]+$")
_IBAN_CHARS = re.compile(r"^[A-Za-z]{2}\d{2}[A-Za-z0-9 -]{10,40}$")
_LETTERS_NO_DIGITS = re.compile(r"^[^\d@#$%&*=+<>{}\[\]|\\~^]+$")


def _ndigits(value: str) -> int:
    return len(_DIGITS.findall(value))


_PLAUSIBLE: dict[str, Callable[[str], bool]] = {
    "EMAIL_ADDRESS": lambda v: "@" in v and " " not in v and len(v) <= 254,
    "PHONE_NUMBER": lambda v: bool(_PHONE_CHARS.match(v)) and 7 <= _ndigits(v) <= 20,
    "CREDIT_CARD": lambda v: 12 <= _ndigits(v) <= 19 and bool(re.match(r"^[\d -]+$", v)),
    "IBAN_CODE": lambda v: bool(_IBAN_CHARS.match(v)),
    "IP_ADDRESS": lambda v: bool(_IP_CHARS.match(v)) and ("." in v or v.count(":") >= 2),
    "US_SSN": lambda v: _ndigits(v) == 9 and bool(re.match(r"^[\d .-]+$", v)),
    "IN_AADHAAR": lambda v: _ndigits(v) == 12 and bool(re.match(r"^[\d :-]+$", v)),
    "IN_PAN": lambda v: len(v) == 10 and bool(_ALNUM.match(v)),
    "NATIONAL_ID": lambda v: 9 <= len(v) <= 20 and bool(_ID_CHARS.match(v)) and _ndigits(v) >= 6,
    "PASSPORT": lambda v: 8 <= len(v) <= 10 and bool(_ALNUM.match(v)) and _ndigits(v) >= 5,
    "BOOKING_REFERENCE": lambda v: len(v) == 6 and bool(_ALNUM.match(v)),
    "FREQUENT_FLYER_NUMBER": lambda v: (
        7 <= len(v) <= 16 and bool(_ID_CHARS.match(v)) and _ndigits(v) >= 7
    ),
    "DATE_OF_BIRTH": lambda v: 4 <= len(v) <= 30 and _ndigits(v) >= 4,
    "POSTAL_ADDRESS": lambda v: 6 <= len(v) <= 200 and " " in v.strip() and _ndigits(v) >= 1,
    "POSTAL_CODE": lambda v: 3 <= len(v) <= 10 and bool(_ID_CHARS.match(v)) and _ndigits(v) >= 2,
    "PERSON": lambda v: len(v) <= 80 and bool(_LETTERS_NO_DIGITS.match(v)) and len(v.split()) <= 6,
}

# Presidio score -> how much a match alone says about the column (see module docstring).
_CALIBRATION: dict[str, dict[float, float]] = {
    "EMAIL_ADDRESS": {1.0: 0.95},
    "CREDIT_CARD": {1.0: 0.95},
    "IBAN_CODE": {1.0: 0.95},
    "IP_ADDRESS": {0.6: 0.85, 0.1: 0.3},
    "US_SSN": {0.5: 0.75, 0.05: 0.15},
    "IN_AADHAAR": {1.0: 0.85},
    "IN_PAN": {0.6: 0.8},
    "NATIONAL_ID": {1.0: 0.9, 0.7: 0.75},
    "BOOKING_REFERENCE": {0.3: 0.35},
    "POSTAL_ADDRESS": {0.6: 0.7},
    "POSTAL_CODE": {0.5: 0.6, 0.4: 0.5},
    "PERSON": {0.7: 0.75},
}
# Entities recognised in the *whole* value need a match covering this much of it.
_WHOLE_VALUE = 0.8
# Entities a value may merely contain (an address line with a flat number and a city).
_CONTAINED = frozenset({"POSTAL_ADDRESS"})

_GENDER_VALUES = frozenset(
    {
        "m", "f", "x", "u", "w", "d", "l", "p", "h", "v", "male", "female", "unknown",
        "other", "mannlich", "weiblich", "divers", "laki-laki", "laki laki", "perempuan",
        "pria", "wanita", "homme", "femme", "hombre", "mujer", "masculino", "femenino",
        "feminino", "man", "vrouw", "non-binary", "nonbinary", "unspecified", "undisclosed",
    }
)  # fmt: skip
_WORDS = re.compile(r"^[^\W\d_][\w'.-]*(?: [^\W\d_][\w'.-]*){0,4}$")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2,3}$")

# Free text: the entities looked for inside prose, and the Presidio score each needs.
# Weak shapes (passport, booking reference, NIK, dates) only pass with a context word
# nearby ("passport", "booking", "born"), which Presidio's enhancer adds to their score.
_TEXT_MIN_SCORE: dict[str, float] = {
    "EMAIL_ADDRESS": 0.5,
    "PHONE_NUMBER": 0.4,
    "CREDIT_CARD": 0.5,
    "IBAN_CODE": 0.5,
    "IP_ADDRESS": 0.5,
    "US_SSN": 0.5,
    "IN_AADHAAR": 0.5,
    "IN_PAN": 0.6,
    "NATIONAL_ID": 0.6,
    "PASSPORT": 0.6,
    "BOOKING_REFERENCE": 0.6,
    "FREQUENT_FLYER_NUMBER": 0.6,
    "DATE_OF_BIRTH": 0.5,
    "POSTAL_ADDRESS": 0.6,
}
_NON_PII_TYPES = re.compile(
    r"^(?:bool|boolean|bit|float\d*|double|real|decimal|numeric\(\d+,\s*[1-9]\d*\)|money"
    r"|binary|varbinary|blob|bytea|uuid|interval|time)\b",
    re.I,
)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value).strip()
    return text[:_MAX_VALUE_CHARS] if text else None


def sample_values(values: Iterable[object], limit: int) -> list[str]:
    """Distinct, non-empty, stripped string forms of ``values``, at most ``limit``."""
    seen: dict[str, None] = {}
    for value in values:
        text = _as_text(value)
        if text is not None and text not in seen:
            seen[text] = None
            if len(seen) >= limit:
                break
    return list(seen)


def _is_free_text(values: Sequence[str]) -> bool:
    if not values:
        return False
    wordy = sum(1 for value in values if len(value.split()) >= 4)
    return wordy >= 0.5 * len(values) and statistics.median(map(len, values)) >= 20


def _phone_strength(value: str) -> float:
    if value.startswith(("+", "00")):
        return 0.8
    if _ndigits(value) >= 9 and re.search(r"[\s().-]", value):
        return 0.65
    return 0.45


class ColumnClassifier:
    """Classifies columns into one PII entity each (see the module docstring)."""

    def __init__(
        self,
        *,
        max_samples: int = 100,
        threshold: float = 0.5,
        entities: Collection[str] | None = None,
    ) -> None:
        if max_samples < 1:
            raise ValueError("max_samples must be at least 1")
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        unknown = set(entities or ()) - set(ENTITIES)
        if unknown:
            raise ValueError(f"unknown entities: {sorted(unknown)}")
        self.max_samples = max_samples
        self.threshold = threshold
        self.entities: frozenset[str] = frozenset(entities) if entities else frozenset(ENTITIES)
        self._engines: Engines = get_engines()

    # -- public API -------------------------------------------------------------------

    def classify(self, column: ColumnSample) -> ColumnResult:
        """Classify one column."""
        values = sample_values(column.values, self.max_samples)
        hits = {
            entity: hit
            for entity, hit in names.column_hits(column.name, column.comment, column.table).items()
            if entity in self.entities
        }
        guard_list = self._guards(column, values, hits)
        evidence: list[Evidence] = [
            Evidence(hit.source.split("+")[0], hit.term, entity, None, round(hit.weight, 3))
            for entity, hit in hits.items()
        ]
        if not values:
            return self._schema_only(column, hits, guard_list, evidence)

        supports = self._value_support(values, hits)
        scores = self._combine(column, values, hits, supports, guard_list, evidence)
        best_entity, best_score = self._best(scores)
        evidence.extend(
            Evidence("guard", guard.reason, best_entity, None, guard.factor) for guard in guard_list
        )
        required = self._required(column, hits, best_entity)
        if best_entity is not None and best_score >= required:
            return self._result(column, values, best_entity, best_score, evidence)

        if FREE_TEXT_PII in self.entities and _is_free_text(values):
            found = self._scan_free_text(values)
            if found:
                return self._free_text_result(column, values, found, evidence)
        return self._result(column, values, None, best_score, evidence, candidate=best_entity)

    def classify_many(self, columns: Iterable[ColumnSample]) -> list[ColumnResult]:
        """Classify many columns; identical columns are classified once."""
        cache: dict[tuple[object, ...], ColumnResult] = {}
        results: list[ColumnResult] = []
        for column in columns:
            key = (
                column.name,
                column.table,
                column.comment,
                column.data_type,
                tuple(sample_values(column.values, self.max_samples)),
            )
            if key not in cache:
                cache[key] = self.classify(column)
            results.append(cache[key])
        return results

    # -- steps --------------------------------------------------------------------------

    def _guards(
        self, column: ColumnSample, values: Sequence[str], hits: dict[str, names.NameHit]
    ) -> list[guards.Guard]:
        found = guards.value_guards(values)
        if column.data_type and _NON_PII_TYPES.match(column.data_type.strip()):
            found.append(guards.Guard(f"data type {column.data_type} holds no PII", 0.0))
        if not hits:
            name_guard = guards.name_guard(column.name)
            if name_guard is not None:
                found.append(name_guard)
        return found

    def _value_support(
        self, values: Sequence[str], hits: dict[str, names.NameHit]
    ) -> dict[str, _Support]:
        supports: dict[str, _Support] = defaultdict(_Support)
        plausible_values: dict[str, list[int]] = defaultdict(list)
        for entity, test in _PLAUSIBLE.items():
            if entity not in self.entities:
                continue
            for index, value in enumerate(values):
                if test(value):
                    plausible_values[entity].append(index)
            supports[entity].plausible = len(plausible_values[entity])
        total = len(values)
        wanted = {
            entity
            for entity, indices in plausible_values.items()
            if indices and (entity in hits or len(indices) >= _MIN_PLAUSIBLE * total)
        }
        if "PHONE_NUMBER" in wanted:
            self._phone_support(values, plausible_values["PHONE_NUMBER"], supports)
            wanted.discard("PHONE_NUMBER")
        if wanted:
            self._presidio_support(values, plausible_values, wanted, supports)
        self._shape_support(values, hits, supports)
        return supports

    def _presidio_support(
        self,
        values: Sequence[str],
        plausible_values: dict[str, list[int]],
        wanted: set[str],
        supports: dict[str, _Support],
    ) -> None:
        indices = sorted({i for entity in wanted for i in plausible_values[entity]})
        starts: list[int] = []
        pieces: list[str] = []
        offset = 0
        for index in indices:
            starts.append(offset)
            pieces.append(values[index])
            offset += len(values[index]) + len(_JOIN)
        text = _JOIN.join(pieces)
        engines = self._engines
        results = engines.values.analyze(
            text, language="en", entities=sorted(wanted), nlp_artifacts=engines.empty_artifacts
        )
        best: dict[tuple[str, int], tuple[float, str]] = {}
        for result in results:
            slot = bisect.bisect_right(starts, result.start) - 1
            if slot < 0:
                continue
            start = starts[slot]
            value = pieces[slot]
            if result.end > start + len(value):
                continue  # spans two values
            covered = (result.end - result.start) / len(value)
            if result.entity_type not in _CONTAINED and covered < _WHOLE_VALUE:
                continue
            strength = _CALIBRATION.get(result.entity_type, {}).get(
                round(result.score, 2), result.score
            )
            key = (result.entity_type, indices[slot])
            recognizer = str(result.recognition_metadata.get("recognizer_name", ""))
            if key not in best or strength > best[key][0]:
                best[key] = (strength, recognizer)
        names_seen: dict[str, Counter[str]] = defaultdict(Counter)
        for (entity, _index), (strength, recognizer) in best.items():
            support = supports[entity]
            support.matched += 1
            support.strength += strength
            names_seen[entity][recognizer] += 1
        for entity, counter in names_seen.items():
            supports[entity].recognizer = counter.most_common(1)[0][0]

    def _phone_support(
        self, values: Sequence[str], indices: list[int], supports: dict[str, _Support]
    ) -> None:
        engines = self._engines
        regions = list(engines.phone_by_region)
        support = supports["PHONE_NUMBER"]
        checked = indices[:_PHONE_SAMPLE]
        matched = 0
        strength = 0.0
        for index in checked:
            value = values[index]
            for position, region in enumerate(regions):
                recognizer = engines.phone_by_region[region]
                found = recognizer.analyze(value, ["PHONE_NUMBER"], engines.empty_artifacts)
                if any((r.end - r.start) >= 0.7 * len(value) for r in found):
                    matched += 1
                    strength += _phone_strength(value)
                    # Columns are usually one country: try this region first next time.
                    regions.insert(0, regions.pop(position))
                    break
        # Extrapolate from the checked values to all plausible ones.
        scale = len(indices) / len(checked) if checked else 0.0
        support.matched = round(matched * scale)
        support.strength = strength * scale
        support.recognizer = "PhoneRecognizer"

    def _shape_support(
        self, values: Sequence[str], hits: dict[str, names.NameHit], supports: dict[str, _Support]
    ) -> None:
        """Entities without a recognizer, judged by value shape (name evidence decides)."""
        folded = [names.fold(value) for value in values]
        if "GENDER" in self.entities:
            in_set = [value for value in folded if value in _GENDER_VALUES]
            if in_set and len(set(folded)) <= 12:
                words = sum(1 for value in in_set if len(value) > 1)
                support = supports["GENDER"]
                support.plausible = support.matched = len(in_set)
                support.strength = len(in_set) * (0.6 if words >= len(in_set) / 2 else 0.3)
                support.recognizer = "gender value set"
        for entity in ("NATIONALITY", "LOCATION"):
            if entity not in hits:
                continue
            shaped = sum(
                1
                for value in values
                if _COUNTRY_CODE.match(value) or (value[0].isupper() and _WORDS.match(value))
            )
            support = supports[entity]
            support.plausible = support.matched = shaped
            support.strength = shaped * 0.2
            support.recognizer = "capitalised place/country words"
        if "DATE_OF_BIRTH" in hits:
            # Birth years (1930) and dates stored as timestamps at midnight also fit.
            years = sum(
                1
                for value in values
                if re.match(r"^(?:19|20)\d{2}$", value)
                or re.match(r"^(?:19|20)\d{2}-\d{2}-\d{2}[ T]00:00(?::00)?", value)
            )
            support = supports["DATE_OF_BIRTH"]
            if years > support.matched:
                support.matched = support.plausible = years
                support.strength = years * 0.2
                support.recognizer = support.recognizer or "birth year / midnight timestamp"

    def _combine(
        self,
        column: ColumnSample,
        values: Sequence[str],
        hits: dict[str, names.NameHit],
        supports: dict[str, _Support],
        guard_list: Sequence[guards.Guard],
        evidence: list[Evidence],
    ) -> dict[str, float]:
        total = len(values)
        value_guards = [g for g in guard_list if g.factor == 0.0]
        name_guards = [g for g in guard_list if g.factor > 0.0]
        scores: dict[str, float] = {}
        for entity in ENTITIES:
            if entity not in self.entities or entity == FREE_TEXT_PII:
                continue
            support = supports.get(entity, _Support())
            value_score = support.score(total)
            veto = guards.guard_factor(value_guards, entity)
            if support.matched:
                evidence.append(
                    Evidence(
                        "value",
                        support.recognizer,
                        entity,
                        round(support.share(total), 3),
                        round(value_score, 3),
                    )
                )
            hit = hits.get(entity)
            if hit is not None:
                plausible = max(support.plausible, support.matched) / total
                # Values that do not fit the name ("email_verified" holding booleans)
                # cancel it; values that fit add their own evidence.
                score = (
                    1 - (1 - hit.weight) * (1 - value_score)
                    if plausible >= 0.5
                    else hit.weight * plausible * 0.5
                )
                scores[entity] = score * veto
            elif value_score:
                strong = support.strength / support.matched >= 0.9 if support.matched else False
                dampen = guards.guard_factor(name_guards, entity)
                if strong:
                    dampen = max(dampen, 0.85)
                scores[entity] = value_score * veto * dampen
        return scores

    def _best(self, scores: dict[str, float]) -> tuple[str | None, float]:
        if not scores:
            return None, 0.0
        order = {entity: position for position, entity in enumerate(ENTITIES)}
        entity = max(scores, key=lambda e: (round(scores[e], 6), -order[e]))
        return entity, scores[entity]

    def _required(
        self, column: ColumnSample, hits: dict[str, names.NameHit], entity: str | None
    ) -> float:
        if entity is not None and entity in hits:
            return self.threshold
        if names.is_opaque(column.name):
            return min(1.0, self.threshold + _OPAQUE_MARGIN)
        return self.threshold

    def _scan_free_text(self, values: Sequence[str]) -> dict[str, tuple[int, float, str]]:
        """Entities found inside prose: entity -> (values containing it, mean score, recognizer)."""
        wanted = {e for e in _TEXT_MIN_SCORE if e in self.entities}
        candidates = [i for i, value in enumerate(values) if "@" in value or _ndigits(value) >= 4]
        if not candidates or not wanted:
            return {}
        if not any(_ndigits(values[i]) >= 7 for i in candidates):
            wanted.discard("PHONE_NUMBER")
        starts: list[int] = []
        offset = 0
        for index in candidates:
            starts.append(offset)
            offset += len(values[index]) + len(_JOIN)
        text = _JOIN.join(values[i] for i in candidates)
        results = self._engines.text.analyze(text, language="en", entities=sorted(wanted))
        per_entity: dict[str, dict[int, tuple[float, str]]] = defaultdict(dict)
        for result in results:
            if result.score < _TEXT_MIN_SCORE.get(result.entity_type, 1.1):
                continue
            slot = bisect.bisect_right(starts, result.start) - 1
            value_index = candidates[slot]
            if result.end > starts[slot] + len(values[value_index]):
                continue
            recognizer = str(result.recognition_metadata.get("recognizer_name", ""))
            previous = per_entity[result.entity_type].get(value_index)
            if previous is None or result.score > previous[0]:
                per_entity[result.entity_type][value_index] = (result.score, recognizer)
        found: dict[str, tuple[int, float, str]] = {}
        for entity, by_value in per_entity.items():
            mean = sum(score for score, _ in by_value.values()) / len(by_value)
            recognizer = Counter(name for _, name in by_value.values()).most_common(1)[0][0]
            found[entity] = (len(by_value), mean, recognizer)
        return found

    # -- results ------------------------------------------------------------------------

    def _schema_only(
        self,
        column: ColumnSample,
        hits: dict[str, names.NameHit],
        guard_list: Sequence[guards.Guard],
        evidence: list[Evidence],
    ) -> ColumnResult:
        scores = {
            entity: hit.weight * _SCHEMA_ONLY_FACTOR * guards.guard_factor(guard_list, entity)
            for entity, hit in hits.items()
        }
        entity, score = self._best(scores)
        evidence.extend(Evidence("guard", g.reason, entity, None, g.factor) for g in guard_list)
        if entity is not None and score >= self.threshold:
            return self._result(column, [], entity, score, evidence)
        return self._result(column, [], None, score, evidence, candidate=entity)

    def _result(
        self,
        column: ColumnSample,
        values: Sequence[str],
        entity: str | None,
        score: float,
        evidence: list[Evidence],
        candidate: str | None = None,
    ) -> ColumnResult:
        ordered = sorted(
            evidence,
            key=lambda e: (
                e.entity != entity,
                {"value": 0, "name": 1, "comment": 2}.get(e.kind, 3),
            ),
        )
        return ColumnResult(
            entity=entity,
            score=round(min(max(score, 0.0), 1.0), 3),
            evidence=tuple(ordered),
            sampled=len(values),
            column=column.name,
            candidate=candidate if score > 0 else None,
        )

    def _free_text_result(
        self,
        column: ColumnSample,
        values: Sequence[str],
        found: dict[str, tuple[int, float, str]],
        evidence: list[Evidence],
    ) -> ColumnResult:
        total = len(values)
        ranked = sorted(found, key=lambda e: (-found[e][0], -found[e][1]))
        best_count = found[ranked[0]][0]
        score = min(1.0, max(mean for _, mean, _ in found.values()))
        if best_count == 1:
            score *= 0.75
        score = max(score, self.threshold)
        text_evidence = [
            Evidence("value", f"{recognizer} (inside text)", entity, round(count / total, 3), mean)
            for entity, (count, mean, recognizer) in found.items()
        ]
        guards_only = [e for e in evidence if e.kind == "guard"]
        return ColumnResult(
            entity=FREE_TEXT_PII,
            score=round(score, 3),
            evidence=tuple(text_evidence + guards_only),
            free_text=True,
            entities_in_text=tuple(ranked),
            sampled=total,
            column=column.name,
        )


_singleton: ColumnClassifier | None = None
_singleton_lock = threading.Lock()


def get_classifier() -> ColumnClassifier:
    """The process-wide classifier with default settings."""
    global _singleton
    if _singleton is None:
        with _singleton_lock:
            if _singleton is None:
                _singleton = ColumnClassifier()
    return _singleton

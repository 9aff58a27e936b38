"""The offline Presidio analyzer engine shared by every classifier in the process.

Presidio's defaults reach for the network twice: ``AnalyzerEngine()`` downloads the spaCy
model ``en_core_web_lg``, and ``tldextract`` (used by the e-mail recognizer) fetches the
public-suffix list on its first match. Both are avoided here:

* the NLP engine is a ``SpacyNlpEngine`` whose pipeline is a *blank* English spaCy with one
  component that sets ``token.lemma_`` (Presidio's context enhancer reads lemmas), assigned
  before the engine reaches ``AnalyzerEngine`` so that ``load()`` -- and its download --
  never runs;
* ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is emptied before ``tldextract`` is first imported,
  so it uses the snapshot bundled in its wheel.

There is no NER model, so Presidio's PERSON/LOCATION/NRP recognition is unavailable: the
classifier covers those with column-name evidence and value-shape heuristics instead.
"""

from __future__ import annotations

import os
import threading

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
if os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"]:
    # An inherited non-empty value would make tldextract fetch the list on first use.
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

import spacy
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)
from spacy.language import Language
from spacy.tokens import Doc

from privacy.detect.recognizers import custom_recognizers

LANGUAGE = "en"
_LEMMA_COMPONENT = "custos_lowercase_lemma"

# Regions the phone matcher tries, in order. Each extra region costs a full pass of
# libphonenumber's matcher, so the list holds the markets of an airline's passengers
# rather than every region; numbers written with a leading "+" match in any of them.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "NL", "IN", "ID")

_lock = threading.Lock()
_engines: Engines | None = None


class _NoContext(ContextAwareEnhancer):
    """Context enhancer that leaves scores alone.

    Structured columns get their context from the column name (names.py), so running
    Presidio's lemma enhancer over a few hundred joined values only costs time (it
    deep-copies every result) and lets one value's words boost its neighbours.
    """

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0,
            min_score_with_context_similarity=0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results


@Language.component(_LEMMA_COMPONENT)
def _lowercase_lemma(doc: Doc) -> Doc:
    # Presidio's LemmaContextAwareEnhancer compares context words with lemmas; a blank
    # pipeline has none, so the lower-cased form stands in for them.
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def _blank_nlp_engine() -> SpacyNlpEngine:
    nlp = spacy.blank(LANGUAGE)
    nlp.add_pipe(_LEMMA_COMPONENT)
    engine = SpacyNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "blank_en"}])
    # Assigning ``nlp`` marks the engine as loaded, so AnalyzerEngine never calls load().
    engine.nlp = {LANGUAGE: nlp}  # type: ignore[assignment]  # Presidio annotates it None
    return engine


def _recognizers() -> list[EntityRecognizer]:
    presidio: list[EntityRecognizer] = [
        EmailRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
        PhoneRecognizer(supported_regions=PHONE_REGIONS),
    ]
    return presidio + list(custom_recognizers())


class Engines:
    """The analyzers and recognizers one process shares (build once: ~3 s)."""

    def __init__(self) -> None:
        nlp_engine = _blank_nlp_engine()
        registry = RecognizerRegistry(recognizers=_recognizers(), supported_languages=[LANGUAGE])
        #: For free text: Presidio's lemma context enhancer boosts matches near cue words
        #: ("call me at", "passport", "born").
        self.text = AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE]
        )
        #: For structured values: same recognizers, no context step, no spaCy pass.
        self.values = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=[LANGUAGE],
            context_aware_enhancer=_NoContext(),
        )
        #: One single-region phone recognizer per region, tried in order of past success.
        self.phone_by_region = {
            region: PhoneRecognizer(supported_regions=(region,)) for region in PHONE_REGIONS
        }
        #: Stand-in for spaCy's output where no recognizer needs tokens (skips the pass).
        self.empty_artifacts = NlpArtifacts(
            entities=[],
            tokens=nlp_engine.nlp[LANGUAGE].make_doc(""),  # type: ignore[index]
            tokens_indices=[],
            lemmas=[],
            nlp_engine=nlp_engine,
            language=LANGUAGE,
        )


def get_engines() -> Engines:
    """Return the process-wide offline engines, building them on first use."""
    global _engines
    if _engines is None:
        with _lock:
            if _engines is None:
                _engines = Engines()
    return _engines


def get_analyzer() -> AnalyzerEngine:
    """The process-wide offline Presidio analyzer (with context enhancement)."""
    return get_engines().text

"""Run OpenMetadata's own PII classifier over labelled columns (helper of pii_bench.py).

Runs inside ``.venv-ingest`` (openmetadata-ingestion[pii-processor]==2.0.7.0), never in the
web process' virtualenv. Reads ``{"columns": [{"name", "values"}], "confidence": 80}`` as
JSON on stdin and writes ``{"results": [...], "seconds", "peak_rss_mb", "notes"}``.

Offline: ``presidio_utils.load_nlp_engine`` would download spaCy ``en_core_web_md``; it is
replaced by a function returning a SpacyNlpEngine over a *blank* English pipeline (with a
lemma component), so OpenMetadata's pattern recognizers run but its spaCy NER
(PERSON / LOCATION / NRP / DATE_TIME from the model) does not.

Timing covers ``HeuristicPIIClassifier.predict_scores`` (the work per column); the
tagging decision replicates ``PIIProcessor.create_column_tag_labels`` in
``metadata/pii/processor.py`` (2.0.7): ``PIISensitiveClassifier(HeuristicPIIClassifier())``
scores, noise below the 0.01 tolerance dropped, then ``get_top_classes(scores, 1,
confidence / 100)``. The processor itself needs a live OpenMetadata server and workflow
config, so it is not instantiated.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import warnings

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
warnings.filterwarnings("ignore")


def _blank_engine(*_args: object, **_kwargs: object) -> object:
    import spacy
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from spacy.language import Language

    if "om_bench_lemma" not in Language.factories:

        @Language.component("om_bench_lemma")
        def _lemma(doc):  # type: ignore[no-untyped-def]
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    nlp = spacy.blank("en")
    nlp.add_pipe("om_bench_lemma")
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank_en"}])
    engine.nlp = {"en": nlp}
    return engine


def main() -> None:
    request = json.load(sys.stdin)
    from metadata.pii.algorithms import presidio_utils

    presidio_utils.load_nlp_engine = _blank_engine  # type: ignore[assignment]

    from metadata.pii.algorithms.classifiers import (
        ColumnClassifier,
        HeuristicPIIClassifier,
        PIISensitiveClassifier,
    )
    from metadata.pii.algorithms.utils import get_top_classes

    threshold = float(request.get("confidence", 80)) / 100
    tolerance = 0.01
    started = time.perf_counter()
    heuristic = HeuristicPIIClassifier()
    built = time.perf_counter() - started

    class _Precomputed(ColumnClassifier):  # type: ignore[misc,type-arg]
        """Feeds already computed PII-tag scores to OM's own sensitivity averaging."""

        scores: dict = {}  # type: ignore[type-arg]

        def predict_scores(self, *_args, **_kwargs):  # type: ignore[no-untyped-def]
            return self.scores

    precomputed = _Precomputed()
    sensitive = PIISensitiveClassifier(precomputed)
    results = []
    classify_seconds = 0.0
    for column in request["columns"]:
        try:
            started = time.perf_counter()
            tag_scores = heuristic.predict_scores(column["values"], column_name=column["name"])
            classify_seconds += time.perf_counter() - started
        except Exception as exc:  # report, never hide, a failure of OM's code
            results.append({"error": f"{type(exc).__name__}: {exc}"})
            continue
        precomputed.scores = tag_scores
        sens = sensitive.predict_scores(column["values"], column_name=column["name"])
        sens = {k: min(v, 1.0) for k, v in sens.items() if v > tolerance}
        winner = get_top_classes(sens, 1, threshold)
        tag = None
        pii_tag = None
        if winner:
            tag = winner[0].value
            same = {t: s for t, s in tag_scores.items() if t.sensitivity() == winner[0]}
            pii_tag = max(same, key=lambda t: same[t]).value if same else None
        results.append(
            {
                "tag": tag,
                "pii_tag": pii_tag,
                "scores": {t.value: round(s, 3) for t, s in tag_scores.items()},
            }
        )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "results": results,
            "seconds": classify_seconds,
            "build_seconds": built,
            "peak_rss_mb": peak_kb / 1024,
            "notes": [
                "presidio_utils.load_nlp_engine replaced by a blank-spaCy engine "
                "(en_core_web_md cannot be downloaded offline): OM's NER-based "
                "PERSON/LOCATION/NRP detection is disabled",
                f"tag decision = processor.py logic, confidence threshold {threshold:.2f}",
            ],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()

"""benchmarks/scale_baselines.py: the baselines of the scale benchmark count what they process.

Two hand-written notes (our own text) and three condition words: the notes hold four mentions
of three distinct words, one of them after "No". medspaCy runs in this interpreter when it
imports here, or in ``$MEDCODER_MEDSPACY_PYTHON``; icd10-coder when it is installed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import scale_baselines as sb

NOTES = [
    "No pleural effusion on the chest film.\nPneumonia of the right lower lobe with fever.\n",
    "The fever settled on the third day.\n",
]
TERMS = ["fever", "pleural effusion", "pneumonia"]


def test_codiesp_texts_repeats_the_first_notes_in_name_order(tmp_path: Path) -> None:
    for name, text in (("b.txt", "second"), ("a.txt", "first"), ("c.txt", "third"), ("d.ann", "x")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert sb.codiesp_texts(tmp_path, limit=2, repeat=2) == ["first", "second", "first", "second"]
    assert sb.codiesp_texts(tmp_path, limit=0, repeat=1) == ["first", "second", "third"]


def test_condition_terms_are_the_context_benchmark_list() -> None:
    terms = sb.condition_terms()
    assert "pleural effusion" in terms and "pneumonia" in terms
    assert terms == sorted(set(terms))


def test_icd10_coder_looks_up_every_mention() -> None:
    if importlib.util.find_spec("icd10_coder") is None:
        pytest.skip("icd10-coder is not installed (pip install icd10-coder==0.2.3)")
    r = sb.icd10_coder(NOTES, TERMS)
    assert (r["notes"], r["targets"], r["distinct"], r["coded"]) == (2, 4, 3, 4)
    assert r["version"] == "0.2.3" and r["notes_per_s"] > 0


def test_medspacy_context_finds_the_targets_and_the_negation() -> None:
    if not os.environ.get(sb.PYTHON_ENV):
        try:
            import medspacy  # noqa: F401
        except (ImportError, ValueError) as exc:  # ValueError: spaCy built for another numpy
            pytest.skip(f"medspacy not usable here ({type(exc).__name__}) and ${sb.PYTHON_ENV} unset")
    for sentencizer in ("pyrush", "spacy"):
        r = sb.medspacy_context(NOTES, TERMS, sentencizer=sentencizer)
        assert "skipped" not in r, r
        assert (r["notes"], r["targets"], r["negated"]) == (2, 4, 1), r


def test_medspacy_context_refuses_an_unknown_sentencizer() -> None:
    with pytest.raises(ValueError, match="sentencizer"):
        sb.medspacy_context(NOTES, TERMS, sentencizer="nltk")

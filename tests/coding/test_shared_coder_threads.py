"""One coder shared by threads: the workbench codes notes in request threads and job threads at
once with the coder ``coders.diagnosis.engine.coder_for`` hands out, so coding a note must not
depend on what another thread codes at the same time, and the cache must stay whole.

The notes are written by the project (no patient data). The site model's phrases are made up
here ("wobbly gait", "sleepy feet" are not in the dictionary), so their codes come only from
the learned-phrase path, where the context is assessed in the phrase's own sentence: a negated
sentence drops the code, an affirmed one keeps it.
"""

from __future__ import annotations

import datetime as _dt
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from medcoder.coders.diagnosis import engine
from medcoder.coders.diagnosis.engine import coder_for
from medcoder.coding import code as code_document
from medcoder.encounter import Encounter
from medcoder.learn.model import LearnedPhrase, SiteModel

DOS = "2026-05-04"
NOTES = [
    "CC: sore throat.\nHPI: pharyngitis for three days. Denies fever or cough.\nAssessment: Pharyngitis.",
    "Assessment: wobbly gait today, worse on stairs.\nPlan: physical therapy referral.",
    "HPI: feels well. Denies wobbly gait. No sleepy feet.\nAssessment: hypertension.",
    "Assessment: sleepy feet at night. Type 2 diabetes mellitus.\nPlan: check A1c.",
    "Osteoarthritis of the right knee.\nRight knee injected with triamcinolone 40 mg.",
    "Laceration of the left forearm, 2.5 cm, repaired with simple interrupted sutures.",
    "Patient denies chest pain. Asthma exacerbation. Albuterol nebulizer treatment given.",
    "History of myocardial infarction. Congestive heart failure, chronic systolic.",
]


def _site_model() -> SiteModel:
    return SiteModel(phrases=[
        LearnedPhrase("wobbly gait", "R26.89", "ICD-10-CM", precision=0.9, support=12, seen=13),
        LearnedPhrase("sleepy feet", "R20.2", "ICD-10-CM", precision=0.9, support=12, seen=13),
    ])


def _coded(kb: Any, model: SiteModel, text: str) -> dict[str, Any]:
    enc = Encounter(text=text, setting="outpatient")
    return code_document(enc, date_of_service=DOS, kb=kb, site_model=model).to_dict()


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Threads switch every few microseconds, so that their coding interleaves."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _in_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    start = threading.Barrier(n)

    def run(i: int) -> Any:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_the_site_model_notes_differ_by_their_sentence_context(coding_kb: Any) -> None:
    """The learned codes are kept in the affirmed sentences and dropped in the negated one:
    the test below would see a sentence mixed up between notes."""
    model = _site_model()
    codes = [{d["code"] for d in _coded(coding_kb, model, NOTES[i])["diagnoses"]} for i in (1, 2, 3)]
    assert "R26.89" in codes[0] and "R20.2" in codes[2]
    assert not {"R26.89", "R20.2"} & codes[1]


def test_four_threads_coding_different_notes_with_one_coder_get_the_serial_results(
    coding_kb: Any, busy_switching: None
) -> None:
    model = _site_model()
    serial = [_coded(coding_kb, model, t) for t in NOTES]
    coder = coder_for(coding_kb, _dt.date.fromisoformat(DOS), model)

    def work(i: int) -> list[tuple[int, dict[str, Any]]]:
        order = NOTES[i:] + NOTES[:i]  # each thread codes the notes in its own order
        return [((k + i) % len(NOTES), _coded(coding_kb, model, t)) for _ in range(3)
                for k, t in enumerate(order)]

    results = _in_threads(4, work)
    assert coder_for(coding_kb, _dt.date.fromisoformat(DOS), model) is coder  # one coder throughout
    for per_thread in results:
        for k, got in per_thread:
            assert got == serial[k], k


def test_coder_for_from_many_threads_builds_each_coder_once_and_keeps_the_cache_whole(
    coding_kb: Any, busy_switching: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8 threads asking at once for a coder not yet built get the one coder, built once; then
    more site models than the cache keeps, asked for from 8 threads: the evictions race, and
    every thread still gets the coder of its own site model."""
    dos = _dt.date.fromisoformat(DOS)
    models = [SiteModel() for _ in range(engine._MAX_CODERS + 3)]
    built: list[int] = []
    lock = threading.Lock()
    real_init = engine.DiagnosisCoder.__init__

    def counting_init(self: engine.DiagnosisCoder, kb: Any, d: _dt.date, site_model: Any = None) -> None:
        with lock:
            built.append(id(site_model))
        real_init(self, kb, d, site_model)

    monkeypatch.setattr(engine.DiagnosisCoder, "__init__", counting_init)
    same = _in_threads(8, lambda _i: coder_for(coding_kb, dos, models[0]))
    assert built == [id(models[0])]
    assert all(c is same[0] and c.site_model is models[0] for c in same)

    def work(i: int) -> list[bool]:
        got = []
        for k in range(12):
            model = models[(i + k) % len(models)]
            got.append(coder_for(coding_kb, dos, model).site_model is model)
        return got

    results = _in_threads(8, work)
    assert all(all(r) for r in results)
    assert len(engine._coders) <= engine._MAX_CODERS
    assert not engine._building

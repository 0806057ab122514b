"""YAML corrected-claim scenarios (``fix_scenarios/<kind>/*.yaml``), one test each.

A file holds a ``description`` a coder can read; the ``claim`` (the claim's own fields in the
``medcoder.claims.serialize`` form: ``date``, ``diagnoses``, ``lines``…, over the practice,
patient and Medicare payer of :data:`PRACTICE`); ``denied``: ``{line: "CO-182"}`` or
``{line: "CO-16 M76"}`` (group-CARC and an optional remark); an optional ``documentation``; and
``hcpcs: true`` to load the hand-written HCPCS modifier file (``fixtures/``, with the invented
modifiers ZB and ZC). The test generates the payer's 835 for the claim
(:func:`medcoder.remit.generate.adjudicate`), writes and reads it back as X12, classifies it
(:func:`medcoder.remit.denials.classify`), proposes the corrections and builds the corrected
claim. ``expect``:

- ``changes``: every change proposed, in order, each ``{kind, line, where, before, after, status,
  options}`` compared exactly, with ``why_has``: words its ``why`` must contain;
- ``corrected``: the corrected claim's ``diagnoses`` and, by line number, the ``modifiers`` /
  ``pointers`` given; ``clears`` and ``keeps``: scrub rules absent from / present in its re-scrub.

Every corrected claim is written as an 837P and must pass pyx12.
"""

from __future__ import annotations

import copy
import datetime as _dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from remit_claim_parts import BILLING, MEDICARE, PATIENT, RENDERING, submitter

from medcoder.claims.model import Claim
from medcoder.claims.serialize import claim_from_dict
from medcoder.claims.validate import validate_x12
from medcoder.claims.writers.x837p import write_837p
from medcoder.codesets.kb import KnowledgeBase
from medcoder.remit.denials import classify
from medcoder.remit.fix import corrected_claim, propose_corrections
from medcoder.remit.generate import adjudicate, remittance_for
from medcoder.remit.readers.x835 import read_835
from medcoder.remit.writers.x835 import write_835

HERE = Path(__file__).parent
SCENARIOS = HERE / "fix_scenarios"
FILES = sorted(SCENARIOS.rglob("*.yaml"))
HCPCS = HERE / "fixtures" / "HCPC2026_JAN_ANWEB_modifiers.txt"
CHANGE_KEYS = ("kind", "line", "where", "before", "after", "status", "options")
PRACTICE: dict[str, Any] = {
    "kind": "professional",
    "patient_control_number": "PCN-FX1",
    "billing": BILLING,
    "rendering": RENDERING,
    "payer": MEDICARE,
    "patient": PATIENT,
    "place_of_service": "11",
}
SUBMITTER = submitter(_dt.datetime(2026, 8, 12, 9, 30))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) <= {"description", "claim", "denied", "documentation", "hcpcs", "expect"}, path
    assert isinstance(data.get("description"), str) and data["description"].strip(), path
    assert isinstance(data.get("denied"), dict) and data["denied"], path
    assert set(data["expect"]) <= {"changes", "corrected"}, path
    return data


def _claim(data: dict[str, Any]) -> Claim:
    raw = copy.deepcopy(PRACTICE)
    raw.update(data["claim"])
    raw["lines"] = [{"charge": 100, "pointers": [1], **ln} for ln in raw["lines"]]
    return claim_from_dict(raw)


def _denied(value: str) -> tuple[str, str | None]:
    head, _, remark = value.partition(" ")
    group, _, carc = head.partition("-")
    assert group == "CO" and carc, value
    return carc, remark or None


def test_fix_scenarios_are_there() -> None:
    assert {p.parent.name for p in FILES} == {"diagnosis", "modifier"} and len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SCENARIOS)) for p in FILES])
def test_fix_scenario(path: Path, tmp_path: Path, tabular_kb: KnowledgeBase, payer: Any, payee: Any) -> None:
    data = _load(path)
    if data.get("hcpcs"):
        tabular_kb.import_file("hcpcs", HCPCS)
    claim = _claim(data)
    denied = {int(n): _denied(v) for n, v in data["denied"].items()}
    if len(denied) == len(claim.lines):
        (carc, rarc), = set(denied.values())
        pay = adjudicate(claim, "denied", denial=(carc, rarc))
    else:
        pay = adjudicate(claim, "partial", denied_lines=denied)
    x12 = tmp_path / "remit.835"
    rem = remittance_for([pay], payer=payer, payee=payee, trace="EFT1", paid_on=_dt.date(2026, 8, 1))
    x12.write_text(write_835([rem], sender="00952", receiver="1234567893", when=_dt.datetime(2026, 8, 1, 8, 0)),
                   encoding="ascii")
    ((back,),) = [r.claims for r in read_835(x12)]  # as the practice reads it: REF*6R ties the lines
    denials = classify(back)
    assert {d.line for d in denials} == set(denied), [d.reason for d in denials]
    changes = propose_corrections(claim, back, denials, kb=tabular_kb, documentation=data.get("documentation"))
    want = data["expect"].get("changes", [])
    got = [{k: (list(getattr(c, k)) if k == "options" else getattr(c, k)) for k in CHANGE_KEYS} for c in changes]
    assert got == [{k: w.get(k, [] if k == "options" else None) for k in CHANGE_KEYS} for w in want]
    for c, w in zip(changes, want, strict=True):
        for words in w.get("why_has", []):
            assert words in c.why, (words, c.why)
        assert c.reference and c.carcs and c.carcs[0] in {d.carcs[0] for d in denials}
    fixed = corrected_claim(claim, back, changes, kb=tabular_kb)
    assert fixed.claim.frequency == "7" and fixed.claim.original_claim_id == back.payer_claim_id
    exp = data["expect"].get("corrected") or {}
    if "diagnoses" in exp:
        assert [d.code for d in fixed.claim.diagnoses] == exp["diagnoses"]
    for n, ln in (exp.get("lines") or {}).items():
        line = fixed.claim.lines[int(n) - 1]
        for key in ("modifiers", "pointers"):
            if key in ln:
                assert getattr(line, key) == ln[key], (n, key)
    rules = {f.rule for f in fixed.findings}
    assert not rules & set(exp.get("clears", [])), rules
    assert set(exp.get("keeps", [])) <= rules, rules
    out = tmp_path / "corrected.837"
    out.write_text(write_837p(fixed.claim, **SUBMITTER), encoding="ascii")
    v = validate_x12(out)
    assert v.ok, v.errors

"""Every audit case in tests/audit/cases/*.yaml: the billed claim and its note go in, exactly
the findings listed must come out (category, line, direction, billed, supported, amount).

A case file::

    title: what the case shows, in an auditor's words
    needs: [fee-schedule]        # optional: skipped when the CY2025 MPFS is not loaded
    member: {date_of_death: 2026-08-01}   # optional: the members file's row for the patient
    history: [claim, ...]        # optional: claims of the set reviewed before this one
    claim: {claim_id, date_of_service, diagnoses, lines: [{code, modifiers, units, paid}]}
    note: |                      # the documentation, as the provider wrote it
    expect: [{category, line, direction, billed, supported, amount}]   # [] = a correct claim
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.audit.review import Reviewer
from medcoder.codesets.kb import KnowledgeBase

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec


def run_case(spec: dict[str, Any], kb: KnowledgeBase, fees: bool, build: Any) -> Any:
    claim = build.claim(spec["claim"])
    history = [build.claim(h) for h in spec.get("history") or []]
    docs = {claim.claim_id: build.doc(claim.claim_id, spec["note"])}
    for h, hs in zip(history, spec.get("history") or [], strict=True):
        docs[h.claim_id] = build.doc(h.claim_id, hs.get("note", spec["note"]))
    members = [build.member(claim.patient_id, spec["member"])] if spec.get("member") else None
    reviewer = Reviewer(kb, locality=build.locality if fees else None, members=members)
    return reviewer.review([*history, claim], docs)[-1]


def test_at_least_twelve_cases() -> None:
    assert len(CASES) >= 12


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path, audit_kb: KnowledgeBase, fee_schedule: bool, build: Any) -> None:
    spec = load(path)
    assert spec.get("title"), f"{path.name}: a case needs a title"
    if "fee-schedule" in (spec.get("needs") or []) and not fee_schedule:
        pytest.skip("needs the CY2025 fee schedule from ../shared/data/pfs")
    review = run_case(spec, audit_kb, fee_schedule, build)
    assert review.status == "reviewed", review.reason
    got = sorted(review.findings, key=lambda f: (f.category, f.line or 0))
    shown = "\n".join(f"  {f.category} line={f.line} {f.direction} {f.billed!r}->{f.supported!r} "
                      f"{f.amount} ({f.amount_basis}): {f.message}" for f in got)
    want = sorted(spec.get("expect") or [], key=lambda e: (e["category"], e.get("line") or 0))
    assert len(got) == len(want), f"{path.name}: expected {len(want)} finding(s), got:\n{shown}\ncoded: {review.coded}"
    for f, e in zip(got, want, strict=True):
        assert (f.category, f.line, f.direction) == (e["category"], e.get("line"), e["direction"]), shown
        assert (f.billed, f.supported) == (str(e["billed"]), str(e["supported"])), shown
        assert f.amount == Decimal(str(e.get("amount", "0"))), shown
        assert f.reference, f"{f.category}: no official reference"
        assert f.message and f.amount_basis
    assert review.overpayment == sum((f.amount for f in got if f.amount > 0), Decimal(0))

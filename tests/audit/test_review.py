"""review_claim / Reviewer: reviewability, duplicates across the set, quantification rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcoder.audit.model import Finding
from medcoder.audit.quantify import settle, totals
from medcoder.audit.review import Reviewer, review_claim
from medcoder.codesets.kb import KnowledgeBase

NOTE = """Established patient.
HPI: follow-up of hypertension and type 2 diabetes.
Exam: BP 150/95.
Assessment and Plan:
1. Essential hypertension, above goal. Increase lisinopril to 20 mg daily.
2. Type 2 diabetes mellitus without complications, stable. Continue metformin.
"""


def _claim(build: Any, cid: str, code: str = "99214", paid: str | None = "120.00", **kw: Any) -> Any:
    line: dict[str, Any] = {"code": code, "pointers": [1, 2]}
    if paid is not None:
        line["paid"] = paid
    return build.claim({"claim_id": cid, "date_of_service": "2025-11-03", "diagnoses": ["I10", "E11.9"],
                        "lines": [line], **kw})


def test_no_documentation_is_not_reviewable(audit_kb: KnowledgeBase, build: Any) -> None:
    r = review_claim(_claim(build, "N1"), None, kb=audit_kb)
    assert r.status == "not-reviewable" and "no documentation" in (r.reason or "")
    assert not r.findings and r.paid == Decimal("120.00") and not r.in_error


def test_correct_claim_is_reviewed_clean_and_keeps_what_was_coded(audit_kb: KnowledgeBase, build: Any) -> None:
    c = _claim(build, "C1")
    r = review_claim(c, build.doc("C1", NOTE), kb=audit_kb)
    assert r.status == "reviewed" and r.findings == [] and not r.in_error
    assert r.coded["diagnoses"] == ["I10", "E11.9"]
    assert [p["code"] for p in r.coded["procedures"]] == ["99214"]


def test_duplicates_across_the_set_flag_only_the_later_claim(audit_kb: KnowledgeBase, build: Any) -> None:
    a, b = _claim(build, "D1"), _claim(build, "D2")
    ra, rb = Reviewer(audit_kb).review([a, b], {"D1": build.doc("D1", NOTE), "D2": build.doc("D2", NOTE)})
    assert ra.findings == []
    assert [(f.category, f.amount) for f in rb.findings] == [("duplicate-payment", Decimal("120.00"))]
    assert rb.overpayment == Decimal("120.00") and rb.in_error
    # another patient: no duplicate
    c = _claim(build, "D3", patient_id="P2")
    assert Reviewer(audit_kb).review([a, c], {"D1": build.doc("D1", NOTE), "D3": build.doc("D3", NOTE)})[1].findings == []


def test_em_level_without_fee_schedule_is_not_quantified(audit_kb: KnowledgeBase, build: Any) -> None:
    c = _claim(build, "U1", code="99215")
    (r,) = Reviewer(audit_kb).review([c], {"U1": build.doc("U1", NOTE)})  # no locality: no fees
    (f,) = r.findings
    assert (f.category, f.billed, f.supported, f.direction) == ("em-level", "99215", "99214", "overpayment")
    assert f.amount == 0 and f.amount_basis.startswith("not quantified")
    assert any("MDM moderate" in w for w in f.detail["worksheet"])
    assert "Increase lisinopril" in " ".join(f.evidence)


def test_em_level_paid_unknown_uses_the_fee_difference(audit_kb: KnowledgeBase, fee_schedule: bool,
                                                       build: Any) -> None:
    if not fee_schedule:
        import pytest

        pytest.skip("needs the CY2025 fee schedule from ../shared/data/pfs")
    c = _claim(build, "U2", code="99215", paid=None)
    (r,) = Reviewer(audit_kb, locality=build.locality).review([c], {"U2": build.doc("U2", NOTE)})
    (f,) = r.findings
    assert f.amount > 0 and "fee difference" in f.amount_basis
    assert r.overpayment == f.amount and r.paid is None


def _f(category: str, line: int | None, amount: str, direction: str = "overpayment") -> Finding:
    return Finding("X", line, category, direction, "b", "s", "m", reference="r", amount=Decimal(amount))


def test_settle_counts_one_line_once_the_larger() -> None:
    out = settle([_f("procedure-undocumented", 2, "70.00"), _f("mue-units", 2, "20.00"),
                  _f("em-level", 1, "30.00"), _f("em-level", 3, "-10.00", "underpayment")])
    assert [f.amount for f in out] == [Decimal("70.00"), Decimal("0"), Decimal("30.00"), Decimal("-10.00")]
    assert "counted in the procedure-undocumented finding" in out[1].amount_basis
    assert out[1].detail["not_counted"] == "20.00"
    assert totals(out) == (Decimal("100.00"), Decimal("10.00"))


def test_settle_ties_go_to_the_more_specific_rule() -> None:
    out = settle([_f("procedure-undocumented", 2, "60.00"), _f("ncci-unbundled", 2, "60.00")])
    assert [f.amount for f in out] == [Decimal("0"), Decimal("60.00")]

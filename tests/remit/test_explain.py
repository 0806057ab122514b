"""Explaining remittances in words, on the real CARC/RARC/group/status/PLB lists (``remit_lists``)
and on the shared 835 samples read with ``medcoder.remit.readers.read_835``."""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.remit.denials import classify
from medcoder.remit.explain import Explainer, first_sentence, money
from medcoder.remit.model import ClaimPayment, Remittance
from medcoder.remit.readers import read_835
from medcoder.remit.serialize import claim_payment_from_dict, remittance_from_dict

EXAMPLE: dict[str, Any] = {
    "patient_control_number": "PCN123",
    "payer_claim_id": "9999",
    "status": "1",
    "charge": "300.00",
    "paid": "120.00",
    "patient_responsibility": "30.00",
    "service_from": "2024-06-11",
    "lines": [
        {"code": "20610", "charge": "200.00", "paid": "120.00",
         "adjustments": ["CO-45 50.00", "PR-2 30.00"]},
        {"code": "99213", "modifiers": ["25"], "charge": "100.00", "paid": "0",
         "adjustments": ["CO-97 100.00"], "remarks": ["M15"]},
    ],
}


def example(**changes: Any) -> ClaimPayment:
    return claim_payment_from_dict({**EXAMPLE, **changes})


@pytest.fixture
def ex(remit_lists: KnowledgeBase) -> Explainer:
    return Explainer(remit_lists)


# -- codes --------------------------------------------------------------------------------------

def test_describe_carc(ex: Explainer) -> None:
    c = ex.describe_carc("045")
    assert (c.code, c.known, c.active, c.kind) == ("45", True, True, "carc")
    assert c.text.startswith("Charge exceeds fee schedule/maximum allowable")
    assert c.short == "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement."
    assert c.groups == ("CO", "PR")
    assert c.source.startswith("claim_adjustment_reason_codes.csv (release undated-")


def test_unknown_codes_are_described_not_raised(ex: Explainer) -> None:
    c = ex.describe_carc("999")
    assert (c.known, c.active) == (False, None)
    assert c.text.startswith("unknown CARC 999 (not in the imported list undated-")
    r = ex.describe_rarc("N9999")
    assert r.text == "unknown RARC N9999 (not in the imported list 2024-07-01)"
    assert not ex.describe_group("CR").known  # not in the 5010 group list


def test_rarc_keeps_full_text_and_a_short_first_sentence(ex: Explainer) -> None:
    r = ex.describe_rarc("N115")
    assert r.short == "This decision was based on a Local Coverage Determination (LCD)."
    assert r.text.startswith(r.short) and len(r.text) > 2 * len(r.short)
    assert r.active is True and r.source == "remittance_advice_remark_codes.csv (release 2024-07-01)"


def test_rarc_active_follows_its_stop_date(remit_lists: KnowledgeBase) -> None:
    m33 = Explainer(remit_lists).describe_rarc("M33", _dt.date(2024, 1, 1))
    assert m33.known and m33.active is False and m33.stop == _dt.date(2004, 8, 1)
    assert Explainer(remit_lists, on=_dt.date(2003, 1, 1)).describe_rarc("M33").active is True


def test_group_status_and_plb_codes(ex: Explainer) -> None:
    assert ex.describe_group("co").text == "Contractual Obligation"
    assert ex.describe_group("PR").text == "Patient Responsibility"
    assert ex.describe_status("4").text == "Denied"
    assert ex.describe_status("22").text == "Reversal of Previous Payment"
    assert ex.describe_plb("WO").text == "Overpayment recovery amount"
    assert ex.describe_plb("L6").text == "Interest amount"


def test_lists_not_imported_still_explain(kb: KnowledgeBase) -> None:
    ex = Explainer(kb)
    c = ex.describe_carc("45")
    assert (c.known, c.active, c.source) == (False, None, "")
    assert c.text == "CARC 45: description not loaded: import carc"
    e = ex.explain_claim(example())
    assert "CO-97 $100.00 (CARC 97: description not loaded: import carc)" in e.summary
    assert "status 1:" in e.summary
    assert e.warnings == []  # nothing to check dates against


class CountingKB(KnowledgeBase):
    def __init__(self, inner: KnowledgeBase) -> None:
        super().__init__(inner.store)
        self.opens: list[str] = []

    def open(self, kind: str, dos: Any = None) -> Any:
        self.opens.append(kind)
        return super().open(kind, dos)


def test_each_list_is_opened_once_per_explainer(remit_lists: KnowledgeBase) -> None:
    kb = CountingKB(remit_lists)
    ex = Explainer(kb)
    for i in range(30):
        ex.explain_claim(example(patient_control_number=f"P{i}", service_from=f"2024-06-{i % 28 + 1:02d}"))
    assert sorted(kb.opens) == ["carc", "claim-adjustment-groups", "claim-status", "rarc"]


def test_first_sentence_and_money() -> None:
    assert first_sentence("Exact duplicate. Usage: more.") == "Exact duplicate."
    assert first_sentence("Alert:You may not appeal this decision.") == "Alert:You may not appeal this decision."
    assert first_sentence("No full stop") == "No full stop"
    assert money(Decimal("1234.5")) == "$1,234.50" and money(Decimal("-5")) == "-$5.00"


# -- claims -------------------------------------------------------------------------------------

def test_claim_summary_reads_like_a_person_wrote_it(ex: Explainer) -> None:
    e = ex.explain_claim(example())
    assert e.summary.startswith(
        "Claim PCN123 (payer claim 9999), processed as primary: charged $300.00, paid $120.00, "
        "patient owes $30.00. Line 1 20610: paid $120.00 of $200.00, CO-45 $50.00 (Charge exceeds"
    )
    assert (
        "Line 2 99213-25: denied, CO-97 $100.00 (The benefit for this service is included in the "
        "payment/allowance for another...), remark M15 (Separately billed services/tests have been "
        "bundled"
    ) in e.summary
    assert e.patient_owes == Decimal("30.00") and e.status.text == "Processed as Primary."
    assert [ln.denied for ln in e.lines] == [False, True]


def test_every_adjustment_and_remark_is_explained(ex: Explainer) -> None:
    e = ex.explain_claim(example())
    (co45, pr2), (co97,) = (ln.adjustments for ln in e.lines)
    assert co45.text.startswith("CO-45 $50.00: Contractual Obligation: Charge exceeds fee schedule")
    assert pr2.text == "PR-2 $30.00: Patient Responsibility: Coinsurance Amount"
    assert (co97.line, co97.amount, co97.group.code, co97.reason.code) == (2, Decimal("100.00"), "CO", "97")
    (m15,) = e.lines[1].remarks
    assert m15.text.startswith("remark M15: Separately billed services/tests have been bundled")


def test_patient_owes_is_summed_from_pr_when_clp05_is_absent(ex: Explainer) -> None:
    e = ex.explain_claim(example(patient_responsibility=None))
    assert e.patient_owes == Decimal("30.00")


def test_deductible_line_is_not_called_denied(ex: Explainer) -> None:
    c = example(lines=[{"code": "99214", "charge": "200", "paid": "0",
                        "adjustments": ["CO-45 60", "PR-1 140"]}])
    (ln,) = ex.explain_claim(c).lines
    assert not ln.denied and ln.summary.startswith("Line 1 99214: paid $0.00 of $200.00, CO-45")


def test_warnings_for_stopped_codes_group_misuse_and_unknown_codes(ex: Explainer) -> None:
    c = example(lines=[{"code": "99213", "charge": "100", "paid": "0",
                        "adjustments": ["CO-18 100", "CO-999 0"], "remarks": ["M33"]}])
    w = ex.explain_claim(c, paid_on=_dt.date(2024, 7, 1)).warnings
    assert w == [
        "line 1: CARC 18 is for use only with group OA, reported with CO",
        "line 1: unknown CARC 999 (not in the imported list " + ex.describe_carc("999").text.rsplit(" ", 1)[1],
        "line 1: RARC M33 stopped on 2004-08-01, before the service date 2024-06-11",
    ]


def test_a_code_stopped_after_service_but_before_payment_is_flagged(ex: Explainer) -> None:
    c = example(service_from="2004-07-01",
                lines=[{"code": "99213", "charge": "100", "paid": "80", "remarks": ["M33"]}])
    assert ex.explain_claim(c, paid_on=_dt.date(2004, 9, 1)).warnings == [
        "line 1: RARC M33 stopped on 2004-08-01, before the payment date 2004-09-01"
    ]
    assert ex.explain_claim(c, paid_on=_dt.date(2004, 7, 20)).warnings == []


def test_reversals_are_not_date_checked(ex: Explainer) -> None:
    c = example(status="22", lines=[{"code": "99213", "charge": "-100", "paid": "-80",
                                    "adjustments": ["CO-45 -20"], "remarks": ["M33"]}])
    e = ex.explain_claim(c)
    assert e.warnings == [] and "reversal of previous payment" in e.summary


def test_claim_explanation_to_dict_is_json(ex: Explainer) -> None:
    d = ex.explain_claim(example()).to_dict()
    text = json.dumps(d)
    assert d["paid"] == "120.00" and d["lines"][1]["adjustments"][0]["reason"]["code"] == "97"
    assert json.loads(text)["status"]["text"] == "Processed as Primary."


# -- remittances --------------------------------------------------------------------------------

REMIT: dict[str, Any] = {
    "control_number": "0001",
    "handling": "I",
    "total_paid": "91.80",
    "credit_debit": "C",
    "method": "ACH",
    "payment_date": "2024-07-01",
    "trace_number": "EFT-778899",
    "trace_originator": "1999999999",
    "payer": {"name": "Example Health Plan", "id_qualifier": "XV", "id": "12345"},
    "payee": {"name": "Riverside Family Medicine", "id_qualifier": "XX", "id": "1234567893"},
    "claims": [EXAMPLE],
    "provider_adjustments": [
        {"provider_id": "1234567893", "fiscal_period_end": "2024-12-31", "reason": "WO",
         "reference": "OLD-CLAIM-1", "amount": "31.40"},
        {"provider_id": "1234567893", "fiscal_period_end": "2024-12-31", "reason": "L6",
         "amount": "-3.20"},
        {"provider_id": "1234567893", "reason": "CV", "amount": "0.00"},
    ],
}


def test_explain_a_remittance_with_plb(ex: Explainer) -> None:
    rem = remittance_from_dict(REMIT, source="remit.yaml")
    e = ex.explain(rem)
    assert e.summary.startswith(
        "Payment EFT-778899 from Example Health Plan to Riverside Family Medicine on 2024-07-01: "
        "$91.80 (ACH) for 1 claim. Provider-level adjustments $28.20: PLB WO OLD-CLAIM-1 $31.40 "
        "(reduces the payment): Overpayment recovery amount; PLB L6 -$3.20 (adds to the payment): "
        "Interest amount"
    )
    assert e.claims[0].summary.startswith("Claim PCN123")
    assert any(w.startswith("PLB CV: unknown PLB adjustment reason CV") for w in e.warnings)
    assert json.loads(json.dumps(e.to_dict()))["provider_adjustments"][0]["amount"] == "31.40"


# -- the shared 835 samples ---------------------------------------------------------------------

def read(samples_835: Path, name: str) -> list[Remittance]:
    return read_835(samples_835 / name, validate=False, strict=False)


def test_every_sample_explains_and_every_code_it_uses_is_known(
    ex: Explainer, samples_835: Path
) -> None:
    files = sorted(p for p in samples_835.iterdir() if p.is_file())
    assert len(files) >= 10
    claims = 0
    for path in files:
        for rem in read_835(path, validate=False, strict=False):
            e = ex.explain(rem)
            assert e.summary and len(e.claims) == len(rem.claims)
            for c in e.claims:
                claims += 1
                assert c.summary.startswith(f"Claim {c.patient_control_number}")
                for a in [*c.adjustments, *(a for ln in c.lines for a in ln.adjustments)]:
                    assert a.reason.known, (path.name, a.reason.code)
                    assert a.group.known, (path.name, a.group.code)
    assert claims >= 20


def test_medicaid_sample_timely_filing_lines(ex: Explainer, samples_835: Path) -> None:
    (rem,) = read(samples_835, "emedny_sample.txt")
    claim = rem.claims[1]
    e = ex.explain_claim(claim, paid_on=rem.payment_date)
    assert "processed as secondary: charged $34.00, paid $0.00" in e.summary
    assert "Line 1 V2020: denied, CO-29 $12.00 (The time limit for filing has expired.)." in e.summary
    assert [(d.line, d.category, d.action) for d in classify(claim)] == [
        (1, "timely-filing", "write-off"), (2, "timely-filing", "write-off")
    ]
    third = rem.claims[2]
    assert [(d.line, d.category, d.carcs) for d in classify(third)] == [
        (3, "missing-info", ("251",)), (4, "missing-info", ("251",))
    ]


def test_dental_sample_negotiated_discounts_are_not_denials(ex: Explainer, samples_835: Path) -> None:
    (rem,) = read(samples_835, "X221-era-sample.edi")
    e = ex.explain(rem)
    assert "CO-131 $21.00 (Claim specific negotiated discount.)" in e.claims[0].summary
    assert classify(rem.claims[0]) == []


def test_denied_sample_claim(ex: Explainer, samples_835: Path) -> None:
    (rem,) = read(samples_835, "pyx12_835_mult_loops.txt")
    c = rem.claims[0]
    e = ex.explain_claim(c, paid_on=rem.payment_date)
    assert e.status.text == "Denied" and ", denied: charged $915.39, paid $0.00" in e.summary
    first = classify(c)[0]
    assert (first.line, first.category, first.carcs, first.rarcs) == (1, "missing-info", ("16",), ("N14",))

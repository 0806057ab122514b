"""Matching 835 claims and lines to medcoder's claims, with pricing from the CY2025 CMS files.

The claims are priced for real (PPRRVU2025_Oct, GPCI2025, locality files from ../shared, as in
tests/claims/test_pricing.py); the remittance side is built directly from the model, with
invented payer claim numbers and amounts worked from the priced allowed amounts.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.claims.model import Claim
from medcoder.claims.pricing import ClaimPrice, price_claim
from medcoder.claims.serialize import claim_from_dict
from medcoder.codesets.kb import KnowledgeBase
from medcoder.remit.match import actual_allowed, match
from medcoder.remit.model import Adjustment, ClaimPayment, Party, Remittance, ServicePayment

D = Decimal
DOS = _dt.date(2025, 11, 3)
PFS = {
    "pfs-rvu": "PPRRVU2025_Oct.csv",
    "pfs-gpci": "GPCI2025.csv",
    "pfs-locality": "25LOCCO.csv",
    "pfs-zip": "ZIP5_OCT2025.txt",
}
BASE: dict[str, Any] = {
    "kind": "professional",
    "patient_control_number": "PCN-M1",
    "billing": {"name": "Riverside Family Medicine", "npi": "1234567893", "tax_id": "12-3456789",
                "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}},
    "payer": {"key": "medicare", "name": "Medicare Part B", "payer_id": "00952", "kind": "medicare"},
    "patient": {"last_name": "Doe", "first_name": "John", "birth_date": "1950-03-02", "sex": "M",
                "member_id": "1EG4TE5MK73"},
    "date": DOS.isoformat(),
    "place_of_service": "11",
    "diagnoses": ["M17.11", "E11.9"],
}


def make_claim(*lines: dict[str, Any], **over: Any) -> Claim:
    data = copy.deepcopy(BASE)
    data.update(over)
    data["lines"] = [{"charge": 100, "pointers": [1], **ln} for ln in lines]
    return claim_from_dict(data)


def svc(code: str, charge: str, paid: str, *adj: tuple[str, str, str], **kw: Any) -> ServicePayment:
    return ServicePayment(code=code, qualifier="HC", modifiers=kw.pop("modifiers", []), charge=D(charge),
                          paid=D(paid), date_from=kw.pop("date_from", DOS),
                          adjustments=[Adjustment(g, r, D(a)) for g, r, a in adj], **kw)


def clp(pcn: str, status: str, charge: str, paid: str, lines: list[ServicePayment], **kw: Any) -> ClaimPayment:
    pr = sum((a.amount for s in lines for a in s.adjustments if a.group == "PR"), D(0))
    kw.setdefault("payer_claim_id", "2025310000001")
    kw.setdefault("patient", {"last": "DOE", "first": "JOHN", "id": "1EG4TE5MK73"})
    return ClaimPayment(patient_control_number=pcn, status=status, charge=D(charge), paid=D(paid),
                        patient_responsibility=pr, filing_indicator="MB", lines=lines, **kw)


def remit(*claims: ClaimPayment, trace: str = "EFT0001") -> Remittance:
    paid = sum((c.paid for c in claims), D(0))
    return Remittance(control_number="0001", handling="I", total_paid=paid, credit_debit="C", method="ACH",
                      payment_date=_dt.date(2025, 12, 1), trace_number=trace, trace_originator="1999999999",
                      payer=Party("MEDICARE PART B"), payee=Party("RIVERSIDE FAMILY MEDICINE"),
                      claims=list(claims))


def split(allowed: Decimal) -> tuple[str, str]:
    """Medicare 80/20 after the deductible: (paid, coinsurance)."""
    coins = (allowed * D("0.2")).quantize(D("0.01"))
    return str(allowed - coins), str(coins)


@pytest.fixture
def pricing_kb(tabular_kb: KnowledgeBase, shared_data: Path) -> KnowledgeBase:
    for kind, name in PFS.items():
        tabular_kb.import_file(kind, shared_data / "pfs" / name)
    return tabular_kb


@pytest.fixture
def office(pricing_kb: KnowledgeBase) -> tuple[Claim, ClaimPrice]:
    c = make_claim({"code": "99213", "charge": 145}, {"code": "11402", "charge": 210}, {"code": "11403", "charge": 260})
    return c, price_claim(c, pricing_kb)


@pytest.mark.shared
def test_pcn_match_with_expected_allowed_as_expected_and_underpaid(office: tuple[Claim, ClaimPrice]) -> None:
    c, price = office
    e1, e2, e3 = (ln.allowed for ln in price.lines)
    assert e1 > 0 and e2 > 0 and e3 > 0
    p1, c1 = split(e1)
    short = e2 - D("5.00")  # the payer allowed five dollars less than the fee schedule on line 2
    p2, c2 = split(short)
    p3, c3 = split(e3)
    lines = [
        svc("99213", "145", p1, ("CO", "45", str(145 - e1)), ("PR", "2", c1)),
        svc("11402", "210", p2, ("CO", "45", str(210 - short)), ("PR", "2", c2)),
        svc("11403", "260", p3, ("CO", "45", str(260 - e3)), ("PR", "2", c3)),
    ]
    paid = str(D(p1) + D(p2) + D(p3))
    result = match([remit(clp("PCN-M1", "1", "615", paid, lines))], [c],
                   prices={"PCN-M1": price})
    (m,) = result.matched
    assert (m.method, m.confidence) == ("patient-control-number", "high")
    assert any("service dates agree" in e for e in m.evidence) and any("charge agrees" in e for e in m.evidence)
    assert [(ln.remit_line, ln.claim_line, ln.method) for ln in m.lines] == [(1, 1, "code"), (2, 2, "code"),
                                                                             (3, 3, "code")]
    one, two, three = m.lines
    assert (one.expected, one.allowed, one.status, one.difference) == (e1, e1, "as-expected", D("0.00"))
    assert one.allowed_source == "paid + patient responsibility"
    assert (two.status, two.difference, two.expected, two.allowed) == ("underpaid", D("-5.00"), e2, short)
    assert three.status == "as-expected"
    assert m.net_paid == D(paid) and m.expected == price.total_allowed
    t = result.totals
    assert t["underpaid"] == D("5.00") and t["lines_underpaid"] == 1 and t["overpaid"] == 0
    assert t["claims_matched"] == 1 and t["claims_without_remittance"] == 0
    assert t["expected"] == e1 + e2 + e3 and t["allowed"] == e1 + short + e3
    d = json.loads(json.dumps(result.to_dict()))
    assert d["matched"][0]["lines"][1]["status"] == "underpaid"
    assert d["totals"]["underpaid"] == "5.00"


@pytest.mark.shared
def test_amt_b6_is_the_allowed_and_a_denied_line_is_underpaid_by_all_of_it(office: tuple[Claim, ClaimPrice]) -> None:
    c, price = office
    e1, e2, _e3 = (ln.allowed for ln in price.lines)
    lines = [
        svc("99213", "145", "0", ("CO", "97", "145"), remarks=["M15"]),  # denied: bundled
        svc("11402", "210", "100", ("CO", "45", "80"), allowed=e2 + D("20")),  # AMT*B6 above the fee schedule
        svc("11403", "260", "50", ("CO", "45", "210")),
    ]
    result = match([remit(clp("PCN-M1", "1", "615", "150", lines))], [c], prices={"PCN-M1": price})
    one, two, three = result.matched[0].lines
    assert (one.status, one.allowed, one.difference) == ("underpaid", D("0"), -e1)
    assert any("denied" in n for n in one.notes)
    assert (two.allowed_source, two.allowed, two.status, two.difference) == ("AMT*B6", e2 + 20, "overpaid", D("20.00"))
    assert three.allowed == D("50")
    assert result.totals["overpaid"] == D("20.00") and result.totals["lines_overpaid"] == 1


def test_sequestration_counts_in_the_allowed() -> None:
    s = svc("99213", "145", "70.00", ("CO", "45", "43.57"), ("PR", "2", "17.86"), ("CO", "253", "1.43"))
    assert actual_allowed(s) == (D("89.29"), "paid + patient responsibility + sequestration (CARC 253)")


def test_line_control_number_then_submitted_code_then_position() -> None:
    c = make_claim({"code": "99214", "charge": 200}, {"code": "96372", "charge": 40}, {"code": "J1885", "charge": 19,
                                                                                       "units": 2})
    lines = [
        svc("J3301", "19", "3.00", ("CO", "45", "16")),  # code differs entirely: matched by REF*6R
        svc("99213", "200", "70", ("CO", "45", "130"), submitted_code="99214"),  # payer down-coded
        svc("X9999", "40", "10", ("CO", "45", "30")),  # no REF, no code: position 3 is taken, 2 is free
    ]
    lines[0].line_control_number = "3"
    result = match([remit(clp("PCN-M1", "1", "259", "83", lines))], [c])
    m = result.matched[0]
    got = {(ln.remit_line, ln.claim_line, ln.method) for ln in m.lines}
    assert (1, 3, "line-control-number") in got
    assert (2, 1, "code") in got
    two = m.line_for(2)
    assert two is not None and any("SVC06 submitted code 99214" in n for n in two.notes)
    # the third remittance line has no code match and its own position (3) is taken: unmatched
    assert [ln.remit_line for ln in m.remit_only] == [3]
    assert [ln.claim_line for ln in m.claim_only] == [2]
    assert m.lines[0].status is None  # no prices given


def test_position_is_the_last_resort_and_modifier_differences_are_noted() -> None:
    c = make_claim({"code": "99213", "charge": 145, "modifiers": ["25"]}, {"code": "20610", "charge": 150})
    lines = [svc("99213", "145", "60", ("CO", "45", "85")),  # modifier 25 dropped by the payer
             svc("20611", "150", "0", ("CO", "97", "150"))]
    m = match([remit(clp("PCN-M1", "1", "295", "60", lines))], [c]).matched[0]
    one, two = m.lines
    assert (one.method, one.claim_line, one.confidence) == ("code-partial", 1, "medium")
    assert "modifiers differs" in one.notes
    assert (two.method, two.claim_line, two.confidence) == ("position", 2, "low")
    assert "code differs" in two.notes


def test_fallback_on_member_id_and_name_when_the_pcn_is_missing_or_unknown() -> None:
    a = make_claim({"code": "99213", "charge": 145}, patient_control_number="A-1")
    b = make_claim({"code": "99213", "charge": 145}, patient_control_number="B-1",
                   patient={"last_name": "Roe", "first_name": "Jane", "birth_date": "1960-01-01", "sex": "F",
                            "member_id": "2FG4TE5MK74"})
    no_pcn = clp("", "1", "145", "60", [svc("99213", "145", "60", ("CO", "45", "85"))])
    unknown = clp("ZZZ", "1", "145", "60", [svc("99213", "145", "60", ("CO", "45", "85"))],
                  patient={"last": "ROE", "first": "JANE"})  # no member id on the 835: name only
    result = match([remit(no_pcn, unknown)], [a, b])
    ma, mb = result.matched
    assert ma.claim is a and (ma.method, ma.confidence) == ("member-id", "medium")
    assert any("CLP01 is empty" in e for e in ma.evidence) and any("member id" in e for e in ma.evidence)
    assert mb.claim is b and (mb.method, mb.confidence) == ("patient-name", "low")
    assert any("CLP01 ZZZ is not the CLM01" in e for e in mb.evidence)


def test_ambiguous_fallback_and_wrong_charge_are_not_matched() -> None:
    a = make_claim({"code": "99213", "charge": 145}, patient_control_number="A-1")
    a2 = make_claim({"code": "99213", "charge": 145}, patient_control_number="A-2")
    twin = clp("", "1", "145", "60", [svc("99213", "145", "60")])
    wrong = clp("", "1", "999", "60", [svc("99213", "999", "60")])
    result = match([remit(twin, wrong)], [a, a2])
    assert result.matched == [] and result.unmatched_payments == [twin, wrong]
    assert result.unpaid_claims == [a, a2]
    assert result.totals["remittance_claims_unmatched"] == 2 and result.totals["unmatched_paid"] == D("120")


def test_pcn_confirmed_by_dates_and_charge_sets_the_confidence() -> None:
    c = make_claim({"code": "99213", "charge": 145})
    other_day = clp("PCN-M1", "1", "150", "60", [svc("99213", "150", "60", date_from=_dt.date(2025, 11, 4))])
    m = match([remit(other_day)], [c]).matched[0]
    assert (m.method, m.confidence) == ("patient-control-number", "low")
    assert any("service dates differ" in e for e in m.evidence)
    assert any("charge differs: remittance CLP03 150, claim 145" in e for e in m.evidence)
    # a reused PCN: the dates and charge choose between the two claims
    later = make_claim({"code": "99213", "charge": 145}, date="2025-12-01")
    pay = clp("PCN-M1", "1", "145", "60", [svc("99213", "145", "60", date_from=_dt.date(2025, 12, 1))])
    m2 = match([remit(pay)], [c, later]).matched[0]
    assert m2.claim is later and m2.confidence == "high"
    assert any("chosen by dates and charge" in e for e in m2.evidence)


def test_reversal_and_correction_net_out() -> None:
    c = make_claim({"code": "99213", "charge": 145}, {"code": "96372", "charge": 40})
    first = clp("PCN-M1", "1", "185", "50", [svc("99213", "145", "50", ("CO", "45", "95")),
                                             svc("96372", "40", "0", ("CO", "97", "40"))])
    back = clp("PCN-M1", "22", "-185", "-50", [svc("99213", "-145", "-50", ("CO", "45", "-95")),
                                               svc("96372", "-40", "0", ("CO", "97", "-40"))])
    again = clp("PCN-M1", "1", "185", "80", [svc("99213", "145", "60", ("CO", "45", "85")),
                                             svc("96372", "40", "20", ("CO", "45", "20"))],
                payer_claim_id="2025335000009")
    result = match([remit(first), remit(back, again, trace="EFT0002")], [c])
    (m,) = result.matched
    assert m.reversed and m.effective == [2] and m.payment is again
    assert m.net_paid == D("80") and result.totals["paid"] == D("80")
    assert [(ln.payment, ln.paid) for ln in m.lines] == [(2, D("60")), (2, D("20"))]
    assert m.claim_only == [] and m.remit_only == []
    assert any("reversed by adjudication 2" in n for n in m.notes)
    assert m.to_dict()["payments"][0]["counts"] is False
    # a reversal alone: nothing counts, every claim line is unpaid
    alone = match([remit(first), remit(back)], [c]).matched[0]
    assert alone.status == "reversed" and alone.payment is None and alone.net_paid == 0
    assert [ln.claim_line for ln in alone.claim_only] == [1, 2]
    # the original in an earlier file not given: the reversal stays in the net
    orphan = match([remit(back, again)], [c]).matched[0]
    assert orphan.net_paid == D("30") and any("not among the remittances" in n for n in orphan.notes)


def test_unmatched_claims_and_an_extra_remittance_line() -> None:
    c = make_claim({"code": "99213", "charge": 145})
    none = make_claim({"code": "99213", "charge": 145}, patient_control_number="NEVER-PAID",
                      patient={"last_name": "Poe", "first_name": "Al", "birth_date": "1970-01-01", "sex": "M",
                               "member_id": "3AB4TE5MK75"})
    extra = clp("PCN-M1", "1", "145", "60", [svc("99213", "145", "60"), svc("36415", "0", "3")])
    result = match([remit(extra)], [c, none])
    m = result.matched[0]
    assert [ln.code for ln in m.remit_only] == ["36415"] and m.remit_only[0].paid == D("3")
    assert result.unpaid_claims == [none]
    assert result.totals["remit_lines_unmatched"] == 1 and result.totals["total_paid"] == D("60")
    assert json.loads(json.dumps(result.to_dict()))["unpaid_claims"][0]["patient_control_number"] == "NEVER-PAID"

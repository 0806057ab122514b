"""Generated remittances for medcoder's own claims: each outcome (paid, partial, denied,
reversed) is written, accepted by pyx12, read back unchanged and balanced; the codes used are
in the official CARC/RARC lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from medcoder.claims.model import Claim
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import InputError
from medcoder.remit.balance import check_balance
from medcoder.remit.generate import adjudicate, remittance_for
from medcoder.remit.model import Adjustment, ClaimPayment, Party, ProviderAdjustment, Remittance
from medcoder.remit.readers.x835 import read_835_text
from medcoder.remit.writers.x835 import write_835

D = Decimal
Cmp = Callable[[Any], Any]
Make = Callable[..., Claim]
PAID_ON = dt.date(2026, 7, 1)


def _round_trip(rem: Remittance, comparable: Cmp) -> Remittance:
    text = write_835([rem], sender="PAYER01", receiver="RIVERSIDE", when=dt.datetime(2026, 7, 1, 8))
    (back,) = read_835_text(text, source="generated", validate=True)  # pyx12 must accept it
    assert comparable(back) == comparable(rem)
    assert check_balance(back) == []
    return back


def test_paid_with_contractual_and_patient_shares(claim: Claim, payer: Party, payee: Party, comparable: Cmp) -> None:
    pay = adjudicate(claim, "paid", allowed={1: D("92.14"), 2: D("25.10")}, deductible=D(50),
                     coinsurance=D("10.25"), copay=D(5))
    l1, l2, l3 = pay.lines
    assert l1.adjustments == [Adjustment("CO", "45", D("52.86")), Adjustment("PR", "1", D(50)),
                              Adjustment("PR", "2", D("10.25")), Adjustment("PR", "3", D(5))]
    assert (l1.paid, l1.allowed, l2.paid, l3.paid, l3.adjustments) == (D("26.89"), D("92.14"), D("25.10"), D(60), [])
    assert (pay.status, pay.charge, pay.paid, pay.patient_responsibility) == ("1", D(245), D("111.99"), D("65.25"))
    assert pay.filing_indicator == "MB" and pay.rendering["npi"] == "1245319599"
    back = _round_trip(remittance_for([pay], payer=payer, payee=payee, trace="EFT0001", paid_on=PAID_ON), comparable)
    assert back.total_paid == D("111.99") and back.handling == "I"


def test_patient_shares_spill_to_the_next_line(claim: Claim) -> None:
    pay = adjudicate(claim, "paid", deductible=D(160))
    assert [a.amount for ln in pay.lines for a in ln.adjustments] == [D(145), D(15)]
    with pytest.raises(InputError, match="exceed"):
        adjudicate(claim, "paid", deductible=D(246))


def test_partial_bundled_line_and_modifier_denial(claim: Claim, payer: Party, payee: Party, comparable: Cmp, make_claim: Make) -> None:
    bundled = adjudicate(claim, "partial")
    assert bundled.lines[2].adjustments == [Adjustment("CO", "97", D(60))] and bundled.lines[2].remarks == ["M15"]
    assert bundled.paid == D(185) and bundled.status == "1"
    modifier = adjudicate(make_claim("PCN-0002"), "partial", denied_lines={1: ("4", "N519")})
    assert (modifier.lines[0].paid, modifier.lines[0].adjustments) == (D(0), [Adjustment("CO", "4", D(145))])
    _round_trip(remittance_for([bundled, modifier], payer=payer, payee=payee, trace="EFT0002", paid_on=PAID_ON), comparable)
    with pytest.raises(InputError, match="deny the claim"):
        adjudicate(claim, "partial", denied_lines={1: ("97", None), 2: ("97", None), 3: ("97", None)})


def test_denied_claims(claim: Claim, payer: Party, payee: Party, comparable: Cmp, make_claim: Make) -> None:
    missing = adjudicate(claim, "denied")
    assert missing.is_denied and missing.paid == 0 and missing.remarks == ["MA130"]
    assert all(ln.adjustments == [Adjustment("CO", "16", ln.charge)] for ln in missing.lines)
    necessity = adjudicate(make_claim("PCN-0003"), "denied", denial=("50", "N115"))
    rem = remittance_for([missing, necessity], payer=payer, payee=payee, trace="NOPAY1", paid_on=PAID_ON)
    assert (rem.handling, rem.method, rem.total_paid) == ("H", "NON", D(0))
    _round_trip(rem, comparable)


def test_reversal_takes_back_the_previous_payment(payer: Party, payee: Party, comparable: Cmp, make_claim: Make) -> None:
    claim = make_claim(relationship="19")
    first = adjudicate(claim, "paid", allowed={1: D(100)}, coinsurance=D(20))
    assert first.insured["id"] == "1EG4TE5MK73" and "id" not in first.patient
    rev = adjudicate(claim, "reversed", previous=first)
    assert (rev.status, rev.charge, rev.paid, rev.patient_responsibility) == ("22", -first.charge, -first.paid, D(-20))
    assert rev.lines[0].adjustments == [Adjustment("CO", "45", D(-45)), Adjustment("PR", "2", D(-20))]
    assert first.lines[0].paid == D(80)  # the original is left alone
    corrected = adjudicate(claim, "paid", allowed={1: D(110)}, coinsurance=D(20))
    rem = remittance_for([rev, corrected], payer=payer, payee=payee, trace="EFT0003", paid_on=PAID_ON)
    assert rem.total_paid == D(10)
    back = _round_trip(rem, comparable)
    assert back.claims[0].is_reversal
    with pytest.raises(InputError, match="previous payment"):
        adjudicate(claim, "reversed")


def test_provider_adjustments_enter_bpr02(claim: Claim, payer: Party, payee: Party, comparable: Cmp) -> None:
    pay = adjudicate(claim, "paid")
    plb = [ProviderAdjustment("1234567893", dt.date(2026, 12, 31), "WO", "ICN0001", D(20)),
           ProviderAdjustment("1234567893", dt.date(2026, 12, 31), "L6", None, D("-1.50"))]
    rem = remittance_for([pay], payer=payer, payee=payee, trace="EFT0004", plb=plb, paid_on=PAID_ON)
    assert rem.total_paid == D(245) - D("18.50")
    back = _round_trip(rem, comparable)
    assert back.provider_adjustments == plb
    with pytest.raises(InputError, match="non-negative"):
        remittance_for([pay], payer=payer, payee=payee, trace="X", paid_on=PAID_ON,
                       plb=[ProviderAdjustment("1234567893", None, "WO", None, D(300))])


def test_all_outcomes_in_one_file(claim: Claim, payer: Party, payee: Party, comparable: Cmp, make_claim: Make) -> None:
    pays: list[ClaimPayment] = [
        adjudicate(claim, "paid", allowed={1: D(90)}),
        adjudicate(make_claim("PCN-2"), "partial"),
        adjudicate(make_claim("PCN-3"), "denied"),
    ]
    pays.append(adjudicate(claim, "reversed", previous=pays[0]))
    pays.append(adjudicate(claim, "paid", allowed={1: D(95)}))
    back = _round_trip(remittance_for(pays, payer=payer, payee=payee, trace="EFT0005", paid_on=PAID_ON), comparable)
    assert [c.status for c in back.claims] == ["1", "1", "4", "22", "1"]


def test_generated_codes_are_in_the_official_lists(remit_lists: KnowledgeBase, claim: Claim) -> None:
    carc = remit_lists.open("carc", "2026-07-01").reader
    rarc = remit_lists.open("rarc", "2026-07-01").reader
    pays = [adjudicate(claim, "paid", allowed={1: D(90)}, deductible=D(10), coinsurance=D(5), copay=D(5)),
            adjudicate(claim, "partial"), adjudicate(claim, "partial", denied_lines={1: ("4", "N519")}),
            adjudicate(claim, "denied"), adjudicate(claim, "denied", denial=("50", "N115"))]
    reasons = {a.reason for p in pays for ln in p.lines for a in ln.adjustments}
    remarks = {r for p in pays for r in p.remarks} | {r for p in pays for ln in p.lines for r in ln.remarks}
    assert reasons == {"1", "2", "3", "4", "16", "45", "50", "97"}
    assert remarks == {"M15", "N519", "MA130", "N115"}
    assert all(carc.get(c) is not None for c in reasons)
    assert all(rarc.get(r) is not None for r in remarks)

"""REF*6R round trip: medcoder's 837P writes a line item control number on every line (loop 2400),
the generated 835 returns it (loop 2110), and the matcher pairs remittance lines with claim lines
by it before code or position, even when the payer reorders the lines and changes their codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

from remit_claim_parts import submitter

from medcoder.claims.model import Address, Claim, Provider, ServiceLine
from medcoder.claims.readers.x837i import read_837i
from medcoder.claims.writers.x837i import write_837i
from medcoder.claims.writers.x837p import line_control_number
from medcoder.remit.generate import adjudicate, remittance_for
from medcoder.remit.match import match, match_lines
from medcoder.remit.model import Party
from medcoder.remit.readers.x835 import read_835_text
from medcoder.remit.writers.x835 import write_835

D = Decimal


def test_the_generated_835_returns_the_837p_control_numbers(claim: Claim, payer: Party, payee: Party) -> None:
    pay = adjudicate(claim, "paid")
    assert [s.line_control_number for s in pay.lines] == ["PCN-0001-1", "PCN-0001-2", "PCN-0001-3"]
    text = write_835([remittance_for([pay], payer=payer, payee=payee, trace="T1", paid_on=dt.date(2026, 7, 1))],
                     sender="PAYER01", receiver="RIVERSIDE", when=dt.datetime(2026, 7, 1, 8))
    assert "REF*6R*PCN-0001-2~" in text
    ((back,),) = [r.claims for r in read_835_text(text, source="generated")]
    pairs, remit_only, claim_only = match_lines(claim, back)
    assert [(p.remit_line, p.claim_line, p.method, p.confidence) for p in pairs] == [
        (1, 1, "line-control-number", "high"), (2, 2, "line-control-number", "high"),
        (3, 3, "line-control-number", "high")]
    assert pairs[1].notes == ["REF*6R PCN-0001-2 = the line item control number of line 2"]
    assert remit_only == [] and claim_only == []


def test_reordered_and_recoded_lines_are_paired_by_the_control_number(claim: Claim) -> None:
    pay = adjudicate(claim, "paid")
    one, two, three = pay.lines
    recoded = dataclasses.replace(three, code="20611")  # the payer changed the code, no SVC06
    pay.lines = [recoded, one, two]  # and returned the lines in another order
    pairs, remit_only, claim_only = match_lines(claim, pay)
    assert {(p.remit_line, p.claim_line) for p in pairs} == {(1, 3), (2, 1), (3, 2)}
    first = next(p for p in pairs if p.remit_line == 1)
    assert (first.method, first.confidence) == ("line-control-number", "medium") and "code differs" in first.notes
    assert remit_only == [] and claim_only == []
    # without the control numbers the recoded line is lost: its code is on no claim line and its
    # position (1) belongs to the line the code matched
    for s in pay.lines:
        s.line_control_number = None
    pairs, remit_only, claim_only = match_lines(claim, pay)
    assert {(p.remit_line, p.claim_line, p.method) for p in pairs} == {(2, 1, "code"), (3, 2, "code")}
    assert [x.remit_line for x in remit_only] == [1] and [x.claim_line for x in claim_only] == [3]


def test_a_foreign_control_number_is_ignored_and_a_bare_number_is_the_lx(claim: Claim) -> None:
    pay = adjudicate(claim, "paid")
    pay.lines[0].line_control_number = "ABC-7"  # written by another system: not ours, not a number
    pay.lines[1].line_control_number = "3"  # a payer that returns the LX01 sequence number
    pay.lines[2].line_control_number = "PCN-0002-3"  # another claim's number
    pairs, remit_only, claim_only = match_lines(claim, pay)
    assert {(p.remit_line, p.claim_line, p.method) for p in pairs} == {(1, 1, "code"), (2, 3, "line-control-number")}
    lx = next(p for p in pairs if p.remit_line == 2)
    assert lx.notes == ["REF*6R 3 = line 3 (LX sequence number)", "code differs", "charge differs"]
    # the third line's own number is another claim's: its code's line (3) and its position are taken
    assert [x.remit_line for x in remit_only] == [3] and [x.claim_line for x in claim_only] == [2]


def test_control_numbers_fit_ref02_and_are_unique(make_claim: object) -> None:
    long_pcn = "P" * 40  # CLM01 keeps 38 characters
    c = make_claim(long_pcn)  # type: ignore[operator]
    numbers = [line_control_number(c, n) for n in range(1, len(c.lines) + 1)]
    assert len(set(numbers)) == len(numbers) and all(len(x) <= 50 for x in numbers)
    assert numbers[0] == "P" * 38 + "-1"
    pay = adjudicate(c, "paid")
    result = match([remittance_for([pay], payer=Party(name="P"), payee=Party(name="Q"), trace="T",
                                   paid_on=dt.date(2026, 7, 1))], [c])
    assert {ln.method for ln in result.matched[0].lines} == {"line-control-number"}


def _stay(make_claim: object) -> Claim:
    """An invented outpatient hospital claim (type of bill 131): two revenue-only lines and a lab line."""
    c: Claim = make_claim("ACCT-0001")  # type: ignore[operator]
    dos = c.service_from
    lines = [ServiceLine(code="", system="REV", charge=D("1200"), units=D(1), date_of_service=dos, revenue_code="0450"),
             ServiceLine(code="", system="REV", charge=D("300"), units=D(1), date_of_service=dos, revenue_code="0250"),
             ServiceLine(code="85025", system="CPT", charge=D("45"), units=D(1), date_of_service=dos,
                         revenue_code="0300")]
    billing = dataclasses.replace(c.billing, name="Riverside General Hospital",
                                  address=Address("100 Hospital Dr", "Springfield", "IL", "62701-1234"))
    return dataclasses.replace(c, kind="institutional", lines=lines, billing=billing, rendering=None,
                               type_of_bill="131", discharge_status="01", admission_type="1", admission_source="1",
                               place_of_service="",
                               attending=Provider(name="Lee", first_name="Ann", npi="1245319599", entity="person"))


def test_institutional_lines_return_the_837i_control_numbers_and_are_paired_by_them(
        tmp_path: Path, make_claim: object, payer: Party, payee: Party) -> None:
    path = tmp_path / "stay.837"
    path.write_text(write_837i(_stay(make_claim), **submitter(dt.datetime(2026, 5, 6, 9))), encoding="ascii")
    (claim,) = read_837i(path)  # pyx12 accepts the 837I with its REF*6R
    pay = adjudicate(claim, "paid")
    assert [s.line_control_number for s in pay.lines] == ["ACCT-0001-1", "ACCT-0001-2", "ACCT-0001-3"]
    text = write_835([remittance_for([pay], payer=payer, payee=payee, trace="T1", paid_on=dt.date(2026, 7, 1))],
                     sender="PAYER01", receiver="RIVERSIDE", when=dt.datetime(2026, 7, 1, 8))
    ((back,),) = [r.claims for r in read_835_text(text, source="generated")]
    one, two, three = back.lines
    back.lines = [dataclasses.replace(three, code="85027"), two, one]  # reordered, the lab line recoded
    result = match([remittance_for([back], payer=payer, payee=payee, trace="T2", paid_on=dt.date(2026, 7, 1))],
                   [claim])
    (cm,) = result.matched
    assert {(ln.remit_line, ln.claim_line, ln.method) for ln in cm.lines} == {
        (1, 3, "line-control-number"), (2, 2, "line-control-number"), (3, 1, "line-control-number")}
    assert cm.remit_only == [] and cm.claim_only == []
    by_claim = {ln.claim_line: ln for ln in cm.lines}
    # NU:0450 / NU:0250 agree with the revenue-only lines; the recoded lab line does not
    assert by_claim[1].confidence == by_claim[2].confidence == "high"
    assert not any("code differs" in n for n in by_claim[1].notes + by_claim[2].notes)
    assert by_claim[3].confidence == "medium" and any("code differs" in n for n in by_claim[3].notes)


def test_a_corrected_claim_is_paired_by_the_numbers_its_lines_were_first_sent_with(
        tmp_path: Path, make_claim: object) -> None:
    path = tmp_path / "stay.837"
    path.write_text(write_837i(_stay(make_claim), **submitter(dt.datetime(2026, 5, 6, 9))), encoding="ascii")
    (first,) = read_837i(path)
    corrected = dataclasses.replace(first, frequency="7", type_of_bill="137", original_claim_id="ICN0001",
                                    lines=[first.lines[0], first.lines[2]])  # the second line withdrawn
    pay = adjudicate(corrected, "paid")
    assert [s.line_control_number for s in pay.lines] == ["ACCT-0001-1", "ACCT-0001-3"]
    pay.lines.reverse()
    pairs, remit_only, claim_only = match_lines(corrected, pay)
    assert [(p.remit_line, p.claim_line, p.method) for p in pairs] == [
        (1, 2, "line-control-number"), (2, 1, "line-control-number")]
    assert pairs[0].notes == ["REF*6R ACCT-0001-3 = the line item control number of line 2"]
    assert remit_only == [] and claim_only == []

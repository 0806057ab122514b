"""X12 837P (005010X222A1) professional claim writer.

One interchange, one functional group, one transaction per call; one billing provider, one
subscriber (the patient, or the patient under the subscriber: loop 2000C), one claim. Layout
per the ASC X12N 837 Professional Implementation Guide 005010X222A1: ISA/GS envelope, BHT,
1000A submitter (NM1*41, PER), 1000B receiver (NM1*40), 2000A/2010AA billing provider (PRV,
NM1*85, N3, N4, REF*EI|SY), 2000B/2010BA subscriber (SBR, NM1*IL, N3, N4, DMG), 2010BB payer
(NM1*PR), 2300 claim (CLM, REF*F8 for frequency 7/8, HI), 2310B rendering provider, 2400 lines
(LX, SV1, DTP*472, REF*6R). Every file the tests write is validated with pyx12.

REF*6R (loop 2400, line item control number, REF02 AN 1-50) is situational in the TR3: sent
when the submitter wants to track its lines through adjudication; a payer that receives one
returns it on the 835 line (005010X221A1 loop 2110 REF*6R), and it is unique within the claim
(CLM01). medcoder writes :func:`line_control_number`, ``<CLM01>-<LX01>`` (at most 38 + 1 + 2
characters: 837P loop 2400 repeats at most 50 times), so a remittance line can be tied to its
claim line even when the payer changed the code or reordered the lines; a line read from an 837
keeps the number it carried (``ServiceLine.control_number``). The 837I writer uses the same
function.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from medcoder.claims.model import Address, Claim, Person
from medcoder.errors import InputError

# SBR09 claim filing indicator by payer kind
FILING = {"medicare": "MB", "medicaid": "MC", "commercial": "CI", "bcbs": "BL", "tricare": "CH"}
LCN_MAX = 50  # REF02 (data element 127) of 837 loop 2400 REF*6R: AN 1-50 (CLM01 38 + "-" + LX01 ≤ 43)


def _amount(d: Decimal) -> str:
    s = f"{d.quantize(Decimal('0.01')):f}"
    return s[:-3] if s.endswith(".00") else s.rstrip("0")


def _number(d: Decimal) -> str:
    s = f"{d.normalize():f}"
    return s


def _clean(text: str, *, upper: bool = True) -> str:
    """An element value: X12 delimiters and non-ASCII removed; names upper case, identifiers
    (patient control number, member id) as given."""
    out = " ".join("".join(c for c in text if 32 <= ord(c) < 127 and c not in "*~:^").split())
    return out.upper() if upper else out


def _address(seg: list[list[str]], addr: Address | None, what: str) -> None:
    if addr is None:
        raise InputError(f"the 837P needs the {what}'s address", where=f"claim.{what}.address")
    seg.append(["N3", _clean(addr.line1)] + ([_clean(addr.line2)] if addr.line2 else []))
    seg.append(["N4", _clean(addr.city), _clean(addr.state), addr.zip.replace("-", "")])


def _control_numbers(claim: Claim) -> list[str]:
    """Every line's REF*6R: its stored number, else ``<CLM01>-<LX01>``; a computed number that a
    stored one already takes (a corrected claim that dropped or added lines) moves on to the next
    line numbers past the claim's last (``-<len + 1>``, ...) that no line takes."""
    base = _clean(claim.patient_control_number, upper=False)[:38]
    stored = [_clean(ln.control_number or "", upper=False)[:LCN_MAX] for ln in claim.lines]
    taken = {x.upper() for x in stored if x}
    out: list[str] = []
    spare = len(claim.lines)
    for n, mine in enumerate(stored, start=1):
        if not mine:
            mine = f"{base}-{n}"
            while mine.upper() in taken:
                spare += 1
                mine = f"{base}-{spare}"
            taken.add(mine.upper())
        out.append(mine)
    return out


def line_control_number(claim: Claim, n: int) -> str:
    """The line item control number medcoder writes for line ``n`` (1-based) of ``claim`` in
    837P/837I loop 2400 REF*6R: the line's stored ``control_number`` when it has one (read from
    an 837: a corrected claim keeps the numbers its lines were first sent with), else the patient
    control number as CLM01 carries it, ``-``, the line number (LX01)."""
    if not 1 <= n <= len(claim.lines):
        raise InputError(f"line {n}: the claim has {len(claim.lines)} lines", where="claim.lines")
    return _control_numbers(claim)[n - 1]


def line_control_numbers(claim: Claim) -> list[str]:
    """:func:`line_control_number` of every line, as the writers send them; an InputError when two
    lines store the same one (the TR3 has it unique within the claim; the 835 matcher compares
    them ignoring case)."""
    numbers = _control_numbers(claim)
    seen: dict[str, int] = {}
    for n, lcn in enumerate(numbers, start=1):
        if lcn.upper() in seen:
            raise InputError(f"lines {seen[lcn.upper()]} and {n} have the same line item control number "
                             f"(REF*6R) {lcn!r}; expected one per line", where=f"claim.lines[{n}].control_number")
        seen[lcn.upper()] = n
    return numbers


def write_837p(
    claim: Claim,
    *,
    submitter_name: str,
    submitter_id: str,
    contact_name: str,
    contact_phone: str,
    control_number: int = 1,
    created: _dt.datetime | None = None,
    usage: str = "T",
) -> str:
    """The 837P text for one claim (segments end with ``~``)."""
    if claim.kind != "professional":
        raise InputError("the 837P carries professional claims; use the 837I writer", where="claim.kind")
    claim.check()
    when = created or _dt.datetime.now().replace(microsecond=0)
    ctl = f"{control_number:09d}"
    phone = "".join(c for c in contact_phone if c.isdigit())
    if len(phone) != 10:
        raise InputError(f"expected a 10-digit contact phone, got {contact_phone!r}", where="submitter.phone")
    receiver_id = _clean(claim.payer.payer_id)
    sender = _clean(submitter_id)[:15]
    body: list[list[str]] = [
        ["ST", "837", "0001", "005010X222A1"],
        ["BHT", "0019", "00", _clean(claim.patient_control_number, upper=False)[:30], when.strftime("%Y%m%d"), when.strftime("%H%M"), "CH"],
        ["NM1", "41", "2", _clean(submitter_name)[:60], "", "", "", "", "46", sender],
        ["PER", "IC", _clean(contact_name)[:60], "TE", phone],
        ["NM1", "40", "2", _clean(claim.payer.name)[:60], "", "", "", "", "46", receiver_id],
        ["HL", "1", "", "20", "1"],
    ]
    bill = claim.billing
    if bill.taxonomy:
        body.append(["PRV", "BI", "PXC", bill.taxonomy])
    body.append(["NM1", "85", "2", _clean(bill.name)[:60], "", "", "", "", "XX", bill.npi])
    _address(body, bill.address, "billing provider")
    if not bill.tax_id:
        raise InputError("the billing provider needs a tax id (EIN or SSN)", where="claim.billing.tax_id")
    body.append(["REF", "EI" if bill.tax_id_kind != "SSN" else "SY", bill.tax_id])
    self_pay = claim.relationship == "18"
    filing = FILING.get(claim.payer.kind, "CI")
    body.append(["HL", "2", "1", "22", "0" if self_pay else "1"])
    body.append(["SBR", "P", "18" if self_pay else "", "", "", "", "", "", "", filing])
    sub: Person = claim.subscriber
    if not sub.member_id:
        raise InputError("the subscriber needs a member id", where="claim.subscriber.member_id")
    body.append(["NM1", "IL", "1", _clean(sub.last_name), _clean(sub.first_name), "", "", "", "MI", _clean(sub.member_id, upper=False)])
    if self_pay:
        _address(body, sub.address, "subscriber")
        if sub.birth_date is None:
            raise InputError("the patient's date of birth is required", where="claim.patient.birth_date")
        body.append(["DMG", "D8", sub.birth_date.strftime("%Y%m%d"), sub.sex if sub.sex in "MF" else "U"])
    body.append(["NM1", "PR", "2", _clean(claim.payer.name)[:60], "", "", "", "", "PI", receiver_id])
    if not self_pay:
        pat = claim.patient
        body.append(["HL", "3", "2", "23", "0"])
        body.append(["PAT", claim.relationship])
        body.append(["NM1", "QC", "1", _clean(pat.last_name), _clean(pat.first_name)])
        _address(body, pat.address, "patient")
        if pat.birth_date is None:
            raise InputError("the patient's date of birth is required", where="claim.patient.birth_date")
        body.append(["DMG", "D8", pat.birth_date.strftime("%Y%m%d"), pat.sex if pat.sex in "MF" else "U"])
    body.append([
        "CLM", _clean(claim.patient_control_number, upper=False)[:38], _amount(claim.total_charge), "", "",
        f"{claim.place_of_service}:B:{claim.frequency}", "Y", "A", "Y", "Y",
    ])
    if claim.frequency in ("7", "8"):
        body.append(["REF", "F8", _clean(claim.original_claim_id or "", upper=False)])
    hi = [("ABK" if i == 0 else "ABF") + ":" + d.code.replace(".", "") for i, d in enumerate(claim.diagnoses)]
    body.append(["HI", *hi])
    if claim.rendering is not None:
        r = claim.rendering
        body.append(["NM1", "82", "1", _clean(r.name), _clean(r.first_name or ""), "", "", "", "XX", r.npi])
        if r.taxonomy:
            body.append(["PRV", "PE", "PXC", r.taxonomy])
    controls = line_control_numbers(claim)
    for n, ln in enumerate(claim.lines, start=1):
        proc = ":".join(["HC", ln.code, *ln.modifiers])
        body.append(["LX", str(n)])
        body.append([
            "SV1", proc, _amount(ln.charge), ln.unit_kind, _number(ln.units),
            ln.place_of_service if ln.place_of_service not in (None, claim.place_of_service) else "", "",
            ":".join(str(p) for p in ln.pointers),
        ])
        body.append(["DTP", "472", "D8", ln.date_of_service.strftime("%Y%m%d")])
        body.append(["REF", "6R", controls[n - 1]])
    body.append(["SE", str(len(body) + 1), "0001"])
    isa = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver_id[:15].ljust(15),
        when.strftime("%y%m%d"), when.strftime("%H%M"), "^", "00501", ctl, "0", usage, ":",
    ]
    gs = ["GS", "HC", sender, receiver_id, when.strftime("%Y%m%d"), when.strftime("%H%M"), str(control_number), "X", "005010X222A1"]
    segs = [isa, gs, *body, ["GE", "1", str(control_number)], ["IEA", "1", ctl]]
    return "~\n".join("*".join(_strip(s)) for s in segs) + "~\n"


def _strip(seg: list[str]) -> list[str]:
    """Trailing empty elements are left out (X12 syntax)."""
    out = list(seg)
    while out and out[-1] == "":
        out.pop()
    return out

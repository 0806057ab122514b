"""X12 837I (005010X223A2) institutional claim writer.

One interchange, one functional group, one transaction per call; one billing provider, one
subscriber (the patient, or the patient under the subscriber: loop 2000C), one claim. Layout
per the ASC X12N 837 Institutional Implementation Guide 005010X223A2 (the envelope, 1000A/1000B
and 2000A/2010AA/2000B/2010BA/2010BB as in the 837P writer), then loop 2300:

- ``CLM``: patient control number, total charge, CLM05 facility type code (type of bill digits
  1-2) ``:A:`` claim frequency (digit 3); CLM07 ``A``, CLM08 ``Y``, CLM09 ``Y``
- ``DTP*096`` discharge hour, ``DTP*434*RD8`` statement period (FL6), ``DTP*435`` admission
  date (``D8``) or date and hour (``DT``) (FL12-13)
- ``CL1`` admission type (FL14), point of origin (FL15), patient discharge status (FL17)
- ``REF*F8`` the payer's claim number for frequency 7/8
- ``HI*ABK`` principal diagnosis, ``HI*ABJ`` admitting diagnosis, ``HI*DR`` MS-DRG, ``HI*ABF``
  other diagnoses (12 a segment, two segments), the POA indicator in HI0x-9 (``1``, exempt, is
  sent as an empty HI0x-9: 5010 allows only Y, N, U, W); ``HI*BBR`` principal and ``HI*BBQ``
  other ICD-10-PCS procedures with their dates (``D8``)
- 2310A attending (``NM1*71``, ``PRV*AT``), 2310B operating physician (``NM1*72``)
- 2400 ``LX``, ``SV2`` revenue code, optional ``HC`` procedure code, charge, ``DA`` days or ``UN``
  units, ``DTP*472`` the line date and ``REF*6R`` the line item control number
  (:func:`medcoder.claims.writers.x837p.line_control_number`, as on the 837P: the line's stored
  number, else ``<CLM01>-<LX01>``; at most 38 + 1 + 3 characters, loop 2400 repeats up to 999
  times, REF02 AN 1-50), which the payer returns on the 835 line (loop 2110 REF*6R).
"""

from __future__ import annotations

import datetime as _dt
import re

from medcoder.claims.model import Address, Claim, Person, Provider
from medcoder.claims.writers.x837p import (
    FILING,
    _amount,
    _clean,
    _number,
    _strip,
    line_control_numbers,
)
from medcoder.errors import InputError

GUIDE = "005010X223A2"
#: SBR09 claim filing indicator: Medicare Part A for institutional claims, else as the 837P
FILING_I = {**FILING, "medicare": "MA"}
HI_PER_SEGMENT = 12


def _address(seg: list[list[str]], addr: Address | None, what: str, field: str) -> None:
    if addr is None:
        raise InputError(f"the 837I needs the {what}'s address", where=f"claim.{field}.address")
    seg.append(["N3", _clean(addr.line1)] + ([_clean(addr.line2)] if addr.line2 else []))
    seg.append(["N4", _clean(addr.city), _clean(addr.state), addr.zip.replace("-", "")])


def _hi(qual: str, code: str, poa: str | None = None) -> str:
    """One HI composite; the POA indicator goes in its 9th component."""
    parts = [qual, code.replace(".", "")]
    if poa and poa != "1":
        parts += [""] * 6 + [poa]
    return ":".join(parts)


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + HI_PER_SEGMENT] for i in range(0, len(items), HI_PER_SEGMENT)]


def _physician(body: list[list[str]], p: Provider, entity: str, prv: str | None) -> None:
    body.append(["NM1", entity, "1", _clean(p.name), _clean(p.first_name or ""), "", "", "", "XX", p.npi])
    if prv and p.taxonomy:
        body.append(["PRV", prv, "PXC", p.taxonomy])


def _check_institutional(claim: Claim) -> tuple[str, str]:
    """(facility type code, type of bill) or an InputError naming the field."""
    if claim.kind != "institutional":
        raise InputError("the 837I carries institutional claims; use the 837P writer for professional ones",
                         where="claim.kind")
    claim.check()
    tob = (claim.type_of_bill or "").lstrip("0")
    if len(tob) != 3 or not tob[:2].isdigit():
        raise InputError(f"expected a type of bill of 3 digits (facility type, care type, frequency; e.g. 111), "
                         f"got {claim.type_of_bill!r}", where="claim.type_of_bill")
    if tob[2] != claim.frequency:
        raise InputError(f"type of bill {claim.type_of_bill} ends in {tob[2]} but the claim frequency is "
                         f"{claim.frequency}", where="claim.type_of_bill")
    if not claim.discharge_status:
        raise InputError("the patient discharge status (CL103, FL17) is required", where="claim.discharge_status")
    for i, ln in enumerate(claim.lines, start=1):
        rev = (ln.revenue_code or "").strip()
        if not (rev.isdigit() and len(rev) in (3, 4)):
            raise InputError(f"an 837I line needs a revenue code of 4 digits (SV201), got {ln.revenue_code!r}",
                             where=f"claim.lines[{i}].revenue_code")
    if len(claim.pcs_procedures) > 1 + 2 * HI_PER_SEGMENT:
        raise InputError(f"the 837I carries at most {1 + 2 * HI_PER_SEGMENT} ICD-10-PCS procedures, got "
                         f"{len(claim.pcs_procedures)}", where="claim.pcs_procedures")
    for hour, field in ((claim.admission_hour, "admission_hour"), (claim.discharge_hour, "discharge_hour")):
        if hour is not None and not (hour.isdigit() and len(hour) in (2, 4) and int(hour[:2]) < 24):
            raise InputError(f"expected an hour HH (00-23) or HHMM, got {hour!r}", where=f"claim.{field}")
    return tob[:2], tob


def write_837i(
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
    """The 837I text for one institutional claim (segments end with ``~``)."""
    facility_type, _tob = _check_institutional(claim)
    when = created or _dt.datetime.now().replace(microsecond=0)
    ctl = f"{control_number:09d}"
    phone = "".join(c for c in contact_phone if c.isdigit())
    if len(phone) != 10:
        raise InputError(f"expected a 10-digit contact phone, got {contact_phone!r}", where="submitter.phone")
    receiver_id = _clean(claim.payer.payer_id)
    sender = _clean(submitter_id)[:15]
    body: list[list[str]] = [
        ["ST", "837", "0001", GUIDE],
        ["BHT", "0019", "00", _clean(claim.patient_control_number, upper=False)[:30], when.strftime("%Y%m%d"),
         when.strftime("%H%M"), "CH"],
        ["NM1", "41", "2", _clean(submitter_name)[:60], "", "", "", "", "46", sender],
        ["PER", "IC", _clean(contact_name)[:60], "TE", phone],
        ["NM1", "40", "2", _clean(claim.payer.name)[:60], "", "", "", "", "46", receiver_id],
        ["HL", "1", "", "20", "1"],
    ]
    bill = claim.billing
    if bill.taxonomy:
        body.append(["PRV", "BI", "PXC", bill.taxonomy])
    body.append(["NM1", "85", "2", _clean(bill.name)[:60], "", "", "", "", "XX", bill.npi])
    _address(body, bill.address, "billing provider", "billing")
    if bill.address is not None and not re.fullmatch(r"\d{9}", bill.address.zip.replace("-", "")):
        raise InputError(f"the 837I billing provider ZIP code must have 9 digits (ZIP+4, 2010AA N403), got "
                         f"{bill.address.zip!r}", where="claim.billing.address.zip")
    if not bill.tax_id:
        raise InputError("the billing provider needs a tax id (EIN or SSN)", where="claim.billing.tax_id")
    body.append(["REF", "EI" if bill.tax_id_kind != "SSN" else "SY", bill.tax_id])
    self_pay = claim.relationship == "18"
    body.append(["HL", "2", "1", "22", "0" if self_pay else "1"])
    body.append(["SBR", "P", "18" if self_pay else "", "", "", "", "", "", "", FILING_I.get(claim.payer.kind, "CI")])
    sub: Person = claim.subscriber
    if not sub.member_id:
        raise InputError("the subscriber needs a member id", where="claim.subscriber.member_id")
    body.append(["NM1", "IL", "1", _clean(sub.last_name), _clean(sub.first_name), "", "", "", "MI",
                 _clean(sub.member_id, upper=False)])
    if self_pay:
        _address(body, sub.address, "subscriber", "subscriber")
        if sub.birth_date is None:
            raise InputError("the patient's date of birth is required", where="claim.patient.birth_date")
        body.append(["DMG", "D8", sub.birth_date.strftime("%Y%m%d"), sub.sex if sub.sex in "MF" else "U"])
    body.append(["NM1", "PR", "2", _clean(claim.payer.name)[:60], "", "", "", "", "PI", receiver_id])
    if not self_pay:
        pat = claim.patient
        body.append(["HL", "3", "2", "23", "0"])
        body.append(["PAT", claim.relationship])
        body.append(["NM1", "QC", "1", _clean(pat.last_name), _clean(pat.first_name)])
        _address(body, pat.address, "patient", "patient")
        if pat.birth_date is None:
            raise InputError("the patient's date of birth is required", where="claim.patient.birth_date")
        body.append(["DMG", "D8", pat.birth_date.strftime("%Y%m%d"), pat.sex if pat.sex in "MF" else "U"])
    body.append([
        "CLM", _clean(claim.patient_control_number, upper=False)[:38], _amount(claim.total_charge), "", "",
        f"{facility_type}:A:{claim.frequency}", "", "A", "Y", "Y",
    ])
    if claim.discharge_hour:
        body.append(["DTP", "096", "TM", claim.discharge_hour.ljust(4, "0")])
    body.append(["DTP", "434", "RD8", f"{claim.service_from:%Y%m%d}-{claim.service_to:%Y%m%d}"])
    if claim.admission_date is not None:
        if claim.admission_hour:
            body.append(["DTP", "435", "DT", f"{claim.admission_date:%Y%m%d}{claim.admission_hour.ljust(4, '0')}"])
        else:
            body.append(["DTP", "435", "D8", f"{claim.admission_date:%Y%m%d}"])
    body.append(["CL1", claim.admission_type or "", claim.admission_source or "", claim.discharge_status or ""])
    if claim.frequency in ("7", "8"):
        body.append(["REF", "F8", _clean(claim.original_claim_id or "", upper=False)])
    principal, *others = claim.diagnoses
    body.append(["HI", _hi("ABK", principal.code, principal.poa)])
    if claim.admitting_diagnosis:
        body.append(["HI", _hi("ABJ", claim.admitting_diagnosis)])
    if claim.drg:
        body.append(["HI", f"DR:{_clean(claim.drg)}"])
    for chunk in _chunks([_hi("ABF", d.code, d.poa) for d in others]):
        body.append(["HI", *chunk])
    if claim.pcs_procedures:
        first, *rest = claim.pcs_procedures
        body.append(["HI", f"BBR:{first.code}:D8:{first.date:%Y%m%d}"])
        for chunk in _chunks([f"BBQ:{p.code}:D8:{p.date:%Y%m%d}" for p in rest]):
            body.append(["HI", *chunk])
    if claim.attending is not None:
        _physician(body, claim.attending, "71", "AT")
    if claim.operating is not None:
        _physician(body, claim.operating, "72", None)
    controls = line_control_numbers(claim)
    for n, ln in enumerate(claim.lines, start=1):
        proc = ":".join(["HC", ln.code, *ln.modifiers[:4]]) if ln.code else ""
        body.append(["LX", str(n)])
        body.append([
            "SV2", (ln.revenue_code or "").zfill(4), proc, _amount(ln.charge),
            "DA" if ln.unit_kind == "DA" else "UN", _number(ln.units),
        ])
        body.append(["DTP", "472", "D8", ln.date_of_service.strftime("%Y%m%d")])
        body.append(["REF", "6R", controls[n - 1]])
    body.append(["SE", str(len(body) + 1), "0001"])
    isa = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver_id[:15].ljust(15),
        when.strftime("%y%m%d"), when.strftime("%H%M"), "^", "00501", ctl, "0", usage, ":",
    ]
    gs = ["GS", "HC", sender, receiver_id, when.strftime("%Y%m%d"), when.strftime("%H%M"), str(control_number),
          "X", GUIDE]
    segs = [isa, gs, *body, ["GE", "1", str(control_number)], ["IEA", "1", ctl]]
    return "~\n".join("*".join(_strip(s)) for s in segs) + "~\n"

"""X12 835 (005010X221A1) writer: remittances as one interchange (ISA/GS … GE/IEA), one ST…SE
per :class:`Remittance`.

Layout per the ASC X12N 835 TR3 005010X221A1, in the guide's segment order (the same map the
reader in ``medcoder.remit.readers.x835`` implements):

    ST, BPR (01-04, 16), TRN*1, DTM*405;
    1000A N1*PR, N3, N4, REF, PER (CX, BL, IC in the contact dict's order);
    1000B N1*PE, N3, N4, REF;
    2000 LX*1 (one header group for all claims);
    2100 CLP01-09/11, CAS (consecutive adjustments of one group share a CAS, six triplets at
    most), NM1 QC/IL/74/82/TT, MOA03-07 (remarks), REF, DTM 232/233/050, AMT;
    2110 SVC, DTM 472 (one date) or 150/151 (a period), CAS, REF*6R, AMT*B6, LQ*HE;
    PLB (consecutive adjustments of one provider and period share a PLB, six pairs at most), SE.

Every element the reader reads is written, so ``read_835_text(write_835(rems))`` gives back the
same model values. Values that contain a delimiter (``* : ~ ^``) are refused. The BPR bank
details (BPR05-15) are not in the model and are not written (allowed by the guide for CHK/NON;
pyx12 accepts them absent for ACH too).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from medcoder.errors import InputError
from medcoder.remit.model import Adjustment, ClaimPayment, Party, ProviderAdjustment, Remittance

GUIDE = "005010X221A1"
_DELIMS = "*:~^"
_ROLES = (("QC", "patient"), ("IL", "insured"), ("74", "corrected_patient"), ("82", "rendering"),
          ("TT", "crossover_payer"))


def _amount(d: Decimal) -> str:
    """An X12 R value: no exponent, no trailing zeros after the point."""
    s = f"{d:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _date(d: _dt.date | None) -> str:
    return d.strftime("%Y%m%d") if d is not None else ""


def _v(value: str | None, where: str) -> str:
    if not value:
        return ""
    if any(c in value for c in _DELIMS):
        raise InputError(f"the value {value!r} contains an X12 delimiter (* : ~ ^)", where=where)
    return value


def _person(code: str, d: dict[str, str], where: str) -> list[str]:
    g = d.get
    return ["NM1", code, _v(g("entity") or ("2" if code == "TT" or not g("first") else "1"), where),
            _v(g("last"), where), _v(g("first"), where), _v(g("middle"), where), "",
            _v(g("suffix"), where), _v(g("id_qualifier"), where), _v(g("id") or g("npi"), where)]


def _party(code: str, p: Party, where: str, *, contacts: bool) -> list[list[str]]:
    out = [["N1", code, _v(p.name, where), _v(p.id_qualifier, where), _v(p.id, where)]]
    if p.address:
        out.append(["N3", *(_v(a, where) for a in p.address[:2])])
    if p.city or p.state or p.zip:
        out.append(["N4", _v(p.city, where), _v(p.state, where), _v(p.zip, where)])
    for q, val in p.references.items():
        out.append(["REF", _v(q, where), _v(val, where)])
    if contacts:
        per: dict[str, list[str]] = {}
        for key, val in p.contact.items():
            func, dot, qual = key.partition(".")
            seg = per.setdefault(func, ["PER", _v(func, where), ""])
            if dot:
                seg += [_v(qual, where), _v(val, where)]
            else:
                seg[2] = _v(val, where)
        out.extend(per.values())
    elif p.contact:
        raise InputError("the payee loop 1000B has no PER segment", where=where)
    return out


def _cas(adjs: list[Adjustment], where: str) -> list[list[str]]:
    out: list[list[str]] = []
    for a in adjs:
        if not out or out[-1][1] != a.group or len(out[-1]) >= 20:
            out.append(["CAS", _v(a.group, where)])
        out[-1] += [_v(a.reason, where), _amount(a.amount),
                    _amount(a.quantity) if a.quantity is not None else ""]
    return out


def _plb(adjs: list[ProviderAdjustment], where: str) -> list[list[str]]:
    out: list[list[str]] = []
    key: tuple[str, _dt.date | None] | None = None
    for a in adjs:
        if not out or key != (a.provider_id, a.fiscal_period_end) or len(out[-1]) >= 15:
            key = (a.provider_id, a.fiscal_period_end)
            out.append(["PLB", _v(a.provider_id, where), _date(a.fiscal_period_end)])
        code = _v(a.reason, where) + (":" + _v(a.reference, where) if a.reference else "")
        out[-1] += [code, _amount(a.amount)]
    return out


def _claim(c: ClaimPayment, where: str) -> list[list[str]]:
    w = f"{where}.claim[{c.patient_control_number}]"
    segs = [["CLP", _v(c.patient_control_number, w), _v(c.status, w), _amount(c.charge), _amount(c.paid),
             _amount(c.patient_responsibility) if c.patient_responsibility is not None else "",
             _v(c.filing_indicator, w), _v(c.payer_claim_id, w), _v(c.facility_type, w),
             _v(c.frequency, w), "", _v(c.drg, w)]]
    segs += _cas(c.adjustments, w)
    for code, attr in _ROLES:
        d: dict[str, str] = getattr(c, attr)
        if d:
            segs.append(_person(code, d, w))
    if c.remarks:
        if len(c.remarks) > 5:
            raise InputError(f"MOA carries at most 5 claim remark codes, got {len(c.remarks)}", where=w)
        segs.append(["MOA", "", "", *(_v(r, w) for r in c.remarks)])
    for q, val in c.references.items():
        segs.append(["REF", _v(q, w), _v(val, w)])
    for q, d8 in (("232", c.service_from), ("233", c.service_to), ("050", c.received)):
        if d8 is not None:
            segs.append(["DTM", q, _date(d8)])
    for q, amt in c.amounts.items():
        segs.append(["AMT", _v(q, w), _amount(amt)])
    for n, ln in enumerate(c.lines, start=1):
        lw = f"{w}.lines[{n}]"
        proc = ":".join([_v(ln.qualifier, lw), _v(ln.code, lw), *(_v(m, lw) for m in ln.modifiers)])
        sub = ""
        if ln.submitted_code:
            sub = ":".join([_v(ln.submitted_qualifier or ln.qualifier, lw), _v(ln.submitted_code, lw),
                            *(_v(m, lw) for m in ln.submitted_modifiers)])
        segs.append(["SVC", proc, _amount(ln.charge), _amount(ln.paid), _v(ln.revenue_code, lw),
                     _amount(ln.units_paid) if ln.units_paid is not None else "", sub,
                     _amount(ln.units_submitted) if ln.units_submitted is not None else ""])
        if ln.date_from is not None and ln.date_to is None:
            segs.append(["DTM", "472", _date(ln.date_from)])
        else:
            if ln.date_from is not None:
                segs.append(["DTM", "150", _date(ln.date_from)])
            if ln.date_to is not None:
                segs.append(["DTM", "151", _date(ln.date_to)])
        segs += _cas(ln.adjustments, lw)
        if ln.line_control_number:
            segs.append(["REF", "6R", _v(ln.line_control_number, lw)])
        if ln.allowed is not None:
            segs.append(["AMT", "B6", _amount(ln.allowed)])
        segs += [["LQ", "HE", _v(r, lw)] for r in ln.remarks]
    return segs


def _transaction(r: Remittance, n: int) -> list[list[str]]:
    where = f"remittance[{n}]"
    ctl = _v(r.control_number, where) or f"{n:04d}"
    body = [["ST", "835", ctl],
            ["BPR", _v(r.handling, where), _amount(r.total_paid), _v(r.credit_debit, where),
             _v(r.method, where), *[""] * 11, _date(r.payment_date)],
            ["TRN", "1", _v(r.trace_number, where), _v(r.trace_originator, where)]]
    if r.production_date is not None:
        body.append(["DTM", "405", _date(r.production_date)])
    body += _party("PR", r.payer, f"{where}.payer", contacts=True)
    body += _party("PE", r.payee, f"{where}.payee", contacts=False)
    if r.claims:
        body.append(["LX", "1"])
        for c in r.claims:
            body += _claim(c, where)
    body += _plb(r.provider_adjustments, where)
    body.append(["SE", str(len(body) + 1), ctl])
    return body


def write_835(
    remittances: list[Remittance],
    *,
    sender: str,
    receiver: str,
    control_number: int = 1,
    when: _dt.datetime | None = None,
    usage: str = "T",
) -> str:
    """The 835 text (segments end with ``~`` and a newline) for ``remittances``: one ISA/GS,
    one ST…SE each. ``sender``/``receiver`` are ISA06/ISA08 and GS02/GS03 (15 characters at
    most); ``usage`` is ISA15 (T test, P production)."""
    if not remittances:
        raise InputError("an 835 needs at least one remittance", where="remittances")
    for what, v in (("sender", sender), ("receiver", receiver)):
        if not 2 <= len(v) <= 15 or any(c in v for c in _DELIMS):
            raise InputError(f"the {what} id must be 2-15 characters without delimiters (ISA06/08, GS02/03), got {v!r}",
                             where=what)
    at = when or _dt.datetime.now().replace(microsecond=0)
    ctl = f"{control_number:09d}"
    isa = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15),
           at.strftime("%y%m%d"), at.strftime("%H%M"), "^", "00501", ctl, "0", usage, ":"]
    gs = ["GS", "HP", sender, receiver, at.strftime("%Y%m%d"), at.strftime("%H%M"), str(control_number),
          "X", GUIDE]
    segs = [isa, gs]
    for n, r in enumerate(remittances, start=1):
        segs += _transaction(r, n)
    segs += [["GE", str(len(remittances)), str(control_number)], ["IEA", "1", ctl]]
    return "".join("*".join(_strip(s)) + "~\n" for s in segs)


def _strip(seg: list[str]) -> list[str]:
    """Trailing empty elements are left out (X12 syntax)."""
    out = list(seg)
    while out and out[-1] == "":
        out.pop()
    return out

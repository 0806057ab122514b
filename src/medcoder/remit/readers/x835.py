"""Read X12 835 (005010X221A1) health care claim payment/advice files into ``Remittance`` objects.

    rems = read_835("era.835")                       # pyx12 checks the file first
    rems = read_835("era.835", validate="warn")      # pyx12's findings become Remittance.warnings
    rems = read_835_text(text, source="upload", validate=False)   # fast path, structure only
    batch = read_835_files(paths)                    # many files, duplicate payments kept once

Delimiters come from the ISA (ASC X12 control segments): element separator at ISA position 4
(index 3), repetition separator ISA11, component separator ISA16, segment terminator the
character after ISA16. A file that holds a bare ST…SE transaction without its ISA/GS envelope is
read with delimiters inferred from the ST segment and a warning (pyx12 cannot check it).

The parser is its own tokenizer (``str.split`` once on the terminator, once per segment on the
element separator) and a flat loop over the segments; pyx12 is only run when ``validate`` asks
for it (it is about two orders of magnitude slower than the parse).

Segment map implemented (005010X221A1 loop → model):

    ISA13 → Remittance.interchange_control; GS02/GS03 → sender/receiver; GS08 must be X221A1
    ST02 (ST01 must be 835) → control_number; SE01 segment count and SE02 are checked
    Header   BPR01-04 handling, total_paid, credit_debit, method; BPR16 payment_date
             TRN02/TRN03 trace_number/trace_originator; DTM*405 production_date
             (header REF*EV/F2 and CUR are read over: the model has no field for them)
    1000A    N1*PR → payer: N102 name, N103/N104 id; N3 (1-2 lines), N4 city/state/zip,
             REF → references[REF01], PER → contact (see below)
    1000B    N1*PE → payee, same elements; RDM is read over
    2000     LX, TS3, TS2 are read over (header number and provider summaries: no model field)
    2100     CLP01-09, CLP11 → ClaimPayment; CAS (six triplets CAS02-19, group CAS01) →
             adjustments; NM1*QC/IL/74/82/TT → patient/insured/corrected_patient/rendering/
             crossover_payer (NM1*PR and *GB are read over); MIA05, MIA20-24 and MOA03-07 →
             remarks; REF → references[REF01]; DTM*232/233/050 → service_from/to, received;
             AMT → amounts[AMT01]; PER and QTY are read over
    2110     SVC01 composite (qualifier, code, modifiers 1-4) → qualifier/code/modifiers,
             SVC02 charge, SVC03 paid, SVC04 revenue_code, SVC05 units_paid, SVC06 composite →
             submitted_qualifier/code/modifiers, SVC07 units_submitted; DTM*472 → date_from,
             DTM*150/151 → date_from/date_to; CAS → adjustments; REF*6R → line_control_number
             (other line REFs are read over); AMT*B6 → allowed; LQ*HE → remarks
    Footer   PLB01 provider, PLB02 fiscal period end, up to six PLB03-14 pairs (composite
             reason:reference, amount) → ProviderAdjustment

Person dicts (NM1): ``entity`` (NM102), ``last`` (NM103), ``first`` (NM104), ``middle``
(NM105), ``suffix`` (NM107), ``id_qualifier`` (NM108), ``id`` (NM109), plus ``npi`` when NM108
is XX; empty elements are left out. Contact dicts (PER): ``{PER01: PER02}`` and
``{"PER01.PER03": PER04, …}`` for each number pair, e.g. ``{"BL": "JOHN WAYNE", "BL.TE":
"8005551212", "BL.EX": "123"}`` so several PER segments (CX, BL, IC) are kept apart.

Structural errors are ``InputError`` with ``where`` = ``file:segment`` (1-based from ISA):
truncated files (no SE, GE or IEA), wrong SE/GE/IEA counts or control numbers, an 837 given
instead of an 835, inconsistent delimiters, CLP before N1*PE, incomplete CAS triplets,
non-numeric amounts (naming the element), impossible dates.

pyx12 on the shared samples (``/work/shared/data/x12/835``), checked with this module:

- valid: the seven X221 guide examples (``X221-*.edi``), ``emedny_sample.txt`` and
  ``pyx12_835_mult_loops.txt``. (pyx12 cannot build a 999 for an 835 because ST03 is "not
  used" in X221A1; this module runs pyx12 without the 999, which is not a finding.)
- ``lfh_demo.835``: fails 005010X221A1: loop 1000A lacks the mandatory PER*BL payer technical
  contact, and both TS3 segments carry TS309/TS311, which the guide marks "not used" (the
  amounts are shifted: a 4010-style TS3).
- ``united_healthcare_legacy_sample.txt``: fails on N402 ``NP`` (not a valid state code; the
  sample's anonymised "NORTH POLE" address).
- ``blue_cross_nc_sample.txt``: a bare ST…SE transaction with no ISA/GS envelope, so pyx12 cannot
  read it at all; its third SVC also has its amounts in the wrong elements (SVC07/08 instead of
  SVC02/03), read as charge 0 / paid 0 with a warning.

  Its SE01 says 33 segments where the excerpt has 32, so it reads only with ``strict=False``.

Those three are read with ``validate=False`` (or ``"warn"``) and their problems are recorded on
``Remittance.warnings``.

pyx12 4.0 also reports "Loop FOOTER exceeded max count" for a second PLB segment, although PLB
repeats (max use >1 in the TR3 and in pyx12's own map); ``pyx12_findings`` drops that message.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from medcoder.errors import BadDateError, InputError
from medcoder.remit.model import (
    Adjustment,
    ClaimPayment,
    Party,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)

GUIDE = "005010X221A1"
Validate = bool | Literal["warn"]

_is_num = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z").match
_NM1_ROLE = {"QC": "patient", "IL": "insured", "82": "rendering", "74": "corrected_patient",
             "TT": "crossover_payer"}
# the most elements each segment has in 005010X221A1 (count includes the tag)
_MAXE = {"BPR": 22, "TRN": 5, "DTM": 5, "N1": 7, "N3": 3, "N4": 8, "PER": 10, "REF": 4,
         "CLP": 15, "CAS": 20, "NM1": 13, "MIA": 25, "MOA": 10, "AMT": 3, "SVC": 8, "LQ": 3,
         "PLB": 15}
# segments of the guide that the model has no field for: read over silently
_READ_OVER = frozenset({"TS3", "TS2", "QTY", "RDM", "CUR"})
# pyx12 4.0 counts the FOOTER wrapper loop (repeat 1) once per PLB, although its own map and the
# TR3 give PLB a max use of >1: a second PLB (more than six adjustments) is valid 005010X221A1
_PYX12_FALSE = "Loop FOOTER exceeded max count"
_DTM_CLAIM = {"232": "service_from", "233": "service_to", "050": "received"}


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str = "^"


def _pad(e: list[str], k: int) -> list[str]:
    """The segment with at least ``k + 1`` items (so e[k] exists)."""
    if len(e) <= k:
        e.extend([""] * (k + 1 - len(e)))
    return e


def _dec(v: str, source: str, n: int, element: str) -> Decimal:
    if _is_num(v) is None:
        raise InputError(f"{element} must be a number (X12 R), got {v!r}", where=f"{source}:{n}")
    return Decimal(v)


def _date(v: str, source: str, n: int, element: str) -> _dt.date:
    if len(v) != 8 or not v.isdigit():
        raise BadDateError(f"{element} must be a date CCYYMMDD, got {v!r}", where=f"{source}:{n}")
    try:
        return _dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
    except ValueError:
        raise BadDateError(f"{element} {v!r} is not a calendar date", where=f"{source}:{n}") from None


def person(e: list[str]) -> dict[str, str]:
    """An NM1 segment (elements list, tag first) as the model's person dict."""
    _pad(e, 9)
    d: dict[str, str] = {}
    for key, i in (("entity", 2), ("last", 3), ("first", 4), ("middle", 5), ("suffix", 7),
                   ("id_qualifier", 8), ("id", 9)):
        if e[i]:
            d[key] = e[i]
    if e[8] == "XX" and e[9]:
        d["npi"] = e[9]
    return d


def tokenize(text: str, source: str) -> tuple[list[list[str]], Delimiters, bool]:
    """The segments (each a list of elements, tag first; segment number = index + 1) of an X12
    text, its delimiters and whether it has an ISA envelope."""
    t = text.lstrip("\ufeff \r\n\t")
    if not t:
        raise InputError("the file is empty: expected an X12 835 starting with ISA", where=source)
    if t.startswith("ISA"):
        if len(t) < 106:
            raise InputError("truncated ISA: an interchange header is 106 characters", where=f"{source}:1")
        elem, rep, comp, term = t[3], t[82], t[104], t[105]
        isa = t[:105].split(elem)
        if elem.isalnum() or elem == " " or len(isa) != 17 or term.isalnum() or len({elem, comp, term}) < 3:
            raise InputError(
                f"the ISA does not have 16 elements separated by {elem!r} in its fixed 106 characters "
                f"(element separator at position 4, component separator ISA16 {comp!r}, segment "
                f"terminator {term!r} after it): wrong delimiters", where=f"{source}:1")
        envelope = True
    elif t.startswith("ST") and len(t) > 3 and not t[2].isalnum():
        elem, rep, comp = t[2], "^", ":"
        i = 3
        while i < len(t) and (t[i].isalnum() or t[i] in (elem, " ")):
            i += 1
        if i >= len(t):
            raise InputError("a bare ST segment with no segment terminator", where=f"{source}:1")
        term = t[i]
        k = t.find("SVC" + elem)
        if k >= 0 and k + 6 < len(t) and not t[k + 6].isalnum() and t[k + 6] not in (elem, term):
            comp = t[k + 6]
        envelope = False
    else:
        raise InputError("not an X12 interchange: expected an 835 starting with an ISA segment",
                         where=source)
    if term not in "\r\n" and ("\n" in t or "\r" in t):
        t = t.replace("\r", "").replace("\n", "")  # line breaks after the terminator
    parts = t.split(term)
    if " " + term in t or term + " " in t or "\t" in t:
        parts = [raw.strip() for raw in parts]
    segs = [raw.split(elem) for raw in parts if raw]
    if envelope and len(segs) > 1 and segs[1][0] not in ("GS", "TA1", "IEA"):
        raise InputError(
            f"segment 2 does not start with GS followed by the element separator {elem!r} the ISA "
            f"declares (segment terminator {term!r} after ISA16): the delimiters are inconsistent",
            where=f"{source}:2")
    return segs, Delimiters(elem, comp, term, rep), envelope


def pyx12_findings(text: str) -> list[str]:
    """pyx12's findings for an 835 text against 005010X221A1 (empty when valid). pyx12 runs
    without building a 999: it cannot build one for an 835 (ST03 is not used in X221A1). Its
    "Loop FOOTER exceeded max count" for a second PLB is dropped: PLB repeats (max use >1)."""
    from medcoder.claims.validate import _plain, run_pyx12

    if not text.lstrip().startswith("ISA"):
        return ["no ISA/GS envelope: pyx12 cannot check a bare ST…SE transaction"]
    ok, messages = run_pyx12(io.StringIO(text), None)
    found = [_plain(m) for m in messages if _PYX12_FALSE not in m]
    if not ok and not messages:
        found = ["pyx12 rejected the file without a message"]
    return found


def read_835(path: str | Path, *, validate: Validate = True, strict: bool = True) -> list[Remittance]:
    """Every transaction (ST…SE) of an 835 file. ``validate``: True checks the file with pyx12
    and raises InputError on any finding; "warn" records the findings on each Remittance's
    warnings; False skips pyx12 (structure, amounts and dates are always checked).
    ``strict=False`` turns a wrong SE01 segment count into a warning (for excerpts whose count
    was not updated); every other structural error still raises."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the 835 file ({exc.strerror})", where=p) from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise InputError(f"byte {exc.start}: non-ASCII character; X12 5010 uses the basic/extended "
                         "character set", where=p) from None
    return read_835_text(text, source=str(p), validate=validate, strict=strict)


def read_835_text(text: str, *, source: str = "835", validate: Validate = True,
                  strict: bool = True) -> list[Remittance]:
    """Like :func:`read_835` for a text; ``source`` names it in messages and on the result."""
    segs, delims, envelope = tokenize(text, source)
    found: list[str] = []
    if validate:
        found = pyx12_findings(text)
        if found and validate is True:
            shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
            raise InputError(f"the file fails 005010X221A1 (pyx12): {shown}", where=source)
    rems = _parse(segs, delims, envelope, source, strict)
    for r in rems:
        if not envelope:
            r.warnings.insert(0, "no ISA/GS envelope: a bare ST…SE transaction, delimiters inferred "
                                 f"(element {delims.element!r}, component {delims.component!r}, "
                                 f"segment {delims.segment!r})")
        r.warnings.extend(f"pyx12: {m}" for m in found)
    return rems


def _not_835(what: str, value: str) -> str:
    if value.startswith(("005010X222", "005010X223", "005010X224")) or value in ("837", "HC"):
        return f"{what} {value!r}: this is an 837 claim, not an 835 remittance"
    return f"{what} {value!r}: expected an 835 payment/advice ({GUIDE})"


def _parse(segs: list[list[str]], delims: Delimiters, envelope: bool,
           source: str, strict: bool = True) -> list[Remittance]:
    comp = delims.component
    out: list[Remittance] = []
    isa_n = gs_n = st_n = 0
    isa_ctl = gs_ctl = st_ctl = sender = receiver = ""
    gs_count = st_count = 0
    count = bpr_n = 0
    # the transaction being read
    bpr: list[str] | None = None
    trn: list[str] | None = None
    production: _dt.date | None = None
    payer: Party | None = None
    payee: Party | None = None
    party: Party | None = None
    claims: list[ClaimPayment] = []
    plb: list[ProviderAdjustment] = []
    warnings: list[str] = []
    claim: ClaimPayment | None = None
    line: ServicePayment | None = None
    last_n = 0
    for n, e in enumerate(segs, start=1):
        last_n = n
        tag = e[0]
        if st_n:
            count += 1
            mx = _MAXE.get(tag)
            if mx is not None and len(e) > mx:
                warnings.append(f"segment {n} ({tag}) has {len(e) - 1} elements; {tag} has at most "
                                f"{mx - 1} in {GUIDE}: the rest is ignored")
            if tag == "CAS":
                target = line if line is not None else claim
                if target is None:
                    raise InputError("CAS outside a claim (loop 2100 starts with CLP)", where=f"{source}:{n}")
                group = e[1] if len(e) > 1 else ""
                if not group:
                    raise InputError("CAS01 (claim adjustment group code) is empty", where=f"{source}:{n}")
                got = 0
                for k, i in enumerate(range(2, min(len(e), 20), 3), start=1):
                    reason = e[i]
                    amount = e[i + 1] if i + 1 < len(e) else ""
                    qty = e[i + 2] if i + 2 < len(e) else ""
                    if not (reason or amount or qty):
                        continue
                    if not reason or not amount:
                        raise InputError(
                            f"CAS triplet {k} (CAS{i:02d}-CAS{i + 2:02d}) is incomplete: a reason code "
                            f"needs its amount (got reason {reason!r}, amount {amount!r})", where=f"{source}:{n}")
                    target.adjustments.append(Adjustment(
                        group, reason, _dec(amount, source, n, f"CAS{i + 1:02d} (adjustment amount)"),
                        _dec(qty, source, n, f"CAS{i + 2:02d} (adjustment quantity)") if qty else None))
                    got += 1
                if not got:
                    raise InputError("CAS without any reason/amount triplet (CAS02/CAS03)", where=f"{source}:{n}")
            elif tag == "DTM":
                _pad(e, 2)
                q, v = e[1], e[2]
                if line is not None:
                    if q in ("472", "150"):
                        line.date_from = _date(v, source, n, f"DTM02 (service date, DTM*{q})")
                    elif q == "151":
                        line.date_to = _date(v, source, n, "DTM02 (service period end, DTM*151)")
                elif claim is not None:
                    attr = _DTM_CLAIM.get(q)
                    if attr is not None:
                        setattr(claim, attr, _date(v, source, n, f"DTM02 (DTM*{q})"))
                elif q == "405":
                    production = _date(v, source, n, "DTM02 (production date, DTM*405)")
            elif tag == "SVC":
                if claim is None:
                    raise InputError("SVC outside a claim (loop 2110 follows a CLP)", where=f"{source}:{n}")
                _pad(e, 7)
                proc = e[1].split(comp)
                if len(proc) < 2 or not proc[1]:
                    raise InputError(f"SVC01 must be a composite qualifier{comp}code, got {e[1]!r}",
                                     where=f"{source}:{n}")
                sub = e[6].split(comp) if e[6] else []
                charge, paid = e[2], e[3]
                if not charge or not paid:
                    warnings.append(f"segment {n} (SVC): SVC02 charge or SVC03 paid is empty: read as 0")
                line = ServicePayment(
                    code=proc[1], qualifier=proc[0], modifiers=[m for m in proc[2:6] if m],
                    charge=_dec(charge, source, n, "SVC02 (line charge)") if charge else Decimal(0),
                    paid=_dec(paid, source, n, "SVC03 (line paid)") if paid else Decimal(0),
                    revenue_code=e[4] or None,
                    units_paid=_dec(e[5], source, n, "SVC05 (units paid)") if e[5] else None,
                    submitted_code=sub[1] if len(sub) > 1 and sub[1] else None,
                    submitted_qualifier=sub[0] if sub and sub[0] else None,
                    submitted_modifiers=[m for m in sub[2:6] if m],
                    units_submitted=_dec(e[7], source, n, "SVC07 (units submitted)") if e[7] else None,
                    segment=n,
                )
                claim.lines.append(line)
            elif tag == "AMT":
                _pad(e, 2)
                if line is not None:
                    if e[1] == "B6":
                        line.allowed = _dec(e[2], source, n, "AMT02 (allowed amount, AMT*B6)")
                elif claim is not None:
                    claim.amounts[e[1]] = _dec(e[2], source, n, f"AMT02 (AMT*{e[1]})")
            elif tag == "REF":
                _pad(e, 2)
                if line is not None:
                    if e[1] == "6R":
                        line.line_control_number = e[2]
                elif claim is not None:
                    claim.references[e[1]] = e[2]
                elif party is not None:
                    party.references[e[1]] = e[2]
            elif tag == "NM1":
                if claim is None:
                    raise InputError("NM1 outside a claim (loop 2100 starts with CLP)", where=f"{source}:{n}")
                role = _NM1_ROLE.get(e[1] if len(e) > 1 else "")
                if role is not None:
                    setattr(claim, role, person(e))
            elif tag == "LQ":
                if line is None:
                    raise InputError("LQ (remark code) outside a service line (loop 2110)", where=f"{source}:{n}")
                _pad(e, 2)
                if e[1] == "HE" and e[2]:
                    line.remarks.append(e[2])
            elif tag == "CLP":
                if payee is None:
                    raise InputError("CLP before any N1*PE: the payee loop 1000B must come first",
                                     where=f"{source}:{n}")
                _pad(e, 11)
                if not e[1] or not e[2]:
                    raise InputError("CLP01 (patient control number) and CLP02 (status) are required",
                                     where=f"{source}:{n}")
                claim = ClaimPayment(
                    patient_control_number=e[1], status=e[2],
                    charge=_dec(e[3], source, n, "CLP03 (claim charge)"),
                    paid=_dec(e[4], source, n, "CLP04 (claim paid)"),
                    patient_responsibility=_dec(e[5], source, n, "CLP05 (patient responsibility)") if e[5] else None,
                    filing_indicator=e[6] or None, payer_claim_id=e[7] or None,
                    facility_type=e[8] or None, frequency=e[9] or None, drg=e[11] or None, segment=n,
                )
                claims.append(claim)
                line = None
                party = None
            elif tag in ("MOA", "MIA"):
                if claim is None:
                    raise InputError(f"{tag} outside a claim (loop 2100 starts with CLP)", where=f"{source}:{n}")
                idx = (3, 4, 5, 6, 7) if tag == "MOA" else (5, 20, 21, 22, 23, 24)
                claim.remarks.extend(e[i] for i in idx if i < len(e) and e[i])
            elif tag == "LX":
                claim = line = party = None
            elif tag == "N1":
                _pad(e, 4)
                party = Party(name=e[2], id_qualifier=e[3] or None, id=e[4] or None)
                if e[1] == "PR":
                    payer = party
                elif e[1] == "PE":
                    payee = party
                else:
                    warnings.append(f"segment {n}: N1*{e[1]} is neither the payer (PR) nor the payee (PE)")
            elif tag == "N3":
                if party is not None:
                    party.address.extend(x for x in e[1:3] if x)
            elif tag == "N4":
                if party is not None:
                    _pad(e, 3)
                    party.city, party.state, party.zip = e[1] or None, e[2] or None, e[3] or None
            elif tag == "PER":
                if party is not None and claim is None:
                    _pad(e, 2)
                    func = e[1]
                    party.contact[func] = e[2]
                    for i in (3, 5, 7):
                        if i + 1 < len(e) and e[i]:
                            party.contact[f"{func}.{e[i]}"] = e[i + 1]
            elif tag == "BPR":
                _pad(e, 16)
                if not e[1] or not e[3] or not e[4]:
                    raise InputError("BPR01 (handling), BPR03 (credit/debit) and BPR04 (payment method) "
                                     "are required", where=f"{source}:{n}")
                _dec(e[2], source, n, "BPR02 (total payment amount)")
                if e[16]:
                    _date(e[16], source, n, "BPR16 (payment effective date)")
                bpr = e
                bpr_n = n
            elif tag == "TRN":
                _pad(e, 3)
                if not e[2] or not e[3]:
                    raise InputError("TRN02 (trace number) and TRN03 (payer identifier) are required",
                                     where=f"{source}:{n}")
                trn = e
            elif tag == "PLB":
                _pad(e, 4)
                claim = line = party = None
                if not e[1]:
                    raise InputError("PLB01 (provider identifier) is required", where=f"{source}:{n}")
                period = _date(e[2], source, n, "PLB02 (fiscal period date)") if e[2] else None
                got = 0
                for i in range(3, min(len(e), 15), 2):
                    code, amount = e[i], e[i + 1] if i + 1 < len(e) else ""
                    if not code and not amount:
                        continue
                    if not code or not amount:
                        raise InputError(f"PLB{i:02d}/PLB{i + 1:02d}: an adjustment reason needs its amount",
                                         where=f"{source}:{n}")
                    reason, _, ref = code.partition(comp)
                    plb.append(ProviderAdjustment(e[1], period, reason, ref or None,
                                                  _dec(amount, source, n, f"PLB{i + 1:02d} (adjustment amount)")))
                    got += 1
                if not got:
                    raise InputError("PLB without an adjustment (PLB03/PLB04)", where=f"{source}:{n}")
            elif tag == "SE":
                _pad(e, 2)
                if e[1] != str(count):
                    msg = (f"SE01 says {e[1]!r} segments but the transaction (ST at segment {st_n} to "
                           f"SE) has {count}")
                    if strict:
                        raise InputError(msg, where=f"{source}:{n}")
                    warnings.append(f"segment {n}: {msg} (read with strict=False)")
                if e[2] != st_ctl:
                    raise InputError(f"SE02 {e[2]!r} does not match ST02 {st_ctl!r}", where=f"{source}:{n}")
                if bpr is None or trn is None:
                    raise InputError("the transaction has no BPR or no TRN (both required in the header)",
                                     where=f"{source}:{st_n}")
                if payer is None or payee is None:
                    raise InputError("the transaction lacks the payer (N1*PR, loop 1000A) or the payee "
                                     "(N1*PE, loop 1000B)", where=f"{source}:{st_n}")
                out.append(Remittance(
                    control_number=st_ctl, handling=bpr[1], total_paid=Decimal(bpr[2]),
                    credit_debit=bpr[3], method=bpr[4],
                    payment_date=_date(bpr[16], source, bpr_n, "BPR16") if bpr[16] else None,
                    trace_number=trn[2], trace_originator=trn[3], payer=payer, payee=payee,
                    production_date=production, claims=claims, provider_adjustments=plb,
                    source=source, interchange_control=isa_ctl, sender=sender, receiver=receiver,
                    segment=st_n, warnings=warnings,
                ))
                st_n = 0
                st_count += 1
            elif tag in ("ISA", "GS", "ST", "GE", "IEA"):
                raise InputError(f"{tag} inside the transaction that starts at segment {st_n}: its SE is "
                                 "missing (truncated or badly joined file)", where=f"{source}:{n}")
            elif tag not in _READ_OVER:
                warnings.append(f"segment {n}: {tag} is not a segment of the 835 at this place: ignored")
            continue
        # envelope
        if tag == "ST":
            _pad(e, 2)
            if e[1] != "835":
                raise InputError(_not_835("ST01", e[1]), where=f"{source}:{n}")
            if envelope and not gs_n:
                raise InputError("ST before any GS (functional group header)", where=f"{source}:{n}")
            st_n, st_ctl, count = n, e[2], 1
            bpr = trn = None
            bpr_n = 0
            production = None
            payer = payee = party = None
            claims, plb, warnings = [], [], []
            claim = line = None
        elif tag == "ISA":
            if isa_n:
                raise InputError(f"a second ISA before the IEA of the interchange at segment {isa_n}",
                                 where=f"{source}:{n}")
            isa_n, isa_ctl, gs_count = n, _pad(e, 13)[13], 0
        elif tag == "GS":
            if not isa_n:
                raise InputError("GS outside an interchange (no ISA)", where=f"{source}:{n}")
            if gs_n:
                raise InputError(f"GS before the GE of the group at segment {gs_n}", where=f"{source}:{n}")
            _pad(e, 8)
            if e[1] != "HP":
                raise InputError(_not_835("GS01 functional identifier", e[1]), where=f"{source}:{n}")
            if e[8] != GUIDE:
                raise InputError(_not_835("GS08 version", e[8]), where=f"{source}:{n}")
            gs_n, gs_ctl, sender, receiver, st_count = n, e[6], e[2], e[3], 0
        elif tag == "GE":
            _pad(e, 2)
            if not gs_n:
                raise InputError("GE without a GS", where=f"{source}:{n}")
            if e[1] != str(st_count):
                raise InputError(f"GE01 says {e[1]!r} transactions but the group has {st_count}", where=f"{source}:{n}")
            if e[2] != gs_ctl:
                raise InputError(f"GE02 {e[2]!r} does not match GS06 {gs_ctl!r}", where=f"{source}:{n}")
            gs_n = 0
            gs_count += 1
        elif tag == "IEA":
            _pad(e, 2)
            if not isa_n or gs_n:
                raise InputError("IEA without its ISA, or before the GE of an open group", where=f"{source}:{n}")
            if e[1] != str(gs_count):
                raise InputError(f"IEA01 says {e[1]!r} groups but the interchange has {gs_count}", where=f"{source}:{n}")
            if e[2] != isa_ctl:
                raise InputError(f"IEA02 {e[2]!r} does not match ISA13 {isa_ctl!r}", where=f"{source}:{n}")
            isa_n = 0
        elif tag == "TA1":
            continue
        else:
            raise InputError(f"{tag} outside a transaction (expected ST, GE or IEA)", where=f"{source}:{n}")
    end = f"{source}:{last_n}"
    if st_n:
        raise InputError(f"the transaction that starts at segment {st_n} has no SE: the file is "
                         "truncated", where=end)
    if gs_n:
        raise InputError(f"the functional group that starts at segment {gs_n} has no GE: the file "
                         "is truncated", where=end)
    if isa_n:
        raise InputError("the interchange has no IEA: the file is truncated", where=end)
    if not out:
        raise InputError("no 835 transaction (ST…SE) in the file", where=source)
    return out


@dataclass
class RemitBatch:
    """Remittances read from many files: each payment (TRN02 + TRN03) once."""

    remittances: list[Remittance] = field(default_factory=list)
    duplicates: list[Remittance] = field(default_factory=list)  # the copies left out
    warnings: list[str] = field(default_factory=list)
    _seen: dict[tuple[str, str], Remittance] = field(default_factory=dict, init=False, repr=False,
                                                     compare=False)

    def __post_init__(self) -> None:
        for r in self.remittances:
            self._seen.setdefault(r.key, r)

    @property
    def claims(self) -> list[ClaimPayment]:
        return [c for r in self.remittances for c in r.claims]

    def add(self, rem: Remittance) -> bool:
        """Keep ``rem`` unless its payment was already read; False (and a warning) for a copy."""
        first = self._seen.get(rem.key)
        if first is not None:
            msg = (f"{rem.source}:{rem.segment}: payment trace {rem.trace_number!r} from "
                   f"{rem.trace_originator!r} was already read at {first.source}:{first.segment}: "
                   "duplicate remittance left out (counted once)")
            self.duplicates.append(rem)
            self.warnings.append(msg)
            first.warnings.append(msg)
            return False
        self._seen[rem.key] = rem
        self.remittances.append(rem)
        return True


def read_835_files(paths: Iterable[str | Path], *, validate: Validate = True,
                   strict: bool = True) -> RemitBatch:
    """Every remittance of many 835 files, in order; a payment whose (TRN02, TRN03) was already
    read, in the same file or an earlier one, is left out with a warning."""
    batch = RemitBatch()
    for p in paths:
        for rem in read_835(p, validate=validate, strict=strict):
            batch.add(rem)
    return batch

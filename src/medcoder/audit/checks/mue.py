"""Units above the NCCI medically unlikely edit (MUE) for the code and date of service.

The MUE table in force (practitioner for professional claims, outpatient hospital for
outpatient institutional; inpatient bills have none) gives a value and an MUE adjudication
indicator: MAI 1 compares each line's units, MAI 2 (policy) and 3 (clinical) the units of all
the code's lines on the date (NCCI Policy Manual for Medicare Services Ch. I; the scrubber's
``claims/edits/mue.py``). Paid units above the value are the overpayment: the paid amount's
share for the units above the MUE (Medicare denies the whole line; the audit recovers only the
units that could not have been paid). Anesthesia minutes (unit kind MJ) are not MUE units.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.model import AuditClaim, AuditLine, Finding
from medcoder.audit.quantify import part_of_line

WORDS = {1: "MAI 1, line edit", 2: "MAI 2, date of service edit: policy", 3: "MAI 3, date of service edit: clinical"}


def mue_kind(claim: AuditClaim) -> str | None:
    from medcoder.audit.checks.ncci import ptp_kind

    kind = ptp_kind(claim)
    return None if kind is None else kind.replace("ncci-ptp-", "mue-")


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    kind = mue_kind(claim)
    if kind is None:
        return []
    groups: dict[tuple[str, Any], list[AuditLine]] = defaultdict(list)
    for ln in claim.lines:
        if ln.paid is not None and ln.paid <= 0:
            continue
        groups[(ln.code, line_date(claim, ln))].append(ln)
    out: list[Finding] = []
    for (code, dos), lines in groups.items():
        reader = ctx.table(kind, dos)
        if reader is None:
            continue
        m = reader.mue(code, dos)
        if m is None:
            continue
        ref = (f"CMS Medicare NCCI MUE table ({kind.removeprefix('mue-')}), release {getattr(reader, 'release', '?')} "
               f"({WORDS.get(m.mai, f'MAI {m.mai}')}); NCCI Policy Manual for Medicare Services Ch. I (MUEs)")
        value = Decimal(m.value)
        if m.mai == 1:
            over = [(ln, ln.units - value) for ln in lines if ln.units > value]
        else:
            total = sum((ln.units for ln in lines), Decimal(0))
            excess = total - value
            over = []
            for ln in reversed(lines):  # the units above the MUE are the last ones billed
                if excess <= 0:
                    break
                take = min(excess, ln.units)
                over.append((ln, take))
                excess -= take
            over.reverse()
        for ln, extra in over:
            amount, basis = part_of_line(ln, extra, dos, ctx.fees)
            allowed = ln.units - extra
            out.append(Finding(
                claim.claim_id, ln.line, "mue-units", "overpayment", billed_text(ln),
                f"{code} x {allowed.normalize():f}",
                f"line {ln.line} {code}: {ln.units.normalize():f} units paid, above the MUE of {m.value} "
                f"on {dos.isoformat()} ({WORDS.get(m.mai, f'MAI {m.mai}')})",
                evidence=(f"line {ln.line} {code} x {ln.units.normalize():f} on {dos.isoformat()}",),
                reference=ref, amount=amount, amount_basis=basis,
                detail={"mue": m.value, "mai": m.mai, "units_over": str(extra)}))
    return out

"""Eligibility: a service dated after the beneficiary's date of death, or outside the member's
enrolment, is not payable (42 CFR 424.5(a)(1): services must be furnished to an individual
entitled to benefits; the payer's enrolment and death dates from the members file)."""

from __future__ import annotations

from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.model import AuditClaim, Finding
from medcoder.audit.quantify import whole_line

REFERENCE = ("42 CFR 424.5(a)(1) (conditions for payment: services furnished to an entitled beneficiary); "
             "payer enrolment and date-of-death records")


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    m = ctx.member
    if m is None:
        return []
    out: list[Finding] = []
    for ln in claim.lines:
        dos = line_date(claim, ln)
        src = f" ({m.source})" if m.source else ""
        if m.date_of_death is not None and dos > m.date_of_death:
            amount, basis = whole_line(ln, dos, ctx.fees)
            out.append(Finding(
                claim.claim_id, ln.line, "after-death", "overpayment", billed_text(ln), "nothing",
                f"line {ln.line} {ln.code} is dated {dos.isoformat()}, after the patient's date of death "
                f"{m.date_of_death.isoformat()}: no service can have been furnished",
                evidence=(f"date of death {m.date_of_death.isoformat()}{src}", f"line {ln.line} date of service {dos.isoformat()}"),
                reference=REFERENCE, amount=amount, amount_basis=basis,
                detail={"date_of_death": m.date_of_death.isoformat(), "date_of_service": dos.isoformat()}))
            continue
        before = m.enrolled_from is not None and dos < m.enrolled_from
        after = m.enrolled_to is not None and dos > m.enrolled_to
        if before or after:
            span = f"{m.enrolled_from.isoformat() if m.enrolled_from else '…'} to {m.enrolled_to.isoformat() if m.enrolled_to else '…'}"
            amount, basis = whole_line(ln, dos, ctx.fees)
            out.append(Finding(
                claim.claim_id, ln.line, "not-enrolled", "overpayment", billed_text(ln), "nothing",
                f"line {ln.line} {ln.code} on {dos.isoformat()} is outside the patient's enrolment ({span})",
                evidence=(f"enrolment {span}{src}", f"line {ln.line} date of service {dos.isoformat()}"),
                reference=REFERENCE, amount=amount, amount_basis=basis,
                detail={"enrolment": span, "date_of_service": dos.isoformat()}))
    return out

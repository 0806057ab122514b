"""Codes that were not valid on the date of service: a billed procedure code deleted (with its
replacement from medcoder's code history) or not in the code set loaded, and diagnosis codes
that are deleted or not complete (billable) codes in the ICD-10-CM release of the date.

The lookups are those of the claim scrubber's validity edit (``claims/edits/validity.py``):
``codesets.procedures.validate`` and ``codesets.validate.validate_icd10cm``. A line with an
invalid code should not have been paid: its paid amount is the overpayment. A diagnosis code
does not price a professional line: a compliance finding.
"""

from __future__ import annotations

from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.model import AuditClaim, Finding
from medcoder.audit.quantify import COMPLIANCE, whole_line
from medcoder.claims.edits.validity import REF_CM, REF_HCPCS
from medcoder.codesets.procedures import validate as validate_procedure
from medcoder.codesets.validate import validate_icd10cm
from medcoder.errors import DataError

REF_CPT = "CPT code set in force on the date of service (AMA, annual release); 45 CFR 162.1002"


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    for ln in claim.lines:
        dos = line_date(claim, ln)
        system = "CPT" if ln.code[:1].isdigit() else "HCPCS"
        try:
            v = validate_procedure(system, ln.code, dos, ctx.kb)
        except DataError as exc:
            ctx.missing.setdefault(system.lower(), exc.message)
            continue
        if v.valid:
            continue
        amount, basis = whole_line(ln, dos, ctx.fees)
        repl = list(v.replacements or [])
        out.append(Finding(
            claim.claim_id, ln.line, "invalid-code", "overpayment", billed_text(ln),
            " / ".join(repl) if repl else "nothing",
            f"line {ln.line} {ln.code} was not a valid code on {dos.isoformat()}: {v.reason}",
            evidence=(f"line {ln.line} {ln.code} on {dos.isoformat()}",),
            reference=REF_CPT if system == "CPT" else REF_HCPCS, amount=amount, amount_basis=basis,
            detail={"replacements": repl, "kind": v.kind}))
    dos = claim.date_of_service
    for i, dx in enumerate(claim.diagnoses, start=1):
        try:
            v = validate_icd10cm(dx, dos, ctx.kb)
        except DataError as exc:
            ctx.missing.setdefault("icd10cm-tabular", exc.message)
            break
        if v.valid:
            continue
        repl = list(v.replacements or [])
        out.append(Finding(
            claim.claim_id, None, "invalid-code", "none", dx, " / ".join(repl) if repl else "nothing",
            f"diagnosis {i} {dx} was not a valid, complete ICD-10-CM code on {dos.isoformat()}: {v.reason}",
            evidence=(f"diagnosis {i} {dx}",), reference=REF_CM, amount_basis=COMPLIANCE,
            detail={"diagnosis": i, "replacements": repl}))
    return out

"""Diagnoses billed against the diagnoses the record supports.

medcoder codes the record's diagnoses by the ICD-10-CM Official Guidelines for Coding and
Reporting: outpatient Section IV (IV.D signs and symptoms integral to a confirmed diagnosis are
not coded; IV.H uncertain diagnoses are not coded, the symptoms are; IV.J all documented
conditions that coexist and affect care are coded), inpatient Sections II and III.

- billed, not supported: a billed code the coder did not produce; ``supported`` names the coded
  code of the same category when there is one (a different specificity), else "nothing";
- documented, not billed: a coded diagnosis with no billed code of its category.

A diagnosis does not change a professional fee schedule amount: both are compliance findings
(direction ``none``) unless a billed line points only at unsupported diagnoses, which leaves the
line without a documented reason for the service: still reported as compliance, with the line
named, since medical necessity review is a clinical judgement the audit refers to a reviewer.
"""

from __future__ import annotations

from typing import Any

from medcoder.audit.checks import CheckContext
from medcoder.audit.model import AuditClaim, Finding
from medcoder.audit.quantify import COMPLIANCE

REF_OUT = ("ICD-10-CM Official Guidelines for Coding and Reporting, Section IV (outpatient services: IV.D, IV.H, "
           "IV.J) and Section I.B")
REF_IN = "ICD-10-CM Official Guidelines for Coding and Reporting, Sections II and III (inpatient) and Section I.B"


def _norm(code: str) -> str:
    return code.replace(".", "").strip().upper()


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    if coded is None:
        return []
    ref = REF_IN if claim.setting == "inpatient" else REF_OUT
    have = {_norm(d.code): d for d in coded.diagnoses}
    billed = [_norm(c) for c in claim.diagnoses]
    out: list[Finding] = []
    explained: set[str] = set()
    for i, (raw, code) in enumerate(zip(claim.diagnoses, billed, strict=True), start=1):
        if code in have:
            continue
        near = next((d for k, d in have.items() if k[:3] == code[:3] and k not in billed), None)
        pointed = [ln.line for ln in claim.lines if i in ln.pointers]
        alone = [n for n in pointed
                 if all(billed[p - 1] not in have for p in next(x for x in claim.lines if x.line == n).pointers
                        if 0 < p <= len(billed))]
        if near is not None:
            explained.add(_norm(near.code))
            supported = near.code
            msg = (f"diagnosis {i} {raw}: the record supports {near.code} (same category, a different code)")
            ev = tuple(e.text for e in near.evidence[:4])
        else:
            supported = "nothing"
            msg = f"diagnosis {i} {raw}: the record does not document this condition as coded"
            ev = ("medcoder coded from the record: " + (", ".join(d.code for d in coded.diagnoses) or "no diagnosis"),)
        if alone:
            msg += f"; line(s) {', '.join(map(str, alone))} point at no supported diagnosis"
        out.append(Finding(claim.claim_id, None, "diagnosis-unsupported", "none", raw, supported, msg,
                           evidence=ev, reference=ref, amount_basis=COMPLIANCE,
                           detail={"diagnosis": i, "lines": pointed, "lines_without_support": alone}))
    for k, d in have.items():
        if k in billed or k in explained:
            continue
        out.append(Finding(
            claim.claim_id, None, "diagnosis-missing", "none", "nothing", d.code,
            f"the record documents {d.code}, which was not billed",
            evidence=tuple(e.text for e in d.evidence[:4]), reference=ref, amount_basis=COMPLIANCE,
            detail={"rationale": list(d.rationale)[:4]}))
    return out

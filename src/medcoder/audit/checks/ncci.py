"""NCCI procedure-to-procedure (PTP) edits on paid claims: a column 2 code paid on the same
date of service as its column 1 code is an overpayment when the edit applied:

- modifier indicator 0: never paid together, whatever the modifiers;
- modifier indicator 1 and no NCCI-associated modifier on either line (59, XE/XS/XP/XU, 24, 25,
  57, 58, 78, 79, 27, 91, or different anatomic modifiers: ``claims/edits/ncci_ptp.py``
  ``bypass_modifier``): the column 2 line's paid amount;
- a pair bypassed by a modifier is kept in ``ctx.ptp_pairs`` for ``modifiers``, which checks
  that the record documents the distinct site or session (NCCI Policy Manual Ch. I §E.1);
- indicator 9 (deleted retroactively) and edits not in force on the date are not applied.

Tables: the CMS NCCI PTP practitioner table (professional claims) or outpatient hospital table
(outpatient institutional), the release in force on the date; inpatient bills have no PTP edits.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from medcoder.audit.checks import CheckContext, PtpPair, billed_text, line_date
from medcoder.audit.model import AuditClaim, AuditLine, Finding
from medcoder.audit.quantify import whole_line
from medcoder.claims.edits.ncci_ptp import INPATIENT_BILLS
from medcoder.claims.edits.ncci_ptp import bypass_modifier as _bypass

POLICY = "NCCI Policy Manual for Medicare Services Ch. I §E (modifiers and modifier indicators)"


def ptp_kind(claim: AuditClaim) -> str | None:
    c = claim.claim
    if c is not None and getattr(c, "kind", "professional") == "institutional":
        tob = (getattr(c, "type_of_bill", "") or "").lstrip("0")
        return None if tob[:2] in INPATIENT_BILLS else "ncci-ptp-hospital"
    return "ncci-ptp-practitioner"


def bypass_modifier(a: AuditLine, b: AuditLine) -> str | None:
    """The scrubber's ``bypass_modifier``, on audit lines (anatomic modifiers shown bare)."""
    return _bypass(a, b, explain=False)


def pairs(claim: AuditClaim, ctx: CheckContext) -> list[PtpPair]:
    kind = ptp_kind(claim)
    if kind is None:
        return []
    by_date: dict[Any, list[AuditLine]] = defaultdict(list)
    for ln in claim.lines:
        by_date[line_date(claim, ln)].append(ln)
    out: list[PtpPair] = []
    for dos in sorted(by_date):
        lines = by_date[dos]
        if len({ln.code for ln in lines}) < 2:
            continue
        reader = ctx.table(kind, dos)
        if reader is None:
            continue
        ref = (f"CMS Medicare NCCI PTP edits ({kind.removeprefix('ncci-ptp-')}), release "
               f"{getattr(reader, 'release', '?')}; {POLICY}")
        for e in reader.edits_among(sorted({ln.code for ln in lines}), dos):
            if e.modifier_indicator == 9 or not e.active_on(dos):
                continue
            col1 = [ln for ln in lines if ln.code == e.column1]
            for l2 in (ln for ln in lines if ln.code == e.column2):
                l1 = col1[0]
                m = None if e.modifier_indicator == 0 else bypass_modifier(l1, l2)
                out.append(PtpPair(l1.line, l2.line, e.column1, e.column2, e.modifier_indicator,
                                   e.rationale or "", m, ref))
    return out


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    by_line = {ln.line: ln for ln in claim.lines}
    for pr in ctx.ptp_pairs(claim):
        if pr.bypass is not None:
            continue  # modifiers.py: is the distinct service documented?
        l2 = by_line[pr.column2_line]
        if l2.paid is not None and l2.paid <= 0:
            continue
        dos = line_date(claim, l2)
        amount, basis = whole_line(l2, dos, ctx.fees)
        why = ("modifier indicator 0: never paid together, no modifier bypasses the edit"
               if pr.modifier_indicator == 0 else
               "modifier indicator 1 and no NCCI-associated modifier (59, XE, XS, XP, XU, anatomic) on either line")
        out.append(Finding(
            claim.claim_id, l2.line, "ncci-unbundled", "overpayment", billed_text(l2), "nothing",
            f"line {l2.line} {pr.column2} is the column 2 code of an NCCI PTP edit with line {pr.column1_line} "
            f"{pr.column1} (column 1) on {dos.isoformat()} and was paid: {why}"
            + (f" (edit rationale: {pr.rationale})" if pr.rationale else ""),
            evidence=(f"line {pr.column1_line} {pr.column1} and line {l2.line} {pr.column2} on {dos.isoformat()}",),
            reference=pr.reference, amount=amount, amount_basis=basis,
            detail={"column1": pr.column1, "column2": pr.column2, "modifier_indicator": pr.modifier_indicator}))
    return out

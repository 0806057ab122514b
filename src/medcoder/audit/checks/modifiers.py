"""Modifiers the record does not support.

- 25 on an E/M the day of a minor procedure: payable only for a significant, separately
  identifiable E/M service (CMS Pub. 100-04 Ch. 12 §30.6.6 B; CPT Appendix A). medcoder's E/M
  coder produces the E/M line, with 25, only when the note shows a problem or management beyond
  the procedure's; when it produces none, the E/M line's paid amount is the overpayment.
- 59 / XE / XS / XP / XU: a distinct procedural service (different session, site, organ,
  incision or injury; NCCI Policy Manual Ch. I §E.1; CMS MLN1783722). Supported when medcoder
  coded the line's code with a distinct-service or different anatomic modifier, or the note
  says the site or session was separate. When the modifier bypassed an NCCI PTP edit, the
  column 2 line's paid amount is the overpayment; else a compliance finding.
"""

from __future__ import annotations

import re
from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.checks.em_level import coded_visits, is_leveled
from medcoder.audit.model import ZERO, AuditClaim, AuditLine, Finding
from medcoder.audit.quantify import COMPLIANCE, whole_line
from medcoder.claims.edits.modifiers import REF_X
from medcoder.claims.edits.ncci_ptp import ANATOMIC
from medcoder.coders.procedures.em import MOD25_RULE

DISTINCT = frozenset({"59", "XE", "XS", "XP", "XU"})
REF_25 = f"{MOD25_RULE}; NCCI Policy Manual for Medicare Services Ch. I §D (E/M on the day of a procedure)"
_SEPARATE = re.compile(
    r"\b(?:separate|different|distinct|second|another|other)\s+(?:anatomic\s+)?"
    r"(?:site|sites|session|encounter|incision|lesion|organ|injury|visit|location)\b", re.I)


def _distinct_documented(ln: AuditLine, coded: Any, text: str) -> str | None:
    for p in coded.procedures:
        if p.code == ln.code and (set(p.modifiers) & (DISTINCT | ANATOMIC)):
            return f"medcoder coded {p.code} {'-'.join(p.modifiers)}"
    m = _SEPARATE.search(text)
    return f"'{m.group(0)}'" if m else None


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    if coded is None:
        return []
    out: list[Finding] = []
    bypassed = {pr.column2_line: pr for pr in ctx.ptp_pairs(claim) if pr.bypass is not None}
    visits = coded_visits(coded)
    for ln in claim.lines:
        dos = line_date(claim, ln)
        if "25" in ln.modifiers and is_leveled(ln.code):
            if visits:
                continue  # the level itself is em_level's
            amount, basis = whole_line(ln, dos, ctx.fees)
            warn = tuple(w for w in coded.warnings if "25" in w or "separate E/M" in w)[:2]
            out.append(Finding(
                claim.claim_id, ln.line, "modifier-unsupported", "overpayment", billed_text(ln), "nothing",
                f"line {ln.line} {ln.code}-25: the record shows no significant, separately identifiable E/M "
                "service beyond the procedure's own evaluation", evidence=warn, reference=REF_25,
                amount=amount, amount_basis=basis, detail={"modifier": "25"}))
        used = sorted(set(ln.modifiers) & DISTINCT)
        if not used:
            continue
        support = _distinct_documented(ln, coded, ctx.text)
        if support is not None:
            continue
        pr = bypassed.get(ln.line)
        if pr is not None and (ln.paid is None or ln.paid > 0):
            amount, basis = whole_line(ln, dos, ctx.fees)
            direction = "overpayment"
            msg = (f"line {ln.line} {ln.code}-{used[0]} bypassed the NCCI PTP edit with line {pr.column1_line} "
                   f"{pr.column1}, but the record documents no distinct site, session or incision")
            ref = f"{REF_X}; {pr.reference}"
        else:
            amount, basis, direction = ZERO, COMPLIANCE, "none"
            msg = (f"line {ln.line} {ln.code}-{used[0]}: the record documents no distinct site, session or "
                   "incision for the modifier")
            ref = REF_X
        out.append(Finding(
            claim.claim_id, ln.line, "modifier-unsupported", direction, billed_text(ln), f"{ln.code} without {used[0]}",
            msg, evidence=(f"line {ln.line} {billed_text(ln)}",), reference=ref, amount=amount,
            amount_basis=basis, detail={"modifier": used[0]}))
    return out

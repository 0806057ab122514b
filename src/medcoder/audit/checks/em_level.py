"""The E/M level the record supports against the level billed.

medcoder's E/M coder (``coders/procedures/em.py``) levels the visit from the note: office or
other outpatient by medical decision making (2 of the 3 elements of the AMA/CMS 2021+ Levels of
MDM table) or total time, emergency department by MDM, hospital inpatient or observation by MDM
or time (2023+ guidelines). Its worksheet (problems, data, risk, with their words) is the
finding's evidence. A billed level above the supported one is an overpayment, below it an
underpayment (CMS Pub. 100-04 Ch. 12 §30.6.1: the level of service billed must be the one
documented). A billed visit code the record supports no separately billable visit for (the coder
produces no E/M line) is also reported here, unless the line carries modifier 25: that belongs
to the modifier family.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.model import AuditClaim, Finding
from medcoder.audit.quantify import level_difference, whole_line
from medcoder.coders.procedures.em import level_rows
from medcoder.result import CodeSuggestion

LEVELED = ("office", "ed", "initial", "subsequent", "same-day", "discharge")
REFERENCE = ("AMA CPT E/M Services Guidelines 2021+ (office) / 2023+ (ED, hospital): Levels of MDM table "
             "(2 of 3 elements) or total time; CMS Pub. 100-04 Ch. 12 §30.6.1 (selection of the level of E/M service)")
_RANK = {"": 0, "straightforward": 1, "low": 2, "moderate": 3, "high": 4}


@cache
def em_codes() -> dict[str, tuple[str, int]]:
    """Leveled E/M code -> (family, rank of its MDM)."""
    out: dict[str, tuple[str, int]] = {}
    for r in level_rows():
        if r.family in LEVELED:
            out.setdefault(r.code, (r.family, _RANK.get(r.mdm, 0)))
    return out


def is_leveled(code: str) -> bool:
    return code in em_codes()


def coded_visits(coded: Any) -> list[CodeSuggestion]:
    return [p for p in (coded.procedures if coded is not None else []) if is_leveled(p.code)]


def evidence(p: CodeSuggestion) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.text for e in p.evidence))[:8]


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    if coded is None:
        return []
    visits = coded_visits(coded)
    out: list[Finding] = []
    for ln in claim.lines:
        if not is_leveled(ln.code):
            continue
        dos = line_date(claim, ln)
        if not visits:
            if "25" in ln.modifiers:
                continue  # modifiers.py: 25 without a separately identifiable E/M
            amount, basis = whole_line(ln, dos, ctx.fees)
            warn = tuple(w for w in coded.warnings if "E/M" in w or "visit" in w)[:3]
            out.append(Finding(
                claim.claim_id, ln.line, "em-level", "overpayment", billed_text(ln), "nothing",
                f"line {ln.line} {ln.code}: the record supports no separately billable visit level",
                evidence=warn, reference=REFERENCE, amount=amount, amount_basis=basis,
                detail={"coder_warnings": list(warn)}))
            continue
        same = [p for p in visits if em_codes()[p.code][0] == em_codes()[ln.code][0]]
        p = (same or visits)[0]
        if p.code == ln.code:
            continue
        amount, basis = level_difference(ln, p.code, dos, ctx.fees)
        if amount:
            direction = "overpayment" if amount > 0 else "underpayment"
        else:
            rb, rs = em_codes()[ln.code][1], em_codes()[p.code][1]
            direction = "overpayment" if (rb, ln.code) > (rs, p.code) else "underpayment"
        words = "above" if direction == "overpayment" else "below"
        out.append(Finding(
            claim.claim_id, ln.line, "em-level", direction, billed_text(ln), p.code,
            f"line {ln.line}: {ln.code} billed, {words} the {p.code} the documentation supports "
            f"({'; '.join(r for r in p.rationale if r.startswith('MDM') or 'total time' in r)[:300]})",
            evidence=evidence(p), reference=REFERENCE, amount=amount, amount_basis=basis,
            detail={"worksheet": list(p.rationale), "supported_modifiers": list(p.modifiers)}))
    return out

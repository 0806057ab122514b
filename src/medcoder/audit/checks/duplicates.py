"""The same service paid twice: same patient, rendering provider, code, modifiers and date of
service on two paid lines, of one claim or of two claims of the audit set, without a repeat or
distinct-service modifier (76, 77, 91, 59, XE, XS, XP, XU). The first one paid (earlier in the
set) is the original; the later one's paid amount is the overpayment (X12 CARC 18; CMS Pub.
100-04 Ch. 1 §120, Ch. 12 §30; the scrubber's ``claims/edits/duplicates.py``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from medcoder.audit.checks import CheckContext, billed_text, line_date
from medcoder.audit.model import AuditClaim, AuditLine, Finding
from medcoder.audit.quantify import whole_line
from medcoder.claims.edits.duplicates import REFERENCE, REPEAT

Key = tuple[str, str, str, tuple[str, ...], _dt.date]


def key(claim: AuditClaim, ln: AuditLine) -> Key:
    return (claim.patient_id, claim.provider_id, ln.code, tuple(sorted(ln.modifiers)), line_date(claim, ln))


def _paid(ln: AuditLine) -> bool:
    return ln.paid is None or ln.paid > 0


def index(claims: Any) -> dict[Key, tuple[str, int]]:
    """The first paid line of each service among ``claims``: key -> (claim id, line)."""
    seen: dict[Key, tuple[str, int]] = {}
    for c in claims:
        for ln in c.lines:
            if _paid(ln):
                seen.setdefault(key(c, ln), (c.claim_id, ln.line))
    return seen


def check(claim: AuditClaim, coded: Any, ctx: CheckContext) -> list[Finding]:
    earlier = ctx.duplicate_index
    if earlier is None:
        earlier = index(c for c in ctx.history if c.claim_id != claim.claim_id)
    out: list[Finding] = []
    mine: dict[Key, int] = {}
    for ln in claim.lines:
        if not _paid(ln) or set(ln.modifiers) & REPEAT:
            continue
        k = key(claim, ln)
        first = earlier.get(k)
        where = f"claim {first[0]} line {first[1]}" if first else None
        if where is None and k in mine:
            where = f"line {mine[k]} of this claim"
        mine.setdefault(k, ln.line)
        if where is None:
            continue
        dos = line_date(claim, ln)
        amount, basis = whole_line(ln, dos, ctx.fees)
        out.append(Finding(
            claim.claim_id, ln.line, "duplicate-payment", "overpayment", billed_text(ln), "nothing",
            f"line {ln.line} {ln.code}{' ' + '-'.join(ln.modifiers) if ln.modifiers else ''} on {dos.isoformat()} "
            f"repeats {where} (same patient, provider, code, modifiers and date), paid twice",
            evidence=(f"{where}: {ln.code} on {dos.isoformat()} for patient {claim.patient_id}, provider {claim.provider_id}",),
            reference=REFERENCE, amount=amount, amount_basis=basis, detail={"original": where}))
    return out

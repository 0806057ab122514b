"""Duplicate service lines and duplicate claims.

A line repeating another line's code, modifiers and date of service is denied as a duplicate
(CARC 18) unless a modifier says the service was repeated: 76 or 77 (repeat procedure by the
same / another physician), 91 (repeat clinical laboratory test), or 59/X{EPSU} (distinct
service). Units of one service belong on one line (units), not on repeated lines.

A claim is a duplicate of one already submitted (``history``) when it is an original
(frequency 1) for the same patient (member id), billing provider, payer and dates with the same
procedure codes; a corrected claim goes as a replacement (frequency 7) naming the original.
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import Claim

REFERENCE = ("X12 CARC 18 (exact duplicate claim/service); CMS Medicare Claims Processing Manual (Pub. 100-04) "
             "Ch. 1 §120 (duplicate claims) and Ch. 12 §30 (repeat-procedure modifiers 76, 77, 91)")
REPEAT = frozenset({"76", "77", "91", "59", "XE", "XS", "XP", "XU"})


def _key(claim: Claim) -> tuple[object, ...]:
    return (claim.patient.member_id or (claim.patient.last_name, claim.patient.first_name, claim.patient.birth_date),
            claim.billing.npi, claim.payer.payer_id, claim.service_from, claim.service_to,
            tuple(sorted((ln.code or ln.revenue_code or "", tuple(ln.modifiers)) for ln in claim.lines)))


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    seen: dict[tuple[object, ...], int] = {}
    for n, ln in enumerate(claim.lines, start=1):
        key = (ln.code, ln.revenue_code, tuple(sorted(ln.modifiers)), ln.date_of_service)
        if key in seen and not set(ln.modifiers) & REPEAT:
            first = seen[key]
            yield FAMILY.finding(
                "line", "error",
                f"line {n} repeats line {first} ({ln.code or ln.revenue_code}, same modifiers, {ln.date_of_service}); "
                "report the service once with its units, or add 76/77/91/59 when it was truly repeated or distinct",
                lines=[first, n], codes=[ln.code or ln.revenue_code or ""])
        seen.setdefault(key, n)
    if claim.frequency == "1":
        mine = _key(claim)
        for old in ctx.history:
            if old is not claim and old.frequency in ("1", "7") and _key(old) == mine:
                yield FAMILY.finding(
                    "claim", "error",
                    f"this claim duplicates claim {old.patient_control_number or '(no patient control number)'} already "
                    "submitted (same patient, provider, payer, dates and services); to correct it send a "
                    "replacement (frequency 7) with the payer's claim number",
                    codes=[old.patient_control_number])
                break


FAMILY = Family(name="duplicates", title="Duplicate lines and claims", reference=REFERENCE, check=_check)

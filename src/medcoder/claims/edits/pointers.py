"""Diagnosis pointers on professional service lines (837P SV107, CMS-1500 box 24E).

Each line points to at least one diagnosis (1-4 pointers, the first is the line's primary
reason), each pointer to a diagnosis on the claim, no pointer twice; a line that points only to
an external cause code (V00-Y99) or a weeks-of-gestation code (Z3A) has no diagnosis that can
justify it. Every diagnosis on the claim should be pointed to by some line (a warning: payers
ignore unpointed codes). Institutional lines carry no pointers (837I).
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import MAX_POINTERS, Claim

REFERENCE = ("ASC X12N 837P 005010X222A1 loop 2400 SV107 (composite diagnosis code pointer, at least one "
             "required, up to four); NUCC 1500 Claim Form Reference Instruction Manual, item 24E")


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    n_dx = len(claim.diagnoses)
    pointed: set[int] = set()
    for n, ln in enumerate(claim.lines, start=1):
        if not ln.pointers:
            yield FAMILY.finding("missing", "error", f"line {n} {ln.code} points to no diagnosis; every service "
                                 "line names the diagnosis (1-4 pointers) that made it necessary", lines=[n], codes=[ln.code])
            continue
        bad = [p for p in ln.pointers if not 1 <= p <= n_dx]
        if bad:
            yield FAMILY.finding("out-of-range", "error", f"line {n} {ln.code}: pointer(s) {bad} do not point into "
                                 f"the claim's {n_dx} diagnoses", lines=[n], codes=[ln.code])
        if len(ln.pointers) > MAX_POINTERS:
            yield FAMILY.finding("too-many", "error", f"line {n} {ln.code}: {len(ln.pointers)} pointers; the 837P "
                                 f"and the CMS-1500 carry at most {MAX_POINTERS}", lines=[n], codes=[ln.code])
        dup = sorted({p for p in ln.pointers if ln.pointers.count(p) > 1})
        if dup:
            yield FAMILY.finding("repeated", "error", f"line {n} {ln.code}: pointer(s) {dup} given twice", lines=[n], codes=[ln.code])
        good = [p for p in ln.pointers if 1 <= p <= n_dx]
        pointed.update(good)
        targets = [claim.diagnoses[p - 1].code for p in good]
        if targets and all(t[:1] in "VWXY" or t.startswith("Z3A") for t in targets):
            yield FAMILY.finding("no-supporting-diagnosis", "error",
                                 f"line {n} {ln.code} points only to {', '.join(targets)}: external cause and "
                                 "weeks-of-gestation codes describe circumstances, not the reason for the service; "
                                 "point to the condition treated", lines=[n], codes=[ln.code, *targets])
    unused = [i for i in range(1, n_dx + 1) if i not in pointed]
    if unused and claim.lines:
        yield FAMILY.finding("unpointed-diagnosis", "warning",
                             "diagnosis " + ", ".join(f"{i} {claim.diagnoses[i - 1].code}" for i in unused)
                             + " is not pointed to by any line (payers read only pointed diagnoses for medical necessity)",
                             diagnoses=unused, codes=[claim.diagnoses[i - 1].code for i in unused])


FAMILY = Family(name="pointers", title="Diagnosis pointers", reference=REFERENCE, check=_check, kinds=("professional",))

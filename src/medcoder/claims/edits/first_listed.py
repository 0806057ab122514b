"""What may not be the first-listed (principal) diagnosis, and what needs a code before it.

- Manifestation codes ("in diseases classified elsewhere", the Tabular's italic codes with a
  "Code first" note) are never first-listed; the underlying condition is sequenced first
  (Guideline I.A.13). When the claim lacks any code the "Code first" note names, a warning.
- External cause codes (V00-Y99) are never the first-listed diagnosis (Guideline I.C.20).
- Z3A weeks-of-gestation codes are used only with chapter 15 pregnancy codes, never alone or
  first (the Z3A category note: code first the pregnancy complication).
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import Claim
from medcoder.coders.diagnosis.rules import in_ref, is_manifestation, refs

REF_MANIF = "ICD-10-CM Official Guidelines for Coding and Reporting, Section I.A.13 (etiology/manifestation convention); Tabular 'Code first' notes"
REF_EXT = "ICD-10-CM Official Guidelines for Coding and Reporting, Section I.C.20 (external cause codes are never principal or first-listed)"
REF_Z3A = "ICD-10-CM Tabular List, category Z3A note (code first complications of pregnancy, childbirth and the puerperium, O00-O9A)"


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    reader = ctx.table("icd10cm-tabular", claim.service_from)
    if reader is None:
        yield ctx.not_loaded(FAMILY, "icd10cm-tabular")
        return
    codes = [d.code for d in claim.diagnoses]
    first = codes[0]
    what = "principal" if claim.kind == "institutional" else "first-listed"
    for i, code in enumerate(codes, start=1):
        title = reader.title(code) or ""
        category = reader.title(code[:3]) or ""
        if not (is_manifestation(title) or is_manifestation(category) or "in other diseases classified elsewhere" in (title + category).lower()):
            continue
        if i == 1:
            yield FAMILY.finding("manifestation-first", "error",
                                 f"{code} is a manifestation code ({title}): it is never the {what} diagnosis; "
                                 "sequence the underlying condition first", diagnoses=[1], codes=[code], reference=REF_MANIF)
        wanted = [r for n in reader.notes(code) if n.type == "codeFirst" for r in refs(n.text)]
        if wanted and not any(in_ref(o, r) for o in codes[: i - 1] for r in wanted):
            yield FAMILY.finding("code-first-missing", "warning",
                                 f"{code} (diagnosis {i}) says 'code first' the underlying condition "
                                 f"({', '.join(lo + ('-' + hi if hi else '') for lo, hi in wanted[:6])}); none is listed before it",
                                 diagnoses=[i], codes=[code], reference=REF_MANIF)
    if first[:1] in "VWXY":
        yield FAMILY.finding("external-cause-first", "error",
                             f"{first} is an external cause code: it is never the {what} diagnosis; list the injury or condition first",
                             diagnoses=[1], codes=[first], reference=REF_EXT)
    z3a = [i for i, c in enumerate(codes, start=1) if c.startswith("Z3A")]
    if z3a and not any(c[:1] == "O" for c in codes):
        yield FAMILY.finding("z3a-without-pregnancy-code", "error",
                             "weeks-of-gestation (Z3A) codes go with a chapter 15 pregnancy code (O00-O9A), "
                             "which this claim lacks", diagnoses=z3a, codes=[codes[i - 1] for i in z3a], reference=REF_Z3A)
    elif z3a and z3a[0] == 1:
        yield FAMILY.finding("z3a-first", "error", "a weeks-of-gestation (Z3A) code is never first-listed; "
                             "sequence the pregnancy code first", diagnoses=[1], codes=[first], reference=REF_Z3A)


FAMILY = Family(name="first-listed", title="First-listed diagnosis and code-first sequencing", reference=REF_MANIF, check=_check)

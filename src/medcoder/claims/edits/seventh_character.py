"""7th character present and allowed: categories whose Tabular note says a 7th character is
required (injuries, fractures, pregnancy complications, external causes ...) are reportable
only with one of the 7th characters that category lists, with placeholder X filling any empty
position before it (ICD-10-CM Official Guidelines I.A.4 placeholder X, I.A.5 7th characters).
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import Claim

REFERENCE = ("ICD-10-CM Official Guidelines for Coding and Reporting, Sections I.A.4 (placeholder X) "
             "and I.A.5 (7th characters); the 7th-character notes of the Tabular List")


def seventh_problem(reader: object, code: str) -> str | None:
    """Why ``code`` lacks a 7th character it needs (or has one its category does not list),
    None when the 7th character is right or does not apply."""
    v = reader.validate(code)  # type: ignore[attr-defined]
    if v.valid:
        return None
    if v.seventh_characters:
        return str(v.reason)
    flat = v.code.replace(".", "")
    if len(flat) == 7:
        base = f"{flat[:3]}.{flat[3:6]}".rstrip("X").rstrip(".")
        chars = reader.seventh_characters(base)  # type: ignore[attr-defined]
        if chars and flat[6] not in {ch for ch, _ in chars}:
            return (f"{v.code}: 7th character {flat[6]!r} is not one {base} allows "
                    f"({', '.join(ch for ch, _ in chars)})")
    return None


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    reader = ctx.table("icd10cm-tabular", claim.service_from)
    if reader is None:
        yield ctx.not_loaded(FAMILY, "icd10cm-tabular")
        return
    for i, dx in enumerate(claim.diagnoses, start=1):
        why = seventh_problem(reader, dx.code)
        if why:
            yield FAMILY.finding("missing-or-wrong", "error", f"diagnosis {i}: {why}", diagnoses=[i], codes=[dx.code])


FAMILY = Family(name="seventh-character", title="7th character present and allowed", reference=REFERENCE, check=_check)

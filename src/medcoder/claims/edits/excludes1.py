"""Excludes1 pairs on the same claim: a Tabular Excludes1 note means "NOT CODED HERE" — the two
conditions cannot occur together, so the codes are not reported together (ICD-10-CM Official
Guidelines I.A.12.a). The one exception, two conditions that are unrelated to each other, needs
the provider's documentation; the finding says so.

The notes are the ICD-10-CM Tabular's for the date of service, inherited from the category,
subcategory and block above each code, as the Tabular prints them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import Claim
from medcoder.coders.diagnosis.rules import in_ref, refs

REFERENCE = "ICD-10-CM Official Guidelines for Coding and Reporting, Section I.A.12.a (Excludes1); the Excludes1 notes of the Tabular List"


def _excludes1(ctx: ScrubContext, reader: Any, code: str) -> list[tuple[Any, list[Any]]]:
    """The Excludes1 notes over ``code`` with their parsed references, once per code and
    Tabular release (``kb.memo``, cleared when the data dir changes)."""
    memo: dict[str, list[tuple[Any, list[Any]]]] = ctx.kb.memo.setdefault(("excludes1", id(reader)), {})
    hit = memo.get(code)
    if hit is None:
        hit = memo[code] = [(n, list(refs(n.text))) for n in reader.notes(code) if n.type == "excludes1"]
    return hit


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    reader = ctx.table("icd10cm-tabular", claim.service_from)
    if reader is None:
        yield ctx.not_loaded(FAMILY, "icd10cm-tabular")
        return
    codes = [d.code for d in claim.diagnoses]
    seen: set[tuple[int, int]] = set()
    for i, code in enumerate(codes, start=1):
        for note, note_refs in _excludes1(ctx, reader, code):
            for ref in note_refs:
                for j, other in enumerate(codes, start=1):
                    if j == i or not in_ref(other, ref):
                        continue
                    pair = (min(i, j), max(i, j))
                    if pair in seen:
                        continue
                    seen.add(pair)
                    yield FAMILY.finding(
                        "pair", "error",
                        f"{code} (diagnosis {i}) has an Excludes1 note at {note.source}: "
                        f"'{note.text}'; {other} (diagnosis {j}) is not reported with it. Keep the code "
                        "the documentation supports; both only if the provider documents the two "
                        "conditions as unrelated (the I.A.12.a exception)",
                        diagnoses=pair, codes=(codes[pair[0] - 1], codes[pair[1] - 1]),
                    )


FAMILY = Family(name="excludes1", title="Excludes1 pairs", reference=REFERENCE, check=_check)

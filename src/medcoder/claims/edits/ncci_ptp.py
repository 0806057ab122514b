"""NCCI procedure-to-procedure (PTP) edits: code pairs not paid together on one date of service.

For each date of service, the lines' HCPCS/CPT codes are looked up together in the CMS NCCI
PTP table in force (practitioner table for professional claims, outpatient hospital table for
outpatient institutional claims; inpatient bills are not subject to PTP edits). When a column 1
code and its column 2 code are both reported, the column 2 code is denied unless:

- the edit's modifier indicator is 1 and an NCCI-associated modifier on either line shows the
  services were distinct (NCCI Policy Manual Ch. I §E): 59, XE, XS, XP, XU; global surgery
  24, 25, 57, 58, 78, 79; 27 and 91; or anatomic modifiers (E1-E4, FA, F1-F9, TA, T1-T9, LT,
  RT, LC, LD, RC, LM, RI) that differ between the two lines (the same side on both is the same
  site, not a distinct one);
- indicator 0: the codes are never billed together; no modifier bypasses the edit;
- indicator 9: the edit was deleted retroactively and is not applied.

A bypass that was used is reported as info naming the modifier, so a reviewer can check that
documentation supports it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Protocol

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import Claim, ServiceLine

REFERENCE = ("CMS Medicare NCCI procedure-to-procedure (PTP) edits; NCCI Policy Manual for Medicare Services "
             "Ch. I §E (modifiers and modifier indicators)")

ANATOMIC = frozenset(
    ["E1", "E2", "E3", "E4", "FA", *(f"F{i}" for i in range(1, 10)), "TA", *(f"T{i}" for i in range(1, 10)),
     "LT", "RT", "LC", "LD", "RC", "LM", "RI"]
)
# NCCI-associated modifiers other than anatomic ones (global surgery 24/25/57/58/78/79, 27, 59, 91, X{EPSU})
BYPASS = frozenset({"59", "XE", "XS", "XP", "XU", "24", "25", "57", "58", "78", "79", "27", "91"})

INPATIENT_BILLS = ("11", "12", "18", "21", "41")


def setting(claim: Claim) -> str | None:
    """``practitioner`` or ``hospital`` (outpatient institutional); None for inpatient bills."""
    if claim.kind == "professional":
        return "practitioner"
    tob = (claim.type_of_bill or "").lstrip("0")
    if tob[:2] in INPATIENT_BILLS:
        return None
    return "hospital"


class _Modified(Protocol):
    modifiers: list[str]


def bypass_modifier(a: _Modified, b: _Modified, *, explain: bool = True) -> str | None:
    """The NCCI-associated modifier that makes the two lines distinct services, or None.
    Any line with ``modifiers`` (a claim's ServiceLine, an audit's AuditLine); ``explain`` adds
    "(different anatomic sites)" after anatomic modifiers."""
    for m in (*b.modifiers, *a.modifiers):
        if m in BYPASS:
            return m
    sa = {m for m in a.modifiers if m in ANATOMIC}
    sb = {m for m in b.modifiers if m in ANATOMIC}
    if (sa or sb) and sa != sb:
        return " / ".join(sorted(sa | sb)) + (" (different anatomic sites)" if explain else "")
    return None


def _reference(reader: Any, words: str) -> str:
    return (f"CMS Medicare NCCI PTP edits, {words}, release {getattr(reader, 'release', '?')}; "
            "NCCI Policy Manual for Medicare Services Ch. I §E (modifiers and modifier indicators)")


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    where = setting(claim)
    if where is None:
        return
    kind = f"ncci-ptp-{where}"
    words = "practitioner services" if where == "practitioner" else "outpatient hospital services"
    by_date: dict[Any, list[tuple[int, ServiceLine]]] = defaultdict(list)
    for n, ln in enumerate(claim.lines, start=1):
        if ln.code:
            by_date[ln.date_of_service].append((n, ln))
    reported_missing = False
    for dos in sorted(by_date):
        lines = by_date[dos]
        if len({ln.code for _, ln in lines}) < 2:
            continue
        reader = ctx.table(kind, dos)
        if reader is None:
            if not reported_missing:
                reported_missing = True
                yield ctx.not_loaded(FAMILY, kind)
            continue
        ref = _reference(reader, words)
        for edit in reader.edits_among([ln.code for _, ln in lines], dos):
            if edit.modifier_indicator == 9 or not edit.active_on(dos):
                continue
            col1 = [(n, ln) for n, ln in lines if ln.code == edit.column1]
            col2 = [(n, ln) for n, ln in lines if ln.code == edit.column2]
            for n2, l2 in col2:
                yield from _pair(edit, col1, n2, l2, dos, ref)


def _pair(edit: Any, col1: list[tuple[int, ServiceLine]], n2: int, l2: ServiceLine, dos: Any,
          ref: str) -> Iterator[Finding]:
    c1, c2 = edit.column1, edit.column2
    n1 = col1[0][0]
    why = f" (edit rationale: {edit.rationale})" if edit.rationale else ""
    if edit.modifier_indicator == 0:
        yield FAMILY.finding(
            "modifier-0", "error",
            f"line {n2} {c2} is the column 2 code of an NCCI PTP edit with line {n1} {c1} (column 1) on {dos}: "
            f"{c2} is denied; modifier indicator 0: these codes are never billed together, no modifier "
            f"bypasses the edit{why}",
            lines=sorted((n1, n2)), codes=[c1, c2], reference=ref)
        return
    used: list[tuple[int, str]] = []
    for n, l1 in col1:
        m = bypass_modifier(l1, l2)
        if m is None:
            yield FAMILY.finding(
                "modifier-1", "error",
                f"line {n2} {c2} is the column 2 code of an NCCI PTP edit with line {n} {c1} (column 1) on {dos}: "
                f"{c2} is denied unless the services were distinct (different session, site, organ, incision or "
                f"injury); modifier indicator 1: when documentation supports it add XE, XS, XP, XU or 59 "
                f"(or the anatomic modifiers of the two sites){why}",
                lines=sorted((n, n2)), codes=[c1, c2], reference=ref)
            return
        used.append((n, m))
    n, m = used[0]
    yield FAMILY.finding(
        "bypassed", "info",
        f"line {n2} {c2} with line {n} {c1} (NCCI PTP edit, {c2} in column 2): modifier {m} bypasses the "
        "edit; the record must document a distinct service",
        lines=sorted((n, n2)), codes=[c1, c2], reference=ref)


FAMILY = Family(name="ncci-ptp", title="NCCI procedure-to-procedure edits", reference=REFERENCE, check=_check)

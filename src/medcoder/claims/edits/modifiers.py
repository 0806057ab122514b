"""Modifiers valid and consistent on each professional service line.

- valid: Level I (CPT, two digits) modifiers from the CPT modifier list; Level II (HCPCS, letters)
  modifiers in the HCPCS file in force when one is loaded; at most four per line (837P SV101-3..6);
- consistent: RT and LT together on one line (report 50, or two lines); 26 and TC together;
  50 with units above 1 (Medicare: one line, one unit, the bilateral adjustment pays it);
  59 together with an X{E,S,P,U} modifier (use the more specific X modifier alone);
- 25 only on an evaluation and management service (99202-99499, and the ophthalmology visit
  codes 92002-92014), and only when another procedure shares the date (warning otherwise);
- therapy: "always therapy" codes carry GP, GO or GN for Medicare (Pub. 100-04 Ch. 5 §20.1);
  GP/GO/GN on a code that is not a therapy service is a warning;
- 26/TC only on codes whose PFS PC/TC indicator has the component (when the RVU file is loaded).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache
from importlib import resources

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.model import Claim, ServiceLine

REFERENCE = "CMS Medicare Claims Processing Manual (Pub. 100-04) Ch. 12 §30.6.6 (modifier 25), §40.7 (bilateral 50), Ch. 13 §20 (26/TC); NUCC 1500 instructions item 24D"
REF_THERAPY = "CMS Medicare Claims Processing Manual (Pub. 100-04) Ch. 5 §20.1 (therapy modifiers GP/GO/GN) and the CMS annual therapy code list"
REF_X = "CMS MLN1783722 'Proper Use of the -XE, -XS, -XP, -XU modifiers' and NCCI Policy Manual Ch. I §E.1 (59 and X{EPSU})"

# CPT Level I modifier numbers (AMA CPT Appendix A; numbers only)
CPT_MODIFIERS = frozenset(
    ["22", "23", "24", "25", "26", "27", "32", "33", "47", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "62", "63", "66", "73", "74", "76", "77", "78", "79", "80", "81", "82", "90", "91", "92", "93", "95", "96", "97", "99"]
)
EM_RANGES = (("99202", "99499"), ("92002", "92014"))
X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})
THERAPY_MODS = frozenset({"GP", "GO", "GN"})


@cache
def therapy_codes() -> dict[str, str]:
    text = resources.files("medcoder").joinpath("data/therapy_codes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    return {r["code"]: r["list"] for r in rows}


def is_em(code: str) -> bool:
    return code.isdigit() and any(lo <= code <= hi for lo, hi in EM_RANGES)


def _line_checks(n: int, ln: ServiceLine, claim: Claim, ctx: ScrubContext, hcpcs: object | None) -> Iterator[Finding]:
    mods = ln.modifiers
    f = FAMILY.finding
    for m in mods:
        if len(m) != 2 or not m.isalnum():
            yield f("invalid", "error", f"line {n} {ln.code}: {m!r} is not a modifier (two letters or digits)", lines=[n], codes=[ln.code])
        elif m.isdigit():
            if m not in CPT_MODIFIERS:
                yield f("invalid", "error", f"line {n} {ln.code}: {m} is not a CPT modifier", lines=[n], codes=[ln.code])
        elif hcpcs is not None:
            row = hcpcs.modifier(m)  # type: ignore[attr-defined]
            if row is None:
                yield f("invalid", "error", f"line {n} {ln.code}: {m} is not in the HCPCS modifier list loaded",
                        lines=[n], codes=[ln.code], reference="CMS HCPCS Level II modifiers, release in force")
            elif not row.active_on(ln.date_of_service):
                yield f("inactive", "error", f"line {n} {ln.code}: modifier {m} is not active on {ln.date_of_service}",
                        lines=[n], codes=[ln.code], reference="CMS HCPCS Level II modifiers, release in force")
    if len(mods) > 4:
        yield f("too-many", "error", f"line {n} {ln.code}: {len(mods)} modifiers; a line carries four", lines=[n], codes=[ln.code])
    if len(set(mods)) != len(mods):
        yield f("repeated", "error", f"line {n} {ln.code}: a modifier is given twice", lines=[n], codes=[ln.code])
    s = set(mods)
    if {"RT", "LT"} <= s:
        yield f("rt-and-lt", "error", f"line {n} {ln.code}: RT and LT on one line; report a bilateral procedure "
                "with 50 (one line, one unit) or as two lines, RT and LT", lines=[n], codes=[ln.code])
    if {"26", "TC"} <= s:
        yield f("26-and-tc", "error", f"line {n} {ln.code}: 26 and TC together make the global service; "
                "report the code without either", lines=[n], codes=[ln.code])
    if "50" in s and ln.units > 1:
        yield f("bilateral-units", "error", f"line {n} {ln.code}: modifier 50 with {ln.units} units; Medicare "
                "pays a bilateral procedure on one line with one unit", lines=[n], codes=[ln.code])
    if "59" in s and s & X_MODIFIERS:
        yield f("59-with-x", "warning", f"line {n} {ln.code}: 59 together with {', '.join(sorted(s & X_MODIFIERS))}; "
                "report the X modifier alone", lines=[n], codes=[ln.code], reference=REF_X)
    if "25" in s:
        if not is_em(ln.code):
            yield f("25-not-em", "error", f"line {n} {ln.code}: modifier 25 belongs on an evaluation and management "
                    "service (a significant, separately identifiable visit), not on this code", lines=[n], codes=[ln.code])
        elif not any(o is not ln and o.date_of_service == ln.date_of_service and not is_em(o.code) for o in claim.lines):
            yield f("25-unneeded", "warning", f"line {n} {ln.code}: modifier 25 with no other procedure on "
                    f"{ln.date_of_service}; it is needed only when a procedure shares the visit's date", lines=[n], codes=[ln.code])
    therapy = therapy_codes().get(ln.code)
    if claim.payer.kind == "medicare":
        if therapy == "always" and not s & THERAPY_MODS:
            yield f("therapy-modifier-missing", "error", f"line {n} {ln.code}: a therapy service needs GP (physical "
                    "therapy), GO (occupational therapy) or GN (speech-language pathology)", lines=[n], codes=[ln.code],
                    reference=REF_THERAPY)
        if len(s & THERAPY_MODS) > 1:
            yield f("therapy-modifier-conflict", "error", f"line {n} {ln.code}: more than one of GP/GO/GN; one "
                    "therapy discipline per line", lines=[n], codes=[ln.code], reference=REF_THERAPY)
    if therapy is None and s & THERAPY_MODS:
        yield f("therapy-modifier-unexpected", "warning", f"line {n} {ln.code}: {', '.join(sorted(s & THERAPY_MODS))} "
                "on a code that is not on the CMS therapy code list", lines=[n], codes=[ln.code], reference=REF_THERAPY)
    comp = s & {"26", "TC"}
    if (comp and ln.code[:1].isdigit()) or (comp and ln.code[:1] in "GR"):
        rvu = ctx.table("pfs-rvu", ln.date_of_service)
        if rvu is not None:
            rows = rvu.rows(ln.code)
            for m in sorted(comp):
                if rows and not any(r.modifier == m for r in rows):
                    yield f("component-not-allowed", "error",
                            f"line {n} {ln.code}: the fee schedule has no {m} component for this code "
                            f"(PC/TC indicator {rows[0].pctc})", lines=[n], codes=[ln.code],
                            reference="CMS MPFS relative value file, PC/TC indicator (Pub. 100-04 Ch. 13 §20)")


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    hcpcs = ctx.table("hcpcs", claim.service_from)
    for n, ln in enumerate(claim.lines, start=1):
        yield from _line_checks(n, ln, claim, ctx, hcpcs)


FAMILY = Family(name="modifiers", title="Modifiers valid and consistent", reference=REFERENCE, check=_check,
                kinds=("professional",))

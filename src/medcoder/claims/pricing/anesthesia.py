"""Anesthesia lines (837 SV103 ``MJ``: the units are minutes) at Medicare rates.

(base units + time units) x the locality's anesthesia conversion factor, by
:func:`medcoder.codesets.pfs.payment.anesthesia_allowed`; the base units come from the kind
``anes-base-units`` (the CMS anesthesia base units file), time units are minutes / 15 to one
decimal place. Medical direction modifiers (AA, QK, QX, QY, QZ, AD) set the percentage.
"""

from __future__ import annotations

from medcoder.claims.model import ServiceLine
from medcoder.claims.pricing.model import LinePrice, LocalityChoice
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.pfs.payment import ANES_INFORMATIONAL, ANES_PERCENT, anesthesia_allowed

IMPORT_HINT = (
    "no anes-base-units table is loaded: run `medcoder data import anes-base-units FILE` with the CMS "
    "anesthesia base units file"
)
ANES_MODIFIERS = (*ANES_PERCENT, "AD")


def is_anesthesia(line: ServiceLine) -> bool:
    """An MJ (minutes) line, or a CPT anesthesia code 00100-01999."""
    code = line.code.strip()
    return line.unit_kind.upper() == "MJ" or (code.isdigit() and len(code) == 5 and 100 <= int(code) <= 1999)


def price_anesthesia_line(
    kb: KnowledgeBase, line: ServiceLine, n: int, loc: LocalityChoice, apm: bool, notices: list[str],
) -> LinePrice:
    out = LinePrice(
        line=n, code=line.code, modifiers=list(line.modifiers), units=line.units,
        date_of_service=line.date_of_service, method="medicare-anesthesia", charge=line.charge,
    )
    if not kb.has("anes-base-units"):
        out.method, out.reason = "not-priced", IMPORT_HINT
        if IMPORT_HINT not in notices:
            notices.append(IMPORT_HINT)
        return out
    opened = kb.open("anes-base-units", line.date_of_service)
    if opened.notice:
        out.notices.append(opened.notice)
    base = opened.reader.base_units(line.code)
    if base is None:
        out.method = "not-priced"
        out.reason = (f"{line.code} is not in the anesthesia base units file ({opened.release}); the contractor "
                      "prices it, or import the file that lists it")
        return out
    if line.unit_kind.upper() != "MJ":
        out.notices.append(
            f"{line.code} is billed in {line.unit_kind} units: Medicare wants anesthesia time in minutes (MJ); "
            f"the {line.units} units were read as minutes"
        )
    mods = [m.upper() for m in line.modifiers]
    mod = next((m for m in mods if m in ANES_MODIFIERS), None)
    skipped = [m for m in mods if m != mod and m not in ANES_INFORMATIONAL]
    if skipped:
        out.notices.append(f"modifier(s) {', '.join(skipped)} do not change the anesthesia amount computed here")
    a = anesthesia_allowed(kb, base, line.units, line.date_of_service, locality=loc.key, modifier=mod, apm=apm,
                           code=line.code)
    out.notices.extend(a.notices)
    out.breakdown = a
    out.status, out.status_meaning = "J", "Anesthesia service: paid by base and time units"
    out.steps.append(f"base units {base} ({line.code}, anes-base-units {opened.release})")
    out.steps.append(f"time units {line.units} minutes / 15 = {a.time_units} (rounded to one decimal)")
    out.steps.append(f"anesthesia CF {a.conversion_factor}: {a.conversion_factor_basis}")
    if a.amount is None:
        out.reason = a.reason or "no anesthesia amount"
        return out
    if a.formula:
        out.steps.append(a.formula)
    out.allowed, out.paid = a.amount, True
    return out

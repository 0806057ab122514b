"""NCCI medically unlikely edits (MUE): the most units of one code for one patient and day.

The MUE table in force (practitioner for professional claims, outpatient hospital for
outpatient institutional claims; inpatient bills have no MUEs) gives each code a value and an
MUE adjudication indicator (MAI):

- MAI 1, line edit: the units of each claim line are compared with the value; a line above it
  is denied (units on separate lines with 59, 76, 77, 91 or anatomic modifiers are each checked);
- MAI 2, date of service edit, policy: the units of every line of the code on the date are added
  up; an absolute limit set by policy or regulation: units above it are not paid, even on appeal;
- MAI 3, date of service edit, clinical: added up the same way; the limit reflects clinical
  data, and documentation of medical necessity may support more units on appeal.

Anesthesia time (unit_kind MJ, minutes) is not an MUE unit and is not checked. MUE value 0
means the code is not reported in the setting at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.edits.ncci_ptp import setting
from medcoder.claims.model import Claim, ServiceLine

REFERENCE = ("CMS Medicare NCCI medically unlikely edits (MUE) and their adjudication indicators; NCCI Policy "
             "Manual for Medicare Services Ch. I (medically unlikely edits)")
WORDS = {"practitioner": "practitioner services", "hospital": "outpatient hospital services"}


def _units(u: Decimal) -> str:
    n = f"{u.normalize():f}"
    return f"{n} unit" if u == 1 else f"{n} units"


def _reference(reader: Any, where: str, mai: int) -> str:
    return (f"CMS Medicare NCCI MUE table, {WORDS[where]}, release {getattr(reader, 'release', '?')} "
            f"(MUE adjudication indicator {mai}); NCCI Policy Manual for Medicare Services Ch. I (MUEs)")


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    where = setting(claim)
    if where is None:
        return
    kind = f"mue-{where}"
    groups: dict[tuple[str, Any], list[tuple[int, ServiceLine]]] = defaultdict(list)
    for n, ln in enumerate(claim.lines, start=1):
        if ln.code and ln.unit_kind.upper() != "MJ":
            groups[(ln.code, ln.date_of_service)].append((n, ln))
    reported_missing = False
    for (code, dos), lines in sorted(groups.items(), key=lambda kv: kv[1][0][0]):
        reader = ctx.table(kind, dos)
        if reader is None:
            if not reported_missing:
                reported_missing = True
                yield ctx.not_loaded(FAMILY, kind)
            continue
        mue = reader.mue(code, dos)
        if mue is None:
            continue
        ref = _reference(reader, where, mue.mai)
        if mue.mai == 1:
            for n, ln in lines:
                if ln.units > mue.value:
                    yield FAMILY.finding(
                        "line", "error",
                        f"line {n} {code}: {_units(ln.units)} on one line, above the MUE of {mue.value} "
                        f"(MAI 1, line edit){_zero(mue.value)}; Medicare denies the whole line: report only the units "
                        "performed, and units truly performed at another site or session on their own line "
                        "with 59/XS/76/91 or anatomic modifiers",
                        lines=[n], codes=[code], reference=ref)
            continue
        total = sum((ln.units for _, ln in lines), Decimal(0))
        if total <= mue.value:
            continue
        where_units = (f"{_units(total)} on {dos} across lines "
                       f"{', '.join(str(n) for n, _ in lines)}" if len(lines) > 1
                       else f"{_units(total)} on {dos}")
        if mue.mai == 2:
            yield FAMILY.finding(
                "date-policy", "error",
                f"{code}: {where_units}, above the MUE of {mue.value} for the date of service (MAI 2, "
                f"policy){_zero(mue.value)}; an absolute limit: the code's lines for the date are denied and "
                "there is no appeal on units; correct the units",
                lines=[n for n, _ in lines], codes=[code], reference=ref)
        else:
            yield FAMILY.finding(
                "date-clinical", "error",
                f"{code}: {where_units}, above the MUE of {mue.value} for the date of service (MAI 3, "
                f"clinical){_zero(mue.value)}; the code's lines for the date are denied, but the denial may be "
                "appealed with documentation of medical necessity for the extra units",
                lines=[n for n, _ in lines], codes=[code], reference=ref)


def _zero(value: int) -> str:
    return "; an MUE of 0: the code is not reported in this setting" if value == 0 else ""


FAMILY = Family(name="mue", title="NCCI medically unlikely edits (units)", reference=REFERENCE, check=_check)

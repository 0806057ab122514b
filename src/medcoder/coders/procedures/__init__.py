"""Procedure and service coding: CPT / HCPCS lines with units, modifiers and diagnosis pointers.

One module per rule family, each keyed by date of service and citing its source:

- ``therapy``: PT/OT/SLP timed codes by the CMS 8-minute rule, evaluations, GP/GO/GN;
- ``psychotherapy``: 90832-90838 by documented time, crisis 90839/90840, 90785, family and
  group psychotherapy; the deleted 90804-90829 family flagged;
- ``drugs``: HCPCS drug codes with units from the dose, administration 96360-96379, vaccines;
- ``office``: common office and ED procedures (repairs, I&D, biopsies, joints, closed fracture
  care, splints, EKG, spirometry, nebulizer, tobacco counselling, point-of-care tests);
- ``anesthesia``: the anesthesia code, time, provider and physical-status modifiers;
- ``ambulance``: service level, loaded mileage, origin/destination modifiers;
- ``pcs``: ICD-10-PCS for inpatient encounters;
- ``em``: E/M levels by MDM or time, preventive visits, modifiers 25/57.

Families run in ``FAMILIES`` order and see the lines of the families before them
(``Visit.lines``): E/M runs after the procedures of the day so it can tell whether modifier 25
is needed and whether a psychotherapy add-on has its E/M. ``minutes`` reads documented time.
"""

from __future__ import annotations

import datetime as _dt
from types import ModuleType
from typing import Any

from medcoder.coders.procedures import (
    ambulance,
    anesthesia,
    drugs,
    em,
    office,
    pcs,
    psychotherapy,
    therapy,
)
from medcoder.coders.procedures.common import Visit
from medcoder.result import CodeSuggestion

FAMILIES: tuple[ModuleType, ...] = (therapy, psychotherapy, drugs, office, anesthesia, ambulance, pcs, em)

# add-on codes that are only reported with an E/M visit of the same day (CPT Psychiatry)
_EM_ADDONS = {"90833", "90836", "90838"}


def _is_em(code: str) -> bool:
    """An E/M visit code an add-on can go with (office, hospital, ED, preventive; not the
    counselling codes 99401-99412 or tobacco counselling 99406/99407)."""
    return code.isdigit() and (99202 <= int(code) <= 99397)


def code_procedures(
    text: str,
    dos: _dt.date,
    diagnoses: list[CodeSuggestion],
    *,
    setting: str = "outpatient",
    age: int | None = None,
    sex: str = "U",
    metadata: dict[str, Any] | None = None,
    kb: Any = None,
    site_model: Any = None,
    mode: str = "billing",
) -> tuple[list[CodeSuggestion], list[str]]:
    """The procedure lines the note documents, and warnings about what it leaves out.

    In ``mentions`` mode only the ICD-10-PCS codes of every procedure the note mentions are
    returned (partial codes included, as the CodiEsp corpus codes them).
    """
    visit = Visit(
        text=text, dos=dos, diagnoses=diagnoses, setting=setting, age=age, sex=sex,
        metadata=dict(metadata or {}), kb=kb, site_model=site_model,
    )
    if mode == "mentions":
        return pcs.mention_lines(visit), visit.warnings
    for family in FAMILIES:
        visit.lines.extend(family.code(visit))
    codes = {p.code for p in visit.lines}
    for addon in sorted(codes & _EM_ADDONS):
        if not any(_is_em(c) for c in codes):
            visit.warn(
                f"{addon} is an add-on to an E/M visit of the same day, and no E/M level could be "
                "coded from the note: document the E/M (problems, data, risk or total time) or "
                "report the stand-alone psychotherapy code"
            )
    for i, p in enumerate(visit.lines, start=1):
        p.sequence = i
    return visit.lines, visit.warnings

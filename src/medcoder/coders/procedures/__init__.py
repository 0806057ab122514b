"""Procedure and service coding: CPT / HCPCS lines with units, modifiers and diagnosis pointers.

One module per rule family, each keyed by date of service and citing its source:

- ``therapy``: PT/OT/SLP timed codes by the CMS 8-minute rule, evaluations, GP/GO/GN;
- ``psychotherapy``: 90832-90838 by documented time, crisis 90839/90840, 90785, family and
  group psychotherapy; the deleted 90804-90829 family flagged.

E/M levels, anesthesia, drugs and injections, ambulance, office/ED procedures and ICD-10-PCS are
the next families (see the project's issues). ``minutes`` reads documented time.
"""

from __future__ import annotations

import datetime as _dt

from medcoder.coders.procedures import psychotherapy, therapy
from medcoder.result import CodeSuggestion

FAMILIES = (therapy, psychotherapy)


def code_procedures(
    text: str, dos: _dt.date, diagnoses: list[CodeSuggestion]
) -> tuple[list[CodeSuggestion], list[str]]:
    """The procedure lines the note documents, and warnings about what it leaves out."""
    lines: list[CodeSuggestion] = []
    warnings: list[str] = []
    for family in FAMILIES:
        lines.extend(family.code(text, dos, diagnoses, warnings))
    for i, p in enumerate(lines, start=1):
        p.sequence = i
    return lines, warnings

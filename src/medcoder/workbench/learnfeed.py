"""Accepted decisions as training rows for ``medcoder learn`` (``SiteModelBuilder.add``).

One row per coded or released encounter: the note text, the final codes (accepted, edited,
added) with their systems, and the evidence spans the coder kept::

    {"encounter_id": 7, "date_of_service": "2026-05-04", "setting": "outpatient",
     "text": "...", "codes": ["E11.22", "I12.9"], "systems": {"E11.22": "ICD-10-CM"},
     "evidence": {"E11.22": [[30, 38]]}}

    builder = SiteModelBuilder()
    for row in rows:
        builder.add(row["text"], row["codes"], evidence=row["evidence"], systems=row["systems"])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from medcoder.workbench.events import final_codes

__all__ = ["LEARN_STATUSES", "example_row", "feed_builder"]

LEARN_STATUSES = ("coded", "released")


def example_row(encounter_id: int, text: str, state: Mapping[str, Any]) -> dict[str, Any]:
    codes: list[str] = []
    systems: dict[str, str] = {}
    evidence: dict[str, list[list[int]]] = {}
    for e in final_codes(state):
        code = e["code"]
        if code in systems:
            continue
        codes.append(code)
        systems[code] = e.get("system") or ("ICD-10-CM" if e["kind"] == "diagnosis" else "CPT")
        spans = [[int(ev["start"]), int(ev["end"])] for ev in e.get("evidence") or []
                 if "start" in ev and "end" in ev]
        if spans:
            evidence[code] = spans
    return {
        "encounter_id": encounter_id,
        "date_of_service": state.get("date_of_service"),
        "setting": state.get("setting"),
        "text": text,
        "codes": codes,
        "systems": systems,
        "evidence": evidence,
    }


def feed_builder(builder: Any, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add every row to a ``SiteModelBuilder``; returns the number added."""
    n = 0
    for row in rows:
        builder.add(row["text"], row["codes"], evidence={k: [tuple(s) for s in v]
                                                         for k, v in row["evidence"].items()},
                    systems=row["systems"])
        n += 1
    return n

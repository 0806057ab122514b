"""One internal encounter model for every input (plain text, encounter JSON, FHIR, HL7 v2).

Evidence offsets in coding output index ``Encounter.text`` exactly. Readers that receive the
note as one text keep it unchanged; readers that receive it in sections join them into
``text`` and record each section's span, so offsets still index one string the output carries.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Literal

Setting = Literal["outpatient", "emergency", "inpatient", "ambulance"]
SETTINGS: tuple[str, ...] = ("outpatient", "emergency", "inpatient", "ambulance")
Sex = Literal["M", "F", "U"]


@dataclass(frozen=True)
class Section:
    """A span of ``Encounter.text``: ``name`` is canonical (hpi, assessment_plan, …),
    ``title`` as written in the note."""

    name: str
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class StructuredCondition:
    """A coded condition that came with the input (FHIR Condition, HL7 DG1).

    ``system`` is a FHIR system URI where one is known (HL7 v2 ``I10C`` becomes
    ``http://hl7.org/fhir/sid/icd-10-cm``), else as written. ``category``: FHIR Condition.category
    code (``encounter-diagnosis``, ``problem-list-item``) or HL7 DG1-6 (``admitting``,
    ``working``, ``final``).
    """

    code: str | None
    system: str | None
    display: str | None
    clinical_status: str | None = None
    verification_status: str | None = None
    category: str | None = None


@dataclass
class Encounter:
    text: str
    setting: Setting = "outpatient"
    date_of_service: _dt.date | None = None
    patient_age: int | None = None
    patient_sex: Sex = "U"
    encounter_id: str | None = None
    patient_id: str | None = None
    sections: list[Section] = field(default_factory=list)
    conditions: list[StructuredCondition] = field(default_factory=list)
    source_format: str = "text"  # text | encounter-json | fhir | hl7v2
    source_name: str | None = None  # file name, never note text
    metadata: dict[str, Any] = field(default_factory=dict)

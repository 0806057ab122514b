"""What coding returns: typed objects, and their JSON form (``docs/formats.md``).

``CodingResult.to_dict()`` is the JSON that ``medcoder code --format json`` prints; its layout is
versioned by ``SCHEMA_VERSION``. Evidence offsets index ``CodingResult.text`` (the encounter's
text) exactly: ``text[e.start:e.end] == e.text``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.2"


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str
    section: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "section": self.section}


@dataclass(frozen=True)
class Context:
    """How a mention is asserted in the note."""

    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False

    @property
    def asserted(self) -> bool:
        """Present, certain, current, the patient's own, and not conditional."""
        return not (
            self.negated or self.uncertain or self.historical or self.family or self.hypothetical
        )

    def to_dict(self) -> dict[str, bool]:
        return {
            "negated": self.negated,
            "uncertain": self.uncertain,
            "historical": self.historical,
            "family": self.family,
            "hypothetical": self.hypothetical,
        }


@dataclass
class CodeSuggestion:
    """One code medcoder proposes, with why."""

    code: str
    system: str  # "ICD-10-CM" | "ICD-10-PCS" | "CPT" | "HCPCS"
    description: str
    sequence: int = 0  # 1 = principal / first-listed; 0 = not sequenced (mentions mode)
    confidence: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)
    rationale: list[str] = field(default_factory=list)
    context: Context = field(default_factory=Context)
    # units of service; a float only where the payer takes tenths (ambulance mileage)
    units: int | float | None = None
    modifiers: list[str] = field(default_factory=list)
    minutes: int | None = None  # timed services: the documented minutes the units came from
    diagnosis_pointers: list[int] = field(default_factory=list)  # 1-based, into diagnoses[]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "system": self.system,
            "description": self.description,
            "sequence": self.sequence,
            "confidence": round(self.confidence, 3),
            "evidence": [e.to_dict() for e in self.evidence],
            "rationale": list(self.rationale),
            "context": self.context.to_dict(),
        }
        if self.units is not None:
            out["units"] = self.units
        if self.modifiers:
            out["modifiers"] = list(self.modifiers)
        if self.system in ("CPT", "HCPCS", "ICD-10-PCS"):
            out["label"] = self.description
            out["units"] = self.units if self.units is not None else 1
            out["modifiers"] = list(self.modifiers)
            out["minutes"] = self.minutes
            out["diagnosis_pointers"] = list(self.diagnosis_pointers)
        return out


@dataclass
class Query:
    """A compliant physician query draft (never leading: indicators, options, 'other', 'undetermined')."""

    topic: str  # e.g. "diabetes type", "heart failure acuity and type"
    question: str
    indicators: list[Evidence] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    related_code: str | None = None
    rationale: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "question": self.question,
            "indicators": [e.to_dict() for e in self.indicators],
            "options": list(self.options),
            "related_code": self.related_code,
            "rationale": self.rationale,
        }


@dataclass
class CodingResult:
    text: str
    setting: str
    mode: str  # "billing" | "mentions"
    date_of_service: _dt.date
    diagnoses: list[CodeSuggestion] = field(default_factory=list)
    procedures: list[CodeSuggestion] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    releases: dict[str, str] = field(default_factory=dict)  # kind -> release used
    source_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source_name,
            "setting": self.setting,
            "mode": self.mode,
            "date_of_service": self.date_of_service.isoformat(),
            "releases": dict(self.releases),
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "procedures": [p.to_dict() for p in self.procedures],
            "warnings": list(self.warnings),
            "queries": [q.to_dict() for q in self.queries],
        }

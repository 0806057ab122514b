"""Physician query drafts when the documentation blocks a specific code.

Drafts follow the ACDIS/AHIMA "Guidelines for Achieving a Compliant Query Practice" (2022
update): they quote the clinical indicators from the record, offer clinically reasonable
options including "other" and "clinically undetermined", never introduce a diagnosis the record
does not support, never mention payment or its impact, and never lead to one answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from medcoder.coders.diagnosis.rules import Candidate
from medcoder.encounter import Encounter
from medcoder.result import Evidence, Query

CITATION = "ACDIS/AHIMA Guidelines for Achieving a Compliant Query Practice (2022 update)"
OTHER = "Other (please specify)"
UNDETERMINED = "Clinically undetermined"


@dataclass(frozen=True)
class Topic:
    name: str
    applies: Callable[[Candidate], bool]
    question: str
    options: tuple[str, ...]
    indicators: str  # regex of clinical indicators worth quoting
    why: str


def _ev_text(c: Candidate) -> str:
    return " ".join(e.text.lower() for e in c.evidence)


TOPICS: tuple[Topic, ...] = (
    Topic(
        "diabetes type",
        lambda c: c.code.startswith("E11") and not re.search(r"\b(type|t2|dm2|dm ii|niddm|2)\b", _ev_text(c)),
        "The record documents diabetes mellitus without its type. Based on your clinical "
        "judgment, can the type be further specified?",
        ("Type 1 diabetes mellitus", "Type 2 diabetes mellitus",
         "Diabetes mellitus due to an underlying condition", "Drug or chemical induced diabetes mellitus"),
        r"\b(insulin|metformin|glipizide|a1c|hba1c|glucose|sugar)s?\b[^.\n]{0,40}",
        "type not documented: coded E11 by default (Guideline I.C.4.a.2) pending the answer",
    ),
    Topic(
        "heart failure acuity and type",
        lambda c: c.code == "I50.9",
        "The record documents heart failure. Based on your clinical judgment, can the type and "
        "acuity be further specified?",
        ("Acute systolic (HFrEF)", "Chronic systolic (HFrEF)", "Acute on chronic systolic (HFrEF)",
         "Acute diastolic (HFpEF)", "Chronic diastolic (HFpEF)", "Acute on chronic diastolic (HFpEF)",
         "Combined systolic and diastolic", "Right heart failure"),
        r"\b(ef|ejection fraction|bnp|nt-probnp|lasix|furosemide|diuresis|edema|echo)\b[^.\n]{0,40}",
        "I50.9 is unspecified; acuity and type change the code (I50.2-I50.4)",
    ),
    Topic(
        "chronic kidney disease stage",
        lambda c: c.code == "N18.9",
        "The record documents chronic kidney disease. Based on your clinical judgment, can the "
        "stage be further specified?",
        ("Stage 1", "Stage 2", "Stage 3a", "Stage 3b", "Stage 4", "Stage 5", "End stage renal disease"),
        r"\b(gfr|egfr|creatinine|cr|dialysis)\b[^.\n]{0,40}",
        "N18.9 is unspecified; the stage selects N18.1-N18.6",
    ),
    Topic(
        "pneumonia organism",
        lambda c: c.code in ("J18.9", "J18.1", "J18.0", "J18.8"),
        "The record documents pneumonia. Based on your clinical judgment and the results, can the "
        "causative organism or type be further specified?",
        ("Bacterial, organism as identified (please specify)", "Viral (please specify)",
         "Aspiration pneumonia", "Organism not identified"),
        r"\b(culture|sputum|gram|blood cultures?|antigen|pcr|aspiration|levofloxacin|ceftriaxone|vancomycin|azithromycin)\b[^.\n]{0,40}",
        "J18.9 is unspecified; the organism selects J13-J16 or a J15 code",
    ),
    Topic(
        "sepsis organ dysfunction",
        lambda c: c.code.startswith(("A40", "A41")),
        "The record documents sepsis and the findings quoted below. Based on your clinical "
        "judgment, is there an associated acute organ dysfunction?",
        ("Severe sepsis with the organ dysfunction specified (please specify)",
         "Sepsis without acute organ dysfunction", "Septic shock",
         "Findings due to another cause (please specify)"),
        r"\b(lactate|lactic|hypotension|hypotensive|map|creatinine|altered mental|confusion|vasopressors?|norepinephrine|platelets?|bilirubin|intubat\w*)\b[^.\n]{0,40}",
        "severe sepsis (R65.2-) needs documented organ dysfunction linked to sepsis "
        "(Guideline I.C.1.d.1.a)",
    ),
    Topic(
        "malnutrition severity",
        lambda c: c.code == "E46",
        "The record documents malnutrition. Based on your clinical judgment, can the severity be "
        "further specified?",
        ("Mild protein-calorie malnutrition", "Moderate protein-calorie malnutrition",
         "Severe protein-calorie malnutrition"),
        r"\b(albumin|weight loss|bmi|intake|muscle wasting|prealbumin)\b[^.\n]{0,40}",
        "E46 is unspecified; severity selects E43, E44.0 or E44.1",
    ),
)

_LATERALITY = "laterality"
_ENCOUNTER = "encounter type (initial, subsequent, sequela)"


def _indicators(text: str, pattern: str, limit: int = 4) -> list[Evidence]:
    out: list[Evidence] = []
    for m in re.finditer(pattern, text, re.I):
        out.append(Evidence(m.start(), m.end(), text[m.start() : m.end()], None))
        if len(out) >= limit:
            break
    return out


def draft_queries(enc: Encounter, kept: list[Candidate], cands: list[Candidate], completer: Any) -> list[Query]:
    text = enc.text
    out: list[Query] = []
    seen: set[tuple[str, str]] = set()
    for c in kept:
        for t in TOPICS:
            if (t.name, c.code) in seen or not t.applies(c):
                continue
            seen.add((t.name, c.code))
            out.append(
                Query(
                    topic=t.name,
                    question=t.question,
                    indicators=list(c.evidence[:2]) + _indicators(text, t.indicators),
                    options=[*t.options, OTHER, UNDETERMINED],
                    related_code=c.code,
                    rationale=f"{t.why}. Draft per {CITATION}.",
                )
            )
        for topic in c.missing:
            if (topic, c.code) in seen:
                continue
            seen.add((topic, c.code))
            if topic == _LATERALITY:
                out.append(
                    Query(
                        topic="laterality",
                        question=(
                            f"The record documents {c.description.lower()} without the side. "
                            "Based on your clinical judgment, which side is affected?"
                        ),
                        indicators=list(c.evidence[:2]),
                        options=["Right", "Left", "Bilateral", OTHER, UNDETERMINED],
                        related_code=c.code,
                        rationale=(
                            f"laterality selects the code; {c.code} is the unspecified side. "
                            f"Draft per {CITATION}."
                        ),
                    )
                )
            elif topic == _ENCOUNTER:
                out.append(
                    Query(
                        topic="injury encounter and fracture details",
                        question=(
                            "The record documents the injury quoted below. Based on your clinical "
                            "judgment, please clarify the encounter and, for a fracture, whether "
                            "it is open or closed."
                        ),
                        indicators=list(c.evidence[:2]),
                        options=[
                            "Initial encounter (active treatment), closed fracture",
                            "Initial encounter (active treatment), open fracture",
                            "Subsequent encounter (healing or recovery phase)",
                            "Sequela",
                            OTHER,
                            UNDETERMINED,
                        ],
                        related_code=c.code,
                        rationale=(
                            "the 7th character depends on the encounter (Guideline I.C.19.a); a "
                            "fracture not documented as open is coded closed (I.C.19.c.1). "
                            f"Draft per {CITATION}."
                        ),
                    )
                )
    return out

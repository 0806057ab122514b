"""``medcoder demo``: a tour of what medcoder does today, on the bundled data.

Until the coders land it shows the encoder: code cards, validation for a date of service
(placeholder X, 7th characters, headers, deleted codes with their replacements) and lookups.
"""

from __future__ import annotations

from typing import Any

from medcoder.codesets.cards import code_cards
from medcoder.codesets.kb import KnowledgeBase, default_kb
from medcoder.codesets.lookup import lookup
from medcoder.codesets.validate import validate

CARDS = ("E11.22", "S52.521A")
CHECKS: tuple[tuple[str, str, str], ...] = (
    ("W19", "2026-05-01", "ICD-10-CM"),
    ("W19.XXXA", "2026-05-01", "ICD-10-CM"),
    ("S52.521", "2026-05-01", "ICD-10-CM"),
    ("E11.2", "2026-05-01", "ICD-10-CM"),
    ("M54.5", "2022-03-01", "ICD-10-CM"),
    ("M54.5", "2021-03-01", "ICD-10-CM"),
)
LOOKUPS = ("diabetes with ckd", "fracture distal radius left")


def run_demo(kb: KnowledgeBase | None = None) -> dict[str, Any]:
    kb = kb or default_kb()
    return {
        "cards": [c for code in CARDS for c in code_cards(code, "2026-05-01", kb=kb)],
        "validations": [
            {"code": code, "date_of_service": dos, **validate(code, dos, system=system, kb=kb).to_dict()}
            for code, dos, system in CHECKS
        ],
        "lookups": [lookup(text, "2026-05-01", limit=5, kb=kb) for text in LOOKUPS],
    }

"""``medcoder demo``: a tour of what medcoder does today, on the bundled data.

It codes the bundled example encounters (``medcoder/examples``: several settings), then shows
the encoder: code cards, validation for a date of service (placeholder X, 7th characters,
headers, deleted codes with their replacements) and lookups.
"""

from __future__ import annotations

from importlib import resources
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


def example_files() -> list[Any]:
    root = resources.files("medcoder").joinpath("examples")
    return sorted((p for p in root.iterdir() if p.name.endswith(".json")), key=lambda p: p.name)


def code_examples(kb: KnowledgeBase | None = None) -> list[tuple[str, Any]]:
    from medcoder.coding import code

    kb = kb or default_kb()
    out = []
    for p in example_files():
        out.append((p.name, code(p.read_bytes(), kb=kb, name=p.name)))
    return out


def run_demo(kb: KnowledgeBase | None = None, *, coding: bool = True) -> dict[str, Any]:
    kb = kb or default_kb()
    coded = code_examples(kb) if coding else []
    return {
        "coding": [{"example": name, **r.to_dict()} for name, r in coded],
        "cards": [c for code in CARDS for c in code_cards(code, "2026-05-01", kb=kb)],
        "validations": [
            {"code": code, "date_of_service": dos, **validate(code, dos, system=system, kb=kb).to_dict()}
            for code, dos, system in CHECKS
        ],
        "lookups": [lookup(text, "2026-05-01", limit=5, kb=kb) for text in LOOKUPS],
    }

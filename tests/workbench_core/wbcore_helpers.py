"""Small documents and helpers for the workbench core tests (written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"

NOTE_TEXT = (
    "Chief Complaint: follow-up.\n\nAssessment and Plan:\n"
    "1. Type 2 diabetes mellitus without complications. Continue metformin.\n"
    "2. Essential hypertension, controlled.\n"
)

PATIENT = {"last_name": "Doe", "first_name": "Jane", "birth_date": "1959-01-02", "sex": "F",
           "member_id": "1EG4TE5MK73",
           "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL", "zip": "62704"}}


def encounter_json(text: str = NOTE_TEXT, dos: str = "2026-05-04") -> str:
    return json.dumps({"setting": "outpatient", "date_of_service": dos,
                       "patient": {"age": 66, "sex": "F"}, "encounter_id": "T1", "text": text})


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def fixture_doc(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ready_encounter(wb: Any, actor: Any, content: str | bytes | None = None, **kw: Any) -> int:
    """Ingest a note, run the queue, return the encounter id (status ready)."""
    summary = wb.ingest(actor, content if content is not None else encounter_json(),
                        filename=kw.pop("filename", "note.json"), **kw)
    wb.run_pending(worker_id="test")
    return int(summary["id"])

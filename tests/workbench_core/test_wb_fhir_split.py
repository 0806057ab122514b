"""A FHIR Bundle holding two visits (each an Encounter with its own notes) makes one worklist
encounter each; notes whose visit cannot be told are refused and nothing is stored."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from medcoder.errors import InputError
from medcoder.workbench import Actor, Workbench

NOTE_1 = "Assessment and Plan:\n1. Essential hypertension, controlled. Continue lisinopril.\n"
NOTE_2 = "Assessment and Plan:\n1. Type 2 diabetes mellitus without complications.\n"


def _doc(i: int, note: str, encounter: str | None, date: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": f"doc-{i}", "status": "current",
        "subject": {"reference": "Patient/pat-1"}, "date": f"{date}T12:00:00Z",
        "content": [{"attachment": {"contentType": "text/plain",
                                    "data": base64.b64encode(note.encode()).decode()}}]}
    if encounter:
        res["context"] = {"encounter": [{"reference": encounter}]}
    return {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000010{i}", "resource": res}


def bundle(ref_1: str | None = "Encounter/enc-1", ref_2: str | None = "urn:uuid:enc-2") -> bytes:
    entries = [
        {"fullUrl": "urn:uuid:pat-1", "resource": {"resourceType": "Patient", "id": "pat-1",
                                                    "gender": "female", "birthDate": "1960-02-01"}},
        {"fullUrl": "urn:uuid:enc-1", "resource": {
            "resourceType": "Encounter", "id": "enc-1", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": "Patient/pat-1"}, "period": {"start": "2026-03-02T09:00:00Z"}}},
        {"fullUrl": "urn:uuid:enc-2", "resource": {
            "resourceType": "Encounter", "id": "enc-2", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
            "subject": {"reference": "Patient/pat-1"}, "period": {"start": "2026-04-07T22:00:00Z"}}},
        _doc(1, NOTE_1, ref_1, "2026-03-02"),
        _doc(2, NOTE_2, ref_2, "2026-04-07"),
        {"fullUrl": "urn:uuid:cond-2", "resource": {
            "resourceType": "Condition", "id": "cond-2", "subject": {"reference": "Patient/pat-1"},
            "encounter": {"reference": "Encounter/enc-2"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]}}},
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def test_two_encounters_make_two_worklist_rows(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    summary = wb.ingest(coder, bundle(), filename="visits.json", payer="medicare")
    ids = [e["id"] for e in summary["encounters"]]
    assert len(ids) == 2 and summary["id"] == ids[0]
    assert len({e["job_id"] for e in summary["encounters"]}) == 2
    assert wb.worklist(coder)["total"] == 2
    assert wb.run_pending(worker_id="w") == 2
    one, two = (wb.encounter(coder, i) for i in ids)
    assert (one["setting"], one["date_of_service"], one["source_name"]) == (
        "outpatient", "2026-03-02", "visits.json#Encounter/enc-1")
    assert (two["setting"], two["date_of_service"], two["source_name"]) == (
        "emergency", "2026-04-07", "visits.json#Encounter/enc-2")
    assert one["text"].strip() == NOTE_1.strip() and two["text"].strip() == NOTE_2.strip()
    assert one["payer"] == two["payer"] == "medicare"
    assert one["patient"]["sex"] == two["patient"]["sex"] == "F"
    assert {c["code"] for c in one["codes"]} >= {"I10"} and "E11.9" not in {c["code"] for c in one["codes"]}
    assert "E11.9" in {c["code"] for c in two["codes"]}


def test_notes_naming_no_encounter_read_as_one(wb: Workbench, actors: dict[str, Actor]) -> None:
    summary = wb.ingest(actors["coder"], bundle(None, None), filename="visits.json")
    assert len(summary["encounters"]) == 1 and summary["source_name"] == "visits.json"


@pytest.mark.parametrize(("refs", "words"), [
    (("Encounter/enc-1", None), "names no encounter"),
    (("Encounter/enc-1", "Encounter/enc-9"), "not an Encounter of the Bundle"),
])
def test_a_note_whose_visit_cannot_be_told_is_refused(
        wb: Workbench, actors: dict[str, Actor], refs: tuple[str | None, str | None], words: str) -> None:
    with pytest.raises(InputError, match=words) as exc:
        wb.ingest(actors["coder"], bundle(*refs), filename="visits.json")
    assert exc.value.where == "visits.json"
    assert wb.worklist(actors["coder"])["total"] == 0

"""Ingest of every input format -> queued -> run_pending -> ready with suggestions and evidence;
bad payloads raise InputError and store nothing."""

from __future__ import annotations

import pytest
from wbcore_helpers import encounter_json, example, fixture_doc

from medcoder.errors import InputError
from medcoder.workbench import Actor, TooLarge, Workbench

DOCS = [
    ("text", "office_visit.txt", None),
    ("encounter-json", "office-diabetes-ckd.json", None),
    ("fhir", "fhir_discharge_bundle.json", None),
    ("hl7v2", "mdm_t02.hl7", "hl7"),
]


def _content(name: str) -> bytes:
    return example(name) if name.startswith("office-") else fixture_doc(name)


@pytest.mark.parametrize(("source_format", "name", "fmt"), DOCS)
def test_ingest_queue_code(wb: Workbench, actors: dict[str, Actor], source_format: str,
                           name: str, fmt: str | None) -> None:
    coder = actors["coder"]
    summary = wb.ingest(coder, _content(name), filename=name, fmt=fmt, payer="medicare")
    assert summary["status"] == "queued"
    assert summary["source_format"] == source_format
    assert [e["id"] for e in summary["encounters"]] == [summary["id"]]
    assert wb.job(coder, summary["job_id"])["status"] == "queued"
    assert wb.worklist(coder, status="queued")["total"] == 1

    assert wb.run_pending(worker_id="w1") == 1
    assert wb.run_pending(worker_id="w1") == 0  # nothing left, nothing done twice

    enc = wb.encounter(coder, summary["id"])
    assert enc["status"] == "ready"
    assert enc["payer"] == "medicare"
    assert wb.job(coder, summary["job_id"])["status"] == "done"
    dx = enc["suggestions"]["diagnoses"]
    assert dx, "the note names conditions; coding suggests diagnoses"
    for s in dx:
        assert s["evidence"], f"{s['code']} has evidence"
        for e in s["evidence"]:
            assert enc["text"][e["start"]:e["end"]] == e["text"]
    assert {c["code"] for c in enc["codes"] if c["kind"] == "diagnosis"} == {s["code"] for s in dx}
    assert all(c["status"] == "suggested" for c in enc["codes"])
    assert enc["confidence"] == min(c["confidence"] for c in enc["codes"])
    assert enc["n_codes"] == len(enc["codes"])
    assert [h["type"] for h in wb.history(coder, summary["id"])] == [
        "ingested", "coding_started", "coded"]


def test_ingest_text_str_with_overrides(wb: Workbench, actors: dict[str, Actor]) -> None:
    s = wb.ingest(actors["coder"], "Assessment: essential hypertension.", fmt="text",
                  setting="emergency", date_of_service="2026-02-03")
    assert (s["setting"], s["date_of_service"], s["source_format"]) == (
        "emergency", "2026-02-03", "text")


BAD = [
    ("malformed encounter JSON", b'{"text": "x", "setting": ', None),
    ("encounter JSON without text", b'{"setting": "outpatient"}', None),
    ("FHIR resource that is not a Bundle", b'{"resourceType": "Patient", "id": "p1"}', None),
    ("FHIR Bundle with a broken entry", b'{"resourceType": "Bundle", "type": "collection", '
                                        b'"entry": [{"resource": {}}]}', None),
    ("HL7 without a note", b"MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5\rPID|1||X\r", None),
    ("HL7 forced on JSON", b'{"a": 1}', "hl7"),
    ("unknown setting", encounter_json().encode().replace(b"outpatient", b"spaceship"), None),
    ("bad date", encounter_json(dos="2026-02-30").encode(), None),
    ("unknown format", b"text", "pdf"),
    ("empty text", b"   \n", "text"),
]


@pytest.mark.parametrize(("what", "payload", "fmt"), BAD, ids=[b[0] for b in BAD])
def test_bad_payload_stores_nothing(wb: Workbench, actors: dict[str, Actor], what: str,
                                    payload: bytes, fmt: str | None) -> None:
    coder = actors["coder"]
    with pytest.raises(InputError) as info:
        wb.ingest(coder, payload, filename="bad.json", fmt=fmt)
    assert info.value.where, f"{what}: the error says where"
    assert wb.worklist(coder)["total"] == 0
    assert wb.run_pending(worker_id="w") == 0


def test_upload_over_the_limit(wb: Workbench, actors: dict[str, Actor]) -> None:
    big = "x" * (wb.settings.max_upload_bytes + 1)
    with pytest.raises(TooLarge):
        wb.ingest(actors["coder"], big, fmt="text")
    assert wb.worklist(actors["coder"])["total"] == 0


def test_worklist_filters(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    a = wb.ingest(coder, encounter_json(), filename="a.json", payer="medicare")["id"]
    b = wb.ingest(coder, "Assessment: essential hypertension.", filename="b.txt",
                  setting="emergency", payer="aetna", date_of_service="2026-05-04")["id"]
    wb.run_pending(worker_id="w")
    assert [i["id"] for i in wb.worklist(coder)["items"]] == [b, a]  # newest first
    assert [i["id"] for i in wb.worklist(coder, payer="aetna")["items"]] == [b]
    assert [i["id"] for i in wb.worklist(coder, setting="outpatient")["items"]] == [a]
    assert [i["id"] for i in wb.worklist(coder, q="b.txt")["items"]] == [b]
    assert [i["id"] for i in wb.worklist(coder, q="METFORMIN")["items"]] == [a]
    assert wb.worklist(coder, status="ready")["total"] == 2
    page = wb.worklist(coder, limit=1, offset=1)
    assert page["total"] == 2 and [i["id"] for i in page["items"]] == [a]
    low = min(i["confidence"] for i in wb.worklist(coder)["items"])
    assert wb.worklist(coder, max_confidence=low)["total"] >= 1
    assert wb.worklist(coder, min_confidence=1.01)["total"] == 0
    with pytest.raises(InputError):
        wb.worklist(coder, status="lost")

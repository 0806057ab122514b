"""The workbench JSON API over a real Workbench (temp SQLite, the bundled ICD-10-CM tabular):
every endpoint, each role, and the problem+json that bad requests get."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wbweb_support import EXAMPLES, PATIENT, World

PROBLEM = "application/problem+json"
DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
SECRET_WORDS = "Zebulon Quarterfield"  # a patient name that must never come back in an error


def problem(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    assert SECRET_WORDS not in r.text
    return dict(body)


# service basics -----------------------------------------------------------------------------
def test_health_needs_no_auth(world: World) -> None:
    r = world.client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_openapi_documents_stable_operation_ids(world: World) -> None:
    spec = world.client.get("/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"ingestDocument", "fhirSubmit", "fhirBundleSubmit", "codeNote", "listWorklist",
            "getEncounter", "decideCode", "sequenceCodes", "completeEncounter", "queryPhysician",
            "answerQuery", "buildClaim", "releaseClaim", "uploadRemit", "getHistory",
            "getAccessLog", "getJob", "lookupCodes", "learnExamples", "whoAmI", "listUsers", "updateUser",
            "createUser", "issueToken", "listTokens", "revokeToken", "health"} <= ops
    assert "Problem" in spec["components"]["schemas"]
    assert "/fhir/$submit" in spec["paths"]
    assert not any(p.startswith(("/login", "/worklist")) for p in spec["paths"])  # the page is not API


def test_unknown_route_and_method_are_problems(world: World) -> None:
    problem(world.client.get("/api/v1/nothing-here", headers=world.h("coder")), 404, "MC404")
    problem(world.client.delete("/api/v1/worklist", headers=world.h("coder")), 405)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer mcw_not-a-token"},
                                     {"Authorization": "Basic YWRtaW46YWRtaW4="}])
def test_no_or_bad_credentials_are_401(world: World, headers: dict[str, str]) -> None:
    problem(world.client.get("/api/v1/worklist", headers=headers), 401, "MC401")


def test_me_names_the_caller(world: World) -> None:
    for role in ("coder", "biller", "auditor", "admin"):
        assert world.client.get("/api/v1/me", headers=world.h(role)).json()["role"] == role


# ingest ---------------------------------------------------------------------------------------
def test_ingest_raw_text_is_queued_then_coded(world: World) -> None:
    text = (EXAMPLES / "office-diabetes-ckd.json").read_text()
    note = json.loads(text)["text"]
    r = world.client.post("/api/v1/documents?setting=outpatient&payer=MEDICARE&date_of_service=2026-05-04",
                          content=note.encode(), headers={**world.h("coder"), "Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    summary = r.json()
    assert summary["status"] == "queued" and summary["payer"] == "MEDICARE"
    job = world.client.get(f"/api/v1/jobs/{summary['job_id']}", headers=world.h("coder")).json()
    assert job["status"] in ("queued", "pending")
    world.wb.run_pending(worker_id="t")
    enc = world.client.get(f"/api/v1/encounters/{summary['id']}", headers=world.h("coder")).json()
    assert enc["status"] == "ready"
    assert "E11.22" in [c["code"] for c in enc["codes"]]
    for c in enc["codes"]:  # evidence offsets index the stored text
        for e in c["evidence"]:
            assert enc["text"][e["start"]:e["end"]] == e["text"]


def test_ingest_multipart_encounter_json_with_patient(world: World) -> None:
    eid = world.ingest(patient=PATIENT)
    enc = world.client.get(f"/api/v1/encounters/{eid}", headers=world.h("coder")).json()
    assert enc["patient"]["name"] == "John Doe"
    assert enc["source_format"] == "encounter-json"


@pytest.mark.parametrize("path", ["/fhir/$submit", "/api/v1/fhir/Bundle/$submit"])
def test_fhir_submit(world: World, path: str) -> None:
    r = world.client.post(path, content=(DOCS / "fhir_discharge_bundle.json").read_bytes(),
                          headers={**world.h("coder"), "Content-Type": "application/fhir+json"})
    assert r.status_code == 201, r.text
    assert r.json()["source_format"] == "fhir" and r.json()["encounters"]


def test_ingest_hl7_message(world: World) -> None:
    r = world.client.post("/api/v1/documents?fmt=hl7", content=(DOCS / "mdm_t02.hl7").read_bytes(),
                          headers={**world.h("coder"), "Content-Type": "x-application/hl7-v2+er7"})
    assert r.status_code == 201, r.text
    assert r.json()["source_format"] == "hl7v2"


@pytest.mark.parametrize(("path", "body", "ctype"), [
    ("/api/v1/documents?fmt=encounter-json", b'{"text": "' + SECRET_WORDS.encode() + b' has a cough", "setting": ', "application/json"),
    ("/api/v1/documents", b'{"text": "' + SECRET_WORDS.encode() + b'", "setting": "spaceship"}', "application/json"),
    ("/fhir/$submit", b'{"resourceType": "Bundle", "type": "collection", "entry": 5}', "application/fhir+json"),
    ("/fhir/$submit", b'{"resourceType": "Patient", "name": [{"family": "Quarterfield"}]}', "application/fhir+json"),
    ("/fhir/$submit", b"[1, 2", "application/fhir+json"),
    ("/api/v1/documents?fmt=hl7", b"MSH|^~\\&|A|B\rPID|||" + SECRET_WORDS.encode() + b"\rOBX|garbage", "x-application/hl7-v2+er7"),
    ("/api/v1/documents?fmt=hl7", b"this is not an HL7 message about " + SECRET_WORDS.encode(), "text/plain"),
    ("/api/v1/documents", b"", "text/plain"),
    ("/api/v1/documents?date_of_service=2026-02-30", b"note", "text/plain"),
])
def test_malformed_documents_are_422_without_note_text(world: World, path: str, body: bytes, ctype: str) -> None:
    r = world.client.post(path, content=body, headers={**world.h("coder"), "Content-Type": ctype})
    p = problem(r, 422)
    assert p["code"].startswith("MC1")


def test_unknown_format_query_is_a_validation_problem(world: World) -> None:
    p = problem(world.client.post("/api/v1/documents?fmt=pdf", content=b"x",
                                  headers=world.h("coder")), 422, "MC100")
    assert p["errors"][0]["field"] == "query.fmt"


def test_multipart_without_file_and_bad_patient(world: World) -> None:
    problem(world.client.post("/api/v1/documents", files={"other": ("a.txt", b"x")},
                              headers=world.h("coder")), 422, "MC100")
    problem(world.client.post("/api/v1/documents", files={"file": ("a.txt", b"cough")},
                              data={"patient": "{not json"}, headers=world.h("coder")), 422, "MC100")


def test_oversized_upload_is_413(world: World) -> None:
    small = world.app(max_upload_bytes=1000)
    big = b"cough " * 400
    problem(small.post("/api/v1/documents", content=big, headers={**world.h("coder"), "Content-Type": "text/plain"}),
            413, "MC413")

    def chunks() -> Any:  # no Content-Length: the streamed body is counted
        for _ in range(10):
            yield b"x" * 300

    problem(small.post("/api/v1/documents", content=chunks(), headers={**world.h("coder"), "Content-Type": "text/plain"}),
            413, "MC413")
    ok = small.post("/api/v1/documents", content=b"Cough for two days.", headers={**world.h("coder"), "Content-Type": "text/plain"})
    assert ok.status_code == 201


def test_rate_limit_is_429_with_retry_after(world: World) -> None:
    limited = world.app(rate_limit_per_minute=3)
    statuses = [limited.get("/api/v1/me", headers=world.h("auditor")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    r = limited.get("/api/v1/me", headers=world.h("auditor"))
    if r.status_code == 200:  # the minute turned between the calls: the window starts again
        for _ in range(3):
            r = limited.get("/api/v1/me", headers=world.h("auditor"))
    problem(r, 429, "MC429")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert limited.get("/api/v1/me", headers=world.h("biller")).status_code == 200  # per client
    assert limited.get("/healthz").status_code == 200


# roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "method", "path", "body"), [
    ("auditor", "post", "/api/v1/documents", None),
    ("biller", "post", "/api/v1/documents", None),
    ("biller", "post", "/api/v1/encounters/{id}/decisions", {"action": "accept", "code": "E11.22"}),
    ("auditor", "post", "/api/v1/encounters/{id}/decisions", {"action": "accept", "code": "E11.22"}),
    ("coder", "post", "/api/v1/encounters/{id}/release", {"fmt": "837p"}),
    ("auditor", "post", "/api/v1/encounters/{id}/claim", None),
    ("coder", "get", "/api/v1/access-log", None),
    ("coder", "get", "/api/v1/users", None),
    ("coder", "get", "/api/v1/learn/examples", None),
    ("auditor", "post", "/api/v1/remits", None),
    ("biller", "post", "/api/v1/encounters/{id}/queries", {"question": "Type?"}),
    ("auditor", "post", "/api/v1/code", {"text": "cough"}),
    ("biller", "post", "/api/v1/code", {"text": "cough"}),
    ("coder", "patch", "/api/v1/users/1", {"active": True}),
    ("coder", "post", "/api/v1/users", {"username": "x", "password": "12345678", "role": "admin"}),
])
def test_wrong_role_is_403(world: World, coded: int, role: str, method: str, path: str, body: Any) -> None:
    kw: dict[str, Any] = {"headers": world.h(role)}
    if body is not None:
        kw["json"] = body
    elif method == "post":
        kw["content"] = b"Cough."
    p = problem(getattr(world.client, method)(path.format(id=coded), **kw), 403, "MC403")
    assert role in p["detail"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/v1/encounters/99999", None),
    ("get", "/api/v1/encounters/99999/history", None),
    ("get", "/api/v1/jobs/99999", None),
    ("post", "/api/v1/encounters/99999/decisions", {"action": "accept", "code": "E11.22"}),
    ("post", "/api/v1/encounters/99999/claim", None),
    ("post", "/api/v1/encounters/99999/complete", None),
    ("post", "/api/v1/encounters/99999/queries/1/answer", {"answer": "yes"}),
    ("delete", "/api/v1/tokens/99999", None),
    ("patch", "/api/v1/users/99999", {"active": False}),
])
def test_unknown_ids_are_404(world: World, method: str, path: str, body: Any) -> None:
    kw: dict[str, Any] = {"headers": world.h("admin")}
    if body is not None:
        kw["json"] = body
    p = problem(getattr(world.client, method)(path, **kw), 404, "MC404")
    assert "99999" in p["detail"]


def test_path_id_not_a_number_is_422(world: World) -> None:
    problem(world.client.get("/api/v1/encounters/abc", headers=world.h("coder")), 422, "MC100")


# review ---------------------------------------------------------------------------------------
def test_decisions_sequence_and_history(world: World) -> None:
    eid = world.ingest()
    c, H = world.client, world.h("coder")
    base = f"/api/v1/encounters/{eid}"
    enc = c.get(base, headers=H).json()
    dx = [x["code"] for x in enc["codes"] if x["kind"] == "diagnosis"]
    r = c.post(f"{base}/decisions", json={"action": "accept", "code": dx[0], "version": enc["version"]}, headers=H)
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    # stale version
    problem(c.post(f"{base}/decisions", json={"action": "accept", "code": dx[1], "version": enc["version"]},
                   headers=H), 409, "MC409")
    # reject needs a reason
    problem(c.post(f"{base}/decisions", json={"action": "reject", "code": dx[1]}, headers=H), 422)
    assert c.post(f"{base}/decisions", json={"action": "reject", "code": dx[1], "reason": "not documented"},
                  headers=H).status_code == 200
    # edit to a code that does not exist
    problem(c.post(f"{base}/decisions", json={"action": "edit", "code": dx[2], "new_code": "E11.99999",
                                              "reason": "more specific"}, headers=H), 422)
    r = c.post(f"{base}/decisions", json={"action": "edit", "code": dx[2], "new_code": "N18.32",
                                          "reason": "stage 3b per eGFR"}, headers=H)
    assert r.status_code == 200, r.text
    assert any(x["code"] == "N18.32" and x["status"] == "edited" for x in r.json()["codes"])
    r = c.post(f"{base}/decisions", json={"action": "add", "code": "R05.9", "reason": "cough"}, headers=H)
    assert r.status_code == 200, r.text
    live = [x["code"] for x in sorted(r.json()["codes"], key=lambda x: x["sequence"] or 99)
            if x["kind"] == "diagnosis" and x["status"] != "rejected"]
    r = c.put(f"{base}/sequence", json={"codes": list(reversed(live))}, headers=H)
    assert r.status_code == 200, r.text
    first = [x for x in r.json()["codes"] if x["sequence"] == 1 and x["kind"] == "diagnosis"]
    assert first[0]["code"] == live[-1]
    problem(c.put(f"{base}/sequence", json={"codes": ["Z99.99"]}, headers=H), 422)
    hist = c.get(f"{base}/history", headers=world.h("auditor")).json()
    types = [h["type"] for h in hist]
    assert types[:2] == ["ingested", "coding_started"] and "sequenced" in types
    rejected = [h for h in hist if h["type"] == "decision" and h["data"]["action"] == "reject"]
    assert rejected[0]["reason"] == "not documented" and rejected[0]["actor"] == "coder"


@pytest.mark.parametrize("body", [
    {"action": "approve", "code": "E11.22"},
    {"action": "accept"},
    {"action": "accept", "code": "E11.22", "kind": "symptom"},
    {"action": "accept", "code": "E11.22", "note": SECRET_WORDS},
    {"action": "accept", "code": "E11.22", "units": "many"},
])
def test_bad_decision_bodies_are_422(world: World, coded: int, body: dict[str, Any]) -> None:
    p = problem(world.client.post(f"/api/v1/encounters/{coded}/decisions", json=body,
                                  headers=world.h("coder")), 422, "MC100")
    assert p["errors"]


def test_malformed_json_body_is_422(world: World, coded: int) -> None:
    r = world.client.post(f"/api/v1/encounters/{coded}/decisions", content=b'{"action": "accept", "code": ',
                          headers={**world.h("coder"), "Content-Type": "application/json"})
    problem(r, 422, "MC100")


def test_query_and_answer(world: World, coded: int) -> None:
    base = f"/api/v1/encounters/{coded}/queries"
    r = world.client.post(base, json={"question": "Please clarify the CKD stage.", "to": "Dr. A"},
                          headers=world.h("coder"))
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    r = world.client.post(f"{base}/{qid}/answer", json={"answer": "Stage 3a."}, headers=world.h("coder"))
    assert r.status_code == 200 and r.json()["answer"] == "Stage 3a."
    problem(world.client.post(base, json={"question": ""}, headers=world.h("coder")), 422, "MC100")


# billing ---------------------------------------------------------------------------------------
def _accept_all(world: World, eid: int) -> dict[str, Any]:
    enc = world.client.get(f"/api/v1/encounters/{eid}", headers=world.h("coder")).json()
    for x in enc["codes"]:
        r = world.client.post(f"/api/v1/encounters/{eid}/decisions",
                              json={"action": "accept", "code": x["code"], "kind": x["kind"]},
                              headers=world.h("coder"))
        assert r.status_code == 200, r.text
    return dict(r.json())


def test_claim_build_release_and_remit(world: World, tmp_path: Path) -> None:
    """The round trip: the 837P the workbench released is read back, a payer's 835 paying it is
    generated (``medcoder.remit.generate``), uploaded, and matched to the encounter."""
    from dataclasses import replace

    from medcoder.claims.readers.x837p import read_837p
    from medcoder.remit.generate import adjudicate, remittance_for
    from medcoder.remit.model import Party
    from medcoder.remit.writers.x835 import write_835

    eid = world.ingest(patient=PATIENT)
    base = f"/api/v1/encounters/{eid}"
    problem(world.client.post(f"{base}/release", json={"fmt": "837p"}, headers=world.h("biller")), 409, "MC409")
    _accept_all(world, eid)
    r = world.client.post(f"{base}/claim", headers=world.h("coder"))
    assert r.status_code == 200, r.text
    view = r.json()
    assert {"claim", "edits", "payment"} <= set(view)
    assert not [e for e in view["edits"] if e["severity"] == "error"]
    assert world.client.post(f"{base}/complete", headers=world.h("coder")).json()["status"] == "coded"
    problem(world.client.post(f"{base}/release", json={"fmt": "x12"}, headers=world.h("biller")), 422, "MC100")
    r = world.client.post(f"{base}/release?download=true", json={"fmt": "837p"}, headers=world.h("biller"))
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="WB{eid}.837"'
    assert r.text.startswith("ISA*")
    problem(world.client.post(f"{base}/release", json={"fmt": "837p"}, headers=world.h("biller")), 409, "MC409")
    assert world.client.get(base, headers=world.h("biller")).json()["status"] == "released"

    # the payer reads the released file (checked against its implementation guide by pyx12)
    released = tmp_path / "released.837"
    released.write_bytes(r.content)
    (claim,) = read_837p(released)
    assert claim.patient_control_number == f"WB{eid}" and claim.lines
    allowed = {i: (ln.charge * Decimal("0.8")).quantize(Decimal("0.01"))
               for i, ln in enumerate(claim.lines, start=1)}
    pay = adjudicate(claim, "paid", allowed=allowed, coinsurance=Decimal("5.00"), payer_claim_id="PCN1")
    other = replace(claim.patient, last_name="ROE", first_name="RICHARD", member_id="9ZZ9ZZ9ZZ99")
    stray = adjudicate(replace(claim, patient_control_number="WB999999", patient=other,
                               subscriber=other), "paid")  # another practice's patient
    rem = remittance_for([pay, stray], payer=Party("MEDICARE", "PI", "00952"),
                         payee=Party("CLINIC", "XX", "1234567893"), trace="T1", paid_on=dt.date(2026, 6, 1))
    text = write_835([rem], sender="00952", receiver="CLINIC", when=dt.datetime(2026, 6, 1, 8))
    before = len(world.client.get(f"{base}/history", headers=world.h("biller")).json())
    r = world.client.post("/api/v1/remits", files={"file": ("era.835", text.encode())}, headers=world.h("biller"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["totals"]["claims_matched"] == 1 and out["totals"]["remittance_claims_unmatched"] == 1
    assert [u["patient_control_number"] for u in out["unmatched_payments"]] == ["WB999999"]
    (m,) = out["matched"]
    assert m["patient_control_number"] == f"WB{eid}" and m["method"] == "patient-control-number"
    assert m["status"] == "1" and m["payer_claim_id"] == "PCN1"  # CLP02 1: processed as primary
    assert Decimal(str(m["net_paid"])) == pay.paid == sum(allowed.values()) - Decimal("5.00")
    assert Decimal(str(m["net_patient_responsibility"])) == Decimal("5.00")
    assert len(m["lines"]) == len(claim.lines) and not m["remit_only"] and not m["claim_only"]

    # the encounter shows the payment, and its history the remit event, by the biller
    enc = world.client.get(base, headers=world.h("biller")).json()
    assert enc["status"] == "released"
    (posted,) = enc["remits"]
    assert posted["patient_control_number"] == f"WB{eid}"
    assert Decimal(str(posted["net_paid"])) == pay.paid
    hist = world.client.get(f"{base}/history", headers=world.h("biller")).json()
    assert len(hist) == before + 1
    last = hist[-1]
    assert last["type"] == "remit_posted" and last["actor"] == "biller" and last["seq"] == enc["version"]
    assert last["data"]["source"] == "era.835"
    assert last["data"]["remit"]["payer_claim_id"] == "PCN1"


def test_malformed_remit_is_422(world: World) -> None:
    r = world.client.post("/api/v1/remits", content=b"ISA*00*garbage~", headers={**world.h("biller"), "Content-Type": "text/plain"})
    problem(r, 422)


# coding, lookup, audit, users ------------------------------------------------------------------
def test_code_note_returns_a_coding_result(world: World) -> None:
    r = world.client.post("/api/v1/code", json={"text": "Type 2 diabetes mellitus with CKD stage 3a.",
                                               "date_of_service": "2026-05-04", "age": 60, "sex": "F"},
                          headers=world.h("coder"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["schema_version"] and "E11.22" in [d["code"] for d in out["diagnoses"]]
    n = world.client.get("/api/v1/worklist?limit=500", headers=world.h("coder")).json()["total"]
    world.client.post("/api/v1/code", json={"text": "Cough."}, headers=world.h("coder"))
    assert world.client.get("/api/v1/worklist?limit=500", headers=world.h("coder")).json()["total"] == n


@pytest.mark.parametrize("body", [{"text": ""}, {"text": SECRET_WORDS, "setting": "moon"},
                                  {"text": SECRET_WORDS, "date_of_service": "2026-13-40"}, {"note": SECRET_WORDS}])
def test_code_note_bad_bodies_are_422(world: World, body: dict[str, Any]) -> None:
    problem(world.client.post("/api/v1/code", json=body, headers=world.h("coder")), 422)


def test_worklist_filters(world: World, coded: int) -> None:
    c, H = world.client, world.h("coder")
    all_items = c.get("/api/v1/worklist?limit=500", headers=H).json()
    assert all_items["total"] >= 1 and coded in [i["id"] for i in all_items["items"]]
    ready = c.get("/api/v1/worklist?status=ready&limit=500", headers=H).json()["items"]
    assert ready and all(i["status"] == "ready" for i in ready)
    low = c.get("/api/v1/worklist?max_confidence=0.5&limit=500", headers=H).json()["items"]
    assert all(i["confidence"] is not None and i["confidence"] <= 0.5 for i in low)
    assert c.get("/api/v1/worklist?setting=ambulance", headers=H).json()["items"] == []
    problem(c.get("/api/v1/worklist?status=lost", headers=H), 422)
    problem(c.get("/api/v1/worklist?min_confidence=2", headers=H), 422, "MC100")
    problem(c.get("/api/v1/worklist?limit=0", headers=H), 422, "MC100")


def test_lookup(world: World) -> None:
    def codes(q: str, limit: int = 20) -> list[str]:
        r = world.client.get("/api/v1/lookup", params={"q": q, "date": "2026-05-04", "limit": limit},
                             headers=world.h("coder"))
        assert r.status_code == 200, r.text
        return [row["code"] for row in r.json()]

    assert codes("diabetes")[0] == "E11.9"
    assert codes("type 2 diabetes mellitus")[0] == "E11.9"
    assert codes("e1122") == ["E11.22"]
    assert codes("E11.2", limit=3) == ["E11.2", "E11.21", "E11.22"]
    problem(world.client.get("/api/v1/lookup", headers=world.h("coder")), 422, "MC100")
    problem(world.client.get("/api/v1/lookup?q=cough&date=2026-13-01", headers=world.h("coder")), 422)


def test_access_log_and_learn_examples(world: World, coded: int) -> None:
    world.client.get(f"/api/v1/encounters/{coded}", headers=world.h("coder"))
    log = world.client.get(f"/api/v1/access-log?encounter_id={coded}", headers=world.h("auditor")).json()
    assert any(row.get("encounter_id") == coded for row in log)
    assert isinstance(world.client.get("/api/v1/learn/examples", headers=world.h("admin")).json(), list)


def test_users_and_tokens(world: World) -> None:
    c = world.client
    r = c.post("/api/v1/users", json={"username": "coder2", "password": "long enough pw", "role": "coder"},
               headers=world.h("admin"))
    assert r.status_code == 201, r.text
    problem(c.post("/api/v1/users", json={"username": "coder2", "password": "long enough pw", "role": "coder"},
                   headers=world.h("admin")), 409, "MC409")
    problem(c.post("/api/v1/users", json={"username": "x", "password": "short", "role": "coder"},
                   headers=world.h("admin")), 422, "MC100")
    assert "coder2" in [u["username"] for u in c.get("/api/v1/users", headers=world.h("admin")).json()]
    token = c.post("/api/v1/tokens", json={"name": "script"}, headers=world.h("biller")).json()["token"]
    mine = c.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}).json()
    assert all("token" not in t and "hash" not in t for t in mine)
    tid = next(t["id"] for t in mine if t["name"] == "script")
    assert c.delete(f"/api/v1/tokens/{tid}", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    problem(c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "MC401")

"""The worklist reads only the encounter row's summary columns (kept in the same transaction as
each event), filters and pages in SQL, and the columns rebuilt from the events are the same.
The 0002 migration fills those columns for rows made under 0001. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import MetaData, Table, event, inspect
from wbcore_helpers import PATIENT, encounter_json, example, ready_encounter

from medcoder.workbench import Actor, Settings, Workbench
from medcoder.workbench import events as ev
from medcoder.workbench.store.db import current_revision, make_engine, migrate


def _columns(item: dict[str, Any]) -> dict[str, Any]:
    p = item["patient"]
    return {"status": item["status"], "setting": item["setting"], "payer": item["payer"],
            "date_of_service": item["date_of_service"], "patient_name": p["name"],
            "patient_age": p["age"], "patient_sex": p["sex"], "confidence": item["confidence"],
            "n_codes": item["n_codes"], "error": item["error"]}


def test_summary_columns_equal_the_rebuilt_projection(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    a = ready_encounter(wb, coder, example("office-diabetes-ckd.json"), payer="acme", patient=PATIENT)
    b = ready_encounter(wb, coder, encounter_json())
    enc = wb.encounter(coder, a)
    wb.decide(coder, a, action="reject", code=enc["codes"][0]["code"], reason="not assessed")
    wb.ingest(coder, "Assessment: essential hypertension.", fmt="text")  # still queued

    statements: list[str] = []

    def seen(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    event.listen(wb.engine, "before_cursor_execute", seen)
    try:
        out = wb.worklist(coder)
    finally:
        event.remove(wb.engine, "before_cursor_execute", seen)
    (page,) = [s for s in statements if "LIMIT" in s.upper()]
    assert "encounters.state" not in page and "encounters.text" not in page
    assert out["total"] == 3 and [i["id"] for i in out["items"]][1:] == [b, a]  # newest first

    for item in out["items"]:
        rebuilt = ev.summary_columns(ev.project(wb.history(coder, item["id"])))
        assert _columns(item) == rebuilt
    first = next(i for i in out["items"] if i["id"] == a)
    assert first["patient"] == {"name": "Jane Doe", "age": 67, "sex": "F"}
    assert first["status"] == "in_review" and first["n_codes"] == len(enc["codes"]) - 1

    # filters and paging are SQL's: the pages are the slices of the whole list
    assert [i["id"] for i in wb.worklist(coder, status="ready")["items"]] == [b]
    assert wb.worklist(coder, payer="acme")["total"] == 1
    paged = [wb.worklist(coder, limit=1, offset=k)["items"][0]["id"] for k in range(3)]
    assert paged == [i["id"] for i in out["items"]]
    assert wb.worklist(coder, limit=2, offset=2) == {"total": 3, "items": [out["items"][2]]}
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(wb.engine).get_indexes("encounters")}
    assert indexes["ix_encounters_status_created_at"] == ["status", "created_at"]


def _events(patient: dict[str, Any], result: dict[str, Any] | None, failed: bool = False) -> list[dict[str, Any]]:
    out = [{"seq": 1, "at": "2026-05-04T10:00:00Z", "actor": "coder", "type": "ingested", "reason": None,
            "data": {"setting": "outpatient", "payer": "medicare", "date_of_service": "2026-05-04",
                     "patient": patient, "source_format": "text", "source_name": "n.txt"}},
           {"seq": 2, "at": "2026-05-04T10:00:01Z", "actor": "system", "type": "coding_started",
            "reason": None, "data": {"job_id": 1, "attempt": 1, "worker": "w"}}]
    if failed:
        out.append({"seq": 3, "at": "2026-05-04T10:00:02Z", "actor": "system", "type": "coding_failed",
                    "reason": None, "data": {"job_id": 1, "error": {"code": "MC100", "message": "bad"}}})
    else:
        out.append({"seq": 3, "at": "2026-05-04T10:00:02Z", "actor": "system", "type": "coded",
                    "reason": None, "data": {"job_id": 1, "result": result}})
    return out


def test_upgrade_from_0001_keeps_the_rows(db_url: str, coding_kb: Any) -> None:
    """Rows written under 0001 (the patient and error only in the state JSON) list the same
    after the upgrade to 0002, and the worklist's columns equal the rebuilt projection."""
    engine = make_engine(db_url)
    try:
        migrate(engine, "0001")
        assert current_revision(engine) == "0001"
        meta = MetaData()
        encounters = Table("encounters", meta, autoload_with=engine)
        events = Table("events", meta, autoload_with=engine)
        assert "patient_name" not in encounters.c
        result = {"diagnoses": [{"code": "I10", "system": "ICD-10-CM", "confidence": 0.7, "evidence": []},
                                {"code": "E11.9", "system": "ICD-10-CM", "confidence": 0.9, "evidence": []}],
                  "procedures": []}
        made = [(_events({"name": "Ann Roe", "age": 71, "sex": "F"}, result), dt.datetime(2026, 5, 4, 10)),
                (_events({"name": None, "age": 40, "sex": "M"}, None, failed=True), dt.datetime(2026, 5, 4, 11))]
        with engine.begin() as conn:
            for i, (evs, at) in enumerate(made, start=1):
                state = ev.project(evs)
                conn.execute(encounters.insert().values(
                    id=i, created_at=at, updated_at=at, text="Assessment: hypertension.",
                    source_format="text", source_name="n.txt", document={}, status=state["status"],
                    setting=state["setting"], payer=state["payer"],
                    date_of_service=state["date_of_service"], confidence=ev.lowest_confidence(state),
                    n_codes=len(state["codes"]), state=json.loads(json.dumps(state)), version=len(evs)))
                for e in evs:
                    conn.execute(events.insert().values(
                        encounter_id=i, seq=e["seq"], at=at, actor=e["actor"], type=e["type"],
                        data=e["data"], reason=None))
    finally:
        engine.dispose()

    wb = Workbench.open(Settings(database_url=db_url, secret_key="t" * 40, env="test"), kb=coding_kb)
    try:
        from medcoder.workbench.store.db import head_revision

        assert current_revision(wb.engine) == head_revision() == "0002"
        wb.create_user(None, "admin", "admin-password", "admin")
        admin = wb.authenticate("admin", "admin-password")
        out = wb.worklist(admin)
        assert [i["id"] for i in out["items"]] == [2, 1]
        old, failed = out["items"][1], out["items"][0]
        assert old["patient"] == {"name": "Ann Roe", "age": 71, "sex": "F"}
        assert (old["status"], old["confidence"], old["n_codes"]) == ("ready", 0.7, 2)
        assert failed["status"] == "error" and failed["error"] == {"code": "MC100", "message": "bad"}
        assert failed["patient"] == {"name": None, "age": 40, "sex": "M"}
        assert [i["id"] for i in wb.worklist(admin, status="error")["items"]] == [2]
        for item in out["items"]:
            assert _columns(item) == ev.summary_columns(ev.project(wb.history(admin, item["id"])))
        # and they go on changing with new events
        wb.decide(admin, 1, action="accept", code="I10")
        assert wb.worklist(admin, status="in_review")["items"][0]["id"] == 1
    finally:
        wb.close()

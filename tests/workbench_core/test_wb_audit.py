"""The workbench's audit view (``Workbench.audit``): a released claim re-reviewed against its
note with ``medcoder.audit``'s checks. A claim whose E/M level the coder raised above what the
note supports gets the em-level finding with its evidence in the note; a claim the note supports
gets none. Each audit is an ``audited`` event and, where findings are shown, an access-log row.
On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from wbcore_helpers import PATIENT, example

from medcoder.errors import InputError
from medcoder.workbench import Actor, Conflict, Forbidden, NotFound, Workbench


def _released(wb: Workbench, coder: Actor, biller: Actor, *, em: str | None = None) -> int:
    """The example office visit, every code accepted (the visit code edited to ``em``), coded
    and released as an 837P."""
    eid = int(wb.ingest(coder, example("office-diabetes-ckd.json"), filename="visit.json",
                        patient=PATIENT)["id"])
    wb.run_pending(worker_id="test")
    for c in wb.encounter(coder, eid)["codes"]:
        if em and c["code"] == "99213":
            wb.decide(coder, eid, action="edit", code="99213", kind="procedure", new_code=em,
                      reason="level raised (audit test)")
        else:
            wb.decide(coder, eid, action="accept", code=c["code"], kind=c["kind"])
    wb.complete(coder, eid)
    wb.release(biller, eid, fmt="837p")
    return eid


@pytest.fixture
def two(wb: Workbench, actors: dict[str, Actor]) -> tuple[int, int]:
    """(supported, upcoded): the note supports 99213; the second claim bills 99215."""
    coder, biller = actors["coder"], actors["biller"]
    return _released(wb, coder, biller), _released(wb, coder, biller, em="99215")


def _events(wb: Workbench, actor: Actor, eid: int, etype: str) -> list[dict[str, Any]]:
    return [h for h in wb.history(actor, eid) if h["type"] == etype]


def test_an_unsupported_em_level_is_found_with_its_note_evidence(
        wb: Workbench, actors: dict[str, Actor], two: tuple[int, int]) -> None:
    good, bad = two
    auditor = actors["auditor"]
    out = wb.audit(auditor)
    assert out["reviewed"] == 2
    assert {e["encounter_id"]: e["findings"] for e in out["encounters"]} == {good: 0, bad: 1}
    (f,) = out["findings"]
    assert (f["encounter_id"], f["line"], f["check"], f["severity"]) == (bad, 1, "em-level", "error")
    assert (f["billed"], f["supported"]) == ("99215", "99213")
    assert "99215 billed, above the 99213" in f["message"]
    assert "Levels of MDM" in f["reference"] and f["amount"] == "0"  # no fee schedule loaded
    text = wb.encounter(auditor, bad)["text"]
    assert f["evidence"] and all(text[e["start"]:e["end"]] == e["text"] for e in f["evidence"])
    assert any("CKD stage 3a" in e["text"] for e in f["evidence"])
    assert out["totals"]["by_check"] == {"em-level": 1} and out["totals"]["with_findings"] == 1

    # one encounter: the supported one has no finding
    only = wb.audit(auditor, encounter_id=good)
    assert only["reviewed"] == 1 and only["findings"] == []


def test_audit_is_recorded_and_its_shown_notes_access_logged(
        wb: Workbench, actors: dict[str, Actor], two: tuple[int, int]) -> None:
    good, bad = two
    auditor, admin = actors["auditor"], actors["admin"]
    before = {eid: wb.encounter(admin, eid)["version"] for eid in two}
    wb.audit(auditor)
    for eid, n in ((good, 0), (bad, 1)):
        (ev,) = _events(wb, admin, eid, "audited")
        assert ev["actor"] == "auditor" and ev["at"]
        assert ev["data"]["findings"] == n and ev["data"]["version"] == before[eid]
        assert ev["data"]["checks"] == (["em-level"] if n else [])
        enc = wb.encounter(admin, eid)
        assert enc["version"] == before[eid] + 1 and enc["status"] == "released"
        assert enc["audits"][-1]["findings"] == n and enc["audits"][-1]["by"] == "auditor"
        assert wb.rebuild_state(admin, eid)["audits"] == enc["audits"]  # the events make the state
    log = [(r["encounter_id"], r["username"]) for r in wb.access_log(admin) if r["action"] == "audit"]
    assert log == [(bad, "auditor")]  # only the encounter whose findings (note words) were shown


def test_who_may_audit_and_what(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    for role in ("coder", "biller"):
        with pytest.raises(Forbidden, match=f"role '{role}' may not 'audit'"):
            wb.audit(actors[role])
    assert wb.audit(actors["admin"])["reviewed"] == 0  # nothing released yet
    with pytest.raises(NotFound, match="encounter 999 not found"):
        wb.audit(actors["auditor"], encounter_id=999)
    eid = int(wb.ingest(coder, example("office-diabetes-ckd.json"), filename="v.json")["id"])
    wb.run_pending(worker_id="test")
    with pytest.raises(Conflict, match="is ready; an audit reviews a released or coded"):
        wb.audit(actors["auditor"], encounter_id=eid)
    with pytest.raises(InputError, match="unknown audit status"):
        wb.audit(actors["auditor"], status="ready")
    assert _events(wb, actors["admin"], eid, "audited") == []

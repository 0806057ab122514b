"""The workbench's audit view (``Workbench.audit``): a released claim re-reviewed against its
note with ``medcoder.audit``'s checks. A claim whose E/M level the coder raised above what the
note supports gets the em-level finding with its evidence in the note; a claim the note supports
gets none. Each audit is an ``audited`` event and, where findings are shown, an access-log row.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from wbcore_helpers import PATIENT, example

from medcoder.errors import InputError
from medcoder.workbench import Actor, Conflict, Forbidden, NotFound, Workbench


def _released(wb: Workbench, coder: Actor, biller: Actor, *, em: str | None = None,
              note: bytes | None = None) -> int:
    """The example office visit (or ``note``), every code accepted (the visit code edited to
    ``em``), coded and released as an 837P."""
    eid = int(wb.ingest(coder, note or example("office-diabetes-ckd.json"), filename="visit.json",
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


def _medicare_note() -> bytes:
    """The example visit whose record says the payer (Medicare, the example profile's payer):
    the encounter the audit codes is then the one coded at ingest."""
    doc = json.loads(example("office-diabetes-ckd.json"))
    doc["metadata"] = {**dict(doc.get("metadata") or {}), "payer": "medicare"}
    return json.dumps(doc).encode("utf-8")


@pytest.fixture
def two_medicare(wb: Workbench, actors: dict[str, Actor]) -> tuple[int, int]:
    coder, biller = actors["coder"], actors["biller"]
    return (_released(wb, coder, biller, note=_medicare_note()),
            _released(wb, coder, biller, em="99215", note=_medicare_note()))


def test_the_stored_coding_is_reused_with_the_same_findings(
        wb: Workbench, actors: dict[str, Actor], two_medicare: tuple[int, int]) -> None:
    """The audit reviews the coding result stored at ingest (same medcoder version, releases and
    encounter) instead of coding the note again; coding it again gives the same findings."""
    auditor, admin = actors["auditor"], actors["admin"]
    two = two_medicare
    stored = wb.audit(auditor)
    recoded = wb.audit(auditor, recode=True)
    assert stored["findings"] and stored["findings"] == recoded["findings"]
    assert stored["encounters"] == recoded["encounters"] and stored["totals"] == recoded["totals"]
    for eid in two:
        assert [e["data"]["coding"] for e in _events(wb, admin, eid, "audited")] == ["stored", "recoded"]


def test_a_note_the_claim_adds_to_is_coded_again(
        wb: Workbench, actors: dict[str, Actor], two: tuple[int, int]) -> None:
    """The example note names no payer; its claim goes to Medicare, which the audit tells the
    coder (Medicare's own HCPCS codes): the result coded without it is not reused."""
    wb.audit(actors["auditor"])
    for eid in two:
        assert [e["data"]["coding"] for e in _events(wb, actors["admin"], eid, "audited")] == ["recoded"]


def test_a_stored_coding_that_is_not_current_is_not_reused(
        wb: Workbench, actors: dict[str, Actor], two_medicare: tuple[int, int]) -> None:
    import dataclasses

    from medcoder.coding import code_encounter
    from medcoder.workbench import auditing
    from medcoder.workbench.service import _rebuild

    admin = actors["admin"]
    eid = two_medicare[1]
    from sqlalchemy import select

    from medcoder.workbench.store.models import EncounterRow

    state = wb.rebuild_state(admin, eid)
    with wb._read() as s:
        text, document = s.execute(select(EncounterRow.text, EncounterRow.document)
                                   .where(EncounterRow.id == eid)).one()
    assert state["coded_by"]["releases"] and state["coded_by"]["medcoder"]
    claim = auditing.audit_claim(wb.settings, wb.kb, eid, state)
    doc = auditing.documentation(claim.claim_id, _rebuild(text, dict(document)))
    got = auditing.stored_coding(wb.kb, state, claim, doc)
    fresh = code_encounter(_rebuild(text, dict(document)), kb=wb.kb)
    assert got is not None and got.releases == fresh.releases
    assert [(d.code, d.evidence) for d in got.diagnoses] == [(d.code, d.evidence) for d in fresh.diagnoses]
    assert [(p.code, p.units, p.modifiers) for p in got.procedures] == [
        (p.code, p.units if p.units is not None else 1, p.modifiers) for p in fresh.procedures]

    older = {**state, "coded_by": {**state["coded_by"], "medcoder": "0.0.0"}}
    assert auditing.stored_coding(wb.kb, older, claim, doc) is None  # another medcoder version
    other = {**state, "coded_by": {**state["coded_by"], "releases": {"icd10cm-tabular": "1999"}}}
    assert auditing.stored_coding(wb.kb, other, claim, doc) is None  # another release
    assert auditing.stored_coding(wb.kb, {**state, "coded_by": None}, claim, doc) is None  # coded before
    undated = dataclasses.replace(doc, encounter=dataclasses.replace(doc.encounter, date_of_service=None))
    assert auditing.stored_coding(wb.kb, state, claim, undated) is None  # the claim adds the date

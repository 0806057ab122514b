"""Decisions (accept / reject / edit / add with reasons), the derived state, history, version
conflicts, completion, claims and the learn feed."""

from __future__ import annotations

import pytest
from wbcore_helpers import PATIENT, example, ready_encounter

from medcoder.errors import InputError
from medcoder.workbench import Actor, Conflict, NotFound, Workbench
from medcoder.workbench.events import project


def _codes(enc: dict) -> dict[str, tuple[str, int]]:  # type: ignore[type-arg]
    return {c["code"]: (c["status"], c["sequence"]) for c in enc["codes"] if c["kind"] == "diagnosis"}


def test_decisions_history_and_projection(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    eid = ready_encounter(wb, coder, example("office-diabetes-ckd.json"), payer="medicare",
                          patient=PATIENT)
    enc = wb.encounter(coder, eid)
    assert {"E11.22", "I12.9", "N18.31", "E66.9"} <= set(_codes(enc))
    v = enc["version"]

    enc = wb.decide(coder, eid, action="accept", code="E11.22", version=v)
    assert enc["status"] == "in_review" and enc["version"] == v + 1
    enc = wb.decide(coder, eid, action="reject", code="E66.9", reason="BMI alone; obesity not assessed")
    enc = wb.decide(coder, eid, action="edit", code="I12.9", new_code="i10",
                    reason="no CKD link in this test")
    enc = wb.decide(coder, eid, action="add", code="Z79.84", reason="oral hypoglycemic")
    enc = wb.decide(coder, eid, action="accept", code="99213", kind="procedure", units=1,
                    modifiers=["25"])
    codes = _codes(enc)
    assert codes["E11.22"] == ("accepted", 1)
    assert codes["E66.9"] == ("rejected", 0)
    assert codes["I10"][0] == "edited" and "I12.9" not in codes
    edited = next(c for c in enc["codes"] if c["code"] == "I10")
    assert edited["original_code"] == "I12.9" and edited["reason"] == "no CKD link in this test"
    assert edited["title"] == "Essential (primary) hypertension"  # the new code's Tabular title
    assert codes["Z79.84"][0] == "added"
    px = next(c for c in enc["codes"] if c["kind"] == "procedure")
    assert (px["status"], px["units"], px["modifiers"]) == ("accepted", 1, ["25"])
    # an edited visit code shows the new code's label (medcoder's own CPT label), not the old one's
    enc = wb.decide(coder, eid, action="edit", code="99213", kind="procedure", new_code="99214",
                    reason="moderate MDM documented")
    px = next(c for c in enc["codes"] if c["kind"] == "procedure")
    assert (px["code"], px["original_code"]) == ("99214", "99213")
    assert "level 4" in px["title"] and "level 3" not in px["title"]
    enc = wb.decide(coder, eid, action="edit", code="99214", kind="procedure", new_code="99213",
                    reason="back to the suggested level")

    enc = wb.sequence(coder, eid, ["I10", "E11.22"])
    assert _codes(enc)["I10"][1] == 1 and _codes(enc)["E11.22"][1] == 2

    # a stale version is refused and changes nothing
    with pytest.raises(Conflict):
        wb.decide(coder, eid, action="accept", code="N18.31", version=v)
    with pytest.raises(Conflict):
        wb.sequence(coder, eid, ["E11.22"], version=v)

    enc = wb.complete(coder, eid)
    assert enc["status"] == "coded"

    hist = wb.history(coder, eid)
    assert [h["seq"] for h in hist] == list(range(1, len(hist) + 1))
    assert [h["type"] for h in hist] == [
        "ingested", "coding_started", "coded", "decision", "decision", "decision", "decision",
        "decision", "decision", "decision", "sequenced", "completed"]
    assert hist[4]["reason"] == "BMI alone; obesity not assessed"
    assert hist[4]["actor"] == "coder" and hist[4]["at"].endswith("Z")
    assert hist[-1]["seq"] == enc["version"]
    # the state rebuilt from the events equals the cached projection
    rebuilt = project(hist)
    def order(codes: list) -> list:  # type: ignore[type-arg]
        return sorted(codes, key=lambda c: (c["kind"], c["sequence"], c["code"]))

    assert order(rebuilt["codes"]) == order(enc["codes"])
    assert (rebuilt["status"], rebuilt["claim"]) == (enc["status"], enc["claim"])
    assert wb.rebuild_state(coder, eid) == rebuilt

    # learn feed: the final codes with their evidence
    rows = wb.learn_examples(actors["admin"])
    assert len(rows) == 1
    row = rows[0]
    assert row["encounter_id"] == eid and row["text"] == enc["text"]
    assert row["codes"] == ["I10", "E11.22", "Z79.84", "99213"]
    assert row["evidence"]["E11.22"] and "E66.9" not in row["codes"]
    from medcoder.learn.builder import SiteModelBuilder
    from medcoder.workbench.learnfeed import feed_builder

    assert feed_builder(SiteModelBuilder(min_support=1), rows) == 1


def test_decision_errors(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    eid = ready_encounter(wb, coder, example("office-diabetes-ckd.json"))
    version = wb.encounter(coder, eid)["version"]
    bad = [
        dict(action="reject", code="E66.9"),  # no reason
        dict(action="edit", code="E66.9", new_code="E66.01"),  # no reason
        dict(action="edit", code="E66.9", new_code="E66", reason="x"),  # a category, not billable
        dict(action="add", code="Q99.999", reason="x"),  # no such code
        dict(action="accept", code="J45.909"),  # not on the encounter
        dict(action="approve", code="E66.9"),
        dict(action="accept", code="E66.9", kind="drug"),
        dict(action="accept", code="99213", kind="procedure", modifiers=["TOOLONG"]),
        dict(action="accept", code="99213", kind="procedure", units=0),
    ]
    for kw in bad:
        with pytest.raises(InputError):
            wb.decide(coder, eid, **kw)  # type: ignore[arg-type]
    assert wb.encounter(coder, eid)["version"] == version  # nothing was recorded
    with pytest.raises(NotFound):
        wb.decide(coder, 999_999, action="accept", code="E66.9")
    with pytest.raises(Conflict):  # nothing accepted yet
        wb.complete(coder, eid)
    with pytest.raises(Conflict):  # not coded
        wb.release(actors["biller"], eid)
    with pytest.raises(InputError):
        wb.sequence(coder, eid, ["E11.22", "E11.22"])


def test_decisions_wait_for_coding(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    eid = wb.ingest(coder, example("office-diabetes-ckd.json"), filename="n.json")["id"]
    with pytest.raises(Conflict):
        wb.decide(coder, eid, action="accept", code="E11.22")


def test_claim_release_and_learn(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder, biller = actors["coder"], actors["biller"]
    eid = ready_encounter(wb, coder, example("office-diabetes-ckd.json"), payer="medicare",
                          patient=PATIENT)
    wb.decide(coder, eid, action="accept", code="E11.22")
    wb.decide(coder, eid, action="accept", code="99213", kind="procedure")
    view = wb.build_claim(biller, eid)
    assert view["claim"]["patient_control_number"] == f"WB{eid}"
    assert [d["code"] for d in view["claim"]["diagnoses"]] == ["E11.22"]
    assert [ln["code"] for ln in view["claim"]["lines"]] == ["99213"]
    assert isinstance(view["edits"], list) and "payment" in view
    assert wb.encounter(coder, eid)["claim"]["claim"] == view["claim"]
    wb.complete(coder, eid)
    out = wb.release(biller, eid, fmt="837p")
    assert out["filename"] == f"WB{eid}.837" and out["content"].startswith("ISA*")
    assert "CLM*WB" in out["content"]
    enc = wb.encounter(biller, eid)
    assert enc["status"] == "released" and enc["released"]["fmt"] == "837p"
    with pytest.raises(Conflict):
        wb.decide(coder, eid, action="accept", code="I12.9")
    with pytest.raises(Conflict):
        wb.release(biller, eid)
    assert [r["encounter_id"] for r in wb.learn_examples(actors["admin"])] == [eid]


def test_release_needs_patient_demographics(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    eid = ready_encounter(wb, coder, example("office-diabetes-ckd.json"))
    wb.decide(coder, eid, action="accept", code="E11.22")
    wb.decide(coder, eid, action="accept", code="99213", kind="procedure")
    view = wb.build_claim(coder, eid)
    assert not view["clean"] and view["edits"][0]["rule"] == "workbench/patient"
    wb.complete(coder, eid)
    with pytest.raises(Conflict, match="patient"):
        wb.release(actors["biller"], eid)


def test_physician_query(wb: Workbench, actors: dict[str, Actor]) -> None:
    coder = actors["coder"]
    eid = ready_encounter(wb, coder, example("office-diabetes-ckd.json"))
    q = wb.query_physician(coder, eid, question="Please clarify the CKD stage.", to="Dr. Lee")
    assert q["id"] == 1 and q["answer"] is None
    a = wb.answer_query(coder, eid, 1, "Stage 3a.")
    assert a["answer"] == "Stage 3a."
    assert wb.encounter(coder, eid)["queries"][0]["answer"] == "Stage 3a."
    with pytest.raises(NotFound):
        wb.answer_query(coder, eid, 7, "x")

"""Posting 835s: matched to released claims, priced with the billing profile's contract
(expected vs paid), denied lines explained (CARC/RARC wording, denial category), and each
payment posted once: the same file or the same TRN trace again is a Conflict that records
nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wbremit_helpers import CONTRACT, era, expected, released, write_profile

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.workbench import Actor, Conflict, Settings, Workbench

SHARED = Path(os.environ.get("MEDCODER_SHARED", Path(__file__).resolve().parents[3] / "shared"))
LISTS = {"carc": "claim_adjustment_reason_codes.csv", "rarc": "remittance_advice_remark_codes.csv",
         "claim-adjustment-groups": "claim_adjustment_group_codes.csv"}


@pytest.fixture(scope="module")
def remit_kb(_built_tabular: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled tabular, and the CARC/RARC lists when ../shared/data has them."""
    d = tmp_path_factory.mktemp("remit-kb")
    shutil.copytree(_built_tabular, d, dirs_exist_ok=True)
    kb = KnowledgeBase(DataStore(d))
    folder = SHARED / "data" / "carc_rarc"
    if folder.is_dir():
        for kind, name in LISTS.items():
            kb.import_file(kind, folder / name)
    return kb


@pytest.fixture
def wb(wb_url: str, remit_kb: KnowledgeBase, tmp_path: Path) -> Iterator[Workbench]:
    profile = write_profile(tmp_path / "profile")
    settings = Settings(database_url=wb_url, secret_key="test-secret-" + "r" * 40, env="test",
                        data_dir=str(remit_kb.store.root), billing_profile=str(profile))
    bench = Workbench.open(settings, kb=remit_kb)
    try:
        yield bench
    finally:
        bench.close()


def _posted(wb: Workbench, actor: Actor, eid: int) -> list[dict[str, Any]]:
    return [h for h in wb.history(actor, eid) if h["type"] == "remit_posted"]


def test_priced_posted_once(wb: Workbench, actors: dict[str, Actor], tmp_path: Path) -> None:
    from medcoder.remit.generate import adjudicate

    biller = actors["biller"]
    eid, claim = released(wb, actors["coder"], biller, tmp_path)
    want = expected(claim)
    assert claim.lines and all(ln.code in CONTRACT for ln in claim.lines)
    # the payer allows $10 less than the contract on line 1
    allowed = {i: a - (Decimal("10.00") if i == 1 else 0) for i, a in want.items()}
    pay = adjudicate(claim, "paid", allowed=allowed, payer_claim_id="PCN1")
    text = era([pay], "T1")
    out = wb.upload_remit(biller, text, filename="era-1.835")

    (m,) = out["matched"]
    assert m["patient_control_number"] == f"WB{eid}" and out["pricing_notes"] == []
    assert Decimal(m["expected"]) == sum(want.values())
    assert Decimal(m["allowed"]) == sum(allowed.values())
    assert Decimal(m["underpaid"]) == Decimal("10.00") and Decimal(m["overpaid"]) == 0
    line1 = next(ln for ln in m["lines"] if ln["claim_line"] == 1)
    assert (line1["status"], Decimal(line1["expected"]), Decimal(line1["difference"])) == (
        "underpaid", want[1], Decimal("-10.00"))
    assert m["denials"] == []  # CO-45 above the allowance is contractual, not a denial
    assert [p["trace_number"] for p in out["posted"]] == ["T1"] and out["already_posted"] == []
    assert Decimal(out["totals"]["underpaid"]) == Decimal("10.00")

    enc = wb.encounter(biller, eid)
    (shown,) = enc["remits"]
    assert Decimal(shown["expected"]) == sum(want.values()) and Decimal(shown["underpaid"]) == 10
    assert shown["posting"]["trace_numbers"] == ["T1"] and shown["posting"]["by"] == "biller"
    version = enc["version"]

    # the same file again: refused, nothing recorded
    with pytest.raises(Conflict, match="already posted") as exc:
        wb.upload_remit(biller, text, filename="era-1-again.835")
    assert "biller" in exc.value.message and exc.value.where == "era-1-again.835"
    # another file (a new envelope) carrying the same payment trace: refused too
    again = era([pay], "T1", when=dt.datetime(2026, 6, 2, 9))
    assert again != text
    with pytest.raises(Conflict, match=r"trace T1 .*already posted"):
        wb.upload_remit(biller, again, filename="era-1-copy.835")
    assert wb.encounter(biller, eid)["version"] == version
    assert len(_posted(wb, biller, eid)) == 1
    assert [r["trace_number"] for r in wb.remits(biller)] == ["T1"]

    # a file with the old payment and a new one (a correction): only the new one is posted
    from medcoder.remit.generate import remittance_for
    from medcoder.remit.model import Party
    from medcoder.remit.writers.x835 import write_835

    party = {"payer": Party("ACME HEALTH", "PI", "ACME1"),
             "payee": Party("TEST FAMILY MEDICINE", "XX", "1234567893"),
             "paid_on": dt.date(2026, 6, 1), "originator": "1999999999"}
    fix = adjudicate(claim, "paid", allowed=want, payer_claim_id="PCN2")
    both = write_835([remittance_for([pay], trace="T1", **party),
                      remittance_for([fix], trace="T2", control_number="0002", **party)],
                     sender="ACME1", receiver="CLINIC", when=dt.datetime(2026, 6, 3, 8))
    out = wb.upload_remit(biller, both, filename="era-2.835")
    assert [p["trace_number"] for p in out["posted"]] == ["T2"]
    assert [a["trace_number"] for a in out["already_posted"]] == ["T1"]
    assert out["already_posted"][0]["posted_by"] == "biller"
    events = _posted(wb, biller, eid)
    assert len(events) == 2 and events[-1]["data"]["trace_numbers"] == ["T2"]
    assert [r["trace_number"] for r in wb.remits(biller)] == ["T2", "T1"]


def test_denied_lines_explained(wb: Workbench, actors: dict[str, Actor], tmp_path: Path) -> None:
    from medcoder.remit.generate import adjudicate

    biller = actors["biller"]
    eid, claim = released(wb, actors["coder"], biller, tmp_path)
    denied = adjudicate(claim, "denied", denial=("16", "MA130"), payer_claim_id="PCN9")
    out = wb.upload_remit(biller, era([denied], "T9"), filename="era-9.835")
    (m,) = out["matched"]
    assert m["lines"] and all(ln["status"] == "underpaid" for ln in m["lines"])  # paid 0 of the contract
    for ln in m["lines"]:
        d = ln["denial"]
        assert (d["category"], d["category_label"]) == ("missing-info", "Missing / invalid information")
        assert d["group"] == "CO" and d["denied"] is True and d["action_label"]
        assert d["reason"] and "MA130" in [r["code"] for r in d["rarcs"]]
        (carc,) = d["carcs"]
        assert carc["code"] == "16"
        if (SHARED / "data" / "carc_rarc").is_dir():  # the wording of the imported X12 list
            assert carc["known"] is True and "lacks information" in carc["text"].lower()
        else:
            assert carc["known"] is False and "not loaded" in carc["text"]
    assert len(m["denials"]) == len(m["lines"])
    (shown,) = wb.encounter(biller, eid)["remits"]
    assert shown["lines"][0]["denial"]["category"] == "missing-info"
    assert shown["lines"][0]["denial"]["carcs"][0]["code"] == "16"


def test_remits_need_the_remit_permission(wb: Workbench, actors: dict[str, Actor]) -> None:
    from medcoder.workbench import Forbidden

    with pytest.raises(Forbidden):
        wb.remits(actors["coder"])


def _full_set_match(wb: Workbench, admin: Actor, text: str, eids: list[int]) -> dict[str, Any]:
    """What an 835 matched against every released claim, each rebuilt and priced (what
    ``upload_remit`` did for every upload before it narrowed the claims to those the 835 names)."""
    from medcoder.remit.match import match
    from medcoder.remit.readers.x835 import read_835_text
    from medcoder.workbench import billing

    claims, prices = [], {}
    for eid in eids:
        claim, _view = billing.build(wb.settings, wb.kb, eid, wb.rebuild_state(admin, eid))
        claims.append(claim)
        prices[claim.patient_control_number] = billing.price(wb.settings, wb.kb, claim)
    return match(list(read_835_text(text, source="ref.835", validate=False)), claims, prices=prices).to_dict()


def _without_denials(out: dict[str, Any]) -> dict[str, Any]:
    """The match's fields (the denial explanations the workbench adds left out), order-free."""
    def claim(m: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in m.items() if k != "denials"},
                "lines": [{k: v for k, v in ln.items() if k != "denial"} for ln in m["lines"]]}
    return {"totals": out["totals"], "notes": out["notes"],
            "matched": sorted((claim(m) for m in out["matched"]), key=lambda m: m["patient_control_number"]),
            "unpaid_claims": sorted(out["unpaid_claims"], key=lambda c: c["patient_control_number"]),
            "unmatched_payments": out["unmatched_payments"]}


def test_an_835_is_matched_as_against_every_released_claim(
        wb: Workbench, actors: dict[str, Actor], tmp_path: Path) -> None:
    """Only the claims an 835 names (WB<id>) are rebuilt and priced, the others read back as
    released; a payment whose PCN is not ours makes every claim rebuilt (member-id fallback).
    Either way the answer is the one the full set of released claims gives."""
    import dataclasses

    from medcoder.remit.generate import adjudicate

    biller, admin = actors["biller"], actors["admin"]
    rel = [released(wb, actors["coder"], biller, tmp_path) for _ in range(4)]
    eids = [eid for eid, _claim in rel]
    (e1, c1), (e2, c2), (e3, c3), (e4, c4) = rel

    # ours only: encounters 1 and 3 paid (1 short by $10), 2 and 4 unpaid
    short = {i: a - (Decimal("10.00") if i == 1 else 0) for i, a in expected(c1).items()}
    text = era([adjudicate(c1, "paid", allowed=short, payer_claim_id="P1"),
                adjudicate(c3, "paid", allowed=expected(c3), payer_claim_id="P3")], "S1")
    ref = _full_set_match(wb, admin, text, eids)
    out = wb.upload_remit(biller, text, filename="scope-1.835")
    assert _without_denials(out) == _without_denials(ref)
    assert {m["patient_control_number"] for m in out["matched"]} == {f"WB{e1}", f"WB{e3}"}
    assert {c["patient_control_number"] for c in out["unpaid_claims"]} == {f"WB{e2}", f"WB{e4}"}
    assert Decimal(out["totals"]["underpaid"]) == Decimal("10.00") and out["pricing_notes"] == []
    assert [len(_posted(wb, biller, e)) for e in eids] == [1, 0, 1, 0]

    # a payment whose CLP01 is not ours next to one of ours: every claim rebuilt (fallback)
    foreign = dataclasses.replace(adjudicate(c2, "paid", allowed=expected(c2), payer_claim_id="P2"),
                                  patient_control_number="OTHER-77")
    text = era([foreign, adjudicate(c4, "paid", allowed=expected(c4), payer_claim_id="P4")], "S2")
    ref = _full_set_match(wb, admin, text, eids)
    out = wb.upload_remit(biller, text, filename="scope-2.835")
    assert _without_denials(out) == _without_denials(ref)
    assert [(m["patient_control_number"], m["method"]) for m in out["matched"]] == [
        (f"WB{e4}", "patient-control-number")]
    # the four claims share patient, dates and charge: the fallback cannot tell them apart
    assert [p["patient_control_number"] for p in out["unmatched_payments"]] == ["OTHER-77"]
    assert [len(_posted(wb, biller, e)) for e in eids] == [1, 0, 1, 1]

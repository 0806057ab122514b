"""CARC, RARC, group, claim status and PLB code lists, on the copies in ``../shared/data/carc_rarc``.

Counts and wording are those of the shared files (X12/CMS lists as of 2024, README): 405
CARCs, 1,180 RARCs, 4 group codes, 6 claim status codes, 42 PLB reason codes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase

FILES = {
    "carc": "claim_adjustment_reason_codes.csv",
    "rarc": "remittance_advice_remark_codes.csv",
    "claim-adjustment-groups": "claim_adjustment_group_codes.csv",
    "claim-status": "claim_status_codes.csv",
    "plb-reasons": "provider_adjustment_reason_codes.csv",
}


@pytest.fixture
def lists(shared_data: Path, kb: KnowledgeBase) -> KnowledgeBase:
    for kind, name in FILES.items():
        kb.import_file(kind, shared_data / "carc_rarc" / name)
    return kb


def reader(kb: KnowledgeBase, kind: str):
    return kb.open(kind, "2024-10-01").reader


@pytest.mark.parametrize(
    ("kind", "count"),
    [("carc", 405), ("rarc", 1180), ("claim-adjustment-groups", 4), ("claim-status", 6), ("plb-reasons", 42)],
)
def test_every_code_of_each_list_is_loaded(lists: KnowledgeBase, kind: str, count: int) -> None:
    (info,) = lists.store.tables(kind)
    assert info.rows == count
    assert reader(lists, kind).count() == count


def test_carc_known_codes(lists: KnowledgeBase) -> None:
    carc = reader(lists, "carc")
    c45 = carc.get("45")
    assert c45.description.startswith("Charge exceeds fee schedule/maximum allowable")
    assert c45.groups == ("CO", "PR")  # "(Use only with Group Codes PR or CO depending upon liability)"
    assert carc.get("045") == c45
    assert carc.get("97").description.startswith(
        "The benefit for this service is included in the payment/allowance for another service/procedure"
    )
    assert carc.get("16").description.startswith("Claim/service lacks information or has submission/billing error(s).")
    assert carc.get("B15") is not None and carc.get("P2") is not None
    assert carc.get("999") is None


def test_carc_list_prints_no_dates_so_codes_are_taken_as_usable(lists: KnowledgeBase) -> None:
    carc = reader(lists, "carc")
    assert carc.get("45").start is None and carc.get("45").stop is None
    assert carc.is_active("45", "2024-10-01")
    assert not carc.is_active("999", "2024-10-01")
    (info,) = lists.store.tables("carc")
    assert info.release.startswith("undated-") and info.effective_from == "1995-01-01"


def test_group_codes(lists: KnowledgeBase) -> None:
    groups = reader(lists, "claim-adjustment-groups")
    assert [g.code for g in groups.all()] == ["CO", "OA", "PI", "PR"]
    assert groups.get("co").description == "Contractual Obligation"
    assert groups.get("PR").description == "Patient Responsibility"
    assert groups.get("OA").description == "Other Adjustment"  # the file has " Other Adjustment"
    assert groups.get("CR") is None  # not in this (5010) list


def test_claim_status_codes(lists: KnowledgeBase) -> None:
    status = reader(lists, "claim-status")
    assert status.get("4").description == "Denied"
    assert status.get("22").description == "Reversal of Previous Payment"
    assert status.get("01").code == "1"


def test_rarc_dates_are_taken_out_of_the_description(lists: KnowledgeBase) -> None:
    rarc = reader(lists, "rarc")
    m15 = rarc.get("M15")
    assert m15.description == (
        "Separately billed services/tests have been bundled as they are considered components of "
        "the same procedure. Separate payment is not allowed."
    )
    assert (m15.start, m15.stop, m15.last_modified, m15.notes) == (dt.date(1997, 1, 1), None, None, None)
    n130 = rarc.get("n130")
    assert n130.description == (
        "Consult plan benefit documents/guidelines for information about restrictions for this service."
    )
    assert (n130.start, n130.last_modified) == (dt.date(2002, 10, 31), dt.date(2009, 11, 1))
    assert n130.notes == "(Modified 4/1/07, 7/1/08, 11/1/09)"
    everything = rarc.all()
    assert not [c.code for c in everything if "Start:" in c.description or "Last Modified:" in c.description]
    assert sum(1 for c in everything if c.stop) == 79
    assert all(c.start for c in everything)


def test_rarc_with_a_stop_date_is_not_usable_after_it(lists: KnowledgeBase) -> None:
    rarc = reader(lists, "rarc")
    m33 = rarc.get("M33")  # "Start: 01/01/1997 | Stop: 08/01/2004Notes: Consider using M68"
    assert m33.stop == dt.date(2004, 8, 1)
    assert m33.notes == "Consider using M68"
    assert rarc.is_active("M33", "2004-08-01")
    assert not rarc.is_active("M33", "2004-08-02")
    assert not rarc.is_active("M33", "1996-12-31")  # before its start
    assert rarc.is_active("N130", "2024-10-01")
    card = rarc.card("M33")
    assert card["system"] == "RARC" and card["stop"] == "2004-08-01" and card["usable_today"] is False


def test_rarc_release_is_the_newest_date_in_the_list(lists: KnowledgeBase) -> None:
    (info,) = lists.store.tables("rarc")
    assert info.release == "2024-07-01"  # N904 starts 07/01/2024
    assert info.effective_from == "1997-01-01"
    assert info.meta["stopped"] == 79


def test_plb_notes_run_into_the_description_are_split(lists: KnowledgeBase) -> None:
    plb = reader(lists, "plb-reasons")
    c72 = plb.get("72")
    assert c72.description == "Provider refund amount"
    assert c72.notes == "This adjustment acknowledges a refund received from a provider for previous overpayment."
    assert plb.get("WO").description == "Overpayment recovery amount"
    assert plb.get("WO").notes is None


def test_search(lists: KnowledgeBase) -> None:
    carc = reader(lists, "carc")
    assert [c.code for c in carc.search("time limit for filing")] == ["29"]
    assert carc.search("45")[0].code == "45"
    rarc = reader(lists, "rarc")
    assert "M15" in [c.code for c in rarc.search("bundled components", limit=50)]
    assert "M33" in [c.code for c in rarc.search("UPIN", limit=50)]
    assert "M33" not in [c.code for c in rarc.search("UPIN", limit=50, active_on="2024-10-01")]
    assert rarc.search("   ") == []


def test_card(lists: KnowledgeBase) -> None:
    card = reader(lists, "carc").card("45")
    assert card["system"] == "CARC" and card["code"] == "45"
    assert card["title"].startswith("Charge exceeds fee schedule")
    assert card["use_only_with_groups"] == ["CO", "PR"]
    assert card["usable_today"] is True
    assert json.loads(json.dumps(card)) == card
    assert reader(lists, "carc").card("ZZ") is None

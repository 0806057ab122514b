"""ICD-10-CM Tabular (FY2026, April 1 2026 update) read from the official XML that the
simple-icd-10-cm package carries: counts, notes (own and inherited), 7th characters, validity."""

from __future__ import annotations

import datetime as dt

import pytest

from medcoder.codesets.icd10cm.reader import TabularReader, normalize
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.validate import validate


@pytest.fixture
def tab(tabular_kb: KnowledgeBase) -> TabularReader:
    return tabular_kb.open("icd10cm-tabular", "2026-05-01").reader


def test_manifest_records_source_release_dates_and_checksum(tabular_kb: KnowledgeBase) -> None:
    (info,) = tabular_kb.store.tables("icd10cm-tabular")
    assert info.release == "FY2026-April"
    assert (info.effective_from, info.effective_to) == ("2026-04-01", "2026-09-30")
    assert info.source.startswith("simple-icd-10-cm ")
    assert info.source.endswith("icd10c-tabular-April-1-2026.xml")
    assert len(info.sha256) == 64
    assert info.meta["chapters"] == 22


def test_billable_code_count_is_the_official_fy2026_count(tab: TabularReader) -> None:
    # CMS/NCHS FY2026: 74,719 codes; the same count as the code list shipped beside the XML
    assert len(tab.billable) == 74_719


def test_s06_death_codes_take_only_initial_encounter(tab: TabularReader) -> None:
    # S06 note: "7th characters D and S do not apply to codes ... with 6th character 7 ... or 8"
    assert "S06.1X7A" in tab.billable
    assert "S06.1X7D" not in tab.billable
    assert "S06.1X8S" not in tab.billable
    assert "S06.1X1D" in tab.billable
    assert [c for c, _ in tab.seventh_characters("S06.1X7")] == ["A"]


def test_normalize_accepts_the_forms_coders_type() -> None:
    assert normalize("e1122") == "E11.22"
    assert normalize(" W19XXXA ") == "W19.XXXA"
    assert normalize("I10") == "I10"


def test_e11_22_use_additional_code_for_ckd_stage(tab: TabularReader) -> None:
    notes = tab.notes("E11.22")
    own = [n for n in notes if not n.inherited]
    assert [(n.type, n.text) for n in own] == [
        ("useAdditionalCode", "code to identify stage of chronic kidney disease (N18.1-N18.6)")
    ]
    inherited_sources = {(n.source, n.source_kind) for n in notes if n.inherited}
    assert ("E11", "category") in inherited_sources
    assert ("4", "chapter") in inherited_sources
    excl1 = [n.text for n in notes if n.type == "excludes1" and n.source == "E11"]
    assert "type 1 diabetes mellitus (E10.-)" in excl1


def test_inclusion_terms_are_not_inherited(tab: TabularReader) -> None:
    # "Type 2 diabetes mellitus with renal tubular degeneration" belongs to E11.29 only
    assert any(n.type == "inclusionTerm" for n in tab.notes("E11.29"))
    assert not any("renal tubular" in n.text for n in tab.notes("E11.22"))


def test_chapter_and_hierarchy(tab: TabularReader) -> None:
    card = tab.card("S52.521A")
    assert card is not None
    assert card["title"] == "Torus fracture of lower end of right radius, initial encounter for closed fracture"
    assert [h["code"] for h in card["hierarchy"]] == ["19", "S50-S59", "S52", "S52.5", "S52.52", "S52.521"]
    assert card["chapter"]["code"] == "19"
    assert card["billable"] is True
    assert card["seventh_character"] == {"base": "S52.521", "char": "A"}


def test_s52_seventh_characters_for_fractures(tab: TabularReader) -> None:
    # category S52 defines 16 characters; the torus fracture S52.52- has its own, narrower list
    s52 = [c for c, _ in tab.seventh_characters("S52.001")]
    assert s52 == ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "M", "N", "P", "Q", "R", "S"]
    meanings = dict(tab.seventh_characters("S52.001"))
    assert meanings["A"] == "initial encounter for closed fracture"
    assert meanings["B"].startswith("initial encounter for open fracture type I or II")
    assert "open fracture NOS" in meanings["B"]
    assert [c for c, _ in tab.seventh_characters("S52.521")] == ["A", "D", "G", "K", "P", "S"]


def test_w19_placeholder_x(tab: TabularReader) -> None:
    assert tab.is_billable("W19.XXXA")
    v = tab.validate("W19")
    assert not v.valid and v.suggestion == "W19.XXXA"
    assert "7th character" in (v.reason or "")
    block_notes = [n for n in tab.notes("W19.XXXA") if n.source == "W00-W19"]
    assert ("excludes1", "assault involving a fall (Y01-Y02)") in [(n.type, n.text) for n in block_notes]
    assert all(n.inherited and n.source_kind == "block" for n in block_notes)
    v = tab.validate("W19A")
    assert not v.valid and v.suggestion == "W19.XXXA"
    assert "placeholder X" in (v.reason or "")


def test_header_lists_valid_children(tab: TabularReader) -> None:
    v = tab.validate("E11.2")
    assert not v.valid
    assert v.children == ["E11.21", "E11.22", "E11.29"]
    assert "needs more characters" in (v.reason or "")


def test_invalid_seventh_character(tab: TabularReader) -> None:
    v = tab.validate("S52.521Z")
    assert not v.valid
    assert "'Z' is not a valid 7th character" in (v.reason or "")
    assert [c for c, _ in v.seventh_characters] == ["A", "D", "G", "K", "P", "S"]


def test_unknown_and_misshapen_codes(tab: TabularReader) -> None:
    assert "nearest existing code is Z99" in (tab.validate("Z99.999").reason or "")
    assert "not shaped like" in (tab.validate("12345").reason or "")
    assert "block" in (tab.validate("A00-A09").reason or "")


def test_april_2026_update_codes_are_present(tab: TabularReader) -> None:
    assert tab.is_billable("QA0.0101")
    assert tab.title("QA0.0101") == "SCN2A-related neurodevelopmental disorder"


def test_newer_date_answers_from_newest_release_and_says_so(tabular_kb: KnowledgeBase) -> None:
    v = validate("E11.22", "2027-01-15", kb=tabular_kb)
    assert v.valid
    assert v.notice and "FY2026-April" in v.notice and "medcoder data sync" in v.notice
    v = validate("E11.22", dt.date(2026, 6, 1), kb=tabular_kb)
    assert v.valid and v.notice is None


def test_search_finds_tabular_titles_in_any_word_order(tab: TabularReader) -> None:
    hits = tab.search("chronic kidney disease diabetes type 2", limit=5)
    assert "E11.22" in [h["code"] for h in hits]
    hits = tab.search("fracture distal radius left", limit=10)
    assert hits and all("left radius" in h["title"].lower() or "radius, left" in h["title"].lower() for h in hits[:5])

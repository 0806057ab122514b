"""ICD-10-CM Alphabetic Index on the official FY2025 files (CDC/NCHS) in ../shared/data/icd10cm.

The Index to Diseases and Injuries there is a lossy stand-in in the official schema (no
<manif>, <seecat>, <subcat>, nor text after a <nemod>); those are tested on the hand-written
fixture in test_icd10cm_index_fixture.py.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest

from medcoder.codesets.icd10cm_index import IndexHit, Term, WalkResult
from medcoder.codesets.icd10cm_index.reader import IndexReader
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore, TableInfo

FILES = {
    "icd10cm-index": "icd10cm-index-2025-reconstructed.xml",
    "icd10cm-eindex": "icd-10-cm-eindex-2025.xml",
    "icd10cm-drug": "icd-10-cm-drug-2025.xml",
    "icd10cm-neoplasm": "icd-10-cm-neoplasm-2025.xml",
}


@pytest.fixture(scope="module")
def data_root(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the four FY2025 files imported once for this module."""
    root = tmp_path_factory.mktemp("icd10cm-index-data")
    kb = KnowledgeBase(DataStore(root))
    for kind, name in FILES.items():
        kb.import_file(kind, shared_data / "icd10cm" / name)
    return root


@pytest.fixture(scope="module")
def built(data_root: Path) -> dict[str, TableInfo]:
    return {t.kind: t for t in DataStore(data_root).tables()}


def _reader(built: dict[str, TableInfo], kind: str, root: Path) -> IndexReader:
    info = built[kind]
    return IndexReader(root / info.path, info)


@pytest.fixture(scope="module")
def index(built: dict[str, TableInfo], data_root: Path) -> IndexReader:
    return _reader(built, "icd10cm-index", data_root)


@pytest.fixture(scope="module")
def eindex(built: dict[str, TableInfo], data_root: Path) -> IndexReader:
    return _reader(built, "icd10cm-eindex", data_root)


@pytest.fixture(scope="module")
def drug(built: dict[str, TableInfo], data_root: Path) -> IndexReader:
    return _reader(built, "icd10cm-drug", data_root)


@pytest.fixture(scope="module")
def neoplasm(built: dict[str, TableInfo], data_root: Path) -> IndexReader:
    return _reader(built, "icd10cm-neoplasm", data_root)


# -- import: releases and counts -------------------------------------------------------------


def test_every_file_is_fy2025_in_force_oct_2024_to_sep_2025(built: dict[str, TableInfo]) -> None:
    for info in built.values():
        assert info.release == "FY2025"
        assert info.effective_from == "2024-10-01"
        assert info.effective_to == "2025-09-30"
        assert info.meta["version"] == "2025"


def test_index_to_diseases_counts(built: dict[str, TableInfo]) -> None:
    meta = built["icd10cm-index"].meta
    assert built["icd10cm-index"].rows == 81_024 == meta["terms"]
    assert meta["main_terms"] == 8_100
    assert meta["letters"] == 26
    assert meta["codes"] == 62_721
    assert meta["see"] == 12_136
    assert meta["see_also"] == 2_057
    assert meta["subterms_by_level"]["1"] == 29_785
    assert meta["subterms_by_level"]["9"] == 60


def test_external_cause_index_counts(built: dict[str, TableInfo]) -> None:
    meta = built["icd10cm-eindex"].meta
    assert (meta["main_terms"], meta["terms"]) == (314, 8_064)
    assert (meta["codes"], meta["see"], meta["see_also"]) == (6_650, 790, 98)
    assert (meta["seecat"], meta["subcat"]) == (3, 11)
    assert meta["document_title"] == "ICD-10-CM EXTERNAL CAUSE of INJURIES INDEX"


def test_drug_table_counts_and_columns(built: dict[str, TableInfo], drug: IndexReader) -> None:
    meta = built["icd10cm-drug"].meta
    assert (meta["main_terms"], meta["terms"], meta["letters"]) == (5_177, 7_428, 27)
    assert meta["cells"] == 40_026  # cells holding a code ("--" cells are empty)
    assert drug.columns() == [
        "Substance",
        "Poisoning Accidental (unintentional)",
        "Poisoning Intentional self-harm",
        "Poisoning Assault",
        "Poisoning Undetermined",
        "Adverse effect",
        "Underdosing",
    ]


def test_neoplasm_table_counts_and_columns(
    built: dict[str, TableInfo], neoplasm: IndexReader
) -> None:
    meta = built["icd10cm-neoplasm"].meta
    assert (meta["main_terms"], meta["terms"]) == (1, 1_939)
    assert meta["manif"] == 1  # the one <manif> holds words, not a code
    assert neoplasm.columns()[1:] == [
        "Malignant Primary",
        "Malignant Secondary",
        "Ca in situ",
        "Benign",
        "Uncertain Behavior",
        "Unspecified Behavior",
    ]


def test_kb_opens_the_release_for_a_date_of_service(data_root: Path) -> None:
    kb = KnowledgeBase(DataStore(data_root))
    opened = kb.open("icd10cm-index", _dt.date(2025, 3, 1))
    assert opened.release == "FY2025" and opened.notice is None
    assert isinstance(opened.reader, IndexReader)
    later = kb.open("icd10cm-drug", _dt.date(2026, 3, 1))
    assert later.notice is not None and "after the newest" in later.notice


# -- Index to Diseases and Injuries ------------------------------------------------------------


def test_main_term_ignores_case_modifiers_and_alternatives(index: IndexReader) -> None:
    t = index.main_term("diabetes")
    assert isinstance(t, Term)
    assert t.title == "Diabetes, diabetic (mellitus) (sugar)"
    assert t.plain == "Diabetes, diabetic"
    assert t.modifiers == ("mellitus", "sugar")
    assert t.code == "E11.9" and t.level == 0 and t.letter == "D"
    assert index.main_term("Diabetes, diabetic (mellitus)") == t
    # several main terms start with "Fracture"; the coder's default is the traumatic one
    frac = index.main_term("Fracture")
    assert frac is not None and frac.plain == "Fracture, traumatic" and frac.code == "T14.8"
    assert index.main_term("fractures") == frac
    assert index.main_term("no such condition") is None


def test_children_and_path(index: IndexReader) -> None:
    diabetes = index.main_term("Diabetes")
    assert diabetes is not None
    kids = index.children(diabetes)
    assert kids[0].plain == "with"  # "with" subterms come first in the Index
    assert "type 2" in [k.plain for k in kids]
    with_ = kids[0]
    ckd = next(k for k in index.children(with_) if k.plain == "chronic kidney disease")
    assert index.path(ckd) == ["Diabetes, diabetic", "with", "chronic kidney disease"]
    assert [a.plain for a in index.ancestors(ckd)] == index.path(ckd)
    assert index.parent(ckd) == with_


def test_walk_diabetes_type_2_with_ckd(index: IndexReader) -> None:
    res = index.walk(["Diabetes", "type 2", "with", "chronic kidney disease"])
    assert isinstance(res, WalkResult)
    assert res.found and res.code == "E11.22"
    assert res.path == ("Diabetes, diabetic", "type 2", "with", "chronic kidney disease")
    assert [s.how for s in res.trail] == ["match"] * 4
    assert not res.followed_see


def test_walk_passes_through_an_unnamed_with(index: IndexReader) -> None:
    res = index.walk("Diabetes, type 2, chronic kidney disease")
    assert res.found and res.code == "E11.22"
    assert [s.how for s in res.trail] == ["match", "match", "connective", "match"]
    assert index.walk("Anemia, chronic kidney disease").code == "D63.1"  # through "in"


def test_walk_fracture_traumatic_radius(index: IndexReader) -> None:
    assert index.walk("Fracture, traumatic, radius").code == "S52.9-"
    # "Fracture, traumatic" may be written as two steps, or the coder's "Fracture" alone
    assert index.walk(["Fracture", "traumatic", "radius", "lower end"]).code == "S52.50-"
    res = index.walk(["Fracture", "radius", "upper end", "torus"])
    assert res.code == "S52.11-" and res.path[0] == "Fracture, traumatic"
    assert res.see_also == ("Fracture, pathological",)


def test_walk_follows_see_and_reports_it(index: IndexReader) -> None:
    res = index.walk("Fracture, radius, distal end")
    # the Index: "distal end - see Fracture, radius, lower end"
    assert res.followed == ("Fracture, radius, lower end",)
    assert res.followed_see and res.found
    assert res.code == "S52.50-"
    assert res.path == ("Fracture, traumatic", "radius", "lower end")
    assert [s.how for s in res.trail][-3:] == ["see", "see", "see"]
    # the steps after a see go on from where it leads
    assert index.walk("Fracture, radius, distal end, torus").code == "S52.52-"
    abd = index.walk("Abdominalgia")
    assert abd.followed == ("Pain, abdominal",) and abd.code == "R10.9"


def test_walk_surfaces_see_also_and_unmatched_steps(index: IndexReader) -> None:
    res = index.walk("Abdomen, acute")
    assert res.code == "R10.0" and res.see_also == ("condition",)
    miss = index.walk("Diabetes, type 2, purple spots")
    assert not miss.found
    assert miss.unmatched == ("purple spots",)
    assert miss.path == ("Diabetes, diabetic", "type 2") and miss.code == "E11.9"


def test_walk_reports_a_see_it_cannot_follow(index: IndexReader) -> None:
    # "Disease, kidney, diabetic - see E08-E13 with .22": not an entry of the Index
    res = index.walk("Disease, kidney, diabetic")
    assert res.found and res.code is None
    assert res.unresolved_see == "E08-E13 with .22"


def test_search_diabetes_with_ckd(index: IndexReader) -> None:
    hits = index.search("diabetes with chronic kidney disease")
    assert isinstance(hits[0], IndexHit)
    assert hits[0].path == ("Diabetes, diabetic", "with", "chronic kidney disease")
    assert hits[0].code == "E11.22"
    assert {"diabet", "kidney"} <= set(hits[0].matched)
    # word order does not matter, abbreviations are spelled out
    assert index.search("kidney disease chronic diabetes")[0].code == "E11.22"
    assert index.search("type 2 diabetes ckd")[0].path == (
        "Diabetes, diabetic",
        "type 2",
        "with",
        "chronic kidney disease",
    )


def test_search_fracture_distal_radius_follows_see(index: IndexReader) -> None:
    hits = index.search("fracture distal radius", limit=10)
    top = hits[0]
    assert top.path == ("Fracture, traumatic", "radius", "distal end")
    assert top.code is None and top.see == "Fracture, radius, lower end"
    assert top.see_code == "S52.50-"
    assert top.see_path == ("Fracture, traumatic", "radius", "lower end")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_plurals_and_ranking(index: IndexReader) -> None:
    top = index.search("fractures of the radius")[0]
    assert top.path == ("Fracture, traumatic", "radius") and top.code == "S52.9-"
    assert index.search("chronic kidney disease stage 3")[0].code == "N18.30"
    assert index.search("hypertension with heart failure")[0].code == "I11.0"
    assert index.search("acute appendicitis")[0].code == "K35.80"
    assert index.search("asthma")[0].path == ("Asthma, asthmatic",)


def test_search_counts_nonessential_modifiers_as_optional(index: IndexReader) -> None:
    # "Diabetes, diabetic (mellitus) (sugar)": "mellitus" is a modifier, matched but never required
    with_mod = index.search("diabetes mellitus", limit=3)[0]
    without = index.search("diabetes", limit=3)[0]
    assert with_mod.term == without.term
    assert with_mod.term.path == ("Diabetes, diabetic",)
    assert "mellitus" in with_mod.matched


def test_search_with_no_words_or_no_match(index: IndexReader) -> None:
    assert index.search("") == []
    assert index.search("of the with") == []
    assert index.search("qwertyuiop zxcvb") == []


def test_card_lists_entries_leading_to_a_code(index: IndexReader) -> None:
    card = index.card("E11.22")
    assert card is not None
    assert card["system"] == "ICD-10-CM Index to Diseases and Injuries"
    assert card["code"] == "E11.22" and card["release"] == "FY2025"
    paths = [e["path"] for e in card["entries"]]
    assert ["Diabetes, diabetic", "type 2", "with", "chronic kidney disease"] in paths
    assert card["title"] == "Diabetes, diabetic > with > chronic kidney disease"
    # a full 7-character code is reached through the Index's shortened "S52.50-"
    frac = index.card("S52501A")
    assert frac is not None and frac["code"] == "S52.501A"
    assert frac["entries"][0]["as_printed"] == "S52.50-"
    assert index.card("Z99.999") is None


# -- External Cause Index ---------------------------------------------------------------------


def test_external_cause_fall_from_bed(eindex: IndexReader) -> None:
    res = eindex.walk(["Fall", "from", "bed"])
    assert res.found and res.code == "W06"
    assert res.path == ("Fall, falling", "from, off, out of", "bed")
    assert eindex.search("fall from bed")[0].code == "W06"


def test_external_cause_text_after_nonessential_modifier(eindex: IndexReader) -> None:
    t = eindex.main_term("Abandonment")
    assert t is not None
    assert t.title == (
        "Abandonment (causing exposure to weather conditions) (with intent to injure or kill) NEC"
    )
    assert t.plain == "Abandonment NEC"
    assert t.modifiers == (
        "causing exposure to weather conditions",
        "with intent to injure or kill",
    )
    assert t.code == "X58"


def test_external_cause_seecat_subcat_and_see(eindex: IndexReader) -> None:
    lightning = eindex.walk("Lightning")
    assert lightning.subcat == "T75.0" and lightning.code is None
    assert eindex.walk("Strangulation").seecat == "T71"
    car = eindex.walk("Accident, automobile")
    assert car.followed == ("Accident, transport, car occupant",)
    assert car.code == "V49.9"
    card = eindex.card("W06.XXXA")  # the External Cause Index prints the category W06
    assert card is not None and card["entries"][0]["as_printed"] == "W06"


# -- Table of Drugs and Chemicals --------------------------------------------------------------


def test_drug_table_acetaminophen_row(drug: IndexReader) -> None:
    row = drug.table_row(["Acetaminophen"])
    assert row == {
        "Poisoning Accidental (unintentional)": "T39.1X1",
        "Poisoning Intentional self-harm": "T39.1X2",
        "Poisoning Assault": "T39.1X3",
        "Poisoning Undetermined": "T39.1X4",
        "Adverse effect": "T39.1X5",
        "Underdosing": "T39.1X6",
    }


def test_drug_table_dashes_are_none_and_nested_rows(drug: IndexReader) -> None:
    row = drug.table_row("Carbon, monoxide, fuel, utility")
    assert row is not None
    assert row["Poisoning Accidental (unintentional)"] == "T58.11"
    assert row["Adverse effect"] is None and row["Underdosing"] is None
    assert drug.table_row("Nonexistent substance") is None


def test_drug_table_see_reference(drug: IndexReader) -> None:
    res = drug.walk("Aleve")
    assert res.followed == ("Naproxen",)
    assert res.cells["Adverse effect"] == "T39.315"


def test_drug_table_search_and_card(drug: IndexReader) -> None:
    hit = drug.search("acetaminophen")[0]
    assert hit.path == ("Acetaminophen",)
    assert hit.cells["Underdosing"] == "T39.1X6"
    card = drug.card("T39.1X1A")
    assert card is not None
    rows = {tuple(e["path"]): e for e in card["entries"]}
    assert rows[("Acetaminophen",)]["role"] == "Poisoning Accidental (unintentional)"
    assert rows[("Acetaminophen",)]["as_printed"] == "T39.1X1"


# -- Neoplasm Table ---------------------------------------------------------------------------


def test_neoplasm_lung_row(neoplasm: IndexReader) -> None:
    row = neoplasm.table_row(["lung"])  # the main term "Neoplasm, neoplastic" may be left out
    assert row is not None
    assert row["Malignant Primary"] == "C34.9-"
    assert row["Malignant Secondary"] == "C78.0-"
    assert row["Benign"] == "D14.3-"
    assert row["Unspecified Behavior"] == "D49.1"
    assert neoplasm.table_row(["Neoplasm", "lung"]) == row
    azygos = neoplasm.table_row("lung, azygos lobe")
    assert azygos is not None and azygos["Malignant Primary"] == "C34.1-"


def test_neoplasm_see_and_manif_note(neoplasm: IndexReader) -> None:
    res = neoplasm.walk("accessory sinus")
    assert res.followed == ("Neoplasm, sinus",)
    assert res.cells["Malignant Primary"] == "C31.9"
    book = neoplasm.walk("book-leaf").term
    assert book is not None and book.modifiers == ("mouth",)
    assert book.manif == () and book.manif_note == "ventral surface of tongue and floor of mouth"


def test_neoplasm_search(neoplasm: IndexReader) -> None:
    top = neoplasm.search("breast upper outer quadrant")[0]
    assert top.path == ("Neoplasm, neoplastic", "breast", "upper-outer quadrant")
    assert top.cells["Malignant Primary"] == "C50.4-"
    card = neoplasm.card("C34.90")
    assert card is not None
    assert {
        "path": ["Neoplasm, neoplastic", "lung"],
        "text": "Neoplasm, neoplastic > lung",
        "role": "Malignant Primary",
        "as_printed": "C34.9-",
    } in card["entries"]

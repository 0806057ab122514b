"""ICD-10-PCS on the official CMS files in ../shared/data/icd10pcs.

Tables and Definitions FY2026, Index FY2025. The numbers asserted here were counted from
those files: 914 tables, 2,733 rows, 79,115 valid codes (the Cartesian products of every
row's values; no code is allowed by two rows).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from pathlib import Path

import pytest

from medcoder.codesets.icd10pcs.definitions import DefinitionsReader
from medcoder.codesets.icd10pcs.index import IndexReader
from medcoder.codesets.icd10pcs.reader import PcsReader
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.errors import UnknownCodeError


@pytest.fixture(scope="module")
def pcs_kb(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(DataStore(tmp_path_factory.mktemp("pcs-data")))
    src = shared_data / "icd10pcs"
    kb.import_file("icd10pcs", src / "icd10pcs_tables_2026.xml")
    kb.import_file("icd10pcs-definitions", src / "icd10pcs_definitions_2026.xml")
    kb.import_file("icd10pcs-index", src / "icd10pcs_index_2025.xml")
    return kb


@pytest.fixture(scope="module")
def pcs(pcs_kb: KnowledgeBase) -> PcsReader:
    reader = pcs_kb.open("icd10pcs", "2026-03-15").reader
    assert isinstance(reader, PcsReader)
    return reader


@pytest.fixture(scope="module")
def defs(pcs_kb: KnowledgeBase) -> DefinitionsReader:
    reader = pcs_kb.open("icd10pcs-definitions", "2026-03-15").reader
    assert isinstance(reader, DefinitionsReader)
    return reader


@pytest.fixture(scope="module")
def index(pcs_kb: KnowledgeBase) -> IndexReader:
    reader = pcs_kb.open("icd10pcs-index", "2025-03-15").reader
    assert isinstance(reader, IndexReader)
    return reader


# -- import ------------------------------------------------------------------------------------


def test_tables_release_and_counts_come_from_the_file(pcs_kb: KnowledgeBase) -> None:
    (info,) = pcs_kb.store.tables("icd10pcs")
    assert info.release == "FY2026"
    assert (info.effective_from, info.effective_to) == ("2025-10-01", "2026-09-30")
    assert info.rows == 79_115
    assert info.meta["tables"] == 914
    assert info.meta["table_rows"] == 2_733
    assert info.meta["codes_by_section"]["Medical and Surgical"] == 68_419
    assert info.meta["codes_by_section"]["New Technology"] == 476
    assert sum(info.meta["codes_by_section"].values()) == 79_115


def test_definitions_and_index_releases(pcs_kb: KnowledgeBase) -> None:
    (d,) = pcs_kb.store.tables("icd10pcs-definitions")
    assert (d.release, d.effective_from, d.effective_to, d.rows) == (
        "FY2026",
        "2025-10-01",
        "2026-09-30",
        954,
    )
    assert d.meta["device_aggregates"] == 60
    (i,) = pcs_kb.store.tables("icd10pcs-index")
    assert (i.release, i.effective_from, i.effective_to) == ("FY2025", "2024-10-01", "2025-09-30")
    assert i.meta["main_terms"] == 3_215
    assert i.rows == 24_484
    assert i.meta["leads_to"] == {
        "code": 2_794,
        "partial": 12_152,
        "table": 1_415,
        "see": 1_785,
        "use": 2_342,
    }


def test_the_release_in_force_is_chosen_by_date(pcs_kb: KnowledgeBase) -> None:
    assert pcs_kb.open("icd10pcs", "2026-09-30").notice is None
    later = pcs_kb.open("icd10pcs", "2026-10-01")
    assert later.notice is not None and "after the newest icd10pcs release" in later.notice
    assert pcs_kb.open("icd10pcs-index", "2026-01-05").notice is not None


# -- counting and enumerating ------------------------------------------------------------------


def test_count_and_enumerate_agree_on_79115_codes(pcs: PcsReader) -> None:
    codes = list(pcs.enumerate())
    assert pcs.count() == len(codes) == len(set(codes)) == 79_115
    assert codes == sorted(codes)
    assert codes[0] == "0016070"
    assert len(pcs.tables()) == 914
    by_section = Counter(c[0] for c in codes)
    assert by_section["0"] == 68_419
    assert by_section["B"] == 2_978
    assert all(pcs.is_valid(c) for c in codes)


def test_counts_under_a_prefix(pcs: PcsReader) -> None:
    assert pcs.count("0D") == 4_594
    assert pcs.count("0DT") == 106
    assert pcs.count("0DTJ") == 5
    assert list(pcs.enumerate("0DTJ")) == ["0DTJ0ZZ", "0DTJ4ZG", "0DTJ4ZZ", "0DTJ7ZZ", "0DTJ8ZZ"]
    assert pcs.count("0DTJ4ZZ") == 1
    assert pcs.count("0DZ") == 0
    assert list(pcs.enumerate("0DZ")) == []


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "0DTJ4ZZ",  # laparoscopic appendectomy
        "0DTJ0ZZ",  # open appendectomy
        "0SRC0J9",  # right knee replacement, synthetic substitute, cemented
        "0SRD0J9",  # left knee, cemented
        "0SR90J9",  # right hip replacement, synthetic substitute, cemented
        "0SRB0J9",  # left hip, cemented
        "02703DZ",  # PTCA of one coronary artery with an intraluminal device
        "0dtj4zz",  # lower case, as CodiEsp writes codes
        " 0DTJ4ZZ ",
    ],
)
def test_known_codes_are_valid(pcs: PcsReader, code: str) -> None:
    v = pcs.validate(code)
    assert v.valid, v.reason
    assert v.reason is None
    assert code in pcs


def test_a_value_the_table_does_not_have_names_the_axis_and_the_allowed_values(
    pcs: PcsReader,
) -> None:
    v = pcs.validate("0DTJ4ZX")
    assert not v.valid
    assert (v.problem, v.position, v.axis, v.table) == ("value", 7, "Qualifier", "0DT")
    assert [(a.value, a.label) for a in v.allowed] == [
        ("G", "Hand-Assisted"),
        ("Z", "No Qualifier"),
    ]
    assert v.reason is not None
    assert "Qualifier 'X' (axis 7) is not a value of table 0DT" in v.reason
    assert "G Hand-Assisted, Z No Qualifier" in v.reason


def test_a_combination_no_row_allows(pcs: PcsReader) -> None:
    # 0DT has qualifier G (hand-assisted), but only with the percutaneous endoscopic approach
    v = pcs.validate("0DTJ0ZG")
    assert (v.valid, v.problem, v.position, v.axis) == (False, "combination", 7, "Qualifier")
    assert [a.value for a in v.allowed] == ["Z"]
    assert v.reason is not None
    assert "Body Part J (Appendix), Approach 0 (Open), Device Z (No Device)" in v.reason
    # approach 7 is in 0DT, but the anal sphincter allows only open and endoscopic
    w = pcs.validate("0DTR7ZZ")
    assert (w.problem, w.position, w.axis) == ("combination", 5, "Approach")
    assert [(a.value, a.label) for a in w.allowed] == [
        ("0", "Open"),
        ("4", "Percutaneous Endoscopic"),
    ]


@pytest.mark.parametrize(
    ("code", "problem", "position", "words"),
    [
        ("", "empty", None, "no code given"),
        ("0DTJ4Z", "length", 7, "0DTJ4Z has 6 characters: a valid start of 2 codes"),
        ("0DTJ4ZZ1", "length", 8, "has 8 characters; an ICD-10-PCS code has exactly 7"),
        ("0OTJ4ZZ", "character", 2, "letters I and O are never used"),
        ("0DT-4ZZ", "character", 4, "character 4 (Body Part) is '-'"),
        ("AAAAAAA", "section", 1, "there is no section 'A'"),
        ("0ZTJ4ZZ", "body_system", 2, "Body System 'Z' does not exist in 0 (Medical and Surgical)"),
        ("0DZJ4ZZ", "operation", 3, "there is no table 0DZ"),
        ("0DTZ4ZZ", "value", 4, "Body Part 'Z' (axis 4) is not a value of table 0DT"),
        ("0DTJ4JZ", "value", 6, "the table's Device values are Z No Device"),
    ],
)
def test_invalid_codes_say_why(
    pcs: PcsReader, code: str, problem: str, position: int | None, words: str
) -> None:
    v = pcs.validate(code)
    assert not v.valid
    assert v.problem == problem
    assert v.position == position
    assert v.reason is not None and words in v.reason


def test_a_partial_code_is_reported_as_partial_with_the_next_choices(pcs: PcsReader) -> None:
    v = pcs.validate("0DTJ")
    assert (v.valid, v.partial, v.problem, v.position, v.axis) == (
        False,
        True,
        "length",
        5,
        "Approach",
    )
    assert [a.value for a in v.allowed] == ["0", "4", "7", "8"]


# -- explanation -------------------------------------------------------------------------------


def test_explain_gives_each_axis_its_title_and_label(pcs: PcsReader) -> None:
    axes = pcs.explain("0DTJ4ZZ")
    assert [(a.position, a.axis, a.value, a.label) for a in axes] == [
        (1, "Section", "0", "Medical and Surgical"),
        (2, "Body System", "D", "Gastrointestinal System"),
        (3, "Operation", "T", "Resection"),
        (4, "Body Part", "J", "Appendix"),
        (5, "Approach", "4", "Percutaneous Endoscopic"),
        (6, "Device", "Z", "No Device"),
        (7, "Qualifier", "Z", "No Qualifier"),
    ]
    # the tables file prints each root operation's definition
    assert axes[2].definition == "Cutting out or off, without replacement, all of a body part"
    assert pcs.title("0DTJ4ZZ") == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert pcs.title("02703DZ") == (
        "Dilation of Coronary Artery, One Artery with Intraluminal Device, Percutaneous Approach"
    )
    assert pcs.title("0SRC0J9") == (
        "Replacement of Knee Joint, Right with Synthetic Substitute, Cemented, Open Approach"
    )
    assert pcs.title("0DTJ4ZX") is None


def test_a_value_label_depends_on_its_table(pcs: PcsReader) -> None:
    assert pcs.explain("0DT1")[3].label == "Esophagus, Upper"
    assert pcs.explain("0FT1")[3].label == "Liver, Right Lobe"
    assert pcs.explain("0FT0")[3].label == "Liver"


def test_axis_titles_are_the_sections_own(pcs: PcsReader) -> None:
    imaging = pcs.explain("BW03ZZZ")
    assert [a.axis for a in imaging] == [
        "Section",
        "Body System",
        "Type",
        "Body Part",
        "Contrast",
        "Qualifier",
        "Qualifier",
    ]
    assert imaging[0].label == "Imaging"
    rehab = pcs.values("F0", 3)
    assert rehab and rehab[0].axis == "Type"
    assert pcs.explain("XW033S5")[5].axis == "Device / Substance / Technology"


def test_a_value_can_mean_different_things_in_two_rows_of_one_table(pcs: PcsReader) -> None:
    # New Technology table XNS uses body part 4 for the thoracic vertebra in one row and
    # the right humeral shaft in another: the full code picks the row, and its label
    four = next(c for c in pcs.values("XNS") if c.value == "4")
    assert set(four.labels) == {"Thoracic Vertebra", "Humeral Shaft, Right"}
    labels = {pcs.explain(c)[3].label for c in pcs.enumerate("XNS4")}
    assert labels == {"Thoracic Vertebra", "Humeral Shaft, Right"}


def test_explain_refuses_what_is_not_a_code(pcs: PcsReader) -> None:
    with pytest.raises(UnknownCodeError, match="no table 0DZ"):
        pcs.explain("0DZJ4ZZ")


# -- the code builder's choices ----------------------------------------------------------------


def test_values_drive_an_axis_by_axis_builder(pcs: PcsReader) -> None:
    sections = pcs.values("")
    assert len(sections) == 17
    assert (sections[0].value, sections[0].label, sections[0].codes) == (
        "0",
        "Medical and Surgical",
        68_419,
    )
    assert sum(s.codes for s in sections) == 79_115
    ops = pcs.values("0D")
    assert [o.value for o in ops][:4] == ["1", "2", "5", "7"]
    assert next(o for o in ops if o.value == "T").label == "Resection"
    parts = pcs.values("0DT")
    assert len(parts) == 25 and parts[0].axis == "Body Part"
    approaches = pcs.values("0DTJ")
    assert [(a.value, a.label, a.codes) for a in approaches] == [
        ("0", "Open", 1),
        ("4", "Percutaneous Endoscopic", 2),
        ("7", "Via Natural or Artificial Opening", 1),
        ("8", "Via Natural or Artificial Opening Endoscopic", 1),
    ]
    assert [q.value for q in pcs.values("0DTJ4Z")] == ["G", "Z"]
    assert [q.value for q in pcs.values("0DT", axis=7)] == ["G", "Z"]
    assert pcs.values("0DTJ4ZZ") == []
    assert pcs.values("0DZ") == []


def test_table_view_prints_rows_with_labels(pcs: PcsReader) -> None:
    t = pcs.table("0DT")
    assert t is not None
    assert t.title == "Medical and Surgical, Gastrointestinal System, Resection"
    assert (t.codes, len(t.rows)) == (106, 6)
    assert [h.label for h in t.header] == [
        "Medical and Surgical",
        "Gastrointestinal System",
        "Resection",
    ]
    assert sum(r.codes for r in t.rows) == 106
    row2 = t.rows[1]
    assert [v for v, _ in row2.axes[0].values] == ["F", "J"]
    assert row2.axes[0].values[1] == ("J", "Appendix")
    only = pcs.table("0DTJ")
    assert only is not None and [r.number for r in only.rows] == [2, 3]
    assert pcs.table("0DZ") is None
    assert t.to_dict()["rows"][0]["axes"][1]["axis"] == "Approach"


# -- cards -------------------------------------------------------------------------------------


def test_card_for_a_full_code(pcs: PcsReader, defs: DefinitionsReader) -> None:
    card = pcs.card("0DTJ4ZZ", definitions=defs)
    assert card is not None
    assert card["system"] == "ICD-10-PCS"
    assert card["title"] == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert card["valid"] is True and card["release"] == "FY2026"
    assert card["table"] == {
        "code": "0DT",
        "title": "Medical and Surgical, Gastrointestinal System, Resection",
    }
    assert [a["label"] for a in card["axes"]][3:5] == ["Appendix", "Percutaneous Endoscopic"]
    assert card["operation"]["definition"].startswith("Cutting out or off")
    assert "Vermiform appendix" in card["axes"][3]["includes"]


def test_card_for_a_partial_code_and_an_invalid_code(pcs: PcsReader) -> None:
    table = pcs.card("0DT")
    assert table is not None and table["kind"] == "table" and table["codes"] == 106
    assert len(table["rows"]) == 6 and table["next"]["axis"] == "Body Part"
    partial = pcs.card("0DTJ")
    assert partial is not None and partial["kind"] == "partial" and partial["codes"] == 5
    assert partial["title"] == "Resection of Appendix"
    assert [v["value"] for v in partial["next"]["values"]] == ["0", "4", "7", "8"]
    bad = pcs.card("0DTJ0ZG")
    assert bad is not None and bad["valid"] is False
    assert "no row allows it" in bad["validity"]["reason"]
    assert [v["value"] for v in bad["allowed"]["values"]] == ["Z"]
    assert pcs.card("0DZJ4ZZ") is None
    assert pcs.card("0D") is None


def test_show_and_validate_use_the_reader(pcs_kb: KnowledgeBase) -> None:
    from medcoder.codesets.cards import code_cards
    from medcoder.codesets.procedures import validate

    (card,) = code_cards("0DTJ4ZZ", "2026-03-15", kb=pcs_kb)
    assert card["system"] == "ICD-10-PCS" and card["valid"] is True
    v = validate("ICD-10-PCS", "0DTJ4ZX", _dt.date(2026, 3, 15), pcs_kb)
    assert not v.valid and v.reason is not None and "Qualifier 'X'" in v.reason


# -- definitions -------------------------------------------------------------------------------


def test_definition_of_resection(defs: DefinitionsReader) -> None:
    t = defs.root_operation("Resection")
    assert t is not None
    assert t.definition == "Cutting out or off, without replacement, all of a body part"
    assert t.includes == ("Total nephrectomy, total lobectomy of lung",)
    bypass = defs.root_operation("bypass")
    assert bypass is not None and bypass.explanation is not None
    assert bypass.explanation.startswith("Rerouting contents of a body part")
    assert len(defs.terms("0", 3)) == 31  # the 31 root operations of Medical and Surgical


def test_body_parts_approaches_and_devices(defs: DefinitionsReader) -> None:
    toe = defs.term("0", 4, "1st Toe, Right")
    assert toe is not None and toe.includes == ("Hallux",)
    assert toe.titles == ("1st Toe, Left", "1st Toe, Right")
    assert [t.title for t in defs.including("Hallux")] == ["1st Toe, Left"]
    approach = defs.term("0", 5, "Via Natural or Artificial Opening Endoscopic")
    assert approach is not None and approach.definition is not None
    device = defs.term("0", 6, "Autologous Arterial Tissue", body_system="Heart and Great Vessels")
    assert (
        device is not None
        and device.title == "Autologous Arterial Tissue in Heart and Great Vessels"
    )
    assert "Autologous artery graft" in device.includes
    agg = defs.device_aggregation("Autologous Arterial Tissue")
    assert (
        agg
        and agg[0]["value"] == "7"
        and agg[0]["general_device"] == "Autologous Tissue Substitute"
    )
    assert defs.term("0", 4, "No Such Body Part") is None
    assert defs.card("0DTJ4ZZ") is None


def test_explain_with_definitions(pcs: PcsReader, defs: DefinitionsReader) -> None:
    axes = pcs.explain("0DTJ4ZZ", definitions=defs)
    assert axes[2].includes == ("Total nephrectomy, total lobectomy of lung",)
    assert axes[3].includes == ("Appendiceal orifice", "Vermiform appendix")
    assert axes[4].definition is not None and axes[4].definition.startswith("Entry, by puncture")
    knee = pcs.explain("0SRC0J9", definitions=defs)
    assert knee[5].label == "Synthetic Substitute"
    assert knee[5].includes  # "Synthetic Substitute in Lower Joints" lists products


# -- index -------------------------------------------------------------------------------------


def test_search_appendectomy_leads_to_0DTJ(index: IndexReader) -> None:
    hits = index.search("appendectomy")
    assert {h.code for h in hits[:2]} == {"0DTJ", "0DBJ"}
    resection = next(h for h in hits if h.code == "0DTJ")
    assert resection.path == ("Appendectomy",)
    assert (resection.ref, resection.ref_text, resection.code_kind) == (
        "see",
        "Resection, Appendix",
        "partial",
    )
    assert resection.text == "Appendectomy > see Resection, Appendix 0DTJ"
    # words not in the index do not hide the ones that are
    assert "0DTJ" in {h.code for h in index.search("laparoscopic appendectomy", limit=5)}


def test_walk_a_term_path(index: IndexReader) -> None:
    assert index.walk("Resection, Appendix").code == "0DTJ"
    w = index.walk(["Replacement", "Aorta", "Thoracic", "Descending"])
    assert (w.code, w.complete) == ("02RW", True)
    assert [s.title for s in w.steps] == ["Replacement", "Aorta", "Thoracic", "Descending"]
    assert index.walk("Replacement > Aorta > Thoracic").children[0].title == "Ascending/Arch"
    partial = index.walk("Resection, Appendix, nowhere")
    assert partial.unmatched == ("nowhere",) and not partial.complete
    abd = index.main_term("abdominoplasty")
    assert abd is not None
    assert [c.code for c in index.children(abd.id)] == ["0W0F", "0WQF", "0WUF"]


def test_index_targets_exist_in_the_tables(index: IndexReader, pcs: PcsReader) -> None:
    """Every code, partial code and table the FY2025 Index leads to is in the FY2026 tables,
    but for seven targets the FY2026 update removed."""
    rows = index.db.execute("SELECT code, code_kind FROM terms WHERE code IS NOT NULL")
    missing = sorted(
        {
            code
            for code, kind in rows
            if not (pcs.is_valid(code) if kind == "code" else pcs.count(code) > 0)
        }
    )
    assert missing == ["0SG6", "5A0512C", "5A0522C", "X2A5312", "X2A6325", "XXE5XN6", "XXEBXQ6"]


def test_index_card_lists_the_entries_leading_to_a_code(index: IndexReader) -> None:
    card = index.card("0DTJ4ZZ")
    assert card is not None
    texts = [e["text"] for e in card["index_entries"]]
    assert "Appendectomy > see Resection, Appendix 0DTJ" in texts
    assert "Resection > Appendix 0DTJ" in texts
    assert index.card("ZZZZZZZ") is None

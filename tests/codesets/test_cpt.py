"""CPT without AMA text: code-number shape, sections by number range, medcoder's own labels,
and the loader for a user's licensed descriptor file, tested on fixtures whose descriptors are
made up ("Test descriptor for 99213"): no AMA descriptor appears anywhere in medcoder.
"""

from __future__ import annotations

import csv
import datetime as _dt
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from medcoder.codesets.cards import code_cards
from medcoder.codesets.cpt import (
    SPECS,
    Family,
    card_without_licence,
    category,
    family,
    is_cpt_format,
    label,
)
from medcoder.codesets.cpt.builder import CptBuilder, release_of
from medcoder.codesets.cpt.codes import labels, parse_labels
from medcoder.codesets.cpt.reader import CptReader
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.validate import validate
from medcoder.errors import DataError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "cpt"
D = _dt.date


# -- code numbers ---------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["99213", "00100", "0042T", "3074F", "0001U", " 99213 ", "0042t"])
def test_cpt_shaped_codes(code: str) -> None:
    assert is_cpt_format(code)


@pytest.mark.parametrize("code", ["9921", "992134", "J1100", "9921A", "0042X", "M54.5", ""])
def test_not_cpt_shaped(code: str) -> None:
    assert not is_cpt_format(code)


def test_categories() -> None:
    assert [category(c) for c in ("99213", "3074F", "0042T", "0001U", "J1100")] == [
        "I",
        "II",
        "III",
        "PLA",
        None,
    ]


@pytest.mark.parametrize(
    ("code", "section", "subsection"),
    [
        ("99213", "Evaluation and Management", "Office/outpatient visit, established patient"),
        ("99284", "Evaluation and Management", "Emergency department services"),
        ("99232", "Evaluation and Management", "Hospital inpatient/observation care, subsequent"),
        ("99395", "Evaluation and Management", "Preventive medicine visits"),
        ("99417", "Evaluation and Management", "Prolonged services"),
        ("00100", "Anesthesia", "Anesthesia: head"),
        ("01967", "Anesthesia", "Anesthesia: obstetric"),
        ("12002", "Surgery", "Integumentary system"),
        ("36415", "Surgery", "Cardiovascular system"),
        ("71046", "Radiology", "Diagnostic radiology (imaging)"),
        ("77067", "Radiology", "Breast imaging"),
        ("80053", "Pathology and Laboratory", "Organ or disease-oriented panels"),
        ("85025", "Pathology and Laboratory", "Hematology and coagulation"),
        ("90471", "Medicine", "Immunization administration"),
        ("90476", "Medicine", "Vaccines and toxoids"),
        ("90834", "Medicine", "Psychiatry"),
        ("93000", "Medicine", "Cardiovascular"),
        ("96372", "Medicine", "Hydration, injections, infusions and chemotherapy administration"),
        ("97110", "Medicine", "Physical medicine and rehabilitation"),
        ("0042T", "Category III (emerging technology)", None),
        ("3074F", "Category II (performance measurement)", None),
        ("0001U", "Proprietary Laboratory Analyses", None),
    ],
)
def test_family_by_number_range(code: str, section: str, subsection: str | None) -> None:
    assert family(code) == Family(section, subsection)


def test_numbers_outside_the_published_ranges_have_no_family() -> None:
    assert family("00099") is None and family("99999") is None and family("J1100") is None


# -- our own labels -------------------------------------------------------------------------
def test_labels_cover_the_families_medcoder_codes_by_rule() -> None:
    have = set(labels())
    wanted = (
        [f"9920{i}" for i in range(2, 6)] + [f"9921{i}" for i in range(1, 6)]  # office
        + [f"9928{i}" for i in range(1, 6)]  # emergency department
        + ["99221", "99222", "99223", "99231", "99232", "99233", "99238", "99239"]  # hospital
        + ["90785", "90832", "90833", "90834", "90836", "90837", "90838"]  # psychotherapy
        + ["96360", "96361", "96365", "96366", "96367", "96368", "96369", "96370", "96371",
           "96372", "96373", "96374", "96375", "96376", "96377", "96379"]  # injections/infusions
        + ["90471", "90472", "90473", "90474"]  # vaccine administration
        + ["36415", "93000", "93005", "93010"]  # venipuncture, ECG
        + ["71045", "71046", "80048", "80053", "85025", "83036"]  # common radiology and lab
        + ["00811", "00812", "01967", "99100", "99140"]  # anesthesia
    )  # fmt: skip
    assert not set(wanted) - have
    assert label("99213") == "Office/outpatient visit, established patient, level 3"
    assert label("90834") == "Psychotherapy, 45 min band"
    assert label("A0425") is None  # ambulance is HCPCS Level II, not CPT


def test_labels_file_is_well_formed_and_every_code_has_a_family() -> None:
    text = resources.files("medcoder").joinpath("data", "cpt_families.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == len(labels()) >= 200
    for row in rows:
        assert family(row["code"]) is not None, row["code"]
        assert row["group"], row["code"]
        assert len(row["label"]) <= 120, row["code"]  # short labels, not descriptors


def test_a_broken_labels_file_is_a_data_error() -> None:
    with pytest.raises(DataError, match="expected columns code,label,group"):
        parse_labels("code,descriptor\n99213,x\n")
    with pytest.raises(DataError, match="listed twice"):
        parse_labels("code,label,group\n99213,a,g\n99213,b,g\n")
    with pytest.raises(DataError, match="not a CPT code number"):
        parse_labels("code,label,group\nJ1100,a,g\n")


def test_card_without_licence_has_number_family_and_label_but_no_descriptor() -> None:
    card = card_without_licence("99214")
    assert card is not None
    assert card["system"] == "CPT" and card["code"] == "99214"
    assert card["title"] == "Office/outpatient visit, established patient, level 4"
    assert card["title_source"] == "medcoder label (not the AMA descriptor)"
    assert card["family"] == "Evaluation and Management"
    assert card["descriptor"] is None
    assert "medcoder data import cpt" in card["licence_note"]
    unlabelled = card_without_licence("27447")
    assert unlabelled is not None and unlabelled["title"] is None
    assert unlabelled["subfamily"] == "Musculoskeletal system"
    assert card_without_licence("J1100") is None


# -- the licensed-file loader (fixtures with made-up descriptors) ---------------------------
def test_tab_delimited_file_with_a_notice(kb: KnowledgeBase) -> None:
    info = kb.import_file("cpt", FIX / "LONGULT_2026_sample.txt")
    assert info.release == "CPT 2026"
    assert (info.effective_from, info.effective_to) == ("2026-01-01", "2026-12-31")
    assert info.rows == 20
    assert info.meta["layout"] == "tab"
    assert info.meta["by_family"]["Evaluation and Management"] == 9
    r = kb.open("cpt", "2026-05-01").reader
    assert isinstance(r, CptReader)
    assert r.descriptor("99213") == "Test descriptor for 99213"
    assert r.descriptor("0042t") == "Test descriptor for 0042T"
    assert r.descriptor("99499") is None
    assert "99215" in r and "J1100" not in r
    assert r.search("descriptor 9083") == [
        ("90832", "Test descriptor for 90832"),
        ("90834", "Test descriptor for 90834"),
        ("90837", "Test descriptor for 90837"),
    ]
    card = r.card("99213")
    assert card is not None
    assert card["descriptor"] == "Test descriptor for 99213"
    assert card["title_source"] == "licensed CPT file (CPT 2026)"
    assert card["group"] == "office visit"  # our label's group is kept beside the descriptor
    assert "licence_note" not in card
    assert r.card("99499") is None


def test_header_row_and_extra_columns(kb: KnowledgeBase) -> None:
    info = kb.import_file("cpt", FIX / "descriptors_with_header.tsv")
    assert info.rows == 2 and info.release == "CPT user file"
    assert info.effective_to is None
    r = kb.open("cpt", "2026-05-01").reader
    assert r.descriptor("99213") == "Test descriptor for 99213"


def test_medium_descriptor_layout(kb: KnowledgeBase) -> None:
    info = kb.import_file("cpt", FIX / "MEDU_sample.txt")
    assert info.meta["layout"] == "space" and info.rows == 6
    r = kb.open("cpt", "2026-05-01").reader
    assert r.descriptor("36415") == "TEST DESCRIPTOR FOR 36415"


def test_fixed_field_layout_joins_continuation_lines(kb: KnowledgeBase) -> None:
    info = kb.import_file("cpt", FIX / "LONGULF_sample.txt")
    assert info.meta["layout"] == "fixed" and info.rows == 3
    r = kb.open("cpt", "2026-05-01").reader
    assert r.descriptor("99213") == (
        "Test descriptor for 99213, long enough that the fixed layout continues it "
        "onto a second line"
    )


def test_zip_prefers_the_long_descriptor_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    z = tmp_path / "cpt-2026-data-files.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIX / "MEDU_sample.txt", "MEDU.txt")
        zf.write(FIX / "LONGULT_2026_sample.txt", "LONGULT.txt")
        zf.writestr("CPT 2026 README.pdf", b"%PDF stand-in")
    info = kb.import_file("cpt", z)
    assert info.meta["file"] == "LONGULT.txt" and info.rows == 20


@pytest.mark.parametrize(
    ("name", "notice", "override", "label"),
    [
        ("LONGULT_2026.txt", "", None, "CPT 2026"),
        ("LONGULT.txt", "CPT 2025 made-up notice", None, "CPT 2025"),
        ("LONGULT.txt", "", "2027", "CPT 2027"),
        ("LONGULT.txt", "", None, "CPT user file"),
    ],
)
def test_release_label(name: str, notice: str, override: str | None, label: str) -> None:
    assert release_of(name, notice, override, D(2026, 5, 1))[0] == label


def test_builder_release_override(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = CptBuilder(release="2027").build([FIX / "MEDU_sample.txt"], out)
    assert result.release == "CPT 2027" and result.effective_from == D(2027, 1, 1)


def test_spec_declares_the_licence_and_has_no_download() -> None:
    (spec,) = SPECS
    assert spec.kind == "cpt" and spec.sync == ()
    assert "AMA" in spec.licence


# -- validation and cards --------------------------------------------------------------------
def test_validate_without_a_licensed_file_checks_the_shape_only(kb: KnowledgeBase) -> None:
    v = validate("99213", D(2026, 5, 1), system="CPT", kb=kb)
    assert v.valid and "no licensed CPT file is loaded" in (v.notice or "")
    assert not validate("9921", D(2026, 5, 1), system="CPT", kb=kb).valid


def test_validate_with_a_licensed_file_checks_existence(kb: KnowledgeBase) -> None:
    kb.import_file("cpt", FIX / "LONGULT_2026_sample.txt")
    assert validate("99213", D(2026, 5, 1), system="CPT", kb=kb).valid
    v = validate("99499", D(2026, 5, 1), system="CPT", kb=kb)
    assert not v.valid and "not in the licensed CPT file" in (v.reason or "")


def test_show_card_for_a_cpt_code_with_and_without_the_file(kb: KnowledgeBase) -> None:
    (card,) = code_cards("99214", "2026-05-01", kb=kb)
    assert card["title"] == "Office/outpatient visit, established patient, level 4"
    assert card["descriptor"] is None
    kb.import_file("cpt", FIX / "LONGULT_2026_sample.txt")
    (card,) = code_cards("99214", "2026-05-01", kb=kb)
    assert card["descriptor"] == "Test descriptor for 99214"

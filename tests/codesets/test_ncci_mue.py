"""NCCI medically unlikely edits, on hand-written fixtures in the CMS layout.

``tests/fixtures/ncci/MCR_MUE_<Setting>Services_Eff_07-01-2026.csv`` follow the CMS CSV: a
quoted copyright cell, then ``HCPCS/CPT Code`` (printed on two lines), ``<Setting> Services MUE
Values``, ``MUE Adjudication Indicator``, ``MUE Rationale``. The values are examples written
for these tests, not CMS MUEs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from test_ncci_ptp import write_xlsx  # tests/codesets is on sys.path (pytest prepend mode)

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.ncci.layout import mue_effective
from medcoder.errors import FileFormatError

FIX = Path(__file__).parents[1] / "fixtures" / "ncci"
PRA = FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
OPH = FIX / "MCR_MUE_OutpatientHospitalServices_Eff_07-01-2026.csv"
DME = FIX / "MCR_MUE_DMESupplierServices_Eff_07-01-2026.csv"


@pytest.fixture
def mue(kb: KnowledgeBase):
    kb.import_file("mue-practitioner", PRA)
    return kb.open("mue-practitioner", "2026-08-01").reader


def test_release_is_the_quarter_of_the_effective_date(kb: KnowledgeBase) -> None:
    info = kb.import_file("mue-practitioner", PRA)
    assert (info.release, info.effective_from, info.effective_to) == ("2026Q3", "2026-07-01", "2026-09-30")
    assert info.rows == 6
    assert info.meta["by_mai"] == {"1": 1, "2": 2, "3": 3}
    assert mue_effective("MCR_MUE_DMESupplierServices_Eff_10-01-2025.csv") == dt.date(2025, 10, 1)
    assert mue_effective("mue-2026Q1.csv") == dt.date(2026, 1, 1)
    assert mue_effective("mue.csv") is None


def test_value_and_adjudication_indicator(mue) -> None:
    m = mue.mue("36415", "2026-08-01")
    assert (m.value, m.mai, m.rationale) == (2, 3, "Clinical: Data")
    assert m.mai_meaning.startswith("Date of Service Edit: Clinical")
    assert m.per_day and m.allows(2) and not m.allows(3)
    line = mue.mue("a4253")
    assert (line.value, line.mai, line.per_day) == (2, 1, False)
    assert line.mai_meaning.startswith("Line Edit")
    policy = mue.mue("11042")
    assert policy.mai == 2 and policy.mai_meaning.startswith("Date of Service Edit: Policy")


def test_zero_units_and_unknown_codes(mue) -> None:
    zero = mue.mue("0042T")
    assert zero.value == 0 and not zero.allows(1)
    assert mue.mue("99999") is None
    assert mue.count() == 6


def test_card(mue) -> None:
    card = mue.card("J1100")
    assert card["system"] == "NCCI MUE" and card["code"] == "J1100"
    assert (card["mue_value"], card["mai"], card["rationale"]) == (100, 3, "Prescribing Information")
    assert (card["release"], card["effective_from"], card["effective_to"]) == ("2026Q3", "2026-07-01", "2026-09-30")
    assert "practitioner" in card["title"]
    assert json.loads(json.dumps(card)) == card
    assert mue.card("99999") is None


def test_each_setting_is_its_own_table(kb: KnowledgeBase) -> None:
    kb.import_file("mue-practitioner", PRA)
    kb.import_file("mue-hospital", OPH)
    kb.import_file("mue-dme", DME)
    assert kb.open("mue-practitioner", "2026-08-01").reader.mue("36415").value == 2
    oph = kb.open("mue-hospital", "2026-08-01").reader.mue("36415")
    assert (oph.value, oph.setting) == (3, "hospital")
    dme = kb.open("mue-dme", "2026-08-01").reader
    assert dme.mue("E0601").to_dict() == {
        "code": "E0601",
        "value": 1,
        "mai": 2,
        "mai_meaning": dme.mue("E0601").mai_meaning,
        "rationale": "Nature of Equipment",
        "setting": "dme",
    }
    assert dme.mue("36415") is None


def test_a_table_of_another_setting_is_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="import it as mue-hospital"):
        kb.import_file("mue-practitioner", OPH)
    renamed = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    shutil.copy(DME, renamed)  # the header still says DME supplier
    with pytest.raises(FileFormatError, match="import it as mue-dme"):
        kb.import_file("mue-practitioner", renamed)


def test_official_zip_with_csv_and_workbook_reads_the_csv(kb: KnowledgeBase, tmp_path: Path) -> None:
    z = tmp_path / "medicare-ncci-2026-q3-practitioner-services-mue-table.zip"
    x = tmp_path / (PRA.stem + ".xlsx")
    write_xlsx(x, [["HCPCS/CPT Code", "Practitioner Services MUE Values"]])  # would fail if read
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(PRA, PRA.name)
        zf.write(x, x.name)
        zf.writestr("MUE_ReadMe.pdf", "%PDF")
    info = kb.import_file("mue-practitioner", z)
    assert (info.rows, info.meta["file"]) == (6, PRA.name)


def test_workbook_alone(kb: KnowledgeBase, tmp_path: Path) -> None:
    x = tmp_path / "MCR_MUE_DMESupplierServices_Eff_10-01-2026.xlsx"
    write_xlsx(
        x,
        [
            ["CPT codes, descriptions and other data only are copyright 2025 American Medical Association."],
            ["HCPCS/\nCPT Code", "DME Supplier Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"],
            ["E0601", 1, "2 Date of Service Edit: Policy", "Nature of Equipment"],
            ["K0001", 1, "2 Date of Service Edit: Policy", "Nature of Equipment"],
        ],
    )
    z = tmp_path / "medicare-ncci-2026-q4-dme-supplier-services-mue-table.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(x, x.name)
    info = kb.import_file("mue-dme", z)
    assert (info.release, info.rows) == ("2026Q4", 2)
    assert kb.open("mue-dme", "2026-11-01").reader.mue("K0001").mai == 2


def test_release_in_force_on_the_date_of_service(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_file("mue-practitioner", PRA)
    newer = tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
    newer.write_text(PRA.read_text().replace("36415,2,", "36415,4,"))
    kb.import_file("mue-practitioner", newer)
    assert kb.open("mue-practitioner", "2026-09-30").reader.mue("36415").value == 2
    q4 = kb.open("mue-practitioner", "2026-10-01")
    assert (q4.release, q4.reader.mue("36415").value) == ("2026Q4", 4)

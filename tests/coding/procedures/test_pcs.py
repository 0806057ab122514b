"""ICD-10-PCS from inpatient notes: only codes the official tables allow, partial codes only in
mentions mode, procedures not done left out."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pytest

from medcoder.coders.procedures.common import service_rows
from medcoder.coders.procedures.pcs import DATA
from medcoder.coding import code_text

NOTE = (
    "Admitted for hematuria. Abdominal CT showed a bladder mass. Renal ultrasound: no hydronephrosis.\n"
    "Cystoscopy was performed. Colonoscopy is scheduled after discharge.\n"
    "Fundus examination of the left eye was normal.\n"
)


@pytest.fixture
def pcs_kb(tabular_kb: Any, shared_data: Path) -> Any:
    tabular_kb.import_file("icd10pcs", shared_data / "icd10pcs" / "icd10pcs_tables_2026.xml")
    tabular_kb.import_file("icd10pcs-index", shared_data / "icd10pcs" / "icd10pcs_index_2025.xml")
    return tabular_kb


def test_every_lexicon_code_is_allowed_by_the_official_tables(pcs_kb: Any) -> None:
    tables = pcs_kb.open("icd10pcs", _dt.date(2026, 3, 1)).reader
    for row in service_rows(DATA):
        for code in row.code.split("|"):
            assert len(code) in (4, 7), code
            ok = tables.is_valid(code) if len(code) == 7 else tables.count(code) > 0
            assert ok, (code, row.source)


def test_mentions_mode_gives_partial_codes_the_way_codiesp_codes_them(pcs_kb: Any) -> None:
    r = code_text(NOTE, setting="inpatient", date_of_service="2026-03-10", mode="mentions", kb=pcs_kb)
    codes = [p.code for p in r.procedures]
    assert {"BW20", "BT43ZZZ", "0TJB8ZZ", "0DJD8ZZ", "08J1XZZ"} <= set(codes)
    assert all(p.system == "ICD-10-PCS" for p in r.procedures)


def test_billing_lists_complete_codes_of_procedures_done(pcs_kb: Any) -> None:
    r = code_text(NOTE, setting="inpatient", date_of_service="2026-03-10", kb=pcs_kb)
    codes = [p.code for p in r.procedures]
    assert set(codes) == {"BT43ZZZ", "0TJB8ZZ", "08J1XZZ"}  # colonoscopy only scheduled; CT partial
    ct = next(w for w in r.warnings if "table BW2" in w)
    assert "BW20" in ct
    eye = next(p for p in r.procedures if p.code == "08J1XZZ")
    assert "Inspection of Eye, Left" in eye.description
    assert any("left side stated" in why for why in eye.rationale)
    renal = next(p for p in r.procedures if p.code == "BT43ZZZ")
    assert [e.text for e in renal.evidence] == ["Renal", "ultrasound"]


def test_outpatient_notes_get_no_pcs(pcs_kb: Any) -> None:
    r = code_text(NOTE, setting="outpatient", date_of_service="2026-03-10", kb=pcs_kb)
    assert not [p for p in r.procedures if p.system == "ICD-10-PCS"]


def test_without_the_pcs_files_only_the_checked_lexicon_codes_are_given(tabular_kb: Any) -> None:
    r = code_text(NOTE, setting="inpatient", date_of_service="2026-03-10", kb=tabular_kb)
    assert {p.code for p in r.procedures} == {"0TJB8ZZ", "08J1XZZ"}  # no imaging without the Index


SURGERY = (
    "Laparoscopic left nephrectomy was performed for the renal mass.\n"
    "A liver biopsy was taken percutaneously.\n"
    "Partial gastrectomy was performed.\n"
    "Nephrectomy of the other patient's kidney is not relevant here.\n"
)


def test_surgical_codes_are_built_axis_by_axis_from_the_sentence(pcs_kb: Any) -> None:
    r = code_text(SURGERY, setting="inpatient", date_of_service="2026-03-10", kb=pcs_kb)
    lines = {p.code: p for p in r.procedures}
    # root operation Resection (T), body part Kidney, Left (1), approach laparoscopic (4),
    # no device (Z), no qualifier (Z)
    assert "0TT14ZZ" in lines
    assert any("Kidney, Left" in why for why in lines["0TT14ZZ"].rationale)
    assert [e.text for e in lines["0TT14ZZ"].evidence] == ["left", "nephrectomy"]
    # Excision (B) of the liver (0), percutaneous (3), diagnostic qualifier X for a biopsy
    assert "0FB03ZX" in lines
    # a partial -ectomy is an Excision; with no approach stated the code stays partial
    assert not any(c.startswith(("0DT6", "0DB6")) for c in lines)
    assert any("0DB6" in w and "table 0DB" in w for w in r.warnings)
    # a nephrectomy with no side: the body part cannot be chosen, nothing is coded for it
    assert not any(c.startswith(("0TT0", "0TT2")) for c in lines)

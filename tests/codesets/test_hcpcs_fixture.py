"""HCPCS Level II on a small hand-written file in the CMS 320-character layout.

``tests/fixtures/hcpcs/HCPC2026_JAN_ANWEB_sample.txt`` holds 16 current codes and modifiers
(ambulance, G2211, drugs, LT/RT/GA/JZ) and G2012, terminated on 2024-12-31 (replaced by CPT
98016), laid out as CMS lays out its January 2026 file. The last test puts it beside the
official 2019 file and checks that the release in force on the date of service answers.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets.hcpcs import SPECS
from medcoder.codesets.hcpcs.builder import release_of
from medcoder.codesets.hcpcs.dosage import parse_dosage, units_for
from medcoder.codesets.hcpcs.reader import HcpcsReader
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.validate import validate
from medcoder.errors import InputError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "hcpcs" / "HCPC2026_JAN_ANWEB_sample.txt"
D = _dt.date


@pytest.fixture
def h(kb: KnowledgeBase) -> HcpcsReader:
    kb.import_file("hcpcs", FIX)
    r = kb.open("hcpcs", "2026-02-01").reader
    assert isinstance(r, HcpcsReader)
    return r


def test_quarterly_file_is_in_force_for_its_quarter(kb: KnowledgeBase) -> None:
    info = kb.import_file("hcpcs", FIX)
    assert info.release == "2026 January"
    assert (info.effective_from, info.effective_to) == ("2026-01-01", "2026-03-31")
    assert info.rows == 16
    assert info.meta["modifiers"] == 4 and info.meta["terminated"] == 1
    assert kb.open("hcpcs", "2026-03-31").notice is None
    later = kb.open("hcpcs", "2026-07-01")
    assert later.release == "2026 January"
    assert later.notice is not None and "after the newest hcpcs release" in later.notice


@pytest.mark.parametrize(
    ("name", "label", "start", "end"),
    [
        ("HCPC2026_JAN_ANWEB.txt", "2026 January", D(2026, 1, 1), D(2026, 3, 31)),
        ("HCPC2025_APR_ANWEB_v2.txt", "2025 April", D(2025, 4, 1), D(2025, 6, 30)),
        ("HCPC2024_JULY_ANWEB.txt", "2024 July", D(2024, 7, 1), D(2024, 9, 30)),
        ("HCPC2025_OCT_ANWEB_09192025.txt", "2025 October", D(2025, 10, 1), D(2025, 12, 31)),
        ("HCPC2019_CONTR_ANWEB.txt", "2019 annual", D(2019, 1, 1), D(2019, 12, 31)),
    ],
)
def test_release_label_and_dates_from_the_cms_file_name(
    name: str, label: str, start: _dt.date, end: _dt.date
) -> None:
    assert release_of(name, [])[:3] == (label, start, end)


def test_g2211_long_description_joins_five_records(h: HcpcsReader) -> None:
    c = h.get("G2211")
    assert c is not None
    assert c.long_desc.startswith("Visit complexity inherent to evaluation and management")
    assert c.long_desc.endswith(
        "office/outpatient evaluation and management visit, new or established)"
    )
    assert "  " not in c.long_desc
    assert c.add_date == D(2021, 1, 1) and c.betos == "M1B"


def test_terminated_code_and_its_cross_reference(h: HcpcsReader) -> None:
    assert h.is_active("G2012", "2024-12-31") is True
    assert h.is_active("G2012", "2025-01-01") is False
    card = h.card("G2012")
    assert card is not None
    assert card["terminated"] == "2024-12-31"
    assert card["cross_reference"] == ["98016"]
    assert card["action"]["code"] == "D"
    assert h.is_active("NOPE1", "2026-01-01") is False


def test_modifiers_in_the_fixture(h: HcpcsReader) -> None:
    assert [m.code for m in h.modifiers()] == ["GA", "JZ", "LT", "RT"]
    jz = h.modifier("JZ")
    assert jz is not None and jz.add_date == D(2023, 1, 1)
    assert h.is_active("JZ", "2022-12-31") is False
    card = h.card("rt")
    assert (
        card is not None and card["kind"] == "modifier" and card["title"].startswith("Right side")
    )


def test_units_for_doses_of_the_fixture_drugs(h: HcpcsReader) -> None:
    assert h.units_for_dose("J1100", "8 mg") == 8
    assert h.units_for_dose("J1885", "60 mg") == 4
    assert h.units_for_dose("J0696", "1 gm") == 4
    assert h.units_for_dose("J9312", "375 mg") == 38
    assert h.units_for_dose("J3420", "1000 mcg") == 1
    assert h.units_for_dose("J7050", "1000 ml") == 4
    assert h.dosage("A0427") is None


def test_cms_zip_with_a_corrected_v2_file_imports_the_v2(kb: KnowledgeBase, tmp_path: Path) -> None:
    """CMS zips hold the text file, an Excel copy, the record layout; corrections add _v2."""
    first = FIX.read_text(encoding="latin-1")
    corrected = first.replace(
        "Ground mileage, per statute mile    ", "Ground mileage, per statute mile, v2"
    )
    assert corrected != first
    z = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("HCPC2026_JAN_ANWEB.txt", first)
        zf.writestr("HCPC2026_JAN_ANWEB_v2.txt", corrected)
        zf.writestr("HCPC2026_JAN_ANWEB_v2.xlsx", b"PK stand-in")
        zf.writestr("HCPC2026_recordlayout.txt", "record layout stand-in")
    info = kb.import_file("hcpcs", z)
    assert info.meta["file"] == "HCPC2026_JAN_ANWEB_v2.txt"
    c = kb.open("hcpcs", "2026-01-15").reader.get("A0425")
    assert c.long_desc == "Ground mileage, per statute mile, v2"


def test_spec_points_at_the_cms_download() -> None:
    (spec,) = SPECS
    assert spec.kind == "hcpcs"
    assert (
        spec.sync[0].url
        == "https://www.cms.gov/files/zip/january-2026-alpha-numeric-hcpcs-file.zip"
    )


@pytest.mark.parametrize(
    ("description", "dosage"),
    [
        ("Injection, dexamethasone sodium phosphate, 1 mg", {"amount": 1, "unit": "mg"}),
        ("Injection, ketorolac tromethamine, per 15 mg", {"amount": 15, "unit": "mg"}),
        ("Injection, chlorpromazine hcl, up to 50 mg", {"amount": 50, "unit": "mg"}),
        (
            "Injection, vitamin b-12 cyanocobalamin, up to 1,000 mcg",
            {"amount": 1000, "unit": "mcg"},
        ),
        ("Injection, pralidoxime chloride, up to 1 gm", {"amount": 1, "unit": "g"}),
        ("Infusion, normal saline solution, 250 cc", {"amount": 250, "unit": "ml"}),
        ("5% dextrose/normal saline (500 ml = 1 unit)", {"amount": 500, "unit": "ml"}),
        ("Factor viii (antihemophilic factor (porcine)), per i.u.", {"amount": 1, "unit": "units"}),
        ("Injection, oxytocin, up to 10 units", {"amount": 10, "unit": "units"}),
        ("Injection, rituximab 10 mg and hyaluronidase", {"amount": 10, "unit": "mg"}),
        ("Oasis wound matrix, per square centimeter", {"amount": 1, "unit": "sq cm"}),
        ("Injection, potassium chloride, per 2 meq", {"amount": 2, "unit": "meq"}),
        ("Hyaluronan or derivative, gel-one, for intra-articular injection, per dose", None),
        ("Iodine i-123 iobenguane, diagnostic, per study dose, up to 15 millicuries", None),
        ("Injection, betamethasone acetate 3 mg and betamethasone sodium phosphate 3 mg", None),
        ("Unclassified drugs", None),
    ],
)
def test_parse_dosage(description: str, dosage: dict[str, object] | None) -> None:
    assert parse_dosage(description) == dosage


@pytest.mark.parametrize(
    ("dose", "unit", "expected"),
    [
        ("8 mg", None, 8),
        ("8", "mg", 8),
        (8.0, "milligrams", 8),
        ("0.5 g", None, 500),
        ("750mcg", None, 1),
        ("1,200 mg", None, 1200),
    ],
)
def test_units_for_accepts_doses_written_several_ways(
    dose: str | float, unit: str | None, expected: int
) -> None:
    assert units_for({"amount": 1, "unit": "mg"}, dose, unit) == expected


@pytest.mark.parametrize("dose", ["mg", "eight mg", "8", "8 furlongs", "-1 mg"])
def test_units_for_refuses_doses_it_cannot_read(dose: str) -> None:
    with pytest.raises(InputError):
        units_for({"amount": 1, "unit": "mg"}, dose)


@pytest.mark.shared
def test_release_in_force_on_the_date_of_service_answers(
    kb: KnowledgeBase, shared_data: Path
) -> None:
    kb.import_file("hcpcs", shared_data / "hcpcs" / "HCPC2019_CONTR_ANWEB.txt")
    kb.import_file("hcpcs", FIX)
    assert sorted(t.release for t in kb.store.tables("hcpcs")) == ["2019 annual", "2026 January"]

    in2019 = kb.open("hcpcs", "2019-06-01")
    assert in2019.release == "2019 annual" and in2019.notice is None
    in2026 = kb.open("hcpcs", "2026-02-01")
    assert in2026.release == "2026 January" and in2026.notice is None
    between = kb.open("hcpcs", "2022-06-01")  # no release loaded covers 2022
    assert between.release == "2019 annual"
    assert (
        between.notice is not None and "no hcpcs release loaded covers 2022-06-01" in between.notice
    )

    # G2211 does not exist in 2019; G2012 was new in 2019 and is terminated in the 2026 file
    assert in2019.reader.get("G2211") is None and in2026.reader.get("G2211") is not None
    assert validate("G2012", D(2019, 6, 1), system="HCPCS", kb=kb).valid
    v = validate("G2012", D(2026, 2, 1), system="HCPCS", kb=kb)
    assert not v.valid and v.replacements == ["98016"]  # file: terminated; history: deleted
    assert validate("G2211", D(2026, 2, 1), system="HCPCS", kb=kb).valid
    v = validate("G2211", D(2019, 6, 1), system="HCPCS", kb=kb)
    assert not v.valid and "not in the HCPCS file" in (v.reason or "")

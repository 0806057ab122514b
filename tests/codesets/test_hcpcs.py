"""HCPCS Level II on the official CMS 2019 alpha-numeric file (``../shared/data/hcpcs``).

Every expected value below was read from ``HCPC2019_CONTR_ANWEB.txt`` itself.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest

from medcoder.codesets.hcpcs.reader import HcpcsReader
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.codesets.validate import validate
from medcoder.errors import InputError, UnknownCodeError

pytestmark = pytest.mark.shared

D = _dt.date


@pytest.fixture(scope="module")
def kb2019(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(DataStore(tmp_path_factory.mktemp("hcpcs2019")))
    kb.import_file("hcpcs", shared_data / "hcpcs" / "HCPC2019_CONTR_ANWEB.txt")
    return kb


@pytest.fixture(scope="module")
def h(kb2019: KnowledgeBase) -> HcpcsReader:
    r = kb2019.open("hcpcs", "2019-06-01").reader
    assert isinstance(r, HcpcsReader)
    return r


def test_release_counts_and_dates_come_from_the_file(kb2019: KnowledgeBase) -> None:
    (info,) = kb2019.store.tables("hcpcs")
    assert info.release == "2019 annual"
    assert (info.effective_from, info.effective_to) == ("2019-01-01", "2019-12-31")
    assert info.rows == 6800
    assert info.meta["procedures"] == 6440
    assert info.meta["modifiers"] == 360
    assert info.meta["terminated"] == 515
    assert info.meta["with_dosage"] == 993  # of 1,090 drug-like codes
    # 11,630 lines: 8 lines of disclaimers, then 11,622 records (one CMS ships 316 long)
    assert info.meta["records"] == 11622
    assert info.meta["padded_records"] == 1


def test_dexamethasone_j1100_is_a_drug_billed_per_1_mg(h: HcpcsReader) -> None:
    c = h.get("j1100")
    assert c is not None
    assert c.long_desc == "Injection, dexamethasone sodium phosphate, 1 mg"
    assert c.short_desc == "Dexamethasone sodium phos"
    assert c.pricing == ("51",)  # drugs
    assert c.betos == "O1E"  # other drugs
    assert c.coverage == "D"
    assert c.add_date == D(1982, 1, 1) and c.term_date is None
    assert h.dosage("J1100") == {"amount": 1, "unit": "mg"}
    assert h.units_for_dose("J1100", "8 mg") == 8
    assert h.units_for_dose("J1100", 8, "mg") == 8
    assert h.units_for_dose("J1100", "2.5 mg") == 3  # rounded up
    assert h.units_for_dose("J1100", "4000 mcg") == 4


@pytest.mark.parametrize(
    ("code", "dosage", "dose", "units"),
    [
        ("J1885", {"amount": 15, "unit": "mg"}, "30 mg", 2),  # per 15 mg
        ("J1885", {"amount": 15, "unit": "mg"}, "31 mg", 3),
        ("J0696", {"amount": 250, "unit": "mg"}, "1 g", 4),  # per 250 mg; grams converted
        ("J3420", {"amount": 1000, "unit": "mcg"}, "1 mg", 1),  # up to 1000 mcg
        ("J2550", {"amount": 50, "unit": "mg"}, "25 mg", 1),  # up to 50 mg: a started unit
        ("J1815", {"amount": 5, "unit": "units"}, "12 units", 3),  # insulin, per 5 units
        ("J1644", {"amount": 1000, "unit": "units"}, "5,000 units", 5),  # heparin
        ("J7050", {"amount": 250, "unit": "ml"}, "500 cc", 2),  # normal saline 250 cc
        ("J7040", {"amount": 500, "unit": "ml"}, "1000 ml", 2),  # "(500 ml = 1 unit)"
        ("J0561", {"amount": 100000, "unit": "units"}, "2,400,000 units", 24),
        ("J0171", {"amount": 0.1, "unit": "mg"}, "0.3 mg", 3),  # epinephrine 0.1 mg
    ],
)
def test_drug_dosage_units_from_the_2019_descriptions(
    h: HcpcsReader, code: str, dosage: dict[str, object], dose: str, units: int
) -> None:
    assert h.dosage(code) == dosage
    assert h.units_for_dose(code, dose) == units


def test_codes_without_a_dose_phrase_have_no_dosage(h: HcpcsReader) -> None:
    assert h.dosage("J3490") is None  # unclassified drugs
    assert h.dosage("J7321") is None  # hyaluronan, "per dose"
    assert h.dosage("A9582") is None  # radiopharmaceutical "per study dose, up to 15 millicuries"
    assert h.dosage("A0425") is None  # not a drug: ground mileage
    with pytest.raises(InputError, match="no billing dosage"):
        h.units_for_dose("J3490", "10 mg")


def test_dose_in_a_unit_that_cannot_be_converted_is_refused(h: HcpcsReader) -> None:
    with pytest.raises(InputError, match=r"J1100 is billed per 1 mg \(mass\)"):
        h.units_for_dose("J1100", "2 ml")
    with pytest.raises(InputError, match="positive"):
        h.units_for_dose("J1100", "0 mg")
    with pytest.raises(UnknownCodeError, match="J0000 is not in the HCPCS 2019 annual file"):
        h.units_for_dose("J0000", "1 mg")


def test_long_description_spanning_records_is_joined(h: HcpcsReader) -> None:
    c = h.get("G2012")  # six records in the file
    assert c is not None
    assert c.long_desc == (
        "Brief communication technology-based service, e.g. virtual check-in, by a physician or "
        "other qualified health care professional who can report evaluation and management "
        "services, provided to an established patient, not originating from a related e/m "
        "service provided within the previous 7 days nor leading to an e/m service or procedure "
        "within the next 24 hours or soonest available appointment; 5-10 minutes of medical "
        "discussion"
    )
    assert c.add_date == D(2019, 1, 1) and c.action_code == "A"
    # the one record CMS ships 316 characters long (G8891's second) still joins cleanly
    g8891 = h.get("G8891")
    assert g8891 is not None and "(e.g., patients with palliative goals" in g8891.long_desc
    assert g8891.long_desc.endswith("is not clinically appropriate)")


def test_terminated_code_is_active_only_up_to_its_termination_date(h: HcpcsReader) -> None:
    c = h.get("J9310")  # rituximab 100 mg, replaced by J9312 (10 mg) in 2019
    assert c is not None
    assert c.term_date == D(2018, 12, 31) and c.action_code == "D"
    assert h.is_active("J9310", "2018-12-31") is True
    assert h.is_active("J9310", D(2019, 1, 1)) is False
    assert h.is_active("J9312", D(2019, 1, 1)) is True
    assert h.is_active("J9312", D(2018, 12, 31)) is False  # added 2019-01-01
    card = h.card("C9014")
    assert card is not None
    assert card["terminated"] == "2018-12-31"
    assert card["cross_reference"] == ["J0567"]
    assert card["action"] == {"code": "D", "meaning": "Discontinued", "effective": "2019-01-01"}


def test_level_ii_modifiers(h: HcpcsReader) -> None:
    lt = h.modifier("lt")
    assert lt is not None and lt.kind == "modifier"
    assert (
        lt.long_desc
        == "Left side (used to identify procedures performed on the left side of the body)"
    )
    ga = h.modifier("-GA")  # two records
    assert ga is not None
    assert ga.long_desc == (
        "Waiver of liability statement issued as required by payer policy, individual case"
    )
    assert h.modifier("J1100") is None
    mods = h.modifiers()
    assert len(mods) == 360
    assert {"RT", "LT", "GA", "GP", "JW", "XE", "XS", "XP", "XU"} <= {m.code for m in mods}


def test_betos_and_type_of_service_in_the_card(h: HcpcsReader) -> None:
    card = h.card("A0021")
    assert card is not None
    assert card["betos"] == {"code": "O1A", "meaning": "Ambulance"}
    assert card["type_of_service"] == [{"code": "D", "meaning": "Ambulance"}]
    assert card["coverage"] == {"code": "I", "meaning": "Not payable by Medicare"}
    assert card["cross_reference"] == ["A0030"]
    j = h.card("J1100")
    assert j is not None and j["dosage"] == {"amount": 1, "unit": "mg"}
    assert j["title"] == "Injection, dexamethasone sodium phosphate, 1 mg"
    assert h.card("ZZ999") is None


def test_search_by_words_and_by_code(h: HcpcsReader) -> None:
    found = [c.code for c in h.search("dexamethasone sodium")]
    assert "J1100" in found
    assert h.search("J1100")[0].code == "J1100"
    assert [c.code for c in h.search("left side", kind="modifier")][:1] == ["LT"]
    assert h.search("   ") == []


def test_validate_uses_the_2019_file_and_the_code_history(kb2019: KnowledgeBase) -> None:
    ok = validate("J1100", D(2019, 6, 1), system="HCPCS", kb=kb2019)
    assert ok.valid and ok.release == "2019 annual"
    gone = validate("J9310", D(2019, 6, 1), system="HCPCS", kb=kb2019)
    assert not gone.valid and gone.replacements == ["J9312"]  # the code history says so
    early = validate("J9312", D(2018, 12, 1), system="HCPCS", kb=kb2019)
    assert not early.valid and "not active on 2018-12-01" in (early.reason or "")

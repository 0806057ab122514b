"""Claim pricing against hand calculations from the CY2025 CMS files (RVU25D October release).

Every expected amount is worked here from the numbers printed in PPRRVU2025_Oct.csv,
GPCI2025.csv and ANES2025.csv: [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP
GPCI)] x CF, rounded to the cent; CF CY2025 = 32.3465. Anesthesia base units come from the
hand-made fixture (tests/fixtures/anes_base), MS-DRG weights from tests/fixtures/drg (its
README: illustrative weights, real FY2025 MS-DRG numbers).
"""

from __future__ import annotations

import copy
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from medcoder.claims.model import Claim
from medcoder.claims.pricing import price_claim
from medcoder.claims.serialize import claim_from_dict
from medcoder.cli.main import app
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import FileFormatError, InputError

FIX = Path(__file__).resolve().parents[1] / "fixtures"
FILES = {
    "pfs-rvu": "PPRRVU2025_Oct.csv",
    "pfs-gpci": "GPCI2025.csv",
    "pfs-anes": "ANES2025.csv",
    "pfs-locality": "25LOCCO.csv",
    "pfs-zip": "ZIP5_OCT2025.txt",
}
CF = Decimal("32.3465")
DOS = "2025-11-03"
MANHATTAN = ("1.065", "1.166", "1.656")  # GPCI2025.csv 13202 NY 01 MANHATTAN
ARKANSAS = ("1", "0.86", "0.518")  # 07102 AR 13 ARKANSAS (work GPCI at the 1.0 floor)
REST_OF_IL = ("1", "0.912", "1.381")  # 06102 IL 99 REST OF ILLINOIS: ZIP 62701 (the billing provider)


def money(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fee(rvus: tuple[str, str, str], gpcis: tuple[str, str, str]) -> Decimal:
    w, p, m = map(Decimal, rvus)
    gw, gp, gm = map(Decimal, gpcis)
    return money((w * gw + p * gp + m * gm) * CF)


@pytest.fixture
def kb(tabular_kb: KnowledgeBase, shared_data: Path) -> KnowledgeBase:
    for kind, name in FILES.items():
        tabular_kb.import_file(kind, shared_data / "pfs" / name)
    tabular_kb.import_file("anes-base-units", FIX / "anes_base" / "CY2025_anesthesia_base_units.csv")
    tabular_kb.import_file("msdrg-weights", FIX / "drg" / "FY2025_Table5_subset.txt")
    return tabular_kb


BASE: dict[str, Any] = {
    "kind": "professional",
    "patient_control_number": "PCN-P1",
    "billing": {"name": "Riverside Family Medicine", "npi": "1234567893", "tax_id": "12-3456789",
                "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}},
    "payer": {"key": "medicare", "name": "Medicare Part B", "payer_id": "00952", "kind": "medicare"},
    "patient": {"last_name": "Doe", "first_name": "John", "birth_date": "1950-03-02", "sex": "M"},
    "date": DOS,
    "place_of_service": "11",
    "diagnoses": ["M17.11", "E11.9"],
}


def claim(*lines: dict[str, Any], **over: Any) -> Claim:
    data = copy.deepcopy(BASE)
    data.update(over)
    data["lines"] = [{"charge": 100, "pointers": [1], **ln} for ln in lines]
    return claim_from_dict(data)


# -- professional, Medicare -------------------------------------------------------------------------
@pytest.mark.shared
def test_99213_office_visit_manhattan_and_rural(kb: KnowledgeBase) -> None:
    c = claim({"code": "99213"})
    nyc = price_claim(c, kb, pricing={"locality": "13202-01"})
    # PPRRVU2025_Oct 99213: work 1.30, non-facility PE 1.35, MP 0.10
    expected = fee(("1.30", "1.35", "0.10"), MANHATTAN)  # (1.3845 + 1.5741 + 0.1656) x 32.3465
    assert expected == Decimal("101.06")
    (ln,) = nyc.lines
    assert ln.allowed == expected and ln.paid and ln.setting == "non-facility"
    assert ln.status == "A" and ln.global_days == "XXX"
    assert any("[(1.30 x 1.065) + (1.35 x 1.166) + (0.10 x 1.656)] x 32.3465" in s for s in ln.steps)
    assert nyc.locality is not None and nyc.locality.key == "13202-01" and nyc.total_allowed == expected
    rural = price_claim(c, kb, pricing={"locality": "07102-13"})
    assert rural.lines[0].allowed == fee(("1.30", "1.35", "0.10"), ARKANSAS) == Decimal("81.28")
    # the same visit in a facility (POS 22): facility PE 0.57
    hosp = price_claim(claim({"code": "99213", "place_of_service": "22"}), kb, pricing={"zip": "10001"})
    assert hosp.lines[0].setting == "facility"
    assert hosp.lines[0].allowed == fee(("1.30", "0.57", "0.10"), MANHATTAN)
    assert hosp.locality is not None and hosp.locality.found_by == "pricing.zip 10001"


@pytest.mark.shared
def test_billing_zip_is_the_default_locality_and_units_multiply(kb: KnowledgeBase) -> None:
    priced = price_claim(claim({"code": "99213", "units": 2}), kb)
    assert priced.locality is not None
    assert (priced.locality.key, priced.locality.found_by) == ("06102-99", "billing.address.zip 62701")
    one = fee(("1.30", "1.35", "0.10"), REST_OF_IL)
    assert priced.lines[0].unit_amount == one and priced.lines[0].allowed == one * 2


@pytest.mark.shared
def test_multiple_procedure_reduction_ranks_by_fee(kb: KnowledgeBase) -> None:
    # 11402 and 11403 (both MULT PROC 2, global 010), office, Rest of Illinois
    priced = price_claim(claim({"code": "11402"}, {"code": "11403"}), kb)
    f11402 = fee(("1.45", "3.53", "0.18"), REST_OF_IL)
    f11403 = fee(("1.84", "3.85", "0.28"), REST_OF_IL)
    assert f11403 > f11402
    low, high = priced.lines
    assert high.allowed == f11403  # highest: 100%
    assert low.allowed == money(f11402 * Decimal("0.5"))  # second: 50%
    assert low.global_days == "010"
    assert any("ranked 2 of 2" in s for s in low.steps)
    assert priced.total_allowed == f11403 + money(f11402 / 2)


@pytest.mark.shared
def test_professional_component_and_a_code_without_one(kb: KnowledgeBase) -> None:
    priced = price_claim(claim({"code": "71046", "modifiers": ["26"]}, {"code": "93000", "modifiers": ["26"]},
                               place_of_service="22"), kb, pricing={"locality": "13202-01"})
    pc, ecg = priced.lines
    # 71046-26 row: work 0.22, PE 0.08, MP 0.01
    assert pc.allowed == fee(("0.22", "0.08", "0.01"), MANHATTAN) and pc.paid
    # 93000 is a global-only test (PC/TC indicator 4): no 26 row, nothing paid with 26
    assert not ecg.paid and ecg.allowed == 0 and ecg.reason is not None and "no 26 row" in ecg.reason


@pytest.mark.shared
def test_bilateral_and_status_b(kb: KnowledgeBase) -> None:
    priced = price_claim(claim({"code": "20610", "modifiers": ["50"]}, {"code": "A4550"}), kb,
                         pricing={"locality": "13202-01"})
    bilateral, tray = priced.lines
    one_side = fee(("0.79", "1.04", "0.13"), MANHATTAN)  # bilateral indicator 1: 150%
    assert bilateral.allowed == money(one_side * Decimal("1.5"))
    assert tray.status == "B" and tray.allowed == 0 and not tray.paid
    assert tray.reason is not None and tray.reason.startswith("status B")
    assert priced.total_allowed == bilateral.allowed


@pytest.mark.shared
def test_status_t_is_paid_only_alone(kb: KnowledgeBase) -> None:
    # 94760 (status T, PPRRVU2025_Oct: work 0.00, PE 0.10, MP 0.01)
    alone = price_claim(claim({"code": "94760"}), kb, pricing={"locality": "13202-01"})
    assert alone.lines[0].allowed == fee(("0.00", "0.10", "0.01"), MANHATTAN) and alone.lines[0].paid
    both = price_claim(claim({"code": "99213"}, {"code": "94760"}), kb, pricing={"locality": "13202-01"})
    visit, oximetry = both.lines
    assert visit.paid and not oximetry.paid and oximetry.allowed == 0
    assert oximetry.reason is not None and oximetry.reason.startswith("status T")


@pytest.mark.shared
def test_endoscopy_family_and_therapy_pe_reduction(kb: KnowledgeBase) -> None:
    # colonoscopy family (endoscopic base 45378), ASC (POS 24: facility PE), Manhattan
    endo = price_claim(claim({"code": "45385"}, {"code": "45380"}, place_of_service="24"), kb,
                       pricing={"locality": "13202-01"})
    snare, biopsy = endo.lines
    f45385 = fee(("4.57", "2.38", "0.56"), MANHATTAN)
    f45380 = fee(("3.56", "1.93", "0.47"), MANHATTAN)
    f45378 = fee(("3.26", "1.79", "0.43"), MANHATTAN)
    assert snare.allowed == f45385 and biopsy.allowed == f45380 - f45378
    # therapy (MULT PROC 5): 97110 x 2 and 97140, office; highest PE unit (97110) in full,
    # later units with half their practice expense
    ther = price_claim(claim({"code": "97110", "units": 2}, {"code": "97140"}), kb,
                       pricing={"locality": "13202-01"})
    ex, manual = ther.lines
    full = fee(("0.45", "0.43", "0.01"), MANHATTAN)
    half_pe = fee(("0.45", "0.215", "0.01"), MANHATTAN)
    assert ex.allowed == full + half_pe
    assert manual.allowed == fee(("0.43", "0.20", "0.01"), MANHATTAN)


@pytest.mark.shared
def test_anesthesia_minutes(kb: KnowledgeBase) -> None:
    priced = price_claim(claim({"code": "00790", "units": 95, "unit_kind": "MJ", "modifiers": ["AA"]}, place_of_service="22"),
                         kb, pricing={"locality": "13202-01"})
    (ln,) = priced.lines
    # base 7 (fixture) + 95 / 15 = 6.3 time units; Manhattan anesthesia CF 22.76 (ANES2025.csv)
    assert ln.method == "medicare-anesthesia"
    assert ln.allowed == money((Decimal(7) + Decimal("6.3")) * Decimal("22.76")) == Decimal("302.71")
    assert any("base units 7" in s for s in ln.steps)


@pytest.mark.shared
def test_anesthesia_without_base_units_table_says_how_to_import(tabular_kb: KnowledgeBase, shared_data: Path) -> None:
    for kind, name in FILES.items():
        tabular_kb.import_file(kind, shared_data / "pfs" / name)
    priced = price_claim(claim({"code": "00790", "units": 95, "unit_kind": "MJ"}), tabular_kb,
                         pricing={"locality": "13202-01"})
    assert not priced.lines[0].paid
    assert any("medcoder data import anes-base-units FILE" in n for n in priced.notices)


@pytest.mark.shared
def test_unknown_locality_names_the_profile_field(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as err:
        price_claim(claim({"code": "99213"}), kb, pricing={"locality": "99999-99"})
    assert err.value.where == "pricing.locality" and "not in the GPCI file" in err.value.message
    with pytest.raises(InputError) as err:
        price_claim(claim({"code": "99213"}), kb, pricing={"zip": "00000"})
    assert err.value.where == "pricing.zip"


# -- commercial contract ----------------------------------------------------------------------------
@pytest.mark.shared
def test_contract_fixed_and_percent_of_medicare(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "acme.csv").write_text(
        "code,modifier,allowed,percent_of_medicare\n99213,,118.00,\n71046,26,,140\n", encoding="utf-8")
    acme = {"key": "acme", "name": "Acme Health", "payer_id": "ACME1", "kind": "commercial"}
    c = claim({"code": "99213"}, {"code": "71046", "modifiers": ["26"]}, {"code": "11402"}, payer=acme)
    priced = price_claim(c, kb, pricing={"locality": "13202-01", "contracts": {"acme": {"file": "acme.csv"}}},
                         base_dir=tmp_path)
    visit, xray, skin = priced.lines
    assert priced.method == "contract:acme"
    assert visit.allowed == Decimal("118.00")
    assert xray.allowed == money(fee(("0.22", "0.08", "0.01"), MANHATTAN) * Decimal("1.4"))
    assert not skin.paid and skin.method == "not-priced"
    assert any("no fee for 11402" in n for n in priced.notices)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,allowed\n99213,abc\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as err:
        price_claim(c, kb, pricing={"contracts": {"acme": {"file": str(bad)}}})
    assert err.value.line == 2


# -- inpatient ----------------------------------------------------------------------------------------
INPATIENT: dict[str, Any] = {
    "kind": "institutional",
    "patient_control_number": "PCN-I1",
    "billing": {"name": "Riverside General Hospital", "npi": "1456789019", "tax_id": "12-3456789",
                "address": {"line1": "9 Hospital Way", "city": "Springfield", "state": "IL", "zip": "62701"}},
    "payer": {"key": "medicare", "name": "Medicare Part A", "payer_id": "00952", "kind": "medicare"},
    "patient": {"last_name": "Roe", "first_name": "Jane", "birth_date": "1960-01-05", "sex": "F"},
    "type_of_bill": "111",
    "admission_date": "2025-06-10",
    "service_from": "2025-06-10",
    "service_to": "2025-06-12",
    "discharge_status": "01",
    "diagnoses": [{"code": "K35.80", "poa": "Y"}],
    "pcs_procedures": [{"code": "0DTJ4ZZ", "date": "2025-06-10"}],
    "lines": [{"revenue_code": "0360", "charge": 9000, "date": "2025-06-10"}],
}


def test_inpatient_appendectomy_drg_price(kb_drg: KnowledgeBase) -> None:
    c = claim_from_dict(copy.deepcopy(INPATIENT))
    priced = price_claim(c, kb_drg, pricing={"base_rate": "6500.00"})
    drg = priced.drg
    assert drg is not None
    # FY2025 (v42.1 from April 1, 2025): laparoscopic appendectomy without CC/MCC -> MS-DRG 399
    assert drg.grouper_version == 421 and drg.drg == "399" and drg.return_code == "OK"
    assert drg.weight == Decimal("1.0500")  # the fixture's illustrative weight
    assert drg.payment == Decimal("1.0500") * Decimal("6500.00") == Decimal("6825.00")
    assert priced.total_allowed == Decimal("6825.00") and drg.length_of_stay == 2
    # a secondary diagnosis that is a CC moves it to 398
    cc = copy.deepcopy(INPATIENT)
    cc["diagnoses"].append({"code": "N17.9", "poa": "Y"})
    priced_cc = price_claim(claim_from_dict(cc), kb_drg, pricing={"base_rate": 6500})
    assert priced_cc.drg is not None and priced_cc.drg.drg == "398"
    assert priced_cc.drg.payment == Decimal("9750.00")  # 1.5000 x 6500
    # no base rate: grouped, not paid, with the field to set
    none = price_claim(c, kb_drg)
    assert none.drg is not None and none.drg.payment is None
    assert any("pricing.base_rate" in n for n in none.notices)


@pytest.fixture
def kb_drg(tabular_kb: KnowledgeBase) -> KnowledgeBase:
    tabular_kb.import_file("msdrg-weights", FIX / "drg" / "FY2025_Table5_subset.txt")
    return tabular_kb


def test_fixture_tables_import_with_their_releases(kb_drg: KnowledgeBase) -> None:
    kb_drg.import_file("anes-base-units", FIX / "anes_base" / "CY2025_anesthesia_base_units.csv")
    got = {t.kind: (t.release, t.effective_from, t.effective_to, t.rows) for t in kb_drg.store.tables()
           if t.kind in ("anes-base-units", "msdrg-weights")}
    assert got == {"anes-base-units": ("CY2025", "2025-01-01", "2025-12-31", 10),
                   "msdrg-weights": ("FY2025", "2024-10-01", "2025-09-30", 6)}
    anes = kb_drg.open("anes-base-units", "2025-05-01").reader
    assert anes.base_units("00840") == 6 and anes.base_units("01402") == 7 and anes.base_units("99213") is None
    w = kb_drg.open("msdrg-weights", "2025-05-01").reader.get("399")
    assert w is not None and w.title == "Appendix Procedures without CC/MCC" and w.type == "SURG"


def test_bad_table_rows_name_the_line(kb_drg: KnowledgeBase, tmp_path: Path) -> None:
    f = tmp_path / "anes_base_units_2025.csv"
    f.write_text("CPT Code,Base Units\n00790,7\n00840,six\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as err:
        kb_drg.import_file("anes-base-units", f)
    assert err.value.line == 3 and err.value.column == 2


# -- command line ---------------------------------------------------------------------------------------
@pytest.mark.shared
def test_cli_prices_a_claim_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["lines"] = [{"code": "99213", "charge": 145, "pointers": [1]}, {"code": "A4550", "charge": 10}]
    f = tmp_path / "claim.yaml"
    f.write_text(yaml.safe_dump(data), encoding="utf-8")
    profile = tmp_path / "practice.yaml"
    profile.write_text(yaml.safe_dump({
        "practice": BASE["billing"],
        "payers": {"medicare": {"name": "Medicare Part B", "payer_id": "00952", "kind": "medicare"}},
        "pricing": {"locality": "07102-13"},
    }), encoding="utf-8")
    run = CliRunner().invoke(app, ["claim", "price", str(f), "--profile", str(profile), "--json"])
    assert run.exit_code == 0, run.output
    (report,) = json.loads(run.output)
    assert report["locality"]["key"] == "07102-13"
    assert report["total_allowed"] == str(fee(("1.30", "1.35", "0.10"), ARKANSAS))
    over = CliRunner().invoke(app, ["claim", "price", str(f), "--profile", str(profile), "--locality", "13202-01"])
    assert over.exit_code == 0, over.output
    assert "101.06" in over.output and "status B" in over.output
    bad = CliRunner().invoke(app, ["claim", "price", str(f), "--locality", "99999-99"])
    assert bad.exit_code != 0 and isinstance(bad.exception, InputError)
    assert bad.exception.where == "--locality"

"""The physician fee schedule tables built from the official CY2025 October files (RVU25D).

Amounts are worked by hand in each test from the numbers printed in the CMS files:
[(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)] x CF, rounded to the cent.
"""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.pfs import anesthesia_allowed, medicare_allowed
from medcoder.codesets.store import DataStore
from medcoder.errors import InputError, UnknownCodeError

pytestmark = pytest.mark.shared

FILES = {
    "pfs-rvu": "PPRRVU2025_Oct.csv",
    "pfs-gpci": "GPCI2025.csv",
    "pfs-anes": "ANES2025.csv",
    "pfs-locality": "25LOCCO.csv",
    "pfs-zip": "ZIP5_OCT2025.txt",
}
DOS = "2025-11-03"
CF_2025 = Decimal("32.3465")


def _money(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def pfs_root(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pfs-2025")
    kb = KnowledgeBase(DataStore(root))
    for kind, name in FILES.items():
        kb.import_file(kind, shared_data / "pfs" / name)
    return root


@pytest.fixture
def pfs(pfs_root: Path) -> KnowledgeBase:
    return KnowledgeBase(DataStore(pfs_root))


def test_releases_and_effective_dates_come_from_the_files(pfs: KnowledgeBase) -> None:
    got = {t.kind: (t.release, t.effective_from, t.effective_to, t.rows) for t in pfs.store.tables()}
    assert got == {
        "pfs-rvu": ("CY2025 (RVU25D)", "2025-10-01", "2025-12-31", 19090),
        "pfs-gpci": ("CY2025", "2025-01-01", "2025-12-31", 109),
        "pfs-anes": ("CY2025", "2025-01-01", "2025-12-31", 109),
        "pfs-locality": ("CY2025", "2025-01-01", "2025-12-31", 110),
        "pfs-zip": ("CY2025 Q4", "2025-10-01", "2025-12-31", 42956),
    }
    meta = pfs.store.tables("pfs-rvu")[0].meta
    assert meta["released"] == "2025-09-11"
    assert meta["conversion_factor_in_file"] == ["32.3465"]
    assert meta["status_counts"]["A"] == 9021 and meta["status_counts"]["B"] == 83


def test_99213_global_row_as_printed_in_pprrvu2025_oct(pfs: KnowledgeBase) -> None:
    r = pfs.open("pfs-rvu", DOS).reader.get("99213")
    assert (r.status, r.work_rvu, r.nf_pe_rvu, r.f_pe_rvu, r.mp_rvu) == (
        "A", Decimal("1.30"), Decimal("1.35"), Decimal("0.57"), Decimal("0.10"),
    )
    assert (r.nf_total, r.f_total, r.pctc, r.global_days) == (Decimal("2.75"), Decimal("1.97"), "0", "XXX")
    assert (r.mult_proc, r.bilat, r.asst, r.co_surg, r.team, r.supervision) == ("0", "0", "0", "0", "0", "09")
    assert r.conv_factor == CF_2025
    assert r.description is None


def test_no_cpt_or_dental_descriptor_is_stored(pfs: KnowledgeBase) -> None:
    db = Path(pfs.store.root) / pfs.store.tables("pfs-rvu")[0].path / "table.sqlite"
    con = sqlite3.connect(db)
    leaked = con.execute(
        "SELECT COUNT(*) FROM rvu WHERE description IS NOT NULL "
        "AND (substr(code, 1, 1) BETWEEN '0' AND '9' OR code LIKE 'D%')"
    ).fetchone()[0]
    kept = con.execute("SELECT description FROM rvu WHERE code = 'G0008'").fetchone()[0]
    con.close()
    assert leaked == 0
    assert kept == "Admin influenza virus vac"


def test_manhattan_gpci(pfs: KnowledgeBase) -> None:
    g = pfs.open("pfs-gpci", DOS).reader.get("13202", "01")
    assert (g.state, g.name, g.pw_floor, g.pe, g.mp) == (
        "NY", "MANHATTAN", Decimal("1.065"), Decimal("1.166"), Decimal("1.656"),
    )
    assert g.work == (Decimal("1.065"), "work GPCI with the 1.0 floor")
    alaska = pfs.open("pfs-gpci", DOS).reader.get("02102", "01")
    assert (alaska.name, alaska.marks, alaska.pw_floor) == ("ALASKA", "*", Decimal("1.5"))


def test_99213_office_visit_in_manhattan_by_hand(pfs: KnowledgeBase) -> None:
    # PPRRVU2025_Oct: work 1.30, non-facility PE 1.35, facility PE 0.57, MP 0.10
    # GPCI2025 MANHATTAN (13202-01): PW 1.065, PE 1.166, MP 1.656; CF 32.3465
    by_hand = (Decimal("1.30") * Decimal("1.065") + Decimal("1.35") * Decimal("1.166")
               + Decimal("0.10") * Decimal("1.656")) * CF_2025
    a = medicare_allowed(pfs, "99213", DOS, locality="13202-01")
    assert a.amount == _money(by_hand) == Decimal("101.06")
    assert a.unrounded == by_hand
    assert a.rvus == {"work": Decimal("1.30"), "pe": Decimal("1.35"), "mp": Decimal("0.10")}
    assert a.gpcis == {"work": Decimal("1.065"), "pe": Decimal("1.166"), "mp": Decimal("1.656")}
    assert a.conversion_factor == CF_2025 and "CMS-1807-F" in (a.conversion_factor_citation or "")
    assert a.releases == {"pfs-rvu": "CY2025 (RVU25D)", "pfs-gpci": "CY2025"}
    assert a.locality is not None and a.locality.key == "13202-01" and a.locality.name == "MANHATTAN"
    assert a.notices == []
    facility = medicare_allowed(pfs, "99213", DOS, locality="MANHATTAN", facility=True)
    assert facility.amount == Decimal("71.64")  # PE 0.57 instead of 1.35
    assert facility.locality is not None and facility.locality.found_by == "name 'MANHATTAN'"


def test_zip_code_to_locality(pfs: KnowledgeBase) -> None:
    z = pfs.open("pfs-zip", DOS).reader.get("10001")
    assert (z.state, z.carrier, z.locality, z.rural, z.plus_four) == ("NY", "13202", "01", None, False)
    rural = pfs.open("pfs-zip", DOS).reader.get("00601")
    assert (rural.state, rural.carrier, rural.locality, rural.rural) == ("PR", "09202", "20", "R")
    a = medicare_allowed(pfs, "99213", DOS, zip_code="10001-2345")
    assert a.amount == Decimal("101.06")
    assert a.releases["pfs-zip"] == "CY2025 Q4"
    split = medicare_allowed(pfs, "99213", DOS, zip_code="10505")
    assert split.locality is not None and split.locality.key == "13202-02"
    assert any("ZIP+4" in n for n in split.notices)


def test_71046_global_professional_and_technical_rows(pfs: KnowledgeBase) -> None:
    rows = pfs.open("pfs-rvu", DOS).reader.rows("71046")
    assert [(r.modifier, r.work_rvu, r.nf_pe_rvu, r.mp_rvu, r.nf_total) for r in rows] == [
        ("", Decimal("0.22"), Decimal("0.77"), Decimal("0.02"), Decimal("1.01")),
        ("26", Decimal("0.22"), Decimal("0.08"), Decimal("0.01"), Decimal("0.31")),
        ("TC", Decimal("0.00"), Decimal("0.69"), Decimal("0.01"), Decimal("0.70")),
    ]
    pc = medicare_allowed(pfs, "71046", DOS, locality="13202-01", modifier="26")
    tc = medicare_allowed(pfs, "71046", DOS, locality="13202-01", modifier="TC")
    assert pc.rvu_row_modifier == "26" and tc.rvu_row_modifier == "TC"
    assert pc.amount == _money((Decimal("0.22") * Decimal("1.065") + Decimal("0.08") * Decimal("1.166")
                                + Decimal("0.01") * Decimal("1.656")) * CF_2025) == Decimal("11.13")
    assert tc.amount == Decimal("26.56")
    assert tc.opps_cap is not None and tc.opps_cap["applied"] is False  # OPPS amount is higher
    # a physician service has no 26 row: said so, no amount
    none = medicare_allowed(pfs, "99213", DOS, locality="13202-01", modifier="26")
    assert none.amount is None and "no 26 row" in (none.reason or "")


def test_opps_imaging_cap_applies_to_71275_tc(pfs: KnowledgeBase) -> None:
    # 71275-TC: PE 5.99, MP 0.03; PE used for OPPS 5.48, MP 0.03
    a = medicare_allowed(pfs, "71275", DOS, locality="13202-01", modifier="TC")
    pfs_amount = _money((Decimal("5.99") * Decimal("1.166") + Decimal("0.03") * Decimal("1.656")) * CF_2025)
    opps_amount = _money((Decimal("5.48") * Decimal("1.166") + Decimal("0.03") * Decimal("1.656")) * CF_2025)
    assert a.opps_cap is not None and a.opps_cap["applied"] is True
    assert a.amount == opps_amount < pfs_amount
    assert any("OPPS imaging cap" in x for x in a.adjustments)


def test_bundled_and_contractor_priced_codes_say_so(pfs: KnowledgeBase) -> None:
    bundled = medicare_allowed(pfs, "A4550", DOS, locality="13202-01")
    assert bundled.status == "B" and bundled.amount is None and not bundled.paid_separately
    assert "Bundled" in (bundled.reason or "")
    priced = medicare_allowed(pfs, "0042T", DOS, locality="13202-01")
    assert priced.status == "C" and priced.amount is None
    assert "Contractor priced" in (priced.reason or "")
    anesthesia = medicare_allowed(pfs, "00100", DOS, locality="13202-01")
    assert anesthesia.status == "J" and anesthesia.amount is None


def test_bilateral_modifier_on_a_150_percent_code(pfs: KnowledgeBase) -> None:
    r = pfs.open("pfs-rvu", DOS).reader.get("19302")
    assert r.bilat == "1"
    one = medicare_allowed(pfs, "19302", DOS, locality="13202-01", facility=True)
    both = medicare_allowed(pfs, "19302", DOS, locality="13202-01", facility=True, modifier="50")
    assert one.amount is not None
    assert both.amount == _money(one.amount * Decimal("1.5"))


def test_code_card_decodes_status_and_indicators(pfs: KnowledgeBase) -> None:
    reader = pfs.open("pfs-rvu", DOS).reader
    card = reader.card("71046")
    assert card["system"] == "CPT" and card["title"] is None
    assert card["has_professional_technical_split"] is True
    assert [r["modifier"] for r in card["rows"]] == [None, "26", "TC"]
    assert card["rows"][0]["indicators"]["pctc"]["code"] == "1"
    # national amounts: total RVUs x 32.3465 (99213: 2.75 and 1.97 total RVUs)
    visit = reader.card("99213")["rows"][0]["national_amount"]
    assert (visit["non_facility"], visit["facility"]) == (88.95, 63.72)
    g = reader.card("G0008")
    assert g["system"] == "HCPCS" and g["title"] == "Admin influenza virus vac"
    assert g["status"]["code"] == "X" and "Statutory exclusion" in g["status"]["meaning"]
    assert reader.card("99999") is None


def test_locality_crosswalk_finds_counties(pfs: KnowledgeBase) -> None:
    reader = pfs.open("pfs-locality", DOS).reader
    assert [a.key for a in reader.search(county="Kings", state="NY")] == ["13202-02"]
    assert [a.key for a in reader.search(county="New York", state="NY")] == ["13202-01"]
    assert [a.key for a in reader.search(county="Tompkins", state="NY")] == ["13282-99"]
    (la,) = reader.areas("01182", "18")
    assert la.state == "CA" and "LOS ANGELES" in la.area


def test_anesthesia_in_manhattan(pfs: KnowledgeBase) -> None:
    a = anesthesia_allowed(pfs, 5, 62, DOS, locality="13202-01")
    # ANES2025 MANHATTAN 22.76; 62 minutes = 4.1 time units
    assert (a.time_units, a.conversion_factor) == (Decimal("4.1"), Decimal("22.76"))
    assert a.amount == _money(Decimal("9.1") * Decimal("22.76")) == Decimal("207.12")
    assert "base units" in a.base_units_source
    directed = anesthesia_allowed(pfs, 5, 62, DOS, zip_code="10001", modifier="QK")
    assert directed.amount == Decimal("103.56")


def test_date_after_the_loaded_releases_uses_the_new_cf_and_says_so(pfs: KnowledgeBase) -> None:
    a = medicare_allowed(pfs, "99213", "2026-02-03", locality="13202-01")
    assert a.conversion_factor == Decimal("33.4009") and a.conversion_factor_kind == "non_apm"
    assert any("newest pfs-rvu release" in n for n in a.notices)
    assert any("RVUs are from CY2025" in n for n in a.notices)
    qp = medicare_allowed(pfs, "99213", "2026-02-03", locality="13202-01", apm=True)
    assert qp.conversion_factor == Decimal("33.5675")


def test_bad_requests_are_refused(pfs: KnowledgeBase) -> None:
    with pytest.raises(UnknownCodeError):
        medicare_allowed(pfs, "99999", DOS, locality="13202-01")
    with pytest.raises(InputError, match="exactly one"):
        medicare_allowed(pfs, "99213", DOS, locality="13202-01", zip_code="10001")
    with pytest.raises(InputError, match="exactly one"):
        medicare_allowed(pfs, "99213", DOS)
    with pytest.raises(UnknownCodeError):
        medicare_allowed(pfs, "99213", DOS, zip_code="00000")
    with pytest.raises(UnknownCodeError):
        medicare_allowed(pfs, "99213", DOS, locality="13202-07")
    with pytest.raises(InputError, match="several"):
        medicare_allowed(pfs, "99213", DOS, locality="REST OF")
    with pytest.raises(InputError):
        medicare_allowed(pfs, "9921", DOS, locality="13202-01")

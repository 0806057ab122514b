"""The physician fee schedule on hand-written CY2026 fixtures (tests/fixtures/pfs, official layouts).

Release selection by date of service, the two CY2026 conversion factors, the work GPCI floor
column, modifier rules, anesthesia units, user overrides of the conversion factors, and the
importer's layout tolerance. The fixture numbers are illustrative, not CMS's.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.pfs import anesthesia_allowed, medicare_allowed
from medcoder.codesets.pfs.builder import keeps_descriptor
from medcoder.codesets.pfs.factors import factor_for, load_factors
from medcoder.codesets.pfs.payment import time_units
from medcoder.codesets.pfs.reader import parse_locality_key
from medcoder.errors import FileFormatError, InputError, UnknownCodeError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "pfs"
FILES = {
    "pfs-rvu": "PPRRVU2026_Jan_nonQPP.csv",
    "pfs-gpci": "GPCI2026.csv",
    "pfs-anes": "ANES2026.csv",
    "pfs-locality": "26LOCCO.csv",
    "pfs-zip": "ZIP5_JAN2026.txt",
}
DOS = "2026-02-10"
CF = Decimal("33.4009")
CF_APM = Decimal("33.5675")


def _money(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def kb26(kb: KnowledgeBase) -> KnowledgeBase:
    for kind, name in FILES.items():
        kb.import_file(kind, FIX / name)
    return kb


def _as_2025_october(tmp_path: Path) -> Path:
    """The fixture relabelled as the 2025 October release, with CF 32.3465 and 99213's PE 1.35."""
    text = (FIX / FILES["pfs-rvu"]).read_text()
    text = text.replace("2026 National Physician Fee Schedule Relative Value File January",
                        "2025 National Physician Fee Schedule Relative Value File October")
    text = text.replace("RELEASED 12/29/2025", "RELEASED 09/11/2025").replace("33.4009", "32.3465")
    text = text.replace("1.30,1.46,,0.55,,0.09,2.85,1.94", "1.30,1.35,,0.57,,0.10,2.75,1.97")
    out = tmp_path / "PPRRVU2025_Oct.csv"
    out.write_text(text)
    return out


def test_fixture_releases(kb26: KnowledgeBase) -> None:
    got = {t.kind: (t.release, t.effective_from, t.effective_to) for t in kb26.store.tables()}
    assert got == {
        "pfs-rvu": ("CY2026 (RVU26A)", "2026-01-01", "2026-03-31"),
        "pfs-gpci": ("CY2026", "2026-01-01", "2026-12-31"),
        "pfs-anes": ("CY2026", "2026-01-01", "2026-12-31"),
        "pfs-locality": ("CY2026", "2026-01-01", "2026-12-31"),
        "pfs-zip": ("CY2026 Q1", "2026-01-01", "2026-03-31"),
    }


def test_cy2026_conversion_factors_non_apm_and_apm(kb26: KnowledgeBase) -> None:
    # 99213: work 1.30, non-facility PE 1.46, MP 0.09; MANHATTAN 1.068 / 1.171 / 1.649
    rvus = Decimal("1.30") * Decimal("1.068") + Decimal("1.46") * Decimal("1.171") + Decimal("0.09") * Decimal("1.649")
    a = medicare_allowed(kb26, "99213", DOS, locality="13202-01")
    assert a.amount == _money(rvus * CF)
    assert (a.conversion_factor, a.conversion_factor_kind) == (CF, "non_apm")
    assert "CMS-1832-F" in (a.conversion_factor_citation or "") and a.notices == []
    q = medicare_allowed(kb26, "99213", DOS, locality="13202-01", apm=True)
    assert q.amount == _money(rvus * CF_APM) and q.conversion_factor_kind == "apm"
    assert q.amount is not None and a.amount is not None and q.amount > a.amount


def test_release_selection_by_date_of_service(kb26: KnowledgeBase, tmp_path: Path) -> None:
    kb26.import_file("pfs-rvu", _as_2025_october(tmp_path))
    assert sorted(t.release for t in kb26.store.tables("pfs-rvu")) == ["CY2025 (RVU25D)", "CY2026 (RVU26A)"]
    old = kb26.open("pfs-rvu", "2025-11-15")
    new = kb26.open("pfs-rvu", "2026-01-01")
    assert (old.release, old.notice) == ("CY2025 (RVU25D)", None)
    assert (new.release, new.notice) == ("CY2026 (RVU26A)", None)
    assert old.reader.get("99213").nf_pe_rvu == Decimal("1.35")
    assert new.reader.get("99213").nf_pe_rvu == Decimal("1.46")
    later = kb26.open("pfs-rvu", "2026-05-01")  # after RVU26A's quarter: answered with a notice
    assert later.release == "CY2026 (RVU26A)" and "after the newest" in (later.notice or "")
    a = medicare_allowed(kb26, "99213", "2026-05-01", locality="13202-01")
    assert any("after the newest pfs-rvu release" in n for n in a.notices)


def test_work_gpci_floor_column_is_preferred(kb26: KnowledgeBase) -> None:
    al = kb26.open("pfs-gpci", DOS).reader.get("10112", "00")
    assert (al.pw_no_floor, al.pw_floor) == (Decimal("0.962"), Decimal("1"))
    a = medicare_allowed(kb26, "99213", DOS, zip_code="35203")
    assert a.gpcis["work"] == Decimal("1") and a.work_gpci_basis == "work GPCI with the 1.0 floor"
    assert a.locality is not None and a.locality.key == "10112-00"


def test_descriptors_of_cpt_and_dental_codes_are_never_stored(kb26: KnowledgeBase) -> None:
    table = kb26.store.root / kb26.store.tables("pfs-rvu")[0].path / "table.sqlite"
    raw = table.read_bytes()
    assert b"PLACEHOLDER" not in raw
    assert b"Surgical trays" in raw
    reader = kb26.open("pfs-rvu", DOS).reader
    assert reader.get("99213").description is None and reader.get("D0120").description is None
    assert reader.card("A4550")["title"] == "Surgical trays"
    assert [keeps_descriptor(c) for c in ("99213", "0042T", "D0120", "G0008", "J1100")] == [
        False, False, False, True, True,
    ]


def test_statuses_that_are_not_paid_separately(kb26: KnowledgeBase) -> None:
    for code, status, words in (
        ("A4550", "B", "Bundled"), ("99499", "C", "Contractor priced"), ("D0120", "R", "contractor priced"),
        ("G0008", "X", "Statutory exclusion"), ("27215", "I", "not used for Medicare payment"),
    ):
        a = medicare_allowed(kb26, code, DOS, locality="13202-01")
        assert (a.status, a.amount) == (status, None), code
        assert words in (a.reason or ""), (code, a.reason)
    t = medicare_allowed(kb26, "36591", DOS, locality="13202-01")
    assert t.amount is not None and any("status T" in n for n in t.notices)


def test_opps_cap_on_the_fixture_tc_row(kb26: KnowledgeBase) -> None:
    # 70450-TC: PE 3.10 MP 0.02, OPPS PE 1.90 MP 0.02; ALABAMA PE 0.872 MP 0.571
    a = medicare_allowed(kb26, "70450", DOS, locality="10112-00", modifier="TC")
    capped = _money((Decimal("1.90") * Decimal("0.872") + Decimal("0.02") * Decimal("0.571")) * CF)
    assert a.amount == capped
    assert a.fee_schedule_amount == capped and a.opps_cap is not None and a.opps_cap["applied"]


def test_surgical_modifiers_follow_the_indicators(kb26: KnowledgeBase) -> None:
    one = medicare_allowed(kb26, "27447", DOS, locality="10112-00", facility=True)
    assert one.amount is not None
    fee = one.amount
    expect = {
        "50": _money(fee * Decimal("1.5")),  # bilateral indicator 1
        "80": _money(fee * Decimal("0.16")),  # assistant indicator 2
        "AS": _money(fee * Decimal("0.136")),
        "62": _money(fee * Decimal("0.625")),  # co-surgeon indicator 1: documentation notice
    }
    for mod, amount in expect.items():
        a = medicare_allowed(kb26, "27447", DOS, locality="10112-00", facility=True, modifier=mod)
        assert a.amount == amount, mod
        assert a.fee_schedule_amount == fee
    co = medicare_allowed(kb26, "27447", DOS, locality="10112-00", facility=True, modifier="62")
    assert any("documentation" in n for n in co.notices)
    team = medicare_allowed(kb26, "27447", DOS, locality="10112-00", facility=True, modifier="66")
    assert team.amount is None and "team surgery indicator 0" in (team.reason or "")
    other = medicare_allowed(kb26, "99213", DOS, locality="10112-00", modifier="25")
    assert other.amount is not None and any("modifier 25 does not change" in n for n in other.notices)


def test_assistant_never_paid_with_indicator_zero_needs_documentation(kb26: KnowledgeBase) -> None:
    a = medicare_allowed(kb26, "99213", DOS, locality="10112-00", modifier="80")
    assert a.amount is not None  # indicator 0: payable with documentation
    assert any("documentation" in n for n in a.notices)
    b = medicare_allowed(kb26, "99499", DOS, locality="10112-00")
    assert b.amount is None


def test_facility_setting_and_na_notices(kb26: KnowledgeBase) -> None:
    office = medicare_allowed(kb26, "27447", DOS, locality="10112-00")
    assert any("non-facility NA" in n for n in office.notices)
    facility = medicare_allowed(kb26, "99213", DOS, locality="10112-00", facility=True)
    assert facility.pe_setting == "facility" and facility.rvus["pe"] == Decimal("0.55")


def test_qpp_and_non_qpp_files_in_one_zip_build_from_non_qpp(kb: KnowledgeBase, tmp_path: Path) -> None:
    base = (FIX / FILES["pfs-rvu"]).read_text()
    z = tmp_path / "rvu26a.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("PPRRVU2026_Jan_nonQPP.csv", base)
        zf.writestr("PPRRVU2026_Jan_QPP.csv", base.replace("33.4009", "33.5675"))
        zf.writestr("GPCI2026.csv", (FIX / "GPCI2026.csv").read_text())
        zf.writestr("RVU26A.pdf", "layout")
    info = kb.import_file("pfs-rvu", z)
    assert info.release == "CY2026 (RVU26A)"
    assert info.meta["file"] == "PPRRVU2026_Jan_nonQPP.csv"
    assert info.meta["skipped_files"] == ["PPRRVU2026_Jan_QPP.csv"]
    assert info.meta["conversion_factor_in_file"] == ["33.4009"]
    assert kb.import_file("pfs-gpci", z).release == "CY2026"


def test_columns_are_found_by_name_not_position(kb: KnowledgeBase, tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO((FIX / FILES["pfs-rvu"]).read_text())))
    order = list(range(31))
    order[5], order[10] = 10, 5  # MP RVU where WORK RVU was
    order.append(31)  # and a column this layout does not know
    out = io.StringIO()
    w = csv.writer(out)
    for i, r in enumerate(rows):
        cells = [*r, "NEW COLUMN" if i == 9 else ("X" if i > 9 else "")]
        w.writerow([cells[j] for j in order])
    moved = tmp_path / "PPRRVU2026_Jan_nonQPP.csv"
    moved.write_text(out.getvalue())
    info = kb.import_file("pfs-rvu", moved)
    assert info.meta["extra_columns"] == ["NEW COLUMN"]
    r = kb.open("pfs-rvu", DOS).reader.get("99213")
    assert (r.work_rvu, r.mp_rvu, r.extra) == (Decimal("1.30"), Decimal("0.09"), {"NEW COLUMN": "X"})


def test_anesthesia_units_and_modifiers(kb26: KnowledgeBase) -> None:
    assert [time_units(Decimal(m)) for m in (7, 8, 15, 62, 100)] == [
        Decimal("0.5"), Decimal("0.5"), Decimal("1.0"), Decimal("4.1"), Decimal("6.7"),
    ]
    a = anesthesia_allowed(kb26, 6, 100, DOS, locality="MANHATTAN", modifying_units=1)
    assert (a.total_units, a.conversion_factor) == (Decimal("13.7"), Decimal("22.96"))
    assert a.amount == _money(Decimal("13.7") * Decimal("22.96"))
    half = anesthesia_allowed(kb26, 6, 100, DOS, locality="13202-01", modifier="QX")
    assert half.amount == _money(Decimal("12.7") * Decimal("22.96") * Decimal("0.5"))  # no modifying unit
    ad = anesthesia_allowed(kb26, 6, 100, DOS, locality="13202-01", modifier="AD")
    assert ad.amount is None and "medical supervision" in (ad.reason or "")
    labor = anesthesia_allowed(kb26, 5, 240, DOS, locality="13202-01", code="01996")
    assert labor.time_units == 0 and labor.amount == _money(5 * Decimal("22.96"))
    apm = anesthesia_allowed(kb26, 6, 100, DOS, zip_code="10001", apm=True)
    scaled = _money(Decimal("22.96") * Decimal("20.5998") / Decimal("20.4976"))
    assert apm.conversion_factor == scaled and any("scaled" in n for n in apm.notices)
    with pytest.raises(InputError):
        anesthesia_allowed(kb26, -1, 10, DOS, locality="13202-01")


def test_anesthesia_file_with_an_apm_column(kb: KnowledgeBase, tmp_path: Path) -> None:
    f = tmp_path / "ANES2026.csv"
    f.write_text(
        "Contractor,Locality,Locality Name,National Anes CF of 20.4976,QP National Anes CF of 20.5998\n"
        "13202 ,01 ,MANHATTAN,22.96 ,23.07 \n"
    )
    kb.import_file("pfs-anes", f)
    a = anesthesia_allowed(kb, 4, 30, DOS, locality="13202-01", apm=True)
    assert a.conversion_factor == Decimal("23.07") and a.amount == _money(6 * Decimal("23.07"))


def test_user_override_of_conversion_factors(kb26: KnowledgeBase) -> None:
    (kb26.store.root / "conversion_factors.csv").write_text(
        "year,kind,cf,anesthesia_cf,effective_from,effective_to,citation\n"
        "2026,non_apm,34.0000,,2026-01-01,2026-06-30,Local test contract\n"
    )
    a = medicare_allowed(kb26, "99213", DOS, locality="13202-01")
    assert a.conversion_factor == Decimal("34.0000")
    assert a.conversion_factor_source == str(kb26.store.root / "conversion_factors.csv")
    assert any("differs from the CY2026" in n for n in a.notices)
    # the user's row replaces every bundled CY2026 non-APM row: August falls back to the RVU file's CF
    later = medicare_allowed(kb26, "99213", "2026-08-01", locality="13202-01")
    assert later.conversion_factor == CF and later.conversion_factor_kind == "rvu-file"
    assert any("no non-APM conversion factor" in n for n in later.notices)
    kinds = {(f.year, f.kind, f.source) for f in load_factors(kb26.store.root)}
    assert (2026, "apm", "bundled") in kinds and (2026, "non_apm", "bundled") not in kinds


def test_unknown_year_falls_back_to_the_rvu_files_cf(kb26: KnowledgeBase) -> None:
    factor, notices = factor_for(datetime.date(2030, 1, 15))
    assert factor is None and "conversion_factors.csv" in notices[0]
    a = medicare_allowed(kb26, "99213", "2030-01-15", locality="13202-01")
    assert a.conversion_factor == CF and a.conversion_factor_kind == "rvu-file"
    assert any("printed in the RVU file" in n for n in a.notices)


def test_bad_user_factor_file_names_the_file(kb26: KnowledgeBase) -> None:
    bad = kb26.store.root / "conversion_factors.csv"
    bad.write_text("year,kind,cf,citation\n2026,non_apm,lots,x\n")
    with pytest.raises(FileFormatError) as err:
        medicare_allowed(kb26, "99213", DOS, locality="13202-01")
    assert "conversion_factors.csv:2:3" in str(err.value) and "positive number" in str(err.value)


def test_locality_keys_and_lookups(kb26: KnowledgeBase) -> None:
    assert parse_locality_key("13202-01") == ("13202", "01")
    assert parse_locality_key("1320201") == ("13202", "01")
    assert parse_locality_key("2102/1") == ("02102", "01")
    with pytest.raises(InputError):
        parse_locality_key("132021")
    gpci = kb26.open("pfs-gpci", DOS).reader
    assert gpci.card("13202-01")["title"] == "MANHATTAN"
    assert [g.key for g in gpci.find("chicago")] == ["06102-15", "06102-16"]
    a = medicare_allowed(kb26, "99213", DOS, locality="chicago")  # the exact name wins
    assert a.locality is not None and a.locality.key == "06102-16"
    with pytest.raises(UnknownCodeError, match="13202-02"):  # ZIP 10505 -> a locality not in this GPCI file
        medicare_allowed(kb26, "99213", DOS, zip_code="10505")
    loc = kb26.open("pfs-locality", DOS).reader
    assert [a.key for a in loc.search(county="DuPage", state="IL")] == ["06102-15"]
    assert [a.key for a in loc.search(county="Tompkins", state="New York")] == ["13282-99"]
    z = kb26.open("pfs-zip", DOS).reader
    assert z.card("14850")["rural"] == {"code": "R", "meaning": "rural"}
    assert z.in_locality("13202", "01") == ["10001"]

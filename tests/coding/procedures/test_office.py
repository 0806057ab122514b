"""Office and ED procedure lines (``coders/procedures/office.py``) through the public path.

Each case is a short note and the office lines a coder would bill from it: (code, units,
modifiers). Boundary values are tested on both sides of every threshold: repair lengths, the
complex-repair minimum and add-on steps, tobacco counselling minutes, the dates on which codes
came into force.
"""

from __future__ import annotations

import csv
import datetime as _dt
import itertools
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from medcoder.coders.procedures.common import global_days, label_for, service_rows
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore
from medcoder.coding import code, code_text
from medcoder.encounter import Encounter

OFFICE = {
    row.code for row in service_rows("office_procedures.csv")
} | {"G0168"}


@pytest.fixture(scope="module")
def okb(_built_tabular: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """One knowledge base (the bundled ICD-10-CM tabular) for the module: loading it is the
    slow part of coding a note."""
    d = tmp_path_factory.mktemp("office-kb")
    shutil.copytree(_built_tabular, d, dirs_exist_ok=True)
    return KnowledgeBase(DataStore(d))


def lines(
    text: str, kb: Any, *, dos: str = "2026-05-04", setting: str = "outpatient"
) -> tuple[list[tuple[str, int | float, list[str]]], Any]:
    r = code_text(text, date_of_service=dos, setting=setting, kb=kb)
    got = [(p.code, p.units or 1, p.modifiers) for p in r.procedures if p.code in OFFICE]
    return got, r


def codes(text: str, kb: Any, **kw: str) -> set[str]:
    got, _ = lines(text, kb, **kw)
    return {c for c, _u, _m in got}


# -- repair lengths --------------------------------------------------------------------------
SIMPLE = "{} laceration of the left forearm, repaired with simple interrupted 4-0 nylon sutures."


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        ("2.5 cm", "12001"), ("2.6 cm", "12002"), ("7.5 cm", "12002"), ("7.6 cm", "12004"),
        ("12.5 cm", "12004"), ("12.6 cm", "12005"), ("20.0 cm", "12005"), ("20.1 cm", "12006"),
        ("30.0 cm", "12006"), ("30.1 cm", "12007"), ("25 mm", "12001"), ("26 mm", "12002"),
    ],
)
def test_simple_repair_of_the_limbs_by_length(length: str, expected: str, okb: Any) -> None:
    got, _ = lines(SIMPLE.format(length), okb, setting="emergency")
    assert got == [(expected, 1, [])]


@pytest.mark.parametrize(
    ("length", "expected"),
    [("2.5 cm", "12011"), ("2.6 cm", "12013"), ("5.0 cm", "12013"), ("5.1 cm", "12014"),
     ("7.5 cm", "12014"), ("7.6 cm", "12015")],
)
def test_simple_repair_of_the_face_by_length(length: str, expected: str, okb: Any) -> None:
    note = f"{length} laceration of the forehead, simple repair with 6-0 nylon sutures."
    got, _ = lines(note, okb, setting="emergency")
    assert got == [(expected, 1, [])]


@pytest.mark.parametrize(
    ("site", "length", "expected"),
    [("thigh", "2.5", "12031"), ("thigh", "2.6", "12032"), ("hand", "2.5", "12041"),
     ("hand", "2.6", "12042"), ("cheek", "5.0", "12052"), ("cheek", "5.1", "12053")],
)
def test_intermediate_repair_groups_and_lengths(site: str, length: str, expected: str, okb: Any) -> None:
    note = f"{length} cm laceration of the right {site}, layered closure with 4-0 Vicryl and 5-0 nylon."
    got, _ = lines(note, okb, setting="emergency")
    assert got == [(expected, 1, [])]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        ("1.1", [("13100", 1, [])]),
        ("2.5", [("13100", 1, [])]),
        ("2.6", [("13101", 1, [])]),
        ("7.5", [("13101", 1, [])]),
        ("7.6", [("13101", 1, []), ("13102", 1, [])]),
        ("12.5", [("13101", 1, []), ("13102", 1, [])]),
        ("12.6", [("13101", 1, []), ("13102", 2, [])]),
    ],
)
def test_complex_repair_and_its_add_on_per_5_cm(length: str, expected: list[Any], okb: Any) -> None:
    note = f"Complex repair of a {length} cm laceration of the back with extensive undermining."
    got, _ = lines(note, okb, setting="emergency")
    assert got == expected


def test_a_complex_repair_of_1_cm_is_not_coded_as_complex(okb: Any) -> None:
    got, r = lines("Complex repair of a 1.0 cm laceration of the back.", okb, setting="emergency")
    assert got == []
    assert any("1.0 cm or less" in w for w in r.warnings)


def test_lengths_of_one_complexity_in_one_group_are_added(okb: Any) -> None:
    note = ("2.0 cm laceration of the right hand and 0.6 cm laceration of the right forearm, "
            "both closed with simple interrupted sutures.")
    got, r = lines(note, okb, setting="emergency")
    assert got == [("12002", 1, [])]  # 2.6 cm: over the 2.5 cm of 12001
    line = next(p for p in r.procedures if p.code == "12002")
    assert any("2 + 0.6 = 2.6 cm" in w for w in line.rationale)


def test_groups_and_complexities_are_reported_separately(okb: Any) -> None:
    note = ("3.0 cm laceration of the left thigh: layered closure with deep sutures.\n"
            "1.0 cm laceration of the chin: simple interrupted 6-0 nylon.\n"
            "2.0 cm laceration of the left forearm: simple interrupted 4-0 nylon.\n")
    got, _ = lines(note, okb, setting="emergency")
    assert got == [("12032", 1, []), ("12011", 1, ["59"]), ("12001", 1, ["59"])]


@pytest.mark.parametrize(
    ("note", "warning"),
    [
        ("Laceration of the right knee repaired with simple interrupted sutures.", "length"),
        ("3 cm laceration repaired with simple interrupted sutures.", "anatomic site"),
        ("3 cm laceration of the left forearm, closed with 4-0 nylon sutures.", "simple, intermediate"),
    ],
)
def test_a_repair_is_not_guessed(note: str, warning: str, okb: Any) -> None:
    got, r = lines(note, okb, setting="emergency")
    assert got == []
    assert any(warning in w for w in r.warnings), r.warnings


def test_adhesive_strips_only_get_no_repair_code(okb: Any) -> None:
    got, r = lines("1.5 cm laceration of the left shin closed with Steri-Strips.", okb, setting="emergency")
    assert got == []
    assert any("adhesive strips only" in w for w in r.warnings)


def test_tissue_adhesive_is_a_repair_and_g0168_for_medicare(okb: Any) -> None:
    note = "2.0 cm laceration of the forehead, simple repair with Dermabond tissue adhesive."
    got, _ = lines(note, okb, setting="emergency")
    assert got == [("12011", 1, [])]
    enc = Encounter(text=note, setting="emergency", metadata={"payer": "Medicare"})
    r = code(enc, date_of_service="2026-05-04", kb=okb)
    g = [p for p in r.procedures if p.code in OFFICE]
    assert [(p.code, p.system) for p in g] == [("G0168", "HCPCS")]
    assert g[0].description  # a label: the CMS descriptor without a loaded HCPCS table


def test_suture_removal_is_not_a_repair(okb: Any) -> None:
    assert codes("Here for suture removal of a 3 cm laceration of the left forearm repaired last week.",
                 okb) == set()


def test_the_repair_points_at_the_wound_and_cites_the_length(okb: Any) -> None:
    note = ("History of essential hypertension.\n"
            "3.0 cm laceration of the left forearm repaired with simple interrupted 4-0 nylon sutures.\n")
    r = code_text(note, date_of_service="2026-05-04", setting="emergency", kb=okb)
    line = next(p for p in r.procedures if p.code == "12002")
    assert any(e.text == "3.0 cm" for e in line.evidence)
    start = note.index("3.0 cm")
    wound = [i + 1 for i, d in enumerate(r.diagnoses) if any(e.start >= start for e in d.evidence)]
    assert wound and line.diagnosis_pointers[0] == wound[0]


# -- incision and drainage, biopsies ----------------------------------------------------------
@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Abscess of the right axilla. Incision and drainage performed.", "10060"),
        ("Incision and drainage of a complicated abscess of the left buttock.", "10061"),
        ("Incision and drainage of an abscess of the right thigh. Incision and drainage of an "
         "abscess of the left axilla.", "10061"),
        ("Pilonidal abscess; incision and drainage performed.", "10080"),
        ("Incision and drainage of a hematoma of the left shin.", "10140"),
    ],
)
def test_incision_and_drainage(note: str, expected: str, okb: Any) -> None:
    got, _ = lines(note, okb)
    assert got == [(expected, 1, [])]


def test_a_site_with_its_own_code_is_left_to_the_coder(okb: Any) -> None:
    got, r = lines("Perirectal abscess; incision and drainage performed.", okb)
    assert got == []
    assert any("its own CPT code" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Punch biopsy of the left arm.", [("11104", 1, [])]),
        ("Punch biopsy x3 of the back.", [("11104", 1, []), ("11105", 2, [])]),
        ("Shave biopsy x2 of the left cheek.", [("11102", 1, []), ("11103", 1, [])]),
        ("Shave biopsy of the left cheek. Punch biopsy of the right forearm.",
         [("11104", 1, []), ("11103", 1, [])]),
        ("Incisional biopsy of a skin nodule of the back. Punch biopsy of the right forearm. "
         "Shave biopsy of the left cheek.",
         [("11106", 1, []), ("11105", 1, []), ("11103", 1, [])]),
    ],
)
def test_skin_biopsies_one_primary_code_by_hierarchy(note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb)
    assert got == expected


@pytest.mark.parametrize(
    ("dos", "expected"),
    [("2018-12-31", [("11100", 1, []), ("11101", 1, [])]),
     ("2019-01-01", [("11104", 1, []), ("11103", 1, [])])],
)
def test_biopsy_codes_by_date_of_service(dos: str, expected: list[Any], okb: Any) -> None:
    note = "Shave biopsy of the left cheek. Punch biopsy of the right forearm."
    got, _ = lines(note, okb, dos=dos)
    assert got == expected


def test_a_biopsy_of_the_mouth_is_not_a_skin_biopsy(okb: Any) -> None:
    assert codes("An incisional biopsy of the vestibular gingiva was performed.", okb) == set()


# -- joints ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Right knee injected with triamcinolone.", [("20610", 1, ["RT"])]),
        ("Left knee arthrocentesis, 30 mL of clear fluid aspirated.", [("20610", 1, ["LT"])]),
        ("Both knees injected with triamcinolone.", [("20610", 1, ["50"])]),
        ("Right knee injected. Left knee injected.", [("20610", 1, ["50"])]),
        ("Left wrist injection with methylprednisolone.", [("20605", 1, ["LT"])]),
        ("Right shoulder subacromial injection under ultrasound guidance.", [("20611", 1, ["RT"])]),
        ("Right index finger PIP joint injection.", [("20600", 1, ["F6"])]),
        ("Left thumb CMC joint injection.", [("20600", 1, ["FA"])]),
        ("Right knee injection. Right shoulder injection.", [("20610", 1, ["RT"]), ("20610", 1, ["RT", "59"])]),
        # joints listed together before one injection word: each is injected
        ("Right knee and left knee injected with triamcinolone.", [("20610", 1, ["50"])]),
        ("Right and left knees injected with triamcinolone.", [("20610", 1, ["50"])]),
        ("Right knee, left knee injected.", [("20610", 1, ["50"])]),
        ("Right knee and right shoulder injected.", [("20610", 1, ["RT"]), ("20610", 1, ["RT", "59"])]),
        ("Right knee and left wrist injected.", [("20610", 1, ["RT"]), ("20605", 1, ["LT"])]),
        ("Right knee injected; left knee pain is better.", [("20610", 1, ["RT"])]),
    ],
)
def test_joint_injections_with_sides_and_digits(note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb)
    assert got == expected


@pytest.mark.parametrize(("dos", "expected"), [("2014-12-31", "20610"), ("2015-01-01", "20611")])
def test_ultrasound_guided_codes_from_2015(dos: str, expected: str, okb: Any) -> None:
    got, r = lines("Left knee injection under ultrasound guidance.", okb, dos=dos)
    assert got == [(expected, 1, ["LT"])]
    assert (expected == "20610") == any("before 2015" in w for w in r.warnings)


def test_a_joint_injection_without_its_side_warns(okb: Any) -> None:
    got, r = lines("Knee injection performed with triamcinolone.", okb)
    assert got == [("20610", 1, [])]
    assert any("side is not documented" in w for w in r.warnings)


@pytest.mark.parametrize(
    "note",
    [
        "Knee injection recommended.",
        "Right knee injection scheduled for next week.",
        "Patient declined the right knee injection.",
        "History of right knee injection two years ago.",
        "Will consider right knee injection if pain persists.",
        "Trigger point injection of the right trapezius.",
    ],
)
def test_only_what_was_done_is_coded(note: str, okb: Any) -> None:
    assert codes(note, okb) == set()


# -- fractures and splints ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Left distal radius fracture. Closed treatment in a short arm cast.", [("25600", 1, ["LT"])]),
        ("Left distal radius fracture. Closed reduction under hematoma block.", [("25605", 1, ["LT"])]),
        ("Right distal radius fracture, no reduction needed. Closed treatment with a splint.",
         [("25600", 1, ["RT"])]),
        ("Right clavicle fracture, closed treatment with a sling.", [("23500", 1, ["RT"])]),
        ("Fracture of the right fifth metatarsal, closed treatment in a walking boot.", [("28470", 1, ["RT"])]),
        ("Fracture of the distal phalanx of the left index finger. Closed treatment.", [("26750", 1, ["F1"])]),
        ("Fracture of the proximal phalanx of the right thumb, closed reduction.", [("26725", 1, ["F5"])]),
        ("Fracture of the right great toe, closed treatment.", [("28490", 1, ["T5"])]),
        ("Fracture of the left second toe, closed treatment with buddy taping.", [("28510", 1, ["T1"])]),
        ("Left lateral malleolus fracture, closed treatment in a boot.", [("27786", 1, ["LT"])]),
    ],
)
def test_closed_fracture_care(note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb)
    assert got == expected


def test_fracture_care_has_a_90_day_global(okb: Any) -> None:
    _, r = lines("Left distal radius fracture. Closed reduction performed.", okb)
    line = next(p for p in r.procedures if p.code == "25605")
    assert any("global period 090" in w for w in line.rationale)
    assert (global_days("25605") or ("",))[0] == "090"


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Right distal radius fracture. Short arm splint applied.", [("29125", 1, ["RT"])]),
        ("Possible scaphoid fracture. Thumb spica splint applied, left.", [("29125", 1, ["LT"])]),
        ("Left ankle sprain. Posterior short leg splint applied.", [("29515", 1, ["LT"])]),
        ("Left distal radius fracture. Closed treatment. Short arm splint applied.", [("25600", 1, ["LT"])]),
        ("Right wrist splint recommended.", []),
    ],
)
def test_splints_only_without_fracture_care(note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb, setting="emergency")
    assert got == expected


def test_a_fracture_only_diagnosed_is_not_treated(okb: Any) -> None:
    assert codes("Right distal radius fracture; referred to orthopedics.", okb) == set()
    assert codes("No fracture seen on x-ray. Ace wrap applied.", okb) == set()


# -- EKG, spirometry, nebulizer ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "note", "expected"),
    [
        ("outpatient", "EKG: normal sinus rhythm, rate 72.", [("93000", 1, [])]),
        ("emergency", "EKG: normal sinus rhythm, rate 72.", [("93010", 1, [])]),
        ("inpatient", "ECG interpreted by me: atrial fibrillation.", [("93010", 1, [])]),
        ("outpatient", "12-lead EKG, tracing only, to be read by cardiology.", [("93005", 1, [])]),
        ("outpatient", "EKG ordered.", []),
        ("outpatient", "Prior EKG showed sinus rhythm.", []),
        ("emergency", "Cardiac monitor shows sinus rhythm.", []),
    ],
)
def test_ekg_by_setting(setting: str, note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb, setting=setting)
    assert got == expected


def test_an_ekg_without_its_interpretation_warns(okb: Any) -> None:
    got, r = lines("EKG performed today.", okb)
    assert got == []
    assert any("interpretation" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("setting", "note", "expected"),
    [
        ("outpatient", "Spirometry: FEV1 70% predicted, obstructive pattern.", [("94010", 1, [])]),
        ("outpatient", "Spirometry pre- and post-bronchodilator: FEV1 improved 15%.", [("94060", 1, [])]),
        ("emergency", "Spirometry: FEV1 70% predicted.", [("94010", 1, ["26"])]),
    ],
)
def test_spirometry(setting: str, note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb, setting=setting)
    assert got == expected


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Albuterol nebulizer treatment given.", [("94640", 1, [])]),
        ("DuoNeb x3 given in the office.", [("94640", 1, []), ("94640", 2, ["76"])]),
        ("Neb treatment given. Repeat neb after 20 minutes.", [("94640", 1, []), ("94640", 1, ["76"])]),
        ("Continue home nebulizer as needed.", []),
    ],
)
def test_nebulizer_treatments(note: str, expected: list[Any], okb: Any) -> None:
    got, _ = lines(note, okb)
    assert got == expected


def test_a_nebulizer_in_the_ed_is_the_facilitys(okb: Any) -> None:
    got, r = lines("Albuterol nebulizer treatment given.", okb, setting="emergency")
    assert got == []
    assert any("incident-to" in w for w in r.warnings)


# -- tobacco cessation counselling ----------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(3, []), (4, [("99406", 1, [])]), (10, [("99406", 1, [])]), (11, [("99407", 1, [])])],
)
def test_tobacco_cessation_by_minutes(minutes: int, expected: list[Any], okb: Any) -> None:
    got, r = lines(f"Smoking cessation counseling for {minutes} minutes.", okb)
    assert got == expected
    if not expected:
        assert any("3 minutes or less" in w for w in r.warnings)
    else:
        line = next(p for p in r.procedures if p.code == expected[0][0])
        assert line.minutes == minutes


def test_tobacco_cessation_without_minutes_warns(okb: Any) -> None:
    got, r = lines("Smoking cessation counseling provided.", okb)
    assert got == []
    assert any("99406" in w and "minutes" in w for w in r.warnings)


def test_tobacco_cessation_from_a_clock_span_and_when_declined(okb: Any) -> None:
    got, _ = lines("Tobacco cessation counselling from 10:00 to 10:12.", okb)
    assert got == [("99407", 1, [])]
    assert codes("Patient declined smoking cessation counseling for 5 minutes.", okb) == set()


# -- point-of-care tests --------------------------------------------------------------------
def test_office_point_of_care_tests(okb: Any) -> None:
    note = ("Rapid strep negative. Fingerstick glucose 145. UA dipstick: trace leukocytes. "
            "Rapid flu A and B negative. Venipuncture performed.")
    got, _ = lines(note, okb)
    assert sorted(got) == [("36415", 1, []), ("81002", 1, []), ("82962", 1, []),
                           ("87804", 2, []), ("87880", 1, [])]
    assert codes(note, okb, setting="emergency") == set()
    assert codes("Rapid strep sent to the lab.", okb) == set()


def test_an_ordinary_note_has_no_office_lines(okb: Any) -> None:
    note = "Follow-up of type 2 diabetes and hypertension. Continue metformin. Labs in 3 months."
    assert codes(note, okb) == set()


# -- the data -------------------------------------------------------------------------------
def _data_rows() -> list[dict[str, str]]:
    with resources.files("medcoder").joinpath("data", "office_procedures.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_row_cites_a_source_and_every_code_has_a_label_and_global_period() -> None:
    for r in _data_rows():
        assert r["source"].strip(), r["code"]
        _dt.date.fromisoformat(r["effective"])
        assert label_for(r["code"]) != r["code"], r["code"]  # our own label, no AMA text
        if r["global_days"]:
            assert (global_days(r["code"]) or ("",))[0] == r["global_days"], r["code"]


def test_length_bands_of_a_repair_group_do_not_overlap_or_leave_gaps() -> None:
    bands: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in _data_rows():
        if r["kind"] == "repair" and not r["addon_of"]:
            high = float(r["high"]) if r["high"] else float("inf")
            bands.setdefault((r["variant"], r["group"]), []).append((float(r["low"]), high))
    assert len(bands) == 9
    for key, b in bands.items():
        b.sort()
        for (_lo1, hi1), (lo2, _hi2) in itertools.pairwise(b):
            assert hi1 == lo2, key


def test_the_bilateral_indicators_agree_with_the_official_rvu_file(shared_data: Path, kb: Any) -> None:
    """Modifier 50 (one line) or RT and LT (two) follows the table's ``bilateral`` column: it is
    the BILAT SURG column of the CMS PFS RVU file for every code with a side."""
    kb.import_file("pfs-rvu", shared_data / "pfs" / "PPRRVU2025_Oct.csv")
    rvu = kb.open("pfs-rvu", "2025-10-01").reader
    checked = []
    for row in service_rows("office_procedures.csv"):
        if row.extra.get("laterality") != "yes" or not row.in_force(_dt.date(2025, 10, 1)):
            continue
        official = rvu.get(row.code)
        assert official is not None, row.code
        assert row.extra.get("bilateral") == official.bilat, (row.code, row.extra.get("bilateral"), official.bilat)
        checked.append(row.code)
    assert {"20600", "20604", "20605", "20606", "20610", "20611"} <= set(checked)

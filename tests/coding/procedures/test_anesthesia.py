"""Anesthesia lines: the crosswalk code by date of service, minutes from the start and end
times, time units, provider and physical status modifiers, qualifying circumstances.

Every case goes through ``medcoder.coding.code`` with a knowledge base holding the ICD-10-CM
tabular; boundary values are tested on both sides of every threshold.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.pfs.payment import time_units
from medcoder.codesets.store import DataStore
from medcoder.coding import code
from medcoder.encounter import Encounter
from medcoder.result import CodingResult

Line = tuple[str, int, list[str]]


@pytest.fixture(scope="module")
def akb(_built_tabular: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """One knowledge base (with the tabular) for the module: the coder is built once."""
    root = tmp_path_factory.mktemp("anesthesia-kb")
    shutil.copytree(_built_tabular, root, dirs_exist_ok=True)
    return KnowledgeBase(DataStore(root))


def run(
    text: str, kb: Any, dos: str = "2026-05-04", age: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[list[Line], CodingResult]:
    enc = Encounter(text=text, patient_age=age, metadata=dict(metadata or {}))
    r = code(enc, date_of_service=dos, kb=kb)
    return [(p.code, int(p.units or 0), p.modifiers) for p in r.procedures], r


def record(
    procedure: str = "Total knee arthroplasty", start: str = "10:00", end: str = "11:00",
    asa: str = "ASA 2", staff: str = "Anesthesiologist personally performed.", extra: str = "",
) -> str:
    return (
        f"Anesthesia record\nProcedure: {procedure}\n{asa}\n{staff}\n{extra}\n"
        f"Anesthesia start {start}\nAnesthesia end {end}\n"
    )


def warned(r: CodingResult, *words: str) -> bool:
    return any(all(w.lower() in x.lower() for w in words) for x in r.warnings)


# -- only anesthesia records ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "note",
    [
        "Follow-up visit. Takes ASA 81 mg daily. MAC infection ruled out. Hypertension.",
        "Operative note.\nProcedure: laparoscopic cholecystectomy\nAnesthesia: general endotracheal\n"
        "Anesthesiologist: Dr. Smith\nEstimated blood loss: minimal\n",
        "Labor and delivery note. Induction of labor with oxytocin; epidural requested.",
    ],
)
def test_notes_that_are_not_anesthesia_records_get_nothing(note: str, akb: Any) -> None:
    got, r = run(note, akb)
    assert [c for c, _u, _m in got if c.startswith("0")] == []
    assert not warned(r, "anesthesia record")


# -- time: start and end, midnight, backwards -----------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("07:42", "09:03", 81),
        ("10:00", "10:01", 1),
        ("23:40", "01:15", 95),  # across midnight
        ("20:00", "08:00", 720),  # the longest overnight span read as crossing midnight
        ("11:50 PM", "1:10 AM", 80),
        ("7:05 AM", "12:35 PM", 330),
        ("0742", "0903", 81),
    ],
)
def test_minutes_from_start_and_end(start: str, end: str, minutes: int, akb: Any) -> None:
    got, r = run(record(start=start, end=end), akb)
    assert got == [("01402", minutes, ["AA", "P2"])]
    p = r.procedures[0]
    assert p.minutes == minutes
    assert ("across midnight" in " ".join(p.rationale)) == (start in ("23:40", "20:00", "11:50 PM"))


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("10:50", "10:05", "runs backwards"),
        ("10:00", "10:00", "runs backwards"),
        ("20:00", "08:01", "runs backwards"),  # 721 minutes overnight: not a plausible session
        ("7:4O", "08:10", "does not parse"),
        ("25:10", "26:00", "does not parse"),
        ("13:00 PM", "14:00", "does not parse"),
    ],
)
def test_times_that_cannot_be_right_are_not_guessed(start: str, end: str, problem: str, akb: Any) -> None:
    got, r = run(record(start=start, end=end), akb)
    assert got == []
    assert warned(r, problem, "01402", "not coded")


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        ("Anesthesia record\nProcedure: TKA\nASA 2\nAnesthesiologist personally performed.\n",
         "no anesthesia start and end times"),
        ("Anesthesia record\nProcedure: TKA\nASA 2\nAnesthesiologist personally performed.\n"
         "Anesthesia start 10:00\n", "end time is missing"),
        ("Anesthesia record\nProcedure: TKA\nASA 2\nAnesthesiologist personally performed.\n"
         "Anesthesia time: 81 minutes\n", "only as a total (81 minutes)"),
        ("Anesthesia record\nProcedure: TKA\nASA 2\nAnesthesiologist personally performed.\n"
         "Anesthesia: 25:10-26:00\n", "does not parse"),
    ],
)
def test_missing_or_unreadable_time_blocks_the_line(note: str, problem: str, akb: Any) -> None:
    got, r = run(note, akb)
    assert got == []
    assert warned(r, problem, "01402")


def test_an_anesthesia_time_span_on_one_line(akb: Any) -> None:
    note = "Anesthesia record\nProcedure: appendectomy\nASA 1\nCRNA without medical direction.\nAnesthesia: 23:40-01:15\n"
    got, r = run(note, akb)
    assert got == [("00840", 95, ["QZ", "P1"])]
    assert "across midnight" in " ".join(r.procedures[0].rationale)


@pytest.mark.parametrize("minutes", [1, 7, 8, 15, 22, 23, 81, 82, 720])
def test_time_units_are_minutes_over_15_to_one_decimal(minutes: int, akb: Any) -> None:
    start = 600
    end = start + minutes
    got, r = run(record(start="10:00", end=f"{end // 60 % 24:02d}:{end % 60:02d}"), akb)
    assert got == [("01402", minutes, ["AA", "P2"])]
    tu = time_units(Decimal(minutes))
    assert tu == (Decimal(minutes) / 15).quantize(Decimal("0.1"))
    assert any(f"base 7 + time {tu} = {7 + tu} anesthesia units" in w for w in r.procedures[0].rationale)


# -- the code by date of service -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("procedure", "dos", "want", "not_want"),
    [
        ("colonoscopy", "2017-12-31", "00810", "00811"),
        ("colonoscopy", "2018-01-01", "00811", "00810"),
        ("screening colonoscopy", "2017-12-31", "00810", "00812"),
        ("screening colonoscopy", "2018-01-01", "00812", "00811"),
        ("EGD", "2017-12-31", "00740", "00731"),
        ("EGD", "2018-01-01", "00731", "00740"),
        ("EGD and colonoscopy", "2018-01-01", "00813", "00811"),
        ("EGD, colonoscopy", "2018-01-01", "00813", "00731"),
        ("EGD, colonoscopy", "2017-12-31", "00740", "00813"),  # equal base units: the first
    ],
)
def test_endoscopy_codes_by_date_of_service(procedure: str, dos: str, want: str, not_want: str, akb: Any) -> None:
    got, _ = run(record(procedure=procedure), akb, dos=dos)
    codes = [c for c, _u, _m in got]
    assert codes == [want]
    assert not_want not in codes


@pytest.mark.parametrize(
    ("procedure", "want"),
    [
        ("off-pump CABG x3", "00566"),
        ("CABG x3 on cardiopulmonary bypass", "00567"),
        ("radical hysterectomy", "00846"),
        ("total abdominal hysterectomy", "00840"),
        ("vaginal hysterectomy", "00944"),
        ("ORIF of the left ankle", "01480"),
        ("ORIF left distal radius", "01830"),
        ("diagnostic knee arthroscopy", "01382"),
        ("arthroscopy, right knee, partial meniscectomy", "01400"),
        ("revision total hip arthroplasty", "01215"),
        ("C-section", "01961"),
        ("labor epidural", "01967"),
        ("TURP", "00914"),
        ("thyroidectomy", "00320"),
    ],
)
def test_crosswalk(procedure: str, want: str, akb: Any) -> None:
    got, r = run(record(procedure=procedure), akb, age=50)
    assert [c for c, _u, _m in got] == [want], r.warnings


@pytest.mark.parametrize(
    ("procedure", "needs"),
    [
        ("CABG x3", "pump oxygenator"),
        ("hysterectomy", "approach of the hysterectomy"),
        ("laparoscopic inguinal hernia repair", "laparoscopic hernia repair"),
        ("cesarean section after labor epidural", "01968"),
        ("Whipple pancreaticoduodenectomy", "not in medcoder's crosswalk"),
    ],
)
def test_what_the_crosswalk_cannot_tell_is_not_guessed(procedure: str, needs: str, akb: Any) -> None:
    got, r = run(record(procedure=procedure), akb, age=50)
    assert got == []
    assert warned(r, needs)


@pytest.mark.parametrize(("age", "want"), [(0, None), (1, "00830"), (30, "00830"), (None, None)])
def test_hernia_code_from_age_one(age: int | None, want: str | None, akb: Any) -> None:
    got, r = run(record(procedure="inguinal hernia repair"), akb, age=age)
    assert [c for c, _u, _m in got] == ([want] if want else [])
    if want is None:
        assert warned(r, "00830", "age")


def test_several_surgeries_report_the_highest_base_units(akb: Any) -> None:
    got, r = run(record(procedure="appendectomy and laparoscopic cholecystectomy"), akb, age=50)
    assert got == [("00790", 60, ["AA", "P2"])]
    why = " ".join(r.procedures[0].rationale)
    assert "highest base unit value" in why and "00840 (base 6)" in why


def test_past_surgeries_are_not_the_surgery(akb: Any) -> None:
    note = "Anesthesia record\nPSH: appendectomy, cholecystectomy\n" + record(procedure="TKA")
    got, r = run(note, akb)
    assert got == [("01402", 60, ["AA", "P2"])]
    assert "several surgeries" not in " ".join(r.procedures[0].rationale)


# -- modifiers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("staff", "metadata", "mods"),
    [
        ("Anesthesiologist personally performed.", None, ["AA"]),
        ("CRNA medically directed by Dr. Smith.", None, ["QX"]),
        ("CRNA, not medically directed.", None, ["QZ"]),
        ("CRNA without medical direction.", {"anesthesia_provider": "crna"}, ["QZ"]),
        ("CRNA medically directed by Dr. Smith.", {"anesthesia_provider": "anesthesiologist",
                                                   "concurrent_cases": 1}, ["QY"]),
        ("CRNA medically directed by Dr. Smith.", {"anesthesia_provider": "anesthesiologist",
                                                   "concurrent_cases": 2}, ["QK"]),
        ("CRNA medically directed by Dr. Smith.", {"anesthesia_provider": "anesthesiologist",
                                                   "concurrent_cases": 4}, ["QK"]),
        ("CRNA medically directed by Dr. Smith.", {"anesthesia_provider": "anesthesiologist",
                                                   "concurrent_cases": 5}, ["AD"]),
        ("Dr. Shah medically directing two concurrent cases.", {"anesthesia_provider": "anesthesiologist"},
         ["QK"]),
    ],
)
def test_provider_modifier(staff: str, metadata: dict[str, Any] | None, mods: list[str], akb: Any) -> None:
    got, _ = run(record(staff=staff), akb, metadata=metadata)
    assert got == [("01402", 60, [*mods, "P2"])]


@pytest.mark.parametrize(
    ("staff", "metadata", "words"),
    [
        ("Anesthesiologist: Dr. Smith.", None, "whose claim"),
        ("CRNA supervised by Dr. Smith.", None, "'supervised' alone"),
        ("CRNA medically directed by Dr. Smith.", {"anesthesia_provider": "anesthesiologist"},
         "number of concurrent cases"),
        ("CRNA present.", {"anesthesia_provider": "resident"}, "is not 'anesthesiologist' or 'crna'"),
    ],
)
def test_an_unknown_role_leaves_the_modifier_off(
    staff: str, metadata: dict[str, Any] | None, words: str, akb: Any
) -> None:
    got, r = run(record(staff=staff), akb, metadata=metadata)
    assert got == [("01402", 60, ["P2"])]
    assert warned(r, words)


@pytest.mark.parametrize(
    ("asa", "p", "emergency"),
    [
        ("ASA 1", "P1", False), ("ASA I", "P1", False), ("ASA 2", "P2", False),
        ("ASA II", "P2", False), ("ASA class III", "P3", False), ("ASA physical status 4", "P4", False),
        ("ASA PS: P5", "P5", False), ("ASA 6", "P6", False), ("ASA 3E", "P3", True),
        ("ASA 3-E", "P3", True), ("ASA III E", "P3", True), ("ASA 3", "P3", False),
    ],
)
def test_physical_status(asa: str, p: str, emergency: bool, akb: Any) -> None:
    got, r = run(record(asa=asa), akb)
    assert got[0] == ("01402", 60, ["AA", p])
    assert (("99140", 1, []) in got) == emergency
    assert len(got) == (2 if emergency else 1)
    assert "Medicare does not pay" in " ".join(r.procedures[0].rationale)


@pytest.mark.parametrize(("asa", "words"), [("", "not documented"), ("ASA 2, later ASA 3", "[2, 3]")])
def test_physical_status_missing_or_conflicting(asa: str, words: str, akb: Any) -> None:
    got, r = run(record(asa=asa), akb)
    assert got == [("01402", 60, ["AA"])]
    assert warned(r, "ASA physical status", words)


def test_monitored_anesthesia_care_adds_qs_after_the_provider_modifier(akb: Any) -> None:
    got, _ = run(record(procedure="cataract extraction", extra="Anesthesia type: MAC"), akb)
    assert got == [("00142", 60, ["AA", "QS", "P2"])]
    got, r = run(record(procedure="cataract extraction",
                        extra="Anesthesia type: MAC, converted to general anesthesia"), akb)
    assert got == [("00142", 60, ["AA", "P2"])]
    assert warned(r, "QS is left off")


# -- qualifying circumstances ---------------------------------------------------------------------
@pytest.mark.parametrize(("age", "extreme"), [(0, True), (1, False), (70, False), (71, True)])
def test_extreme_age(age: int, extreme: bool, akb: Any) -> None:
    got, _ = run(record(), akb, age=age)
    assert (("99100", 1, []) in got) == extreme


def test_age_read_from_the_note_and_cited(akb: Any) -> None:
    note = "72-year-old man.\n" + record()
    got, r = run(note, akb)
    assert ("99100", 1, []) in got
    line = next(p for p in r.procedures if p.code == "99100")
    assert "72-year-old" in [e.text for e in line.evidence]


@pytest.mark.parametrize(("extra", "present"), [("Controlled hypotension used.", True),
                                                ("No controlled hypotension.", False)])
def test_controlled_hypotension(extra: str, present: bool, akb: Any) -> None:
    got, _ = run(record(extra=extra), akb)
    assert (("99135", 1, []) in got) == present


# -- evidence, pointers, labels -------------------------------------------------------------------
def test_lines_cite_their_words_and_point_at_the_diagnoses(akb: Any) -> None:
    note = record(procedure="laparoscopic appendectomy", extra="Diagnosis: acute appendicitis",
                  asa="ASA 3E")
    got, r = run(note, akb)
    assert got == [("00840", 60, ["AA", "P3"]), ("99140", 1, [])]
    main = r.procedures[0]
    cited = [e.text for e in main.evidence]
    assert all(r.text[e.start : e.end] == e.text for p in r.procedures for e in p.evidence)
    assert {"laparoscopic appendectomy", "Anesthesia start 10:00", "Anesthesia end 11:00", "ASA 3E",
            "personally performed"} <= set(cited)
    assert r.diagnoses and main.diagnosis_pointers == [1]
    assert main.system == "CPT"
    assert main.description == "Anesthesia, lower abdominal intraperitoneal procedures, incl. laparoscopic"

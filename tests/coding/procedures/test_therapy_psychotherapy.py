"""Procedure lines for therapy (CMS 8-minute rule) and psychotherapy (CPT time bands).

Each case is a short note and the lines a coder would bill from it: (code, units, modifiers).
Boundary minutes are tested on both sides of every threshold.
"""

from __future__ import annotations

from typing import Any

import pytest

from medcoder.coders.procedures.minutes import durations
from medcoder.coders.procedures.psychotherapy import band, crisis_units
from medcoder.coders.procedures.therapy import distribute, units_for
from medcoder.coding import code_text


def lines(text: str, kb: Any, dos: str = "2026-05-04") -> tuple[list[tuple[str, int, list[str]]], Any]:
    r = code_text(text, date_of_service=dos, kb=kb)
    return [(p.code, p.units or 0, p.modifiers) for p in r.procedures], r


# -- the 8-minute rule --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes", "units"),
    [(7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4), (68, 5)],
)
def test_total_timed_minutes_give_units(minutes: int, units: int) -> None:
    assert units_for(minutes) == units


def test_units_are_distributed_the_cms_way() -> None:
    # CMS Pub. 100-04 ch. 5 §20.2 examples
    assert distribute({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 1}
    assert distribute({"97112": 24, "97110": 23}) == {"97112": 2, "97110": 1}
    assert distribute({"97110": 5, "97140": 5}) == {"97110": 1, "97140": 0}  # 10 minutes: 1 unit
    assert distribute({"97110": 7}) == {"97110": 0}


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Physical therapy note. Therapeutic exercise 22 minutes.", [("97110", 1, ["GP"])]),
        ("Physical therapy note. Therapeutic exercise 23 minutes.", [("97110", 2, ["GP"])]),
        ("Physical therapy note. Therapeutic exercise 7 minutes.", []),
        ("Physical therapy note.\nTherapeutic exercise 8 min\n", [("97110", 1, ["GP"])]),
        (
            "Physical therapy daily note.\nTherapeutic exercise 33 minutes\nManual therapy 7 minutes\n",
            [("97110", 2, ["GP"]), ("97140", 1, ["GP"])],
        ),
        (
            "Occupational therapy visit.\nTherapeutic activities 38 min\nSelf-care training 15 min\n",
            [("97530", 3, ["GO"]), ("97535", 1, ["GO"])],
        ),
        (
            "Physical therapy. PT evaluation moderate complexity. Gait training 25 minutes.",
            [("97162", 1, ["GP"]), ("97116", 2, ["GP"])],
        ),
    ],
)
def test_therapy_visits(note: str, expected: list[tuple[str, int, list[str]]], coding_kb: Any) -> None:
    got, _ = lines(note, coding_kb)
    assert got == expected


def test_a_timed_service_without_minutes_is_not_guessed(coding_kb: Any) -> None:
    got, r = lines("Physical therapy. Manual therapy performed to the lumbar spine.", coding_kb)
    assert got == []
    assert any("97140" in w and "minutes" in w for w in r.warnings)


def test_the_discipline_modifier_is_not_guessed(coding_kb: Any) -> None:
    got, r = lines("Therapeutic exercise 30 minutes.", coding_kb)
    assert got == [("97110", 2, [])]
    assert any("GP" in w and "discipline" in w for w in r.warnings)


def test_therapy_lines_point_at_the_diagnoses_and_cite_their_words(coding_kb: Any) -> None:
    text = "Physical therapy.\nAssessment: low back pain.\nTherapeutic exercise 30 minutes\n"
    r = code_text(text, date_of_service="2026-05-04", kb=coding_kb)
    (p,) = r.procedures
    assert r.diagnoses and p.diagnosis_pointers == [1]
    assert [e.text for e in p.evidence] == ["Therapeutic exercise", "30 minutes"]
    assert all(text[e.start : e.end] == e.text for e in p.evidence)
    assert p.minutes == 30 and any("8-minute rule" in x for x in p.rationale)
    out = r.to_dict()
    assert out["schema_version"] == "1.2"
    line = out["procedures"][0]
    assert (line["code"], line["units"], line["modifiers"], line["minutes"]) == ("97110", 2, ["GP"], 30)
    assert line["diagnosis_pointers"] == [1] and line["label"]


def test_evaluation_codes_follow_the_date_of_service(coding_kb: Any) -> None:
    # the complexity-based PT evaluation codes are in force from 2017-01-01
    got, _ = lines("Physical therapy. PT evaluation moderate complexity.", coding_kb, dos="2016-06-01")
    assert got == []


# -- psychotherapy ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes", "alone", "with_em"),
    [(15, None, None), (16, "90832", "90833"), (37, "90832", "90833"), (38, "90834", "90836"),
     (52, "90834", "90836"), (53, "90837", "90838"), (90, "90837", "90838")],
)
def test_psychotherapy_time_bands(minutes: int, alone: str | None, with_em: str | None) -> None:
    assert band(minutes, False) == alone
    assert band(minutes, True) == with_em


@pytest.mark.parametrize(
    ("minutes", "units"), [(29, (0, 0)), (30, (1, 0)), (74, (1, 0)), (75, (1, 1)), (104, (1, 1)), (105, (1, 2))]
)
def test_crisis_psychotherapy_units(minutes: int, units: tuple[int, int]) -> None:
    assert crisis_units(minutes) == units


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Psychotherapy 45 minutes for generalized anxiety disorder.", [("90834", 1, [])]),
        ("Psychotherapy 53 min. Dx: major depressive disorder, recurrent, moderate.", [("90837", 1, [])]),
        ("Medication management visit; psychotherapy 20 minutes.", [("90833", 1, [])]),
        ("Crisis psychotherapy 80 minutes, patient with suicidal ideation.",
         [("90839", 1, []), ("90840", 1, [])]),
        ("Psychotherapy 30 minutes. Interactive complexity: interpreter used.",
         [("90832", 1, []), ("90785", 1, [])]),
        ("Group psychotherapy session, 60 minutes.", [("90853", 1, [])]),
        ("Psychotherapy session from 23:40 to 00:25.", [("90834", 1, [])]),  # 45 min across midnight
        ("Psychotherapy 10 minutes.", []),
    ],
)
def test_psychotherapy_notes(note: str, expected: list[tuple[str, int, list[str]]], coding_kb: Any) -> None:
    got, _ = lines(note, coding_kb)
    assert got == expected


def test_psychotherapy_points_at_the_mental_health_diagnosis(coding_kb: Any) -> None:
    r = code_text("Assessment: hypertension. Generalized anxiety disorder. Psychotherapy 40 minutes.",
                  date_of_service="2026-05-04", kb=coding_kb)
    codes = [d.code for d in r.diagnoses]
    (p,) = r.procedures
    assert codes[p.diagnosis_pointers[0] - 1] == "F41.1", (codes, p.diagnosis_pointers)


def test_deleted_psychotherapy_codes_are_flagged_with_their_replacement(coding_kb: Any) -> None:
    got, r = lines("Previously billed as 90806. Psychotherapy 45 minutes.", coding_kb)
    assert got == [("90834", 1, [])]
    assert not any(c.startswith(("908", "9081", "9082")) and c != "90834" for c, _, _ in got)
    assert any("90806" in w and "90834" in w for w in r.warnings)


def test_psychotherapy_without_time_or_before_2013_is_not_guessed(coding_kb: Any) -> None:
    got, r = lines("Psychotherapy session held.", coding_kb)
    assert got == [] and any("without its time" in w for w in r.warnings)
    got, r = lines("Psychotherapy 45 minutes.", coding_kb, dos="2012-06-01")
    assert got == [] and any("before 2013" in w for w in r.warnings)


# -- documented time ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "minutes"),
    [("23 minutes", [23]), ("45 min.", [45]), ("1 hour 5 minutes", [65]), ("2 hours", [120]),
     ("from 23:40 to 00:25", [45]), ("start 10:05 end 10:50", [45]), ("BP 120/80 at 10:30", []),
     ("walked 20 m", [])],
)
def test_documented_time_is_read(text: str, minutes: list[int]) -> None:
    assert [d.minutes for d in durations(text)] == minutes


@pytest.mark.parametrize("stated", ["0 minutes", "9999 minutes"])
def test_impossible_minutes_are_reported_not_used(stated: str, coding_kb: Any) -> None:
    got, r = lines(f"Physical therapy. Therapeutic exercise {stated}.", coding_kb)
    assert got == []
    assert any("impossible time" in w and "97110" in w for w in r.warnings), r.warnings


def test_a_clock_span_that_runs_backwards_is_not_read_as_overnight(coding_kb: Any) -> None:
    (d,) = durations("from 10:50 to 10:05")
    assert d.minutes <= 0 and d.how == "clock span that runs backwards"
    got, r = lines("Psychotherapy session from 10:50 to 10:05.", coding_kb)
    assert got == [] and any("runs backwards" in w for w in r.warnings), r.warnings


# -- licensed CPT descriptors ---------------------------------------------------------------------
def test_a_loaded_licensed_cpt_file_gives_the_line_its_descriptor(tabular_kb: Any) -> None:
    from pathlib import Path

    note = "Psychotherapy session, 45 minutes. Assessment: major depressive disorder, single episode."
    got, r = lines(note, tabular_kb, dos="2026-05-04")
    assert got == [("90834", 1, [])]
    assert r.procedures[0].description != "Test descriptor for 90834"  # medcoder's own label
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "cpt" / "LONGULT_2026_sample.txt"
    tabular_kb.import_file("cpt", fixture)  # made-up descriptors in the licensed file's layout
    _got, r = lines(note, tabular_kb, dos="2026-05-04")
    assert r.procedures[0].description == "Test descriptor for 90834"
    assert r.procedures[0].to_dict()["label"] == "Test descriptor for 90834"

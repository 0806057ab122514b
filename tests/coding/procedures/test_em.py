"""E/M levels: MDM (2 of 3 elements, each element at each level), total time on both sides of
every threshold, prolonged time, new vs established, preventive age bands, dates in force,
and modifiers 25/57 with the procedures of the day.

The family's entry ``em.code(visit)`` is called with a ``Visit`` built as
``medcoder.coders.procedures.code_procedures`` builds it; where the level depends on the problems
addressed, the diagnoses come from the real coder (``code_text`` with the tabular).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from medcoder.coders.procedures import em
from medcoder.coders.procedures.common import Visit, global_days, line
from medcoder.coding import code, code_text
from medcoder.encounter import Encounter

DOS = _dt.date(2026, 5, 4)
VISIT = "HPI: {hpi}\nExam: unremarkable.\nAssessment: {a}\nPlan: {p}\n"


def em_lines(text: str, *, dos: _dt.date = DOS, setting: str = "outpatient", age: int | None = None,
             lines: list[Any] | None = None, diagnoses: list[Any] | None = None,
             **metadata: Any) -> tuple[list[tuple[str, int, list[str]]], Visit, list[Any]]:
    visit = Visit(text=text, dos=dos, diagnoses=list(diagnoses or []), setting=setting, age=age,
                  metadata=metadata)
    visit.lines.extend(lines or [])
    got = em.code(visit)
    return [(p.code, int(p.units or 1), p.modifiers) for p in got], visit, got


# -- time: met or exceeded (CPT 2024), ranges (2021-2023) ---------------------------------------
@pytest.mark.parametrize(
    ("family", "patient", "minutes", "expected"),
    [
        ("office", "new", 14, None), ("office", "new", 15, "99202"), ("office", "new", 29, "99202"),
        ("office", "new", 30, "99203"), ("office", "new", 44, "99203"), ("office", "new", 45, "99204"),
        ("office", "new", 59, "99204"), ("office", "new", 60, "99205"), ("office", "new", 120, "99205"),
        ("office", "established", 9, None), ("office", "established", 10, "99212"),
        ("office", "established", 19, "99212"), ("office", "established", 20, "99213"),
        ("office", "established", 29, "99213"), ("office", "established", 30, "99214"),
        ("office", "established", 39, "99214"), ("office", "established", 40, "99215"),
        ("initial", "", 39, None), ("initial", "", 40, "99221"), ("initial", "", 54, "99221"),
        ("initial", "", 55, "99222"), ("initial", "", 74, "99222"), ("initial", "", 75, "99223"),
        ("subsequent", "", 24, None), ("subsequent", "", 25, "99231"), ("subsequent", "", 34, "99231"),
        ("subsequent", "", 35, "99232"), ("subsequent", "", 49, "99232"), ("subsequent", "", 50, "99233"),
        ("same-day", "", 44, None), ("same-day", "", 45, "99234"), ("same-day", "", 69, "99234"),
        ("same-day", "", 70, "99235"), ("same-day", "", 84, "99235"), ("same-day", "", 85, "99236"),
        ("discharge", "", 30, "99238"), ("discharge", "", 31, "99239"),
    ],
)
def test_time_thresholds_2024(family: str, patient: str, minutes: int, expected: str | None) -> None:
    assert em.time_code(family, patient, minutes, DOS) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"), [(14, None), (15, "99202"), (29, "99202"), (30, "99203"), (74, "99205")]
)
def test_office_time_ranges_2021_2023(minutes: int, expected: str | None) -> None:
    assert em.time_code("office", "new", minutes, _dt.date(2022, 3, 1)) == expected
    r = em.time_row(em._rows("office", _dt.date(2022, 3, 1), "new"), 30)
    assert r is not None and r.max_minutes == 44 and "2021" in r.source


def test_no_ed_time_and_no_office_time_before_2021() -> None:
    assert em.time_code("ed", "", 90, DOS) is None
    assert em.time_code("office", "new", 60, _dt.date(2020, 12, 31)) is None
    assert em.time_code("initial", "", 80, _dt.date(2022, 12, 31)) is None


@pytest.mark.parametrize(
    ("base", "minutes", "medicare", "expected"),
    [
        ("99205", 74, False, None), ("99205", 75, False, ("99417", 1)), ("99205", 89, False, ("99417", 1)),
        ("99205", 90, False, ("99417", 2)), ("99215", 54, False, None), ("99215", 55, False, ("99417", 1)),
        ("99205", 88, True, None), ("99205", 89, True, ("G2212", 1)), ("99215", 68, True, None),
        ("99215", 69, True, ("G2212", 1)), ("99215", 84, True, ("G2212", 2)),
        ("99223", 89, False, None), ("99223", 90, False, ("99418", 1)), ("99233", 64, False, None),
        ("99233", 65, False, ("99418", 1)), ("99223", 104, True, None), ("99223", 105, True, ("G0316", 1)),
        ("99233", 79, True, None), ("99233", 80, True, ("G0316", 1)), ("99204", 200, False, None),
    ],
)
def test_prolonged_time(base: str, minutes: int, medicare: bool, expected: tuple[str, int] | None) -> None:
    got = em.prolonged(base, minutes, DOS, medicare)
    assert (None if got is None else (got[0].code, got[1])) == expected


def test_inpatient_prolonged_not_before_2023() -> None:
    assert em.prolonged("99223", 120, _dt.date(2022, 12, 31), False) is None
    assert em.prolonged("99205", 80, _dt.date(2020, 12, 31), False) is None


# -- MDM: two of three elements -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("levels", "mdm", "met"),
    [
        ((0, 0, 0), "straightforward", ("problems", "data", "risk")),
        ((1, 0, 1), "low", ("problems", "risk")),
        ((3, 0, 0), "straightforward", ("problems", "data", "risk")),
        ((2, 1, 3), "moderate", ("problems", "risk")),
        ((3, 3, 0), "high", ("problems", "data")),
        ((1, 2, 3), "moderate", ("data", "risk")),
    ],
)
def test_mdm_is_the_level_two_elements_meet(levels: tuple[int, int, int], mdm: str,
                                             met: tuple[str, ...]) -> None:
    ws = em.Worksheet((), (), (), *levels, "", "", "")
    assert ws.mdm == mdm and ws.met == met


def _ws(text: str, dos: _dt.date = DOS) -> em.Worksheet:
    return em.worksheet(Visit(text=text, dos=dos, diagnoses=[]))


@pytest.mark.parametrize(
    ("results", "level"),
    [
        ("CBC reviewed.", 0),  # one test: minimal
        ("CBC and BMP reviewed.", 1),  # two tests: limited
        ("History obtained from his mother.", 1),  # independent historian alone: limited
        ("History provided by the patient.", 0),  # the patient is not an independent historian
        ("CBC, BMP and TSH ordered.", 2),  # three category-1 items: moderate
        ("CBC and BMP reviewed. History obtained from his wife.", 2),  # 2 + historian: moderate
        ("I personally reviewed the images of the outside CT.", 2),  # category 2 alone: moderate
        ("Discussed with Dr. Wu, cardiology.", 2),  # category 3 alone: moderate
        ("CBC, BMP and TSH ordered. Independently interpreted the EKG.", 3),  # 2 categories: extensive
        ("Independently interpreted the EKG. Discussed with cardiology the plan.", 3),
    ],
)
def test_data_element_each_level(results: str, level: int) -> None:
    ws = _ws(f"HPI: follow-up.\nExam: normal.\nResults: {results}\nAssessment: doing well.\nPlan: return.\n")
    assert ws.data_level == level, ws.data_reason


def test_a_test_mentioned_in_the_history_is_not_data() -> None:
    ws = _ws("HPI: had a CBC and a BMP last year.\nExam: normal.\nAssessment: well.\nPlan: return.\n")
    assert ws.data_level == 0


def test_a_test_the_physician_reports_is_not_counted_as_data() -> None:
    text = "HPI: palpitations.\nExam: normal.\nResults: EKG reviewed, CBC reviewed.\nAssessment: well.\nPlan: return.\n"
    ekg = line("93000", "EKG", text, [(text.index("EKG"), text.index("EKG") + 3)], ["EKG"])
    ws = em.worksheet(Visit(text=text, dos=DOS, diagnoses=[], lines=[ekg]))
    assert [it.code for it in ws.data] == ["test-cbc"]


@pytest.mark.parametrize(
    ("plan", "level", "dos"),
    [
        ("rest and fluids.", 0, DOS),
        ("ibuprofen over the counter as needed.", 1, DOS),
        ("take acetaminophen as needed.", 1, DOS),
        ("continue metformin 500 mg twice daily.", 2, DOS),
        ("increase lisinopril to 20 mg.", 2, DOS),  # a prescription drug by its stem
        ("she cannot afford the inhaler; samples given.", 2, DOS),  # SDOH limiting treatment
        ("admit to the hospital for IV antibiotics.", 3, DOS),
        ("family agrees with DNR and comfort care.", 3, DOS),
        ("morphine 4 mg IV given.", 3, DOS),  # parenteral controlled substance (CPT 2023)
        ("morphine 4 mg IV given.", 0, _dt.date(2022, 6, 1)),  # not a 2021 example
        ("vancomycin trough before the next dose.", 3, DOS),
    ],
)
def test_risk_element_each_level(plan: str, level: int, dos: _dt.date) -> None:
    ws = _ws(f"HPI: follow-up.\nExam: normal.\nAssessment: doing well.\nPlan: {plan}\n", dos)
    assert ws.risk_level == level, ws.risk_reason


def test_risk_words_in_the_history_are_not_management() -> None:
    ws = _ws("HPI: hospitalization last year; takes metformin.\nExam: normal.\nAssessment: well.\nPlan: return.\n")
    assert ws.risk_level == 0


@pytest.mark.parametrize(
    ("assessment", "level", "kind"),
    [
        ("Acute nasopharyngitis (common cold), self-limited.", 0, "minor"),
        ("Hypertension, stable.", 1, "chronic-stable"),
        ("Acute bronchitis.", 1, "acute-uncomplicated"),
        ("Hypertension, stable.\nHyperlipidemia, at goal.", 2, "chronic-stable"),
        ("Hypertension, uncontrolled.", 2, "chronic-exacerbation"),
        ("COPD with severe exacerbation.", 3, "chronic-severe"),
        ("Chest pain, threat to life.", 3, "threat"),
    ],
)
def test_problem_element_each_level(assessment: str, level: int, kind: str, coding_kb: Any) -> None:
    text = VISIT.format(hpi="follow-up.", a=assessment, p="return in 3 months.")
    r = code_text(text, date_of_service=DOS.isoformat(), kb=coding_kb)
    ws = em.worksheet(Visit(text=text, dos=DOS, diagnoses=r.diagnoses))
    assert ws.problem_level == level, ws.problem_reason
    assert kind in {it.kind for it in ws.problems}


# -- new vs established -------------------------------------------------------------------------
_OFFICE = "HPI: {hpi}\nExam: normal.\nAssessment: doing well.\nPlan: rest.\n"


@pytest.mark.parametrize(
    ("hpi", "expected"),
    [
        ("New patient, here for a cough.", "99202"),
        ("Established patient, here for a cough.", "99212"),
        ("Last seen here 4 years ago, here for a cough.", "99202"),  # over 3 years: new
        ("Last seen here 2 years ago, here for a cough.", "99212"),
        ("Last seen here 30 months ago, here for a cough.", "99212"),
    ],
)
def test_patient_type_from_the_note(hpi: str, expected: str) -> None:
    got, _v, _l = em_lines(_OFFICE.format(hpi=hpi))
    assert [c for c, _u, _m in got] == [expected]


def test_patient_type_from_metadata_wins() -> None:
    got, _v, _l = em_lines(_OFFICE.format(hpi="here for a cough."), patient_type="new")
    assert got == [("99202", 1, [])]


def test_unknown_or_conflicting_patient_type_is_not_guessed() -> None:
    got, visit, _l = em_lines(_OFFICE.format(hpi="here for a cough."))
    assert got == [] and any("new or established" in w for w in visit.warnings)
    got, visit, _l = em_lines(_OFFICE.format(hpi="New patient; established patient of Dr. B."))
    assert got == [] and any("both new and established" in w for w in visit.warnings)


def test_ed_needs_no_patient_type_and_is_never_chosen_by_time() -> None:
    text = "HPI: cough.\nExam: normal.\nAssessment: doing well.\nPlan: rest. Total time 90 minutes.\n"
    got, _v, lines = em_lines(text, setting="emergency")
    assert got == [("99282", 1, [])]
    assert any("not chosen by time" in w for w in lines[0].rationale)


# -- dates in force -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "dos", "coded"),
    [
        ("outpatient", _dt.date(2020, 12, 31), False), ("outpatient", _dt.date(2021, 1, 1), True),
        ("emergency", _dt.date(2022, 12, 31), False), ("emergency", _dt.date(2023, 1, 1), True),
    ],
)
def test_dates_in_force(setting: str, dos: _dt.date, coded: bool) -> None:
    got, visit, _l = em_lines(_OFFICE.format(hpi="cough."), dos=dos, setting=setting,
                              patient_type="established")
    assert bool(got) == coded
    assert coded or any("1995/1997" in w for w in visit.warnings)
    assert "99201" not in {c for c, _u, _m in got}


def test_deleted_codes_named_in_the_note_are_flagged() -> None:
    _g, visit, _l = em_lines(_OFFICE.format(hpi="billed 99201 last time; obs 99218."),
                             patient_type="new")
    assert any("99201" in w and "2021-01-01" in w for w in visit.warnings)
    assert any("99218" in w and "2023-01-01" in w for w in visit.warnings)


# -- time statements ----------------------------------------------------------------------------
def test_total_time_in_the_history_is_not_visit_time() -> None:
    text = "HPI: spent 3 hours vomiting.\nExam: normal.\nAssessment: doing well.\nPlan: rest.\n"
    got, _v, _l = em_lines(text, patient_type="established")
    assert got == [("99212", 1, [])]


def test_a_backwards_time_span_is_reported_not_used() -> None:
    text = "HPI: cough.\nExam: normal.\nAssessment: doing well.\nPlan: rest.\nTime spent: 10:50 to 10:05.\n"
    got, visit, _l = em_lines(text, patient_type="established")
    assert got == [("99212", 1, [])]
    assert any("cannot be right" in w for w in visit.warnings)


@pytest.mark.parametrize(("words", "code_"), [("more than 30 minutes", "99239"), ("30 minutes", "99238")])
def test_discharge_more_than_30_minutes(words: str, code_: str) -> None:
    text = f"Discharge summary\nHospital course: improved.\nDischarge diagnoses: pneumonia.\nSpent {words} on discharge.\n"
    got, _v, _l = em_lines(text, setting="inpatient")
    assert got == [(code_, 1, [])]


def test_discharge_without_time_is_the_lower_code_with_a_warning() -> None:
    text = "Discharge summary\nHospital course: improved.\nDischarge diagnoses: pneumonia.\n"
    got, visit, _l = em_lines(text, setting="inpatient")
    assert got == [("99238", 1, [])]
    assert any("99239 needs more than 30 minutes" in w for w in visit.warnings)


def test_medicare_prolonged_office_time_is_g2212() -> None:
    text = "HPI: cough.\nExam: normal.\nAssessment: doing well.\nPlan: rest.\nTotal time 69 minutes.\n"
    got, _v, lines = em_lines(text, patient_type="established", payer="medicare")
    assert got == [("99215", 1, []), ("G2212", 1, [])] and lines[1].system == "HCPCS"
    got, _v, _l = em_lines(text, patient_type="established")
    assert got == [("99215", 1, []), ("99417", 1, [])]


@pytest.mark.parametrize(("minutes", "code_"), [(44, "99234"), (69, "99234"), (70, "99235"), (84, "99235"), (85, "99236")])
def test_same_day_admission_and_discharge(minutes: int, code_: str) -> None:
    text = ("Observation note.\nHPI: chest pain, see H&P.\nExam: normal.\nAssessment: chest pain, "
            f"resolved. Admitted and discharged the same day.\nPlan: home.\nTotal time {minutes} minutes.\n")
    got, _v, _l = em_lines(text, setting="inpatient")
    assert got == [(code_, 1, [])]


def test_a_progress_note_naming_the_h_and_p_is_a_later_day() -> None:
    text = "Progress note\nHPI: see H&P, no new complaints.\nExam: normal.\nAssessment: stable.\nPlan: same.\n"
    got, _v, _l = em_lines(text, setting="inpatient")
    assert got == [("99231", 1, [])]


def test_inpatient_kind_not_documented_is_not_guessed() -> None:
    got, visit, _l = em_lines(_OFFICE.format(hpi="cough."), setting="inpatient")
    assert got == [] and any("admission (99221-99223)" in w for w in visit.warnings)


# -- preventive visits by age ---------------------------------------------------------------------
_WELL = "Annual physical.\nHPI: no complaints.\nExam: normal.\nAssessment: routine examination.\nPlan: screening.\n"


@pytest.mark.parametrize(
    ("age", "new", "established"),
    [(0, "99381", "99391"), (1, "99382", "99392"), (4, "99382", "99392"), (5, "99383", "99393"),
     (11, "99383", "99393"), (12, "99384", "99394"), (17, "99384", "99394"), (18, "99385", "99395"),
     (39, "99385", "99395"), (40, "99386", "99396"), (64, "99386", "99396"), (65, "99387", "99397"),
     (90, "99387", "99397")],
)
def test_preventive_age_bands(age: int, new: str, established: str) -> None:
    assert em_lines(_WELL, age=age, patient_type="new")[0] == [(new, 1, [])]
    assert em_lines(_WELL, age=age, patient_type="established")[0] == [(established, 1, [])]


def test_preventive_without_age_is_not_guessed() -> None:
    got, visit, _l = em_lines(_WELL, patient_type="new")
    assert got == [] and any("age" in w and "99381" in w for w in visit.warnings)


def test_a_plan_naming_the_next_annual_exam_is_not_a_preventive_visit() -> None:
    text = "HPI: cough.\nExam: normal.\nAssessment: doing well.\nPlan: rest; annual physical in June.\n"
    got, _v, _l = em_lines(text, age=40, patient_type="established")
    assert got == [("99212", 1, [])]


@pytest.mark.parametrize(
    ("words", "expected"),
    [("Welcome to Medicare visit.", "G0402"), ("Initial annual wellness visit.", "G0438"),
     ("Subsequent annual wellness visit.", "G0439")],
)
def test_medicare_wellness(words: str, expected: str) -> None:
    text = f"{words}\nHPI: no complaints.\nExam: normal.\nAssessment: well.\nPlan: screening.\n"
    got, _v, lines = em_lines(text, age=70, patient_type="established", payer="medicare")
    assert got == [(expected, 1, [])] and lines[0].system == "HCPCS"
    assert lines[0].description not in ("", expected)  # the CMS descriptor's short label


# -- modifiers 25 and 57 ---------------------------------------------------------------------------
_PROC = (
    "Established patient.\nHPI: left knee pain; also blood pressure.\nExam: effusion.\n"
    "Assessment and Plan:\n1. Primary osteoarthritis of left knee.\n{extra}"
    "Procedure: left knee injection performed.\n"
)


def _with_procedure(text: str, code_: str, word: str, kb: Any) -> tuple[list[tuple[str, int, list[str]]], Visit, list[Any]]:
    r = code_text(text, date_of_service=DOS.isoformat(), kb=kb)
    at = text.rindex(word)
    proc = line(code_, code_, text, [(at, at + len(word))], ["test line"], diagnosis_pointers=[1])
    return em_lines(text, lines=[proc], diagnoses=r.diagnoses)


def test_modifier_25_with_a_separate_problem(coding_kb: Any) -> None:
    text = _PROC.format(extra="2. Hypertension, above goal. Increase lisinopril to 20 mg.\n")
    got, _v, lines = _with_procedure(text, "20610", "knee injection", coding_kb)
    assert got == [("99214", 1, ["25"])]
    assert any("I10" in w and "25:" in w for w in lines[0].rationale)


def test_no_em_when_the_note_documents_only_the_procedure(coding_kb: Any) -> None:
    got, visit, _l = _with_procedure(_PROC.format(extra=""), "20610", "knee injection", coding_kb)
    assert got == []
    assert any("no separate E/M" in w for w in visit.warnings)


def test_modifier_25_with_drug_administration(coding_kb: Any) -> None:
    text = _PROC.format(extra="2. Hypertension, above goal. Increase lisinopril to 20 mg.\n")
    got, _v, _l = _with_procedure(text, "96372", "knee injection", coding_kb)
    assert got == [("99214", 1, ["25"])]


def test_unknown_global_period_falls_back_to_the_surgery_section(coding_kb: Any) -> None:
    text = _PROC.format(extra="2. Hypertension, above goal. Increase lisinopril to 20 mg.\n")
    assert global_days("10040") is None  # acne surgery: not in the bundled table
    got, _v, lines = _with_procedure(text, "10040", "knee injection", coding_kb)
    assert got == [("99214", 1, ["25"])]
    assert any("CPT Surgery section 10004-69990" in w for w in lines[0].rationale)


def test_no_modifier_with_a_procedure_outside_the_surgery_section(coding_kb: Any) -> None:
    text = _PROC.format(extra="2. Hypertension, above goal. Increase lisinopril to 20 mg.\n")
    got, _v, _l = _with_procedure(text, "94010", "knee injection", coding_kb)  # spirometry: no global
    assert got == [("99214", 1, [])]


def test_modifier_57_with_a_major_procedure(coding_kb: Any) -> None:
    text = ("Emergency department note.\nHPI: fall.\nExam: deformity.\nAssessment: Closed fracture of "
            "the left distal radius.\nPlan: closed treatment with splint; oxycodone prescribed.\n")
    r = code_text(text, setting="emergency", date_of_service=DOS.isoformat(), kb=coding_kb)
    at = text.index("closed treatment")
    proc = line("25600", "fracture care", text, [(at, at + 16)], ["test line"])
    got, _v, _l = em_lines(text, setting="emergency", lines=[proc], diagnoses=r.diagnoses)
    assert got == [("99283", 1, ["57"])]  # low problem, prescription drug: low MDM


def test_psychotherapy_addon_em_by_mdm_only_without_25(coding_kb: Any) -> None:
    text = ("Established patient.\nHPI: anxiety.\nAssessment: Generalized anxiety disorder, stable.\n"
            "Plan: medication management; continue buspirone. Psychotherapy 30 minutes.\n"
            "Total time 60 minutes.\n")
    r = code(Encounter(text=text), date_of_service=DOS.isoformat(), kb=coding_kb)
    got = sorted((p.code, p.modifiers) for p in r.procedures)
    assert got == [("90833", []), ("99213", [])]  # low MDM: 60 minutes would give 99215
    em_line = next(p for p in r.procedures if p.code == "99213")
    assert any("MDM only" in w for w in em_line.rationale)


def test_a_therapy_record_is_not_an_em_visit(coding_kb: Any) -> None:
    text = ("Physical therapy daily note.\nSubjective: less pain.\nObjective: improved range.\n"
            "Assessment: low back pain, improving.\nPlan: continue.\nTherapeutic exercise 30 minutes\n")
    r = code(Encounter(text=text, metadata={"patient_type": "established"}),
             date_of_service=DOS.isoformat(), kb=coding_kb)
    assert [p.code for p in r.procedures] == ["97110"]


def test_the_worksheet_is_the_evidence(coding_kb: Any) -> None:
    text = VISIT.format(hpi="established patient.", a="Type 2 diabetes mellitus, well controlled.",
                        p="Continue metformin. A1c ordered.")
    r = code_text(text, date_of_service=DOS.isoformat(), kb=coding_kb)
    em_line = next(p for p in r.procedures if p.code == "99213")
    cited = {e.text for e in em_line.evidence}
    assert {"well controlled", "Continue metformin", "A1c"} <= cited
    assert any(w.startswith("Risk: moderate — prescription drug management") for w in em_line.rationale)
    assert any(w.startswith("MDM low (2 of 3: problems, risk) → 99213") for w in em_line.rationale)

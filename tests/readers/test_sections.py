"""Section headings as clinicians write them -> canonical section names and exact spans."""

from __future__ import annotations

import pytest

from medcoder.text.sections import SECTION_NAMES, canonical_name, find_sections


def _named(text: str) -> list[tuple[str, str]]:
    return [(s.name, text[s.start : s.end]) for s in find_sections(text)]


HEADINGS = [
    ("HPI:", "hpi"),
    ("History of Present Illness", "hpi"),
    ("PMH", "past_medical_history"),
    ("Past Medical History:", "past_medical_history"),
    ("Past medical history", "past_medical_history"),
    ("Past Surgical History", "past_surgical_history"),
    ("Family History", "family_history"),
    ("FH:", "family_history"),
    ("Social History", "social_history"),
    ("ROS", "ros"),
    ("Review of Systems:", "ros"),
    ("Physical Exam", "exam"),
    ("Exam:", "exam"),
    ("Vital Signs:", "exam"),
    ("Labs:", "results"),
    ("Assessment and Plan", "assessment_plan"),
    ("Assessment & Plan:", "assessment_plan"),
    ("A/P:", "assessment_plan"),
    ("Assessment:", "assessment"),
    ("Impression:", "assessment"),
    ("Plan:", "plan"),
    ("Diagnoses:", "diagnoses"),
    ("Final Diagnosis", "diagnoses"),
    ("Discharge Diagnoses", "discharge_diagnoses"),
    ("Procedures:", "procedures"),
    ("Medications", "medications"),
    ("Allergies", "allergies"),
    ("Chief Complaint", "chief_complaint"),
    ("CC:", "chief_complaint"),
    ("Reason for visit:", "chief_complaint"),
    ("Hospital Course", "hospital_course"),
    ("Disposition:", "other"),
]


@pytest.mark.parametrize(("heading", "name"), HEADINGS)
def test_heading_on_its_own_line(heading: str, name: str) -> None:
    text = f"Seen today.\n{heading}\nHypertension, stable.\n"
    assert _named(text) == [(name, "Hypertension, stable.")]


@pytest.mark.parametrize(("heading", "name"), HEADINGS)
def test_heading_in_capitals_with_text_after_the_colon(heading: str, name: str) -> None:
    text = f"{heading.rstrip(':').upper()}: Hypertension, stable.\nNext line too."
    assert _named(text) == [(name, "Hypertension, stable.\nNext line too.")]


def test_a_note_splits_into_sections_whose_offsets_index_the_text() -> None:
    text = (
        "Jane Example  DOB 01/02/1960\n"
        "\n"
        "CC: cough\n"
        "HPI: 3 days of productive cough.\n"
        "   No fever.\n"
        "PMH\n"
        "  - COPD\n"
        "  - HTN\n"
        "## Assessment\n"
        "Acute bronchitis.\n"
        "**Plan:** albuterol\n"
    )
    sections = find_sections(text)
    assert [(s.name, s.title) for s in sections] == [
        ("chief_complaint", "CC"),
        ("hpi", "HPI"),
        ("past_medical_history", "PMH"),
        ("assessment", "Assessment"),
        ("plan", "Plan"),
    ]
    assert [text[s.start : s.end] for s in sections] == [
        "cough",
        "3 days of productive cough.\n   No fever.",
        "- COPD\n  - HTN",
        "Acute bronchitis.",
        "albuterol",
    ]
    # the header line before the first heading is in no section
    assert sections[0].start == text.index("cough")


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("Plan to follow up in two weeks.", []),  # no colon and not alone on its line
        ("The assessment: stable angina.", []),  # not at the start of a line
        ("hpi\nchest pain", []),  # abbreviations only in capitals
        ("cc: Dr. Jones", []),  # a lower-case cc is a copy line, not the chief complaint
        ("History of hypertension.", []),
        # a SOAP letter followed by a number is a pulse, not the plan
        ("Vitals\nP: 72 BP 120/80", [("exam", "P: 72 BP 120/80")]),
    ],
)
def test_words_that_are_not_headings(text: str, sections: list[tuple[str, str]]) -> None:
    assert _named(text) == sections


def test_soap_letters_with_a_colon() -> None:
    text = "S: sore throat x2 days\nO: T 38.1, exudate\nA: Strep pharyngitis\nP: amoxicillin"
    assert _named(text) == [
        ("hpi", "sore throat x2 days"),
        ("exam", "T 38.1, exudate"),
        ("assessment", "Strep pharyngitis"),
        ("plan", "amoxicillin"),
    ]


def test_an_unknown_capitalised_heading_ends_the_previous_section() -> None:
    text = "ASSESSMENT:\nMigraine.\nNEUROLOGICAL EXAMINATION:\nNonfocal.\nHEENT:\nNormal."
    assert _named(text) == [
        ("assessment", "Migraine."),
        # one capitalised word with a colon is an exam finding line, not a heading
        ("other", "Nonfocal.\nHEENT:\nNormal."),
    ]


def test_an_empty_section_has_an_empty_span_after_its_heading() -> None:
    text = "Assessment and Plan:\nDiagnoses:\n1. HTN\n2. DM2"
    first, second = find_sections(text)
    assert (first.name, first.start, first.end) == ("assessment_plan", 20, 20)
    assert (second.name, text[second.start : second.end]) == ("diagnoses", "1. HTN\n2. DM2")


def test_crlf_and_lone_cr_line_endings() -> None:
    assert _named("HPI:\r\ncough\r\nPLAN\r\nrest\r\n") == [("hpi", "cough"), ("plan", "rest")]
    assert _named("HPI: cough\rPLAN: rest") == [("hpi", "cough"), ("plan", "rest")]


def test_no_headings_no_sections() -> None:
    assert find_sections("Patient seen for cough. Lungs clear. Likely viral bronchitis.") == []
    assert find_sections("") == []


def test_canonical_name_of_structured_titles() -> None:
    assert canonical_name("Assessment & Plan:") == "assessment_plan"
    assert canonical_name("hpi") == "hpi"
    assert canonical_name("Brief Hospital Course") == "hospital_course"
    assert canonical_name("Nursing notes") == "other"
    assert set(SECTION_NAMES) >= {canonical_name(h) for h, _ in HEADINGS}

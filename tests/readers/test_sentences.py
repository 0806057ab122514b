"""Rule-based sentence spans: where a clinical note's sentences and list items begin and end."""

from __future__ import annotations

import pytest

from medcoder.text.sentences import sentence_spans


def _split(text: str, start: int = 0, end: int | None = None) -> list[str]:
    spans = sentence_spans(text, start, end)
    for a, b in spans:
        assert text[a:b] == text[a:b].strip() and a < b
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Seen by Dr. Smith today. She is well.",
            ["Seen by Dr. Smith today.", "She is well."],
        ),
        (
            "Start an ACE inhibitor, e.g. lisinopril. Recheck in 2 wks.",
            ["Start an ACE inhibitor, e.g. lisinopril.", "Recheck in 2 wks."],
        ),
        (
            "Aspirin 81 mg. daily. Creatinine 3.5 today.",
            ["Aspirin 81 mg. daily.", "Creatinine 3.5 today."],
        ),
        (
            "Coded E11.22 and N18.31. Both confirmed.",
            ["Coded E11.22 and N18.31.", "Both confirmed."],
        ),
        (
            "Take 1 tab p.o. b.i.d. with food. Return if worse!",
            ["Take 1 tab p.o. b.i.d. with food.", "Return if worse!"],
        ),
        ("Any chest pain? No. Dyspnea? Yes.", ["Any chest pain?", "No.", "Dyspnea?", "Yes."]),
        ("no fever. denies cough.", ["no fever.", "denies cough."]),
        (
            "Urine grew E. coli and blood grew S. aureus. Vitamin D. Normal.",
            ["Urine grew E. coli and blood grew S. aureus.", "Vitamin D.", "Normal."],
        ),
        ("See fig. 2 and appt. on Monday.", ["See fig. 2 and appt. on Monday."]),
    ],
)
def test_sentence_ends(text: str, sentences: list[str]) -> None:
    assert _split(text) == sentences


def test_each_item_of_a_headed_numbered_list_is_a_sentence() -> None:
    assert _split("Diagnoses:\n1. HTN\n2. DM2\n3. CKD stage 3a") == [
        "Diagnoses:", "1. HTN", "2. DM2", "3. CKD stage 3a",
    ]


def test_numbered_items_on_one_line_split_when_they_run_in_sequence() -> None:
    assert _split("Diagnoses: 1. HTN 2. DM2 3. CKD") == ["Diagnoses:", "1. HTN", "2. DM2", "3. CKD"]
    # a number that does not continue a list is not an item
    assert _split("Pain 2. He denies SOB.") == ["Pain 2.", "He denies SOB."]


def test_bullets_and_short_lines_are_items() -> None:
    text = "Medications:\n- metformin 500 mg\n* lisinopril 10 mg\n• atorvastatin\nProblems\nHypertension\nGout"
    assert _split(text) == [
        "Medications:", "- metformin 500 mg", "* lisinopril 10 mg", "• atorvastatin",
        "Problems", "Hypertension", "Gout",
    ]
    assert _split("• HTN • DM2 • CKD") == ["• HTN", "• DM2", "• CKD"]


def test_a_hard_wrapped_paragraph_stays_one_sentence() -> None:
    text = (
        "The patient is a 67 year old woman with a history of hypertension and\n"
        "diabetes who presents with chest pain radiating to the left arm for\n"
        "two days. She denies fever."
    )
    assert _split(text) == [text[: text.index(" She")], "She denies fever."]


def test_a_paragraph_on_one_long_line_ends_at_the_line_break() -> None:
    first = (
        "Abdominal CT showed a 4 cm mass in the left kidney with no lymph node involvement "
        "and no distant metastases"
    )
    text = first + "\nThe patient underwent a radical nephrectomy."
    assert len(first) > 100
    assert _split(text) == [first, "The patient underwent a radical nephrectomy."]


def test_a_short_line_ending_in_a_connector_continues() -> None:
    text = "Diagnoses:\nType 2 diabetes mellitus with\nDiabetic nephropathy\nGout"
    assert _split(text) == [
        "Diagnoses:", "Type 2 diabetes mellitus with\nDiabetic nephropathy", "Gout",
    ]


def test_blank_lines_and_label_lines_break() -> None:
    text = "Lungs clear to auscultation bilaterally without wheezes or rales\n\nHeart regular\r\nBP: 120/80\r\nHR: 72"
    assert _split(text) == [
        "Lungs clear to auscultation bilaterally without wheezes or rales",
        "Heart regular", "BP: 120/80", "HR: 72",
    ]


def test_offsets_index_the_whole_text_when_a_range_is_given() -> None:
    text = "HPI: Fever. Cough.\nPLAN: Rest."
    spans = sentence_spans(text, 5, 18)
    assert spans == [(5, 11), (12, 18)]
    assert [text[a:b] for a, b in spans] == ["Fever.", "Cough."]
    assert sentence_spans(text, 18, 18) == []
    assert sentence_spans("   \n\n  ") == []

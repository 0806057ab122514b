"""Reading the example documents in tests/fixtures/documents into one Encounter model.

Each test reads one hand-written file and checks what a coder would look at: setting, date of
service, age and sex, the note text, its sections (whose offsets must index the text exactly)
and the coded conditions that came with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from medcoder.encounter import Encounter, StructuredCondition
from medcoder.readers import detect_format, read_document

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"


def _section_texts(enc: Encounter) -> dict[str, str]:
    return {s.name: enc.text[s.start : s.end] for s in enc.sections}


def _check_spans(enc: Encounter) -> None:
    for s in enc.sections:
        assert 0 <= s.start <= s.end <= len(enc.text), s
        body = enc.text[s.start : s.end]
        assert body == body.strip(), f"section {s.name} is not trimmed: {body!r}"
    starts = [s.start for s in enc.sections]
    assert starts == sorted(starts)


# -- plain text --------------------------------------------------------------------------------


def test_plain_note_is_kept_verbatim_with_its_sections() -> None:
    path = DOCS / "office_visit.txt"
    enc = read_document(path)
    assert enc.text == path.read_text()
    assert (enc.source_format, enc.setting, enc.patient_sex) == ("text", "outpatient", "U")
    assert enc.date_of_service is None and enc.patient_age is None
    assert enc.source_name == str(path)
    _check_spans(enc)
    assert [s.name for s in enc.sections] == [
        "chief_complaint", "hpi", "past_medical_history", "family_history", "social_history",
        "medications", "allergies", "exam", "assessment_plan",
    ]
    got = _section_texts(enc)
    assert got["chief_complaint"] == "Follow-up of diabetes and blood pressure."
    assert got["allergies"] == "NKDA"
    assert got["past_medical_history"] == "1. Hypertension\n2. CKD stage 3a\n3. Hyperlipidemia"
    assert got["assessment_plan"].startswith("1. Type 2 diabetes mellitus with diabetic CKD")
    assert got["assessment_plan"].endswith("Recheck BMP in 3 months.")
    # the header line before the first heading belongs to no section
    assert enc.sections[0].start > enc.text.index("MRN")


def test_arguments_override_and_fill_in_what_a_plain_note_lacks() -> None:
    enc = read_document(
        DOCS / "office_visit.txt",
        setting="inpatient",
        age=67,
        sex="female",
        date_of_service=dt.date(2026, 3, 2),
    )
    assert (enc.setting, enc.patient_age, enc.patient_sex) == ("inpatient", 67, "F")
    assert enc.date_of_service == dt.date(2026, 3, 2)


def test_bytes_and_stdin_are_read_like_files(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (DOCS / "mdm_t02.hl7").read_bytes()
    from_bytes = read_document(data)
    assert from_bytes.source_name == "<bytes>" and from_bytes.source_format == "hl7v2"

    class _Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr("sys.stdin", _Stdin())
    from_stdin = read_document("-")
    assert from_stdin.source_name == "<stdin>"
    assert from_stdin.text == from_bytes.text


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("HPI: café au lait spots.\n".encode(), None),
        (b"\xef\xbb\xbf" + "HPI: café au lait spots.\n".encode(), None),
        ("HPI: café au lait spots.\n".encode("utf-16"), "utf-16"),
        ("HPI: café au lait spots.\n".encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "cp1252"],
)
def test_encodings_are_decoded_and_recorded(raw: bytes, encoding: str | None) -> None:
    enc = read_document(raw, name="note.txt")
    assert enc.text == "HPI: café au lait spots.\n"
    assert enc.metadata.get("encoding") == encoding
    assert _section_texts(enc) == {"hpi": "café au lait spots."}


def test_crlf_note_keeps_its_line_endings_and_sections() -> None:
    text = "CC: cough\r\n\r\nASSESSMENT:\r\nAcute bronchitis.\r\n"
    enc = read_document(text.encode(), name="note.txt")
    assert enc.text == text
    assert _section_texts(enc) == {"chief_complaint": "cough", "assessment": "Acute bronchitis."}


# -- encounter JSON ----------------------------------------------------------------------------


def test_encounter_json_sections_are_joined_and_kept() -> None:
    enc = read_document(DOCS / "encounter_sections.json")
    assert enc.source_format == "encounter-json"
    assert (enc.setting, enc.date_of_service) == ("emergency", dt.date(2026, 4, 15))
    assert (enc.patient_age, enc.patient_sex) == (34, "F")
    assert (enc.encounter_id, enc.patient_id) == ("ENC-2026-0415", "PT-884")
    _check_spans(enc)
    raw = json.loads((DOCS / "encounter_sections.json").read_text())["sections"]
    assert [enc.text[s.start : s.end] for s in enc.sections] == [s["text"] for s in raw]
    assert [(s.name, s.title) for s in enc.sections] == [
        ("chief_complaint", "Chief Complaint"),
        ("hpi", "HPI"),
        ("exam", "Exam"),
        ("diagnoses", "Final Diagnosis"),
        ("plan", "Disposition"),  # an explicit name wins over the title
    ]
    assert enc.text.startswith("Chief Complaint:\nRight ankle pain after a fall.\n\nHPI:\n")
    assert enc.conditions == [
        StructuredCondition(
            code="S82.61XA",
            system="http://hl7.org/fhir/sid/icd-10-cm",
            display="Displaced fracture of lateral malleolus of right fibula, initial "
            "encounter for closed fracture",
        )
    ]


def test_encounter_json_text_gets_sections_by_heading_and_birth_date_gives_age() -> None:
    doc = {
        "setting": "ED",
        "date_of_service": "2026-03-15T22:10:00-05:00",
        "patient": {"birth_date": "1980-03-16", "sex": "M"},
        "text": "HPI: fell off a ladder.\nImpression: Closed fracture of right radius.",
    }
    enc = read_document(json.dumps(doc).encode(), name="visit.json")
    assert enc.setting == "emergency"
    assert enc.date_of_service == dt.date(2026, 3, 15)  # the date as written, not UTC
    assert enc.patient_age == 45  # the 46th birthday is the day after
    assert _section_texts(enc) == {
        "hpi": "fell off a ladder.",
        "assessment": "Closed fracture of right radius.",
    }


def test_explicit_arguments_replace_values_in_the_json() -> None:
    enc = read_document(
        DOCS / "encounter_sections.json", setting="outpatient", age=35, sex="U",
        date_of_service=dt.date(2026, 4, 16),
    )
    assert (enc.setting, enc.patient_age, enc.patient_sex) == ("outpatient", 35, "U")
    assert enc.date_of_service == dt.date(2026, 4, 16)


def test_a_field_given_as_an_argument_is_not_read_from_the_document() -> None:
    doc = b'{"setting": "hospice", "patient": {"sex": "Q", "age": 200}, "text": "Cough."}'
    enc = read_document(doc, name="visit.json", setting="outpatient", sex="M", age=50)
    assert (enc.setting, enc.patient_sex, enc.patient_age) == ("outpatient", "M", 50)


# -- FHIR --------------------------------------------------------------------------------------


def test_fhir_bundle_gives_patient_encounter_notes_and_conditions() -> None:
    enc = read_document(DOCS / "fhir_discharge_bundle.json")
    assert enc.source_format == "fhir"
    assert enc.setting == "inpatient"  # Encounter.class IMP
    # an inpatient stay is coded on its discharge date (period.end)
    assert enc.date_of_service == dt.date(2026, 3, 4)
    assert enc.metadata["date_of_service_from"] == "Bundle.entry[1] (Encounter).period.end"
    assert (enc.patient_age, enc.patient_sex) == (75, "F")  # born 1950-11-30
    assert (enc.patient_id, enc.encounter_id) == ("MRN-5521", "V-2026-0227")
    _check_spans(enc)
    # two notes: the base64 discharge summary, then the progress note held in a Binary
    first, second = enc.metadata["documents"]
    assert enc.text[first["start"] : first["end"]].startswith("DISCHARGE SUMMARY\n")
    assert enc.text[second["start"] : second["end"]].startswith("Progress note, hospital day 2.")
    assert "DocumentReference/doc-progress" in second["source"]
    got = _section_texts(enc)
    assert got["discharge_diagnoses"].splitlines() == [
        "1. Sepsis due to E. coli urinary tract infection.",
        "2. Acute kidney injury, resolved.",
        "3. Type 2 diabetes mellitus without complications.",
    ]
    assert got["hospital_course"].startswith("The patient was admitted with fever")
    assert got["plan"] == "Continue ceftriaxone."
    assert enc.conditions == [
        StructuredCondition(
            code="A41.51",  # the ICD-10-CM coding is preferred over the SNOMED CT one
            system="http://hl7.org/fhir/sid/icd-10-cm",
            display="Sepsis due to Escherichia coli [E. coli]",
            clinical_status="active",
            verification_status="confirmed",
            category="encounter-diagnosis",
        )
    ]
    assert enc.metadata["resources"]["Observation"] == 1


def _bundle(*resources: dict[str, object]) -> bytes:
    entries = [{"resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "document", "entry": entries}).encode()


def test_fhir_composition_sections_are_named_from_title_or_loinc_code() -> None:
    div = '<div xmlns="http://www.w3.org/1999/xhtml"><p>{}</p></div>'
    comp = {
        "resourceType": "Composition",
        "status": "final",
        "type": {"text": "Consult note"},
        "date": "2026-01-20",
        "author": [{"display": "Dr. A"}],
        "title": "Consult",
        "section": [
            {"title": "History of present illness", "text": {"status": "generated",
             "div": div.format("Worsening knee pain &amp; swelling.")}},
            {"title": "Clinician's summary",
             "code": {"coding": [{"system": "http://loinc.org", "code": "51848-0"}]},
             "text": {"status": "generated", "div": div.format("Primary osteoarthritis, right knee.")},
             "section": [{"title": "Plan", "text": {"status": "generated",
                          "div": div.format("Physical therapy.")}}]},
        ],
    }
    enc = read_document(
        _bundle({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}, comp)
    )
    assert enc.date_of_service == dt.date(2026, 1, 20)  # from Composition.date
    assert enc.setting == "outpatient"
    _check_spans(enc)
    assert [(s.name, s.title) for s in enc.sections] == [
        ("hpi", "History of present illness"),
        ("assessment", "Clinician's summary"),
        ("plan", "Plan"),
    ]
    assert _section_texts(enc)["hpi"] == "Worsening knee pain & swelling."


def test_fhir_html_attachment_is_read_as_text() -> None:
    markup = "<html><body><h2>Assessment:</h2><p>Acute otitis media,<br/>left ear.</p></body></html>"
    doc = {
        "resourceType": "DocumentReference",
        "status": "current",
        "content": [{"attachment": {"contentType": "text/html",
                                    "data": base64.b64encode(markup.encode()).decode()}}],
    }
    enc = read_document(_bundle(doc), name="otitis.json")
    assert enc.text == "Assessment:\n\nAcute otitis media,\nleft ear."
    assert _section_texts(enc) == {"assessment": "Acute otitis media,\nleft ear."}


def test_fhir_encounter_class_maps_to_setting() -> None:
    note = {"resourceType": "DocumentReference", "status": "current",
            "content": [{"attachment": {"data": base64.b64encode(b"Chest pain.").decode()}}]}
    for code, setting in [("EMER", "emergency"), ("ACUTE", "inpatient"), ("OBSENC", "outpatient"),
                          ("AMB", "outpatient")]:
        enc_res = {"resourceType": "Encounter", "status": "finished", "class": {"code": code},
                   "period": {"start": "2026-05-01"}}
        enc = read_document(_bundle(enc_res, note))
        assert enc.setting == setting, code
        assert enc.date_of_service == dt.date(2026, 5, 1)


def test_fhir_partial_period_is_passed_over_for_the_document_date() -> None:
    note = {"resourceType": "DocumentReference", "status": "current", "date": "2026-05-03T10:00:00Z",
            "content": [{"attachment": {"data": base64.b64encode(b"Chest pain.").decode()}}]}
    enc_res = {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
               "period": {"start": "2026-05"}}
    enc = read_document(_bundle(enc_res, note))
    assert enc.date_of_service == dt.date(2026, 5, 3)
    assert enc.metadata["date_of_service_from"] == "Bundle.entry[1] (DocumentReference).date"


# -- HL7 v2 ------------------------------------------------------------------------------------


def test_hl7_mdm_t02() -> None:
    enc = read_document(DOCS / "mdm_t02.hl7")
    assert enc.source_format == "hl7v2"
    assert enc.setting == "emergency"  # PV1-2 E
    assert enc.date_of_service == dt.date(2026, 3, 10)  # PV1-44
    assert (enc.patient_age, enc.patient_sex) == (67, "M")  # PID-7 1958-07-04, PID-8 M
    assert (enc.patient_id, enc.encounter_id) == ("MRN12345", "V2026031001")
    # one line per OBX; \.br\ and OBX-5 repetitions are line breaks; \T\ is "&";
    # the OBX marked W (wrong) is left out
    assert enc.text == (
        "CHIEF COMPLAINT: Shortness of breath.\n"
        "HPI: 67 y/o man with COPD and CHF presents with 3 days of worsening dyspnea\n"
        "and productive cough. He denies chest pain.\n"
        "ASSESSMENT AND PLAN:\n"
        "1. Acute exacerbation of COPD (J44.1). Prednisone and nebulizers.\n"
        "2. Chronic systolic heart failure & hypertension, stable."
    )
    _check_spans(enc)
    assert [s.name for s in enc.sections] == ["chief_complaint", "hpi", "assessment_plan"]
    assert enc.conditions == [
        StructuredCondition(
            code="J44.1",
            system="http://hl7.org/fhir/sid/icd-10-cm",
            display="Chronic obstructive pulmonary disease with (acute) exacerbation",
            category="working",
        ),
        StructuredCondition(
            code="I50.22",
            system="http://hl7.org/fhir/sid/icd-10-cm",
            display="Chronic systolic (congestive) heart failure",
            category="final",
        ),
    ]
    assert enc.metadata["document_id"] == "DOC78901"


def test_hl7_oru_r01_with_newline_separators() -> None:
    enc = read_document(DOCS / "oru_r01.hl7")
    assert enc.setting == "outpatient"  # PV1-2 O
    assert enc.date_of_service == dt.date(2026, 2, 12)  # OBR-7
    assert (enc.patient_age, enc.patient_sex) == (35, "F")  # born 1990-02-15: not yet 36
    _check_spans(enc)
    assert _section_texts(enc) == {
        "hpi": "Cough and fever for 5 days.",
        "results": "Right lower lobe consolidation. No pleural effusion.",
        "assessment": "Right lower lobe pneumonia.",
    }
    # the second OBR's text report is a separate note; its numeric OBX is not text
    assert enc.text.endswith("IMPRESSION: Right lower lobe pneumonia.\n\nLeukocytosis noted.")
    assert "14.2" not in enc.text


def test_hl7_in_an_mllp_frame_with_crlf_and_base64_text() -> None:
    note = base64.b64encode(b"Assessment: Migraine without aura.").decode()
    msg = (
        "\x0bMSH|^~\\&|A|B|C|D|20260101||MDM^T02|1|P|2.5\r\n"
        "PID|1||P9||DOE^J||1970|U\r\n"
        "PV1|1|I" + "|" * 43 + "20260103\r\n"
        "TXA|1|CN|TX\r\n"
        f"OBX|1|ED|NOTE^Note^L||^TEXT^PLAIN^Base64^{note}||||||F\r\n\x1c\r"
    )
    enc = read_document(msg.encode(), name="mllp.hl7")
    assert enc.text == "Assessment: Migraine without aura."
    assert enc.setting == "inpatient"
    assert enc.date_of_service == dt.date(2026, 1, 3)  # PV1-45 discharge date for an inpatient
    assert enc.patient_age == 56  # a birth year only counts from January 1
    assert enc.patient_sex == "U"


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suffix", "fmt"),
    [
        ("MSH|^~\\&|A", ".txt", "hl7v2"),
        ('  {"text": "x"}', ".txt", "json"),
        ("[1]", ".json", "json"),
        ("[Redacted] seen today.", ".txt", "text"),
        ("Cough.", ".hl7", "hl7v2"),
        ("Cough.", ".json", "json"),
        ("Cough.", "", "text"),
    ],
)
def test_format_is_detected_by_content_then_extension(text: str, suffix: str, fmt: str) -> None:
    assert detect_format(text, suffix) == fmt


def test_an_explicit_format_is_used() -> None:
    enc = read_document(b'{"text": "kept as text"}', fmt="text")
    assert enc.source_format == "text" and enc.text == '{"text": "kept as text"}'

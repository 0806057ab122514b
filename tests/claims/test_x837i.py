"""Institutional claims: a coded inpatient stay built into a UB-04 / 837I claim with the example
hospital profile, written as X12 837I (005010X223A2) and checked by pyx12; the builder's and
the writer's refusals of bad input."""

from __future__ import annotations

import copy
import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.claims.build_institutional import build_institutional
from medcoder.claims.edits import scrub
from medcoder.claims.model import Address, Claim, ClaimDiagnosis, PcsProcedure, Person
from medcoder.claims.profile import Profile, load_profile, parse_profile
from medcoder.claims.validate import validate_x12
from medcoder.claims.writers.x837i import write_837i
from medcoder.coding import code
from medcoder.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"
HOSPITAL = EXAMPLES / "hospital-profile.yaml"
NOTE = EXAMPLES / "inpatient-operative-note.json"  # laparoscopic appendectomy, 2026-06-11
SUBMITTER = {"submitter_name": "Riverside General Hospital", "submitter_id": "1456789019",
             "contact_name": "Patient Accounts", "contact_phone": "217-555-0199",
             "created": _dt.datetime(2026, 6, 15, 8, 0)}
ADMIT, DISCHARGE = _dt.date(2026, 6, 10), _dt.date(2026, 6, 13)  # three days
PATIENT = Person("Roe", "Jane", _dt.date(2002, 1, 5), "F", member_id="1EG4TE5MK74",
                 address=Address("5 Oak Ave", "Springfield", "IL", "62704"))


def segments(text: str, tag: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip().startswith(tag + "*")]


@pytest.fixture(scope="module")
def appendectomy(coding_kb: Any) -> Any:
    return code(NOTE, kb=coding_kb)


@pytest.fixture
def hospital() -> Profile:
    return load_profile(HOSPITAL)


def build(result: Any, profile: Profile, **kw: Any) -> Claim:
    args: dict[str, Any] = {"patient": PATIENT, "payer": "medicare", "patient_control_number": "ACCT-26061001",
                            "admission_date": ADMIT, "discharge_date": DISCHARGE, "poa": {"K35.32": "Y"},
                            "operating": "lee"}
    args.update(kw)
    return build_institutional(result, profile, **args)


def write(tmp_path: Path, claim: Claim, name: str = "stay.837") -> tuple[Path, str]:
    text = write_837i(claim, **SUBMITTER)
    path = tmp_path / name
    path.write_text(text, encoding="ascii")
    return path, text


def test_a_coded_appendectomy_stay_becomes_a_valid_837i(tmp_path: Path, appendectomy: Any,
                                                        hospital: Profile) -> None:
    # the coder's answer for the operative note: the principal diagnosis and the PCS procedure
    assert [d.code for d in appendectomy.diagnoses] == ["K35.32"]
    assert [(p.code, p.system) for p in appendectomy.procedures] == [("0DTJ4ZZ", "ICD-10-PCS")]
    claim = build(appendectomy, hospital)
    assert claim.kind == "institutional" and claim.type_of_bill == "111"
    assert claim.billing.npi == "1456789019" and claim.billing.tax_id == "123456789"
    assert claim.attending is not None and claim.attending.npi == "1245319599"  # the facility's default
    assert claim.diagnoses == [ClaimDiagnosis("K35.32", "Y")]
    assert claim.pcs_procedures == [PcsProcedure("0DTJ4ZZ", _dt.date(2026, 6, 11))]
    # room and board for the three days, then the per-stay charges, in revenue code order
    assert [(ln.revenue_code, ln.code, ln.units, ln.charge, ln.date_of_service) for ln in claim.lines] == [
        ("0120", "", Decimal(3), Decimal("7200.00"), ADMIT),
        ("0250", "", Decimal(1), Decimal("300.00"), ADMIT),
        ("0300", "", Decimal(1), Decimal("450.00"), ADMIT),
        ("0360", "", Decimal(1), Decimal("5200.00"), _dt.date(2026, 6, 11)),  # the operating room, that day
    ]
    assert claim.length_of_stay == 3 and claim.total_charge == Decimal("13150.00")

    path, text = write(tmp_path, claim)
    v = validate_x12(path)
    assert v.ok, v.errors
    assert "IK5*A" in v.ack_999
    assert segments(text, "ST") == ["ST*837*0001*005010X223A2"]
    assert segments(text, "CLM") == ["CLM*ACCT-26061001*13150***11:A:1**A*Y*Y"]
    assert segments(text, "DTP*434") == ["DTP*434*RD8*20260610-20260613"]
    assert segments(text, "DTP*435") == ["DTP*435*D8*20260610"]
    assert segments(text, "CL1") == ["CL1*1*1*01"]
    assert segments(text, "HI") == ["HI*ABK:K3532:::::::Y", "HI*BBR:0DTJ4ZZ:D8:20260611"]
    assert segments(text, "SBR") == ["SBR*P*18*******MA"]  # Medicare Part A
    assert segments(text, "NM1*71") == ["NM1*71*1*LEE*ANN****XX*1245319599"]
    assert segments(text, "NM1*72") == ["NM1*72*1*LEE*ANN****XX*1245319599"]
    assert segments(text, "SV2") == ["SV2*0120**7200*DA*3", "SV2*0250**300*UN*1", "SV2*0300**450*UN*1",
                                     "SV2*0360**5200*UN*1"]
    assert segments(text, "DTP*472")[-1] == "DTP*472*D8*20260611"
    assert segments(text, "SE")[0].split("*")[1] == str(len([s for s in text.split("~") if s.strip()]) - 4)


def test_the_built_claim_meets_the_required_fields_edit_and_missing_poa_is_flagged(
        appendectomy: Any, hospital: Profile, coding_kb: Any) -> None:
    clean = scrub(build(appendectomy, hospital), coding_kb, only=["required"])
    assert clean.errors == [], [f.message for f in clean.errors]
    no_poa = build(appendectomy, hospital, poa=None)
    assert no_poa.diagnoses == [ClaimDiagnosis("K35.32", None)]
    report = scrub(no_poa, coding_kb, only=["required"])
    assert [f.rule for f in report.errors] == ["required/poa"]


def test_a_stay_without_a_procedure_has_no_operating_room_line(appendectomy: Any, hospital: Profile) -> None:
    medical = copy.copy(appendectomy)
    medical.procedures = []
    claim = build(medical, hospital, operating=None, discharge_date=ADMIT)
    assert claim.pcs_procedures == [] and claim.length_of_stay == 1
    assert [(ln.revenue_code, ln.units) for ln in claim.lines] == [
        ("0120", Decimal(1)), ("0250", Decimal(1)), ("0300", Decimal(1))
    ]


def test_a_full_claim_with_every_institutional_field_passes_pyx12(tmp_path: Path, appendectomy: Any,
                                                                  hospital: Profile) -> None:
    """25 diagnoses (two HI*ABF segments), 25 PCS procedures, admitting diagnosis, DRG, hours,
    a replacement claim, a HCPCS-coded revenue line, and a patient who is not the subscriber."""
    spouse = Person("Roe", "Sam", _dt.date(1998, 4, 9), "M", member_id="W123456789",
                    address=Address("5 Oak Ave", "Springfield", "IL", "62704"))
    claim = build(appendectomy, hospital, payer="acme", subscriber=spouse, relationship="01", frequency="7",
                  original_claim_id="2026170000456", admitting_diagnosis="R10.31", drg="343")
    others = ["E11.9", "I10", "Z79.4", "E78.5", "K21.9", "J45.909", "F41.1", "G47.33", "M54.50", "N39.0",
              "D64.9", "E66.9", "Z68.30", "R73.03", "E55.9", "K59.00", "L30.9", "H52.4", "Z87.891", "Z88.0",
              "Z90.49", "Z86.19", "I25.10", "E03.9"]
    claim.diagnoses += [ClaimDiagnosis(c, "N" if i % 3 else "W") for i, c in enumerate(others)]
    claim.pcs_procedures += [PcsProcedure("0DTJ4ZZ", _dt.date(2026, 6, 12))] * 24
    claim.admission_hour, claim.discharge_hour = "07", "15"
    claim.lines[1].code, claim.lines[1].system = "J1885", "HCPCS"
    path, text = write(tmp_path, claim)
    v = validate_x12(path)
    assert v.ok, v.errors
    assert segments(text, "CLM")[0].split("*")[5] == "11:A:7"
    assert segments(text, "REF*F8") == ["REF*F8*2026170000456"]
    assert segments(text, "SBR") == ["SBR*P********CI"] and segments(text, "PAT") == ["PAT*01"]
    assert segments(text, "NM1*QC") == ["NM1*QC*1*ROE*JANE"]
    assert segments(text, "DTP*435") == ["DTP*435*DT*202606100700"]
    assert segments(text, "DTP*096") == ["DTP*096*TM*1500"]
    hi = segments(text, "HI")
    assert hi[:3] == ["HI*ABK:K3532:::::::Y", "HI*ABJ:R1031", "HI*DR:343"]
    abf = [s for s in hi if s.startswith("HI*ABF")]
    assert [len(s.split("*")) - 1 for s in abf] == [12, 12]
    assert abf[0].split("*")[1:3] == ["ABF:E119:::::::W", "ABF:I10:::::::N"]
    bb = [s for s in hi if s.startswith(("HI*BBR", "HI*BBQ"))]
    assert [len(s.split("*")) - 1 for s in bb] == [1, 12, 12]
    assert segments(text, "SV2")[1] == "SV2*0250*HC:J1885*300*UN*1"


def test_an_exempt_poa_is_sent_empty(tmp_path: Path, appendectomy: Any, hospital: Profile) -> None:
    claim = build(appendectomy, hospital, poa={"K35.32": "1"})
    assert claim.diagnoses[0].poa == "1"
    path, text = write(tmp_path, claim)
    assert validate_x12(path).ok
    assert segments(text, "HI")[0] == "HI*ABK:K3532"  # 5010 has no "1": exempt codes leave HI01-9 empty


# --- bad input -------------------------------------------------------------------------------


def hospital_with(tmp_path: Path, change: Any) -> Profile:
    data = yaml.safe_load(HOSPITAL.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "hospital.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_profile(path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["facility"].pop("npi"), "facility.npi: required, missing"),
        (lambda d: d["facility"].update(npi="1456789010"), "facility.npi: NPI 1456789010 fails its check digit"),
        (lambda d: d.pop("facility"), "facility: required, missing"),
        (lambda d: d["facility"].pop("tax_id"), "facility.tax_id: required, missing"),
        (lambda d: d["facility"]["address"].pop("city"), "facility.address.city: required, missing"),
        (lambda d: d["facility"].update(type_of_bill="99"), "facility.type_of_bill: expected a type of bill"),
        (lambda d: d["facility"].pop("room_and_board"), "facility.room_and_board: required for an inpatient"),
        (lambda d: d["facility"]["room_and_board"].update(revenue_code="12"),
         "facility.room_and_board.revenue_code: expected a 4-digit revenue code"),
        (lambda d: d["facility"]["revenue"].update({"0250": "lots"}), "facility.revenue.0250: expected an amount"),
        (lambda d: d["facility"]["revenue"].update({"0250": -5}), "facility.revenue.0250: expected an amount"),
        (lambda d: d["facility"].update(procedure_revenue="0361"),
         "facility.procedure_revenue: 0361 has no charge under facility.revenue"),
        (lambda d: d["facility"].update(attending="nobody"), "attending provider 'nobody' is not in the profile"),
    ],
)
def test_a_bad_facility_section_is_refused_naming_the_field(tmp_path: Path, appendectomy: Any,
                                                            change: Any, words: str) -> None:
    profile = hospital_with(tmp_path, change)
    with pytest.raises(InputError) as err:
        build(appendectomy, profile)
    assert "hospital.yaml" in str(err.value)
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("kw", "where", "words"),
    [
        ({"poa": {"K35.32": "X"}}, "poa", "the POA indicator of K35.32: expected Y, N, U, W, 1"),
        ({"poa": {"K35.80": "Y"}}, "poa", "K35.80 is not a diagnosis of this claim"),
        ({"discharge_date": _dt.date(2026, 6, 9)}, "discharge_date", "is before the admission"),
        ({"admission_type": "7"}, "admission_type", "expected 1, 2, 3, 4, 5, 9"),
        ({"discharge_status": "1"}, "discharge_status", "patient discharge status"),
        ({"admission_date": _dt.date(2026, 6, 12)}, "result.date_of_service", "outside the stay"),
        ({"payer": "bcbs"}, "hospital-profile.yaml: payers", "payer 'bcbs' is not in the profile"),
        ({"subscriber": Person("Roe", "Sam", _dt.date(1998, 4, 9), "M", member_id="W1")}, "relationship",
         "needs the patient's relationship"),
        ({"frequency": "7"}, "claim.original_claim_id", "needs the payer's claim number"),
    ],
)
def test_bad_build_arguments_are_refused(appendectomy: Any, hospital: Profile, kw: dict[str, Any], where: str,
                                         words: str) -> None:
    with pytest.raises(InputError) as err:
        build(appendectomy, hospital, **kw)
    assert str(err.value.where).endswith(where)
    assert words in err.value.message


def test_a_mentions_result_is_refused(coding_kb: Any, hospital: Profile) -> None:
    with pytest.raises(InputError) as err:
        build(code(NOTE, kb=coding_kb, mode="mentions"), hospital)
    assert err.value.where == "result.mode"


def test_the_837i_writer_refuses_a_professional_claim(profile: Profile, patient: Person, coding_kb: Any) -> None:
    from medcoder.claims.build import build_professional

    professional = build_professional(code(EXAMPLES / "office-injection.json", kb=coding_kb), profile,
                                      patient=patient, payer="medicare", patient_control_number="PCN-1")
    with pytest.raises(InputError) as err:
        write_837i(professional, **SUBMITTER)
    assert err.value.where == "claim.kind" and "837P" in err.value.message


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda c: setattr(c.lines[0], "revenue_code", None), "claim.lines[1].revenue_code"),
        (lambda c: setattr(c, "type_of_bill", None), "claim.type_of_bill"),
        (lambda c: setattr(c, "type_of_bill", "117"), "claim.type_of_bill"),  # frequency is 1
        (lambda c: setattr(c, "discharge_status", None), "claim.discharge_status"),
        (lambda c: setattr(c, "admission_hour", "25"), "claim.admission_hour"),
        (lambda c: setattr(c, "billing", parse_profile(
            {"practice": {"name": "X", "npi": "1234567893", "tax_id": "12-3456789",
                          "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}},
             "payers": {"m": {"name": "M", "payer_id": "1"}}}).practice), "claim.billing.address.zip"),
        (lambda c: setattr(c, "diagnoses", []), "claim.diagnoses"),
    ],
)
def test_the_837i_writer_refuses_an_incomplete_institutional_claim(appendectomy: Any, hospital: Profile,
                                                                   damage: Any, where: str) -> None:
    claim = build(appendectomy, hospital)
    damage(claim)
    with pytest.raises(InputError) as err:
        write_837i(claim, **SUBMITTER)
    assert err.value.where == where, err.value


def test_the_built_claim_survives_the_claim_file_format(appendectomy: Any, hospital: Profile) -> None:
    from medcoder.claims.serialize import claim_from_dict, claim_to_dict

    claim = build(appendectomy, hospital, admitting_diagnosis="R10.31")
    back = claim_from_dict(claim_to_dict(claim))
    for key in ("diagnoses", "pcs_procedures", "type_of_bill", "admission_date", "admission_type",
                "admission_source", "discharge_status", "admitting_diagnosis", "service_from", "service_to",
                "attending", "operating", "billing"):
        assert getattr(back, key) == getattr(claim, key), key
    assert [(ln.revenue_code, ln.code, ln.units, ln.charge, ln.unit_kind) for ln in back.lines] == [
        (ln.revenue_code, ln.code, ln.units, ln.charge, ln.unit_kind) for ln in claim.lines]


def test_every_837i_line_carries_its_control_number_after_its_date(tmp_path: Path, appendectomy: Any,
                                                                   hospital: Profile) -> None:
    claim = build(appendectomy, hospital)
    path, text = write(tmp_path, claim)
    v = validate_x12(path)
    assert v.ok, v.errors  # REF*6R sits where 005010X223A2 puts it in loop 2400
    refs = segments(text, "REF*6R")
    assert refs == ["REF*6R*ACCT-26061001-1", "REF*6R*ACCT-26061001-2", "REF*6R*ACCT-26061001-3",
                    "REF*6R*ACCT-26061001-4"]
    segs = [s.strip() for s in text.split("~") if s.strip()]
    for n, ref in enumerate(refs, start=1):  # LX, SV2, DTP*472, then REF*6R
        i = segs.index(ref)
        assert segs[i - 3] == f"LX*{n}" and segs[i - 2].startswith("SV2*") and segs[i - 1].startswith("DTP*472*")
    # a stored number (a line read from an 837) is sent as it is; the others keep <CLM01>-<LX01>
    claim.lines[1].control_number = "ORIG-0250"
    path, text = write(tmp_path, claim, "stored.837")
    assert validate_x12(path).ok
    assert segments(text, "REF*6R")[:3] == ["REF*6R*ACCT-26061001-1", "REF*6R*ORIG-0250", "REF*6R*ACCT-26061001-3"]


def test_two_lines_storing_one_control_number_are_refused(appendectomy: Any, hospital: Profile) -> None:
    claim = build(appendectomy, hospital)
    claim.lines[0].control_number = "ACCT-7"
    claim.lines[2].control_number = "acct-7"  # the 835 matcher compares them ignoring case
    with pytest.raises(InputError) as err:
        write_837i(claim, **SUBMITTER)
    assert err.value.where == "claim.lines[3].control_number"
    assert "lines 1 and 3" in err.value.message and "REF*6R" in err.value.message

"""Reading 837I files: what medcoder writes reads back as the same claim, and an 837I written
by another system (loops medcoder does not write: pay-to address, patient loop, service
facility, other payer, value and condition codes, line date ranges) reads into the model."""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.claims.build_institutional import build_institutional
from medcoder.claims.io import load_claims
from medcoder.claims.model import Address, Claim, ClaimDiagnosis, PcsProcedure, Person, ServiceLine
from medcoder.claims.profile import load_profile
from medcoder.claims.readers import guide_of
from medcoder.claims.readers.x837i import read_837i
from medcoder.claims.writers.x837i import write_837i
from medcoder.coding import code
from medcoder.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"
SUBMITTER = {"submitter_name": "Riverside General Hospital", "submitter_id": "1456789019",
             "contact_name": "Patient Accounts", "contact_phone": "217-555-0199",
             "created": _dt.datetime(2026, 6, 15, 8, 0)}
PATIENT = Person("Roe", "Jane", _dt.date(2002, 1, 5), "F", member_id="1EG4TE5MK74",
                 address=Address("5 Oak Ave", "Springfield", "IL", "62704"))

# An inpatient pneumonia stay as a clearinghouse would send it (invented parties; ISA16 ">").
OTHER_SYSTEM = (
    'ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*ACMEHP         *260702*1130*^*00501*000000912*1*P*>~'
    'GS*HC*CLEARHOUSE01*ACMEHP*20260702*1130*912*X*005010X223A2~'
    'ST*837*0912*005010X223A2~'
    'BHT*0019*00*BATCH0912*20260702*1130*CH~'
    'NM1*41*2*LAKESIDE BILLING SERVICES*****46*CLEARHOUSE01~'
    'PER*IC*MARY CLERK*TE*3125550142*EM*billing@example.org~'
    'NM1*40*2*ACME HEALTH PLAN*****46*60054~'
    'HL*1**20*1~'
    'PRV*BI*PXC*282N00000X~'
    'NM1*85*2*LAKESIDE MEDICAL CENTER*****XX*1245319599~'
    'N3*200 LAKE SHORE DR*SUITE 4~'
    'N4*CHICAGO*IL*606111234~'
    'REF*EI*361234567~'
    'PER*IC*PATIENT ACCOUNTS*TE*3125550100~'
    'NM1*87*2~'
    'N3*PO BOX 9000~'
    'N4*CHICAGO*IL*606900900~'
    'HL*2*1*22*1~'
    'SBR*P**GRP7788******CI~'
    'NM1*IL*1*KOWALSKI*PETER*J***MI*ACM998877~'
    'N3*18 ELM ST~'
    'N4*EVANSTON*IL*60201~'
    'DMG*D8*19700214*M~'
    'NM1*PR*2*ACME HEALTH PLAN*****PI*60054~'
    'HL*3*2*23*0~'
    'PAT*19~'
    'NM1*QC*1*KOWALSKI*ANNA~'
    'N3*18 ELM ST~'
    'N4*EVANSTON*IL*60201~'
    'DMG*D8*20100922*F~'
    'CLM*LMC-445566*9816.5***11>A>1**A*Y*Y~'
    'DTP*096*TM*1130~'
    'DTP*434*RD8*20260620-20260623~'
    'DTP*435*DT*202606201845~'
    'CL1*2*7*01~'
    'REF*EA*MRN0099887~'
    'HI*ABK>J189>>>>>>>Y~'
    'HI*ABJ>R509~'
    'HI*DR>194~'
    'HI*ABF>E860>>>>>>>Y*ABF>J45909>>>>>>>N*ABF>Z9981~'
    'HI*BBR>5A1945Z>D8>20260621~'
    'HI*BE>80>>>3~'
    'HI*BG>39~'
    'NM1*71*1*NOWAK*EVA****XX*1234567893~'
    'PRV*AT*PXC*207R00000X~'
    'NM1*77*2*LAKESIDE MEDICAL CENTER NORTH*****XX*1313131314~'
    'N3*300 NORTH AVE~'
    'N4*CHICAGO*IL*606141234~'
    'SBR*S*01*GRP1122******CI~'
    'OI***Y***Y~'
    'NM1*IL*1*KOWALSKA*MARTA****MI*OTH55443~'
    'NM1*PR*2*OTHER INSURANCE CO*****PI*77001~'
    'LX*1~'
    'SV2*0120**6000*DA*3~'
    'DTP*472*RD8*20260620-20260622~'
    'LX*2~'
    'SV2*0270*HC>A4217*76.5*UN*3~'
    'DTP*472*D8*20260621~'
    'LX*3~'
    'SV2*0300*HC>85025>91*120*UN*2~'
    'DTP*472*D8*20260620~'
    'LX*4~'
    'SV2*0410**3620*UN*1~'
    'SE*62*0912~'
    'GE*1*912~'
    'IEA*1*000000912~'
    )


@pytest.fixture(scope="module")
def stay(coding_kb: Any) -> Claim:
    """The coded appendectomy note built into a claim with the example hospital profile."""
    result = code(EXAMPLES / "inpatient-operative-note.json", kb=coding_kb)
    return build_institutional(result, load_profile(EXAMPLES / "hospital-profile.yaml"), patient=PATIENT,
                               payer="medicare", patient_control_number="ACCT-26061001",
                               admission_date=_dt.date(2026, 6, 10), discharge_date=_dt.date(2026, 6, 13),
                               poa={"K35.32": "Y"}, operating="lee", admitting_diagnosis="R10.31")


def round_trip(tmp_path: Path, claim: Claim) -> Claim:
    path = tmp_path / "stay.837"
    path.write_text(write_837i(claim, **SUBMITTER), encoding="ascii")
    (back,) = read_837i(path)
    return back


def upper(p: Person) -> Person:
    """A person as X12 carries them: names and address upper case, the ZIP code without its dash."""
    a = p.address
    assert a is not None
    return replace(p, last_name=p.last_name.upper(), first_name=p.first_name.upper(),
                   address=Address(a.line1.upper(), a.city.upper(), a.state, a.zip.replace("-", ""), a.line2))


def test_what_medcoder_writes_reads_back_the_same(tmp_path: Path, stay: Claim) -> None:
    back = round_trip(tmp_path, stay)
    assert back.kind == "institutional"
    same = ("patient_control_number", "diagnoses", "pcs_procedures", "type_of_bill", "frequency", "service_from",
            "service_to", "admission_date", "admission_type", "admission_source", "discharge_status",
            "admitting_diagnosis", "drg", "relationship", "total_charge", "length_of_stay")
    assert {k: getattr(back, k) for k in same} == {k: getattr(stay, k) for k in same}
    assert back.diagnoses == [ClaimDiagnosis("K35.32", "Y")]
    assert back.pcs_procedures == [PcsProcedure("0DTJ4ZZ", _dt.date(2026, 6, 11))]
    line = ("revenue_code", "code", "system", "charge", "units", "unit_kind", "date_of_service", "modifiers")
    assert [[getattr(ln, k) for k in line] for ln in back.lines] == [[getattr(ln, k) for k in line]
                                                                    for ln in stay.lines]
    assert back.billing.npi == "1456789019" and back.billing.tax_id == "123456789"
    assert back.billing.taxonomy == "282N00000X" and back.billing.address == Address(
        "100 HOSPITAL DR", "SPRINGFIELD", "IL", "627011234")
    assert back.patient == upper(PATIENT) and back.subscriber == back.patient
    assert (back.payer.payer_id, back.payer.kind) == ("00452", "medicare")
    assert back.attending is not None and back.operating is not None
    assert (back.attending.npi, back.attending.name, back.attending.taxonomy) == ("1245319599", "LEE", "208600000X")
    assert back.operating.npi == "1245319599"
    back.check()


def test_a_replacement_for_a_dependent_with_every_field_reads_back(tmp_path: Path, stay: Claim) -> None:
    spouse = Person("Roe", "Sam", _dt.date(1998, 4, 9), "M", member_id="W123456789",
                    address=Address("5 Oak Ave", "Springfield", "IL", "62704"))
    claim = replace(stay, subscriber=spouse, relationship="01", frequency="7", type_of_bill="117",
                    original_claim_id="2026170000456", drg="343", admission_hour="07", discharge_hour="15",
                    diagnoses=[*stay.diagnoses, *(ClaimDiagnosis(c, p) for c, p in
                                                  [("E11.9", "N"), ("I10", "W"), ("Z79.4", "U"), ("E78.5", None)] * 6)],
                    pcs_procedures=[*stay.pcs_procedures, PcsProcedure("0DTJ0ZZ", _dt.date(2026, 6, 12))],
                    lines=[replace(ln) for ln in stay.lines])
    claim.lines[1].code, claim.lines[1].system = "J1885", "HCPCS"
    back = round_trip(tmp_path, claim)
    assert len(back.diagnoses) == 25 and back.diagnoses == claim.diagnoses
    assert back.pcs_procedures == claim.pcs_procedures
    assert (back.frequency, back.type_of_bill, back.original_claim_id) == ("7", "117", "2026170000456")
    assert (back.drg, back.admission_hour, back.discharge_hour) == ("343", "07", "15")
    assert back.relationship == "01" and back.patient == replace(upper(PATIENT), member_id=None)  # 2010CA: no id
    # 2010BA carries the subscriber's address and demographics only when the subscriber is the patient
    assert back.subscriber == Person("ROE", "SAM", None, "U", member_id="W123456789")
    assert (back.lines[1].code, back.lines[1].system, back.lines[1].revenue_code) == ("J1885", "HCPCS", "0250")


def test_an_exempt_poa_reads_back_as_none(tmp_path: Path, stay: Claim) -> None:
    back = round_trip(tmp_path, replace(stay, diagnoses=[ClaimDiagnosis("K35.32", "1")]))
    assert back.diagnoses == [ClaimDiagnosis("K35.32", None)]  # 5010 sends an exempt code's POA empty


def test_load_claims_picks_the_837i_reader_from_gs08(tmp_path: Path, stay: Claim) -> None:
    path = tmp_path / "stay.x12"
    path.write_text(write_837i(stay, **SUBMITTER), encoding="ascii")
    assert guide_of(path) == "005010X223A2"
    (claim,) = load_claims(path)
    assert claim.kind == "institutional" and claim.pcs_procedures == stay.pcs_procedures


def test_an_837i_from_another_system_reads_into_the_model(tmp_path: Path) -> None:
    path = tmp_path / "clearinghouse.837"
    path.write_text(OTHER_SYSTEM, encoding="ascii")
    (c,) = load_claims(path)
    assert (c.patient_control_number, c.type_of_bill, c.frequency) == ("LMC-445566", "111", "1")
    assert c.total_charge == Decimal("9816.5")
    assert (c.service_from, c.service_to, c.length_of_stay) == (_dt.date(2026, 6, 20), _dt.date(2026, 6, 23), 3)
    assert (c.admission_date, c.admission_hour, c.discharge_hour) == (_dt.date(2026, 6, 20), "18", "11")
    assert (c.admission_type, c.admission_source, c.discharge_status) == ("2", "7", "01")
    assert c.diagnoses == [ClaimDiagnosis("J18.9", "Y"), ClaimDiagnosis("E86.0", "Y"),
                           ClaimDiagnosis("J45.909", "N"), ClaimDiagnosis("Z99.81", None)]
    assert (c.admitting_diagnosis, c.drg) == ("R50.9", "194")
    assert c.pcs_procedures == [PcsProcedure("5A1945Z", _dt.date(2026, 6, 21))]
    # the billing provider, not the pay-to address (2010AB) nor the service facility (2310E)
    assert c.billing.npi == "1245319599" and c.billing.tax_id == "361234567"
    assert c.billing.address == Address("200 LAKE SHORE DR", "CHICAGO", "IL", "606111234", "SUITE 4")
    # the payer of 2010BB, not the other payer of 2330B
    assert (c.payer.name, c.payer.payer_id, c.payer.kind) == ("ACME HEALTH PLAN", "60054", "commercial")
    assert c.relationship == "19"
    assert (c.subscriber.first_name, c.subscriber.member_id) == ("PETER", "ACM998877")
    assert (c.patient.first_name, c.patient.birth_date, c.patient.member_id) == ("ANNA", _dt.date(2010, 9, 22), None)
    assert c.attending is not None and (c.attending.name, c.attending.npi, c.attending.taxonomy) == (
        "NOWAK", "1234567893", "207R00000X")
    assert c.operating is None
    assert [(ln.revenue_code, ln.code, ln.modifiers, ln.units, ln.unit_kind, ln.charge, ln.date_of_service)
            for ln in c.lines] == [
        ("0120", "", [], Decimal(3), "DA", Decimal(6000), _dt.date(2026, 6, 20)),  # RD8: the first day
        ("0270", "A4217", [], Decimal(3), "UN", Decimal("76.5"), _dt.date(2026, 6, 21)),
        ("0300", "85025", ["91"], Decimal(2), "UN", Decimal(120), _dt.date(2026, 6, 20)),
        ("0410", "", [], Decimal(1), "UN", Decimal(3620), _dt.date(2026, 6, 20)),  # no DTP*472: the statement start
    ]
    c.check()


def test_a_file_that_fails_the_guide_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.837"
    path.write_text(OTHER_SYSTEM.replace("CL1*2*7*01~", "CL1*2*7~"), encoding="ascii")  # CL103 is required
    with pytest.raises(InputError) as err:
        read_837i(path)
    assert "fails its implementation guide" in err.value.message and "CL103" in err.value.message
    assert err.value.where == str(path)


def test_an_837p_is_not_read_as_an_837i(written: Any) -> None:
    path, _ = written("office-injection.json")
    with pytest.raises(InputError) as err:
        read_837i(path)
    assert "is not an 837I" in err.value.message


@pytest.mark.shared
def test_837i_files_in_the_shared_data_read(shared_data: Path) -> None:
    files = [p for p in sorted((shared_data / "x12").rglob("*")) if p.is_file() and p.read_bytes()[:3] == b"ISA"
             and guide_of(p) == "005010X223A2"]
    if not files:
        pytest.skip("no 837I (005010X223A2) file in ../shared/data/x12")
    for p in files:
        claims = read_837i(p)
        assert claims and all(c.kind == "institutional" and c.diagnoses and c.lines for c in claims), p


def test_control_numbers_read_back_and_a_corrected_claim_keeps_them(tmp_path: Path, stay: Claim) -> None:
    back = round_trip(tmp_path, stay)
    assert [ln.control_number for ln in back.lines] == [f"ACCT-26061001-{n}" for n in range(1, 5)]
    # the replacement drops the second line and adds one: the lines it keeps send the numbers they
    # were first sent with; the new line's <CLM01>-<LX01> (-4) is the kept fourth line's, so it takes -5
    added = ServiceLine(code="J1885", system="HCPCS", charge=Decimal("19"), units=Decimal(2),
                        date_of_service=_dt.date(2026, 6, 11), revenue_code="0250")
    fixed = replace(back, frequency="7", type_of_bill="117", original_claim_id="2026170000456",
                    lines=[back.lines[0], *back.lines[2:], added])
    again = round_trip(tmp_path, fixed)
    assert [ln.control_number for ln in again.lines] == [
        "ACCT-26061001-1", "ACCT-26061001-3", "ACCT-26061001-4", "ACCT-26061001-5"]
    assert [ln.revenue_code for ln in again.lines] == ["0120", "0300", "0360", "0250"]


def test_a_control_number_from_another_system_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "clearinghouse.837"
    text = OTHER_SYSTEM.replace("DTP*472*D8*20260621~", "DTP*472*D8*20260621~REF*6R*LMC0002~")
    path.write_text(text.replace("SE*62*0912~", "SE*63*0912~"), encoding="ascii")
    (c,) = read_837i(path)
    assert [ln.control_number for ln in c.lines] == [None, "LMC0002", None, None]
    out = write_837i(c, **SUBMITTER)
    assert [s.strip() for s in out.split("~") if s.strip().startswith("REF*6R*")] == [
        "REF*6R*LMC-445566-1", "REF*6R*LMC0002", "REF*6R*LMC-445566-3", "REF*6R*LMC-445566-4"]

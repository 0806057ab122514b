"""Reading 837P files: the implementation-guide samples, and medcoder's own files read back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.claims.readers.x837p import read_837p
from medcoder.claims.writers.x837p import write_837p
from medcoder.errors import InputError


def test_what_medcoder_writes_reads_back_the_same(written: Any) -> None:
    path, _ = written("office-injection.json", frequency="7", original_claim_id="2026163000123")
    (claim,) = read_837p(path)
    assert claim.patient_control_number == "PCN-office" and claim.frequency == "7"
    assert claim.original_claim_id == "2026163000123"
    assert [(ln.code, ln.units, ln.modifiers, ln.pointers, ln.charge) for ln in claim.lines] == [
        ("J1885", Decimal(2), [], [1, 2, 3], Decimal(19)),
        ("96372", Decimal(1), [], [1, 2, 3], Decimal(40)),
        ("99213", Decimal(1), ["25"], [1, 2, 3], Decimal(145)),
    ]
    assert claim.billing.npi == "1234567893" and claim.billing.tax_id == "123456789"
    assert claim.payer.kind == "medicare" and claim.payer.payer_id == "00952"
    assert claim.rendering is not None and claim.rendering.npi == "1245319599"
    assert claim.patient.member_id == "1EG4TE5MK73" and claim.patient.birth_date is not None
    claim.check()


def test_ambulance_tenths_and_anesthesia_minutes_read_back(written: Any) -> None:
    (amb,) = read_837p(written("ambulance-run.json")[0])
    assert [(ln.code, ln.units, ln.modifiers) for ln in amb.lines] == [
        ("A0427", Decimal(1), ["RH"]), ("A0425", Decimal("8.4"), ["RH"])
    ]
    (anes,) = read_837p(written("anesthesia-record.json")[0])
    assert [(ln.code, ln.units, ln.unit_kind) for ln in anes.lines] == [("00790", Decimal(81), "MJ")]


@pytest.mark.shared
def test_the_implementation_guide_samples_read(shared_data: Path) -> None:
    folder = shared_data / "x12" / "837p"
    read = {p.name: read_837p(p) for p in sorted(folder.glob("*.edi")) if p.name not in
            ("X222-oxygen.edi", "X222-wheelchair.edi")}
    assert len(read) >= 13 and all(len(cs) == 1 for cs in read.values())
    (c,) = read["X222-commercial-health-insurance.edi"]
    assert (c.patient_control_number, c.total_charge, c.place_of_service) == ("26463774", Decimal(100), "11")
    assert [(ln.code, ln.charge, ln.pointers) for ln in c.lines] == [
        ("99213", Decimal(40), [1]), ("87070", Decimal(15), [1]), ("99214", Decimal(35), [2]), ("86663", Decimal(10), [2])
    ]
    assert c.relationship == "19" and c.patient.last_name == "SMITH" and c.patient.first_name == "TED"
    (a,) = read["X222-anesthesia.edi"]
    assert [(ln.code, ln.unit_kind, ln.units, ln.modifiers) for ln in a.lines] == [
        ("00142", "MJ", Decimal(61), ["QK", "QS", "P1"])
    ]


@pytest.mark.shared
@pytest.mark.parametrize("name", ["X222-oxygen.edi", "X222-wheelchair.edi"])
def test_the_samples_with_an_invalid_pwk02_are_rejected_for_it(shared_data: Path, name: str) -> None:
    with pytest.raises(InputError, match="PWK02") as err:
        read_837p(shared_data / "x12" / "837p" / name)
    assert name in str(err.value)


def test_control_numbers_read_back_and_a_corrected_claim_sends_them_again(written: Any, tmp_path: Path) -> None:
    path, _ = written("office-injection.json")
    (claim,) = read_837p(path)
    assert [ln.control_number for ln in claim.lines] == ["PCN-office-1", "PCN-office-2", "PCN-office-3"]
    # a replacement without the first line: its lines keep the numbers they were first sent with
    claim.frequency, claim.original_claim_id = "7", "2026163000123"
    claim.lines = claim.lines[1:]
    text = write_837p(claim, submitter_name="Riverside Family Medicine", submitter_id="1234567893",
                      contact_name="Billing Office", contact_phone="217-555-0100")
    assert [s.strip() for s in text.split("~") if s.strip().startswith("REF*6R*")] == [
        "REF*6R*PCN-office-2", "REF*6R*PCN-office-3"]
    fixed = tmp_path / "fixed.837"
    fixed.write_text(text, encoding="ascii")
    (back,) = read_837p(fixed)  # pyx12 accepts it
    assert [(ln.code, ln.control_number) for ln in back.lines] == [
        ("96372", "PCN-office-2"), ("99213", "PCN-office-3")]
    back.lines[1].control_number = "pcn-office-2"
    with pytest.raises(InputError) as err:
        write_837p(back, submitter_name="R", submitter_id="1234567893", contact_name="B",
                   contact_phone="217-555-0100")
    assert err.value.where == "claim.lines[2].control_number"


def test_control_numbers_survive_the_claim_file(written: Any) -> None:
    """A claim read from X12 and saved as a claim file (YAML/JSON) keeps each line's REF*6R."""
    from medcoder.claims.serialize import claim_from_dict, claim_to_dict

    path, _ = written("office-injection.json")
    (claim,) = read_837p(path)
    saved = claim_to_dict(claim)
    assert [ln["control_number"] for ln in saved["lines"]] == ["PCN-office-1", "PCN-office-2", "PCN-office-3"]
    back = claim_from_dict(saved)
    assert [ln.control_number for ln in back.lines] == ["PCN-office-1", "PCN-office-2", "PCN-office-3"]

"""The claim model, its identifiers, the billing profile and building a professional claim
from a coded encounter (the demo's office injection visit)."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcoder.claims.build import build_professional
from medcoder.claims.identifiers import (
    npi_check_digit,
    validate_npi,
    validate_tax_id,
    validate_taxonomy,
)
from medcoder.claims.model import Person
from medcoder.claims.profile import load_profile
from medcoder.coding import code
from medcoder.errors import InputError, InvalidIdentifierError

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"
PROFILE = {
    "practice": {
        "name": "Riverside Family Medicine", "npi": "1234567893", "tax_id": "12-3456789",
        "taxonomy": "207Q00000X",
        "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"},
    },
    "providers": {"lee": {"first_name": "Ann", "last_name": "Lee", "npi": "1245319599"}},
    "payers": {"medicare": {"name": "Medicare Part B", "payer_id": "00952", "kind": "Medicare"}},
    "charges": {"99213": 145, "96372": 40, "J1885": "9.50", "00790": 1200},
}
PATIENT = Person("Doe", "John", _dt.date(1980, 3, 2), "M", member_id="1EG4TE5MK73")


def profile_file(tmp_path: Path, data: Any = None) -> Path:
    p = tmp_path / "practice.yaml"
    p.write_text(yaml.safe_dump(PROFILE if data is None else data), encoding="utf-8")
    return p


# -- identifiers ------------------------------------------------------------------------------
def test_npi_check_digit_is_the_cms_luhn_with_the_80840_prefix() -> None:
    assert npi_check_digit("123456789") == 3  # the CMS worked example: 1234567893
    assert validate_npi(" 1234567893 ") == "1234567893"
    with pytest.raises(InvalidIdentifierError, match=r"check digit \(expected 3"):
        validate_npi("1234567890")
    with pytest.raises(InvalidIdentifierError, match="10 digits"):
        validate_npi("12345")
    with pytest.raises(InvalidIdentifierError, match="starts with 1 or 2"):
        validate_npi("3234567893")


def test_tax_id_and_taxonomy() -> None:
    assert validate_tax_id("12-3456789") == ("123456789", "EIN")
    assert validate_tax_id("123-45-6789") == ("123456789", "SSN")
    with pytest.raises(InvalidIdentifierError, match="9 digits"):
        validate_tax_id("12-345")
    assert validate_taxonomy("207q00000x") == "207Q00000X"
    with pytest.raises(InvalidIdentifierError, match="ending in X"):
        validate_taxonomy("207Q000001")


# -- the profile ------------------------------------------------------------------------------
def test_profile_reads_and_normalises(tmp_path: Path) -> None:
    prof = load_profile(profile_file(tmp_path))
    assert prof.practice.npi == "1234567893" and prof.practice.tax_id_kind == "EIN"
    assert prof.providers["lee"].entity == "person" and prof.providers["lee"].first_name == "Ann"
    assert prof.payers["medicare"].kind == "medicare"
    assert prof.charge("j1885") == Decimal("9.50")
    assert prof.place_of_service["emergency"] == "23"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["practice"].pop("tax_id"), "practice.tax_id: required"),
        (lambda d: d["practice"].pop("address"), "practice.address: required"),
        (lambda d: d["providers"]["lee"].update(npi="1245319590"), "providers.lee.npi"),
        (lambda d: d["payers"]["medicare"].pop("payer_id"), "payers.medicare.payer_id: required"),
        (lambda d: d["charges"].update({"99213": -5}), "charges.99213: a charge cannot be negative"),
        (lambda d: d["charges"].update({"99213": "lots"}), "charges.99213: expected an amount"),
        (lambda d: d.pop("payers"), "payers: required"),
        (lambda d: d.update(place_of_service={"office": "11"}), "place_of_service.office: unknown setting"),
    ],
)
def test_a_bad_profile_names_the_field(tmp_path: Path, change: Any, words: str) -> None:
    data = yaml.safe_load(yaml.safe_dump(PROFILE))
    change(data)
    with pytest.raises(InputError) as err:
        load_profile(profile_file(tmp_path, data))
    assert words in str(err.value) and "practice.yaml" in str(err.value)


def test_a_profile_that_is_not_yaml_says_the_line(tmp_path: Path) -> None:
    p = tmp_path / "practice.yaml"
    p.write_text("practice:\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid YAML \(line \d\)"):
        load_profile(p)


# -- building the claim -----------------------------------------------------------------------
def coded(name: str, kb: Any) -> Any:
    return code(EXAMPLES / name, kb=kb)


def test_the_office_injection_visit_becomes_a_professional_claim(tmp_path: Path, coding_kb: Any) -> None:
    result = coded("office-injection.json", coding_kb)
    claim = build_professional(
        result, load_profile(profile_file(tmp_path)), patient=PATIENT, payer="medicare",
        patient_control_number="DEMO-8", rendering="lee",
    )
    assert [(ln.code, ln.units, ln.modifiers, ln.charge) for ln in claim.lines] == [
        ("J1885", Decimal(2), [], Decimal("19.00")),
        ("96372", Decimal(1), [], Decimal("40.00")),
        ("99213", Decimal(1), ["25"], Decimal("145.00")),
    ]
    assert claim.total_charge == Decimal("204.00")
    assert [d.code for d in claim.diagnoses] == [d.code for d in result.diagnoses]
    assert all(ln.pointers and ln.place_of_service == "11" for ln in claim.lines)
    assert claim.rendering is not None and claim.rendering.npi == "1245319599"
    assert claim.service_from == claim.service_to == _dt.date(2026, 5, 12)


def test_anesthesia_is_reported_in_minutes(tmp_path: Path, coding_kb: Any) -> None:
    claim = build_professional(
        coded("anesthesia-record.json", coding_kb), load_profile(profile_file(tmp_path)),
        patient=PATIENT, payer="medicare", patient_control_number="DEMO-9",
    )
    (line,) = claim.lines
    assert (line.code, line.units, line.unit_kind, line.modifiers) == ("00790", Decimal(81), "MJ", ["QX", "P2"])
    assert line.charge == Decimal("1200.00")


def test_charges_missing_from_the_charge_master_are_named(tmp_path: Path, coding_kb: Any) -> None:
    data = yaml.safe_load(yaml.safe_dump(PROFILE))
    del data["charges"]["96372"]
    with pytest.raises(InputError, match="no charge for 96372"):
        build_professional(
            coded("office-injection.json", coding_kb), load_profile(profile_file(tmp_path, data)),
            patient=PATIENT, payer="medicare", patient_control_number="X",
        )


def test_replacement_and_void_claims_need_the_original_claim_number(tmp_path: Path, coding_kb: Any) -> None:
    args: dict[str, Any] = {
        "patient": PATIENT, "payer": "medicare", "patient_control_number": "DEMO-8",
    }
    result = coded("office-injection.json", coding_kb)
    prof = load_profile(profile_file(tmp_path))
    with pytest.raises(InputError, match=r"frequency 7 claim \(replacement"):
        build_professional(result, prof, frequency="7", **args)
    claim = build_professional(result, prof, frequency="8", original_claim_id="2026123456789", **args)
    assert claim.frequency == "8" and claim.original_claim_id == "2026123456789"
    with pytest.raises(InputError, match="frequency must be one of 1, 7, 8"):
        build_professional(result, prof, frequency="5", **args)
    with pytest.raises(InputError, match="payer 'aetna' is not in the profile"):
        build_professional(result, prof, **{**args, "payer": "aetna"})


def test_a_claim_is_not_built_from_a_mentions_list(tmp_path: Path, coding_kb: Any) -> None:
    result = code(EXAMPLES / "office-injection.json", kb=coding_kb, mode="mentions")
    with pytest.raises(InputError, match="billing-mode result"):
        build_professional(result, load_profile(profile_file(tmp_path)), patient=PATIENT,
                           payer="medicare", patient_control_number="X")


def test_the_model_checks_pointers_units_charges_and_dates(tmp_path: Path, coding_kb: Any) -> None:
    claim = build_professional(
        coded("office-injection.json", coding_kb), load_profile(profile_file(tmp_path)),
        patient=PATIENT, payer="medicare", patient_control_number="DEMO-8",
    )
    line = claim.lines[0]
    for field_, value, words in (
        ("pointers", [len(claim.diagnoses) + 1], "do not point into"),
        ("pointers", [1, 2, 3, 1, 2], "at most 4 diagnosis pointers"),
        ("units", Decimal(0), "units must be positive"),
        ("charge", Decimal("-1"), "negative charge"),
        ("date_of_service", _dt.date(2026, 5, 13), "outside the claim's service dates"),
    ):
        saved = getattr(line, field_)
        setattr(line, field_, value)
        with pytest.raises(InputError, match=words) as err:
            claim.check()
        assert err.value.where == "claim.lines[1]"
        setattr(line, field_, saved)
    claim.check()  # restored: valid again

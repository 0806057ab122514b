"""A practice's billing profile and a patient, shared by the claim tests (invented data)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pytest

from medcoder.claims.build import build_professional
from medcoder.claims.model import Address, Person
from medcoder.claims.profile import Profile, parse_profile
from medcoder.claims.writers.x837p import write_837p
from medcoder.coding import code

PROFILE_DATA = {
    "practice": {
        "name": "Riverside Family Medicine", "npi": "1234567893", "tax_id": "12-3456789",
        "taxonomy": "207Q00000X",
        "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"},
    },
    "providers": {"lee": {"first_name": "Ann", "last_name": "Lee", "npi": "1245319599", "taxonomy": "207Q00000X"}},
    "payers": {"medicare": {"name": "Medicare Part B", "payer_id": "00952", "kind": "medicare"}},
    "charges": {"99213": 145, "96372": 40, "J1885": "9.50", "00790": 1200, "A0427": 650, "A0425": "12.25"},
}


@pytest.fixture
def profile() -> Profile:
    return parse_profile(PROFILE_DATA, "practice.yaml")


@pytest.fixture
def patient() -> Person:
    return Person("Doe", "John", _dt.date(1950, 3, 2), "M", member_id="1EG4TE5MK73",
                  address=Address("5 Oak Ave", "Springfield", "IL", "62704"))


@pytest.fixture
def examples() -> Path:
    return Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"


SUBMITTER = {"submitter_name": "Riverside Family Medicine", "submitter_id": "1234567893",
             "contact_name": "Billing Office", "contact_phone": "217-555-0100",
             "created": _dt.datetime(2026, 6, 12, 9, 30)}


@pytest.fixture
def written(tmp_path: Path, coding_kb: Any, profile: Any, patient: Any, examples: Path) -> Any:
    """Code an example, build its claim, write the 837P: (path, text)."""
    return lambda example, **kw: _written(tmp_path, example, coding_kb, profile, patient, examples, **kw)


def _written(tmp_path: Path, example: str, kb: Any, profile: Any, patient: Any, examples: Path,
             **kw: Any) -> tuple[Path, str]:
    claim = build_professional(code(examples / example, kb=kb), profile, patient=patient, payer="medicare",
                               patient_control_number="PCN-" + example[:6], rendering="lee", **kw)
    text = write_837p(claim, **SUBMITTER)
    path = tmp_path / (example + ".837")
    path.write_text(text, encoding="ascii")
    return path, text

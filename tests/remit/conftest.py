"""Shared fixtures for the remittance tests: the shared 835 samples, the five CARC/RARC code
lists imported into a knowledge base (``remit_lists``), an invented claim and the payer/payee
parties of generated remittances, and ``comparable`` to compare remittances without the
positions (segment numbers, source) that a rewrite changes."""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medcoder.claims.model import (
    Address,
    Claim,
    ClaimDiagnosis,
    Payer,
    Person,
    Provider,
    ServiceLine,
)
from medcoder.codesets.kb import KnowledgeBase
from medcoder.remit.model import Party, Remittance

CODE_LISTS = {
    "carc": "claim_adjustment_reason_codes.csv",
    "rarc": "remittance_advice_remark_codes.csv",
    "claim-adjustment-groups": "claim_adjustment_group_codes.csv",
    "claim-status": "claim_status_codes.csv",
    "plb-reasons": "provider_adjustment_reason_codes.csv",
}


@pytest.fixture
def remit_lists(shared_data: Path, kb: KnowledgeBase) -> KnowledgeBase:
    """A knowledge base with the CARC, RARC, group, claim status and PLB reason lists."""
    for kind, name in CODE_LISTS.items():
        kb.import_file(kind, shared_data / "carc_rarc" / name)
    return kb


@pytest.fixture
def samples_835(shared_data: Path) -> Path:
    return shared_data / "x12" / "835"


def comparable(obj: Any) -> Any:
    """A deep copy with the location fields (segment, source, warnings, envelope ids) cleared."""
    out = copy.deepcopy(obj)
    for r in out if isinstance(out, list) else [out]:
        if isinstance(r, Remittance):
            r.segment, r.source, r.warnings = 0, "", []
            r.interchange_control = r.sender = r.receiver = ""
            for c in r.claims:
                c.segment = 0
                for ln in c.lines:
                    ln.segment = 0
    return out


PAYER = Party(name="Example Health Plan", id_qualifier="XV", id="12345", address=["PO Box 100"],
              city="Springfield", state="IL", zip="62701",
              contact={"BL": "EDI Support", "BL.TE": "8005550100"}, references={"2U": "12345"})
PAYEE = Party(name="Riverside Family Medicine", id_qualifier="XX", id="1234567893", address=["1 Main St"],
              city="Springfield", state="IL", zip="62701", references={"TJ": "123456789"})


@pytest.fixture
def payer() -> Party:
    return copy.deepcopy(PAYER)


@pytest.fixture
def payee() -> Party:
    return copy.deepcopy(PAYEE)


def make_claim(pcn: str = "PCN-0001", charges: tuple[str, ...] = ("145", "40", "60"),
               codes: tuple[str, ...] = ("99213", "96372", "20610"), relationship: str = "18") -> Claim:
    """An invented professional claim (code numbers only)."""
    dos = _dt.date(2026, 5, 4)
    addr = Address("5 Oak Ave", "Springfield", "IL", "62704")
    sub = Person("Doe", "John", _dt.date(1950, 3, 2), "M", member_id="1EG4TE5MK73", address=addr)
    pat = sub if relationship == "18" else Person("Doe", "Jane", _dt.date(1980, 1, 1), "F", address=addr)
    lines = [ServiceLine(code=c, system="CPT", charge=Decimal(ch), units=Decimal(1), date_of_service=dos,
                         modifiers=["25"] if i == 0 and len(codes) > 1 else [], pointers=[1])
             for i, (c, ch) in enumerate(zip(codes, charges, strict=True))]
    return Claim(
        kind="professional", patient_control_number=pcn,
        billing=Provider(name="Riverside Family Medicine", npi="1234567893", tax_id="123456789",
                         tax_id_kind="EIN", address=Address("1 Main St", "Springfield", "IL", "62701")),
        payer=Payer(key="medicare", name="Medicare Part B", payer_id="00952", kind="medicare"),
        patient=pat, subscriber=sub, service_from=dos, service_to=dos, place_of_service="11",
        diagnoses=[ClaimDiagnosis("M17.11")], lines=lines,
        rendering=Provider(name="Lee", first_name="Ann", npi="1245319599", entity="person"),
        relationship=relationship,
    )


@pytest.fixture
def claim() -> Claim:
    return make_claim()


@pytest.fixture(name="make_claim")
def _make_claim_fixture() -> Callable[..., Claim]:
    """The factory of invented claims (``make_claim(pcn, charges, codes, relationship)``)."""
    return make_claim


@pytest.fixture(name="comparable")
def _comparable_fixture() -> Callable[[Any], Any]:
    """``comparable(remittance or list)``: a copy without segment numbers and sources."""
    return comparable

"""What an audit works on and what it finds.

Amounts are ``Decimal``; dates ``datetime.date``. An AuditClaim is what was billed (and, when
known, paid); a Finding is one thing the documentation does not support (or supports beyond
what was billed), with its evidence, its rule reference and the payment difference.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


@dataclass
class AuditLine:
    """One billed service line."""

    line: int  # 1-based, as billed
    code: str  # CPT / HCPCS
    modifiers: list[str] = field(default_factory=list)
    units: Decimal = Decimal("1")
    charge: Decimal | None = None
    paid: Decimal | None = None  # from the extract or the 835 (None: unknown)
    paid_source: str | None = None  # "extract" | "835 <file>:<segment>" | None
    date_of_service: _dt.date | None = None  # default: the claim's
    pointers: list[int] = field(default_factory=list)
    place_of_service: str | None = None


@dataclass
class AuditClaim:
    """One billed claim as the auditor received it."""

    claim_id: str  # the audit's key: documentation files are named after it
    patient_id: str
    provider_id: str  # rendering NPI (or the extract's provider column)
    date_of_service: _dt.date
    lines: list[AuditLine]
    diagnoses: list[str] = field(default_factory=list)  # ICD-10-CM as billed, first-listed first
    payer: str | None = None
    patient_name: str | None = None
    patient_birth_date: _dt.date | None = None
    patient_sex: str = "U"
    setting: str = "outpatient"
    place_of_service: str | None = None
    source: str = ""  # file:line or file:segment it came from
    claim: Any = None  # the medcoder Claim when read from an 837 / claim file

    @property
    def paid(self) -> Decimal | None:
        known = [ln.paid for ln in self.lines if ln.paid is not None]
        return sum(known, ZERO) if known else None


@dataclass
class Documentation:
    """The record for one claim: a text note, encounter JSON or FHIR Bundle, read into an
    ``Encounter`` by medcoder's readers."""

    claim_id: str
    path: str
    format: str  # text | encounter-json | fhir | hl7v2
    encounter: Any  # medcoder.encounter.Encounter


@dataclass
class Member:
    """Enrolment and death as the payer knows them (optional members file)."""

    patient_id: str
    enrolled_from: _dt.date | None = None
    enrolled_to: _dt.date | None = None
    date_of_death: _dt.date | None = None
    source: str = ""


@dataclass(frozen=True)
class Finding:
    """One audit finding on a claim (or one of its lines)."""

    claim_id: str
    line: int | None  # 1-based billed line; None = the claim
    category: str  # em-level | diagnosis-unsupported | diagnosis-missing | procedure-undocumented |
    # ncci-unbundled | mue-units | invalid-code | modifier-unsupported | duplicate-payment |
    # after-death | not-enrolled
    direction: str  # overpayment | underpayment | none (compliance only)
    billed: str  # what was billed, e.g. "99215" or "J1885 x 4"
    supported: str  # what the documentation supports, e.g. "99213", "J1885 x 2", "nothing"
    message: str  # plain words an auditor reads aloud
    evidence: tuple[str, ...] = ()  # excerpts of the documentation (or of the claim data)
    reference: str = ""  # the rule: guideline section, NCCI manual, CMS manual, CFR …
    amount: Decimal = ZERO  # payment difference: positive = overpaid, negative = underpaid
    amount_basis: str = ""  # how the amount was computed ("paid amount", "MPFS 2025 locality …")
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. the MDM worksheet


@dataclass
class ClaimReview:
    """The re-review of one claim."""

    claim_id: str
    status: str  # reviewed | not-reviewable
    reason: str | None = None  # why not reviewable (no documentation, unreadable …)
    findings: list[Finding] = field(default_factory=list)
    paid: Decimal | None = None
    overpayment: Decimal = ZERO
    underpayment: Decimal = ZERO
    coded: dict[str, Any] = field(default_factory=dict)  # what medcoder coded from the record

    @property
    def in_error(self) -> bool:
        return self.status == "reviewed" and any(f.direction != "none" for f in self.findings)

    @property
    def net(self) -> Decimal:
        return self.overpayment - self.underpayment

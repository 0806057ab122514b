"""One claim model for professional (837P, CMS-1500) and institutional (837I, UB-04) claims.

The model holds what the writers need and nothing format-specific: parties, dates, the
diagnosis list (with present-on-admission indicators for inpatient claims), service lines with
their pointers, and the claim frequency (1 original, 7 replacement, 8 void; 7 and 8 carry the
payer's claim number of the claim they replace: X12 CLM05-3 and REF*F8).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from medcoder.errors import InputError

Kind = Literal["professional", "institutional"]
FREQUENCIES = {"1": "original", "7": "replacement of prior claim", "8": "void/cancel of prior claim"}
MAX_DIAGNOSES = {"professional": 12, "institutional": 25}  # 837P HI: 12; 837I HI: principal + 24
MAX_POINTERS = 4  # 837P SV107: up to four diagnosis code pointers per line


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    zip: str
    line2: str | None = None


@dataclass(frozen=True)
class Provider:
    """Billing or rendering provider: an organisation or a person."""

    name: str
    npi: str
    taxonomy: str | None = None
    tax_id: str | None = None
    tax_id_kind: str | None = None  # EIN | SSN
    address: Address | None = None
    first_name: str | None = None  # a person: name is the last name
    entity: Literal["person", "organization"] = "organization"


@dataclass(frozen=True)
class Payer:
    key: str
    name: str
    payer_id: str
    kind: str = "commercial"  # medicare | medicaid | commercial | ...
    address: Address | None = None


@dataclass(frozen=True)
class Person:
    """Patient or subscriber."""

    last_name: str
    first_name: str
    birth_date: _dt.date | None = None
    sex: str = "U"
    member_id: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class ClaimDiagnosis:
    code: str  # ICD-10-CM with its dot, as medcoder reports it
    poa: str | None = None  # Y/N/U/W/1 on inpatient claims


@dataclass(frozen=True)
class PcsProcedure:
    """An ICD-10-PCS procedure on an inpatient claim (837I HI BBR principal / BBQ other,
    UB-04 FL74) with the date it was performed."""

    code: str
    date: _dt.date


@dataclass
class ServiceLine:
    code: str
    system: str  # CPT | HCPCS (professional lines); revenue code lines carry both
    charge: Decimal
    units: Decimal
    date_of_service: _dt.date
    modifiers: list[str] = field(default_factory=list)
    pointers: list[int] = field(default_factory=list)  # 1-based into Claim.diagnoses
    place_of_service: str | None = None
    revenue_code: str | None = None  # institutional lines
    unit_kind: str = "UN"  # UN units, MJ anesthesia minutes (837 SV103)
    label: str = ""
    source_line: int | None = None  # the procedures[] sequence it came from
    #: REF*6R line item control number (837 loop 2400) as read from an 837; the writers send it
    #: instead of the computed ``<CLM01>-<LX01>``, so a corrected claim keeps its lines' numbers
    control_number: str | None = None


@dataclass
class Claim:
    kind: Kind
    patient_control_number: str
    billing: Provider
    payer: Payer
    patient: Person
    subscriber: Person
    service_from: _dt.date
    service_to: _dt.date
    place_of_service: str
    diagnoses: list[ClaimDiagnosis]
    lines: list[ServiceLine]
    rendering: Provider | None = None
    frequency: str = "1"
    original_claim_id: str | None = None
    relationship: str = "18"  # patient's relationship to subscriber (18 = self)
    # institutional (837I, UB-04); service_from/service_to are the statement covers period (FL6)
    pcs_procedures: list[PcsProcedure] = field(default_factory=list)  # first = principal procedure
    type_of_bill: str | None = None  # FL4 / CLM05-1+05-3: facility type + frequency, e.g. "111"
    drg: str | None = None  # MS-DRG the hospital reports (837I HI DR)
    admission_date: _dt.date | None = None  # FL12 / DTP*435
    admission_hour: str | None = None  # HH (00-23)
    admission_type: str | None = None  # FL14 priority: 1 emergency, 2 urgent, 3 elective, 4 newborn, 5 trauma
    admission_source: str | None = None  # FL15 point of origin: 1 non-health-care point, 4 transfer from hospital ...
    discharge_status: str | None = None  # FL17 patient discharge status: 01 home, 03 SNF, 20 expired ...
    discharge_hour: str | None = None
    admitting_diagnosis: str | None = None  # FL69 / HI ABJ
    attending: Provider | None = None  # FL76 / loop 2310A
    operating: Provider | None = None  # FL77 / loop 2310B (837I)

    @property
    def principal_diagnosis(self) -> ClaimDiagnosis:
        return self.diagnoses[0]

    @property
    def length_of_stay(self) -> int | None:
        """Inpatient days: discharge minus admission (a same-day stay counts one day)."""
        if self.kind != "institutional" or self.admission_date is None:
            return None
        return max((self.service_to - self.admission_date).days, 1)

    @property
    def total_charge(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), Decimal(0))

    def check(self) -> None:
        """Structural rules every claim must meet before any writer or edit sees it; an
        InputError names the field."""
        if self.frequency not in FREQUENCIES:
            raise InputError(
                f"claim frequency must be one of {', '.join(FREQUENCIES)} "
                f"({'; '.join(f'{k} {v}' for k, v in FREQUENCIES.items())}), got {self.frequency!r}",
                where="claim.frequency",
            )
        if self.frequency in ("7", "8") and not self.original_claim_id:
            raise InputError(
                f"a frequency {self.frequency} claim ({FREQUENCIES[self.frequency]}) needs the payer's "
                "claim number of the claim it replaces (original_claim_id)",
                where="claim.original_claim_id",
            )
        if not self.diagnoses:
            raise InputError("a claim needs at least one diagnosis", where="claim.diagnoses")
        limit = MAX_DIAGNOSES[self.kind]
        if len(self.diagnoses) > limit:
            raise InputError(
                f"a {self.kind} claim carries at most {limit} diagnoses, got {len(self.diagnoses)}",
                where="claim.diagnoses",
            )
        if not self.lines:
            raise InputError("a claim needs at least one service line", where="claim.lines")
        for i, ln in enumerate(self.lines, start=1):
            where = f"claim.lines[{i}]"
            if ln.charge < 0:
                raise InputError(f"negative charge {ln.charge} for {ln.code}", where=where)
            if ln.units <= 0:
                raise InputError(f"units must be positive, got {ln.units} for {ln.code}", where=where)
            if self.kind == "professional" and len(ln.pointers) > MAX_POINTERS:
                raise InputError(f"at most {MAX_POINTERS} diagnosis pointers per line", where=where)
            bad = [p for p in ln.pointers if not 1 <= p <= len(self.diagnoses)]
            if bad:
                raise InputError(
                    f"diagnosis pointer(s) {bad} do not point into the {len(self.diagnoses)} diagnoses",
                    where=where,
                )
            if not self.service_from <= ln.date_of_service <= self.service_to:
                raise InputError(
                    f"line date {ln.date_of_service} is outside the claim's service dates "
                    f"{self.service_from} to {self.service_to}",
                    where=where,
                )

"""The remittance model: what an X12 835 says about a payment, claim by claim and line by line.

Amounts are ``Decimal``; dates ``datetime.date``. Every object records the 835 segment
number where it starts (``segment``, 1-based from ISA) so findings can point into the file.
Element references follow the 835 005010X221A1 implementation guide.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


@dataclass(frozen=True)
class Adjustment:
    """One CAS adjustment: group (CAS01), reason (CARC, CAS02/05/…), amount, quantity."""

    group: str  # CO contractual, PR patient responsibility, OA other, PI payer initiated, CR
    reason: str  # CARC
    amount: Decimal
    quantity: Decimal | None = None


@dataclass
class ServicePayment:
    """Loop 2110: one service line (SVC) as adjudicated."""

    code: str  # SVC01-2 adjudicated procedure code
    qualifier: str  # SVC01-1 HC (HCPCS/CPT), NU (revenue), AD (ADA), ER, WK …
    modifiers: list[str]
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str | None = None  # SVC04 (institutional)
    units_paid: Decimal | None = None  # SVC05
    submitted_code: str | None = None  # SVC06-2 when the payer changed the code
    submitted_qualifier: str | None = None
    submitted_modifiers: list[str] = field(default_factory=list)
    units_submitted: Decimal | None = None  # SVC07
    date_from: _dt.date | None = None  # DTM 472 / 150
    date_to: _dt.date | None = None  # DTM 151
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # LQ*HE RARCs
    line_control_number: str | None = None  # REF*6R: the 837's line item control number
    allowed: Decimal | None = None  # AMT*B6
    segment: int = 0

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass
class ClaimPayment:
    """Loop 2100: one claim (CLP) with its service lines."""

    patient_control_number: str  # CLP01 (the 837's CLM01)
    status: str  # CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 19-23 …, 22 reversal
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str | None  # CLP06
    payer_claim_id: str | None  # CLP07 (payer claim control number: the original for a frequency 7/8)
    facility_type: str | None = None  # CLP08
    frequency: str | None = None  # CLP09
    drg: str | None = None  # CLP11
    patient: dict[str, str] = field(default_factory=dict)  # NM1*QC: last, first, id
    insured: dict[str, str] = field(default_factory=dict)  # NM1*IL
    rendering: dict[str, str] = field(default_factory=dict)  # NM1*82: name, npi
    corrected_patient: dict[str, str] = field(default_factory=dict)  # NM1*74
    crossover_payer: dict[str, str] = field(default_factory=dict)  # NM1*TT
    service_from: _dt.date | None = None  # DTM 232 (or the lines' dates)
    service_to: _dt.date | None = None  # DTM 233
    received: _dt.date | None = None  # DTM 050
    adjustments: list[Adjustment] = field(default_factory=list)  # claim-level CAS
    remarks: list[str] = field(default_factory=list)  # MOA / MIA RARCs
    amounts: dict[str, Decimal] = field(default_factory=dict)  # AMT by qualifier (AU, DY, F5, …)
    references: dict[str, str] = field(default_factory=dict)  # REF by qualifier (1K, EA, F8 …)
    lines: list[ServicePayment] = field(default_factory=list)
    segment: int = 0

    @property
    def adjusted(self) -> Decimal:
        """Claim-level plus line-level adjustments."""
        return sum((a.amount for a in self.adjustments), ZERO) + sum((s.adjusted for s in self.lines), ZERO)

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def is_denied(self) -> bool:
        return self.status == "4"


@dataclass(frozen=True)
class ProviderAdjustment:
    """PLB: a provider-level adjustment (positive reduces the payment; negative adds to it)."""

    provider_id: str  # PLB01
    fiscal_period_end: _dt.date | None  # PLB02
    reason: str  # PLB03-1 (WO, L6, FB, 72 …)
    reference: str | None  # PLB03-2
    amount: Decimal


@dataclass
class Party:
    """N1 loop 1000A (payer, PR) or 1000B (payee, PE)."""

    name: str
    id_qualifier: str | None = None  # N103: XV, FI, XX (NPI), PI …
    id: str | None = None
    address: list[str] = field(default_factory=list)  # N3 lines
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    contact: dict[str, str] = field(default_factory=dict)  # PER: name and numbers
    references: dict[str, str] = field(default_factory=dict)  # REF by qualifier


@dataclass
class Remittance:
    """One 835 transaction (ST…SE): one payment (BPR/TRN) for many claims."""

    control_number: str  # ST02
    handling: str  # BPR01: C payment + advice, D payment only, H notification only, I remittance only, P pre-notification, U, X
    total_paid: Decimal  # BPR02
    credit_debit: str  # BPR03 C/D
    method: str  # BPR04: ACH, CHK, FWT, BOP, NON
    payment_date: _dt.date | None  # BPR16
    trace_number: str  # TRN02 (check or EFT trace number)
    trace_originator: str  # TRN03 (payer's identifier)
    payer: Party
    payee: Party
    production_date: _dt.date | None = None  # DTM*405
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    source: str = ""  # the file it came from
    interchange_control: str = ""  # ISA13
    sender: str = ""  # GS02
    receiver: str = ""  # GS03
    segment: int = 0
    warnings: list[str] = field(default_factory=list)  # balancing notes, unknown codes …

    @property
    def key(self) -> tuple[str, str]:
        """What identifies a payment: TRN02 trace number + TRN03 originator (the same TRN twice
        is a duplicate remittance)."""
        return (self.trace_number, self.trace_originator)

    @property
    def plb_total(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), ZERO)


@dataclass(frozen=True)
class Denial:
    """One denied or reduced claim or line, classified into a root-cause category
    (``medcoder.remit.denials``) with its evidence and the recommended action."""

    patient_control_number: str  # CLP01
    payer_claim_id: str | None  # CLP07
    line: int | None  # 1-based index into ClaimPayment.lines; None = claim level
    code: str | None  # the line's procedure code (None at claim level)
    category: str  # missing-info | coding-bundling | medical-necessity | modifier | authorization |
    # eligibility | timely-filing | duplicate | non-covered | contractual | other |
    # patient-responsibility (not a denial: only with classify(include_patient=True))
    category_label: str  # "Coding / bundling (NCCI)" …
    group: str  # CAS group of the deciding adjustment (CO, PR, OA, PI)
    carcs: tuple[str, ...]  # the CARCs that decided it (first = deciding one)
    rarcs: tuple[str, ...]  # remark codes on the line / claim
    amount: Decimal  # dollars not paid because of it (sum of the adjustments concerned)
    action: str  # corrected-claim | appeal | bill-secondary | bill-patient | write-off | review
    action_label: str  # plain words for the action
    fixable: bool  # a corrected claim or an appeal could recover the money
    reason: str  # plain explanation a biller can read
    reference: str  # where the mapping comes from (CARC wording, CMS manual …)
    denied: bool = True  # True: nothing paid for it; False: paid but reduced


def to_dict(obj: Any) -> Any:
    """Plain JSON-able structure (Decimals as strings, dates ISO)."""
    from dataclasses import fields, is_dataclass

    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if isinstance(obj, list):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj

"""What pricing a claim returns: per line amounts with the steps that produced them."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(x: Any) -> Any:
    """JSON-friendly: Decimals as exact strings, dates as ISO, containers recursively."""
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, _dt.date):
        return x.isoformat()
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    return x


@dataclass(frozen=True)
class LocalityChoice:
    """The Medicare payment locality used, how it was found and which setting named it."""

    mac: str
    locality: str
    name: str | None
    found_by: str  # "pricing.locality 13202-01", "billing.address.zip 62701" ...

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.locality}"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "mac": self.mac, "locality": self.locality, "name": self.name,
                "found_by": self.found_by}


@dataclass
class LinePrice:
    """One service line: the allowed amount (0 when not paid, with ``reason``) and how."""

    line: int  # 1-based, as on the claim
    code: str
    modifiers: list[str]
    units: Decimal
    date_of_service: _dt.date
    method: str  # medicare-pfs | medicare-anesthesia | contract | not-priced
    allowed: Decimal = Decimal("0.00")
    paid: bool = False
    unit_amount: Decimal | None = None  # per unit before same-day rules (pfs, contract)
    charge: Decimal = Decimal("0.00")
    reason: str | None = None
    status: str | None = None
    status_meaning: str | None = None
    global_days: str | None = None
    global_meaning: str | None = None
    setting: str | None = None  # facility | non-facility
    steps: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # the fee schedule's own result (payment.Allowed / AnesthesiaAllowed): its full breakdown is
    # built only when asked for (to_dict), pricing a batch does not pay for it
    breakdown: Any = None

    @property
    def detail(self) -> dict[str, Any]:
        d: dict[str, Any] = self.breakdown.as_dict() if self.breakdown is not None else {}
        return d

    @property
    def releases(self) -> dict[str, str]:
        r: dict[str, str] = getattr(self.breakdown, "releases", None) or {}
        return r

    def how(self) -> str:
        """One line for a table: the last formula step, or the reason it is not paid."""
        if not self.paid:
            return self.reason or "not paid"
        return self.steps[-1] if self.steps else self.method

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = plain({
            "line": self.line, "code": self.code, "modifiers": list(self.modifiers), "units": self.units,
            "date_of_service": self.date_of_service, "method": self.method, "allowed": self.allowed,
            "paid": self.paid, "unit_amount": self.unit_amount, "charge": self.charge, "reason": self.reason,
            "status": {"code": self.status, "meaning": self.status_meaning} if self.status else None,
            "global_days": {"code": self.global_days, "meaning": self.global_meaning} if self.global_days else None,
            "setting": self.setting, "steps": list(self.steps), "notices": list(self.notices),
        })
        detail = self.detail
        if detail:
            out["detail"] = plain(detail)
        return out


@dataclass
class DrgPrice:
    """An inpatient stay grouped to an MS-DRG and priced as weight x base rate."""

    grouper_version: int
    drg: str | None
    mdc: str | None = None
    title: str | None = None
    return_code: str = ""
    severity: str | None = None
    reported_drg: str | None = None
    weight: Decimal | None = None
    geometric_mean_los: Decimal | None = None
    arithmetic_mean_los: Decimal | None = None
    length_of_stay: int | None = None
    base_rate: Decimal | None = None
    full_payment: Decimal | None = None
    payment: Decimal | None = None
    weights_release: str | None = None
    steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return plain({
            "grouper_version": self.grouper_version, "drg": self.drg, "mdc": self.mdc, "title": self.title,
            "return_code": self.return_code, "severity": self.severity, "reported_drg": self.reported_drg,
            "weight": self.weight, "geometric_mean_los": self.geometric_mean_los,
            "arithmetic_mean_los": self.arithmetic_mean_los, "length_of_stay": self.length_of_stay,
            "base_rate": self.base_rate, "full_payment": self.full_payment, "payment": self.payment,
            "weights_release": self.weights_release, "steps": list(self.steps),
        })


@dataclass
class ClaimPrice:
    claim_id: str
    kind: str
    payer_key: str
    payer_kind: str
    method: str  # medicare-pfs | contract:<key> | medicare-ms-drg | ms-drg:<key> | not-priced
    lines: list[LinePrice] = field(default_factory=list)
    drg: DrgPrice | None = None
    locality: LocalityChoice | None = None
    total_charge: Decimal = Decimal("0.00")
    steps: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    releases: dict[str, str] = field(default_factory=dict)

    @property
    def total_allowed(self) -> Decimal:
        if self.drg is not None:
            return self.drg.payment if self.drg.payment is not None else Decimal("0.00")
        return cents(sum((ln.allowed for ln in self.lines), Decimal(0)))

    def to_dict(self) -> dict[str, Any]:
        return plain({
            "claim": self.claim_id, "kind": self.kind, "payer": {"key": self.payer_key, "kind": self.payer_kind},
            "method": self.method, "locality": self.locality.as_dict() if self.locality else None,
            "lines": [ln.to_dict() for ln in self.lines], "drg": self.drg.to_dict() if self.drg else None,
            "total_allowed": self.total_allowed, "total_charge": self.total_charge,
            "steps": list(self.steps), "notices": list(self.notices), "releases": dict(self.releases),
        })

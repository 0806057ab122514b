"""The billing profile's ``pricing`` section.

::

    pricing:
      locality: "13202-01"      # Medicare MAC-locality (or a GPCI locality name, MANHATTAN) ...
      zip: "10001"              # ... or a ZIP code; neither: the billing provider's ZIP
      apm: false                # qualifying APM participant (CY2026+ conversion factor)
      base_rate: 6500.00        # the hospital's MS-DRG base rate (wage-adjusted operating + capital)
      contracts:                # commercial fee schedules, by payer key
        acme:
          file: fees/acme.csv   # code,modifier,allowed,percent_of_medicare (relative to the profile)
          base_rate: 9100.00    # optional: the payer's inpatient base rate (MS-DRG weight x rate)

Every error names the field (``pricing.contracts.acme.file``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medcoder.errors import InputError

KEYS = ("locality", "zip", "apm", "base_rate", "contracts")
CONTRACT_KEYS = ("file", "base_rate")


@dataclass(frozen=True)
class ContractRef:
    payer_key: str
    file: Path
    base_rate: Decimal | None = None
    where: str = ""


@dataclass(frozen=True)
class PricingConfig:
    locality: str | None = None
    zip: str | None = None
    locality_where: str = "pricing.locality"
    zip_where: str = "pricing.zip"
    apm: bool = False
    base_rate: Decimal | None = None
    contracts: dict[str, ContractRef] = field(default_factory=dict)


def _amount(value: Any, where: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(f"expected an amount, got {value!r}", where=where) from None
    if not d.is_finite() or d <= 0:
        raise InputError(f"expected a positive amount, got {value!r}", where=where)
    return d


def parse_pricing(
    pricing: dict[str, Any] | None,
    *,
    base_dir: Path | None = None,
    locality: str | None = None,
    zip_code: str | None = None,
) -> PricingConfig:
    """Read the ``pricing`` section; ``locality``/``zip_code`` (the command line's
    ``--locality``/``--zip``) replace the profile's."""
    raw = pricing or {}
    if not isinstance(raw, dict):
        raise InputError("expected a mapping (locality, zip, base_rate, contracts)", where="pricing")
    unknown = sorted(set(map(str, raw)) - set(KEYS))
    if unknown:
        raise InputError(f"unknown setting; pricing has {', '.join(KEYS)}", where=f"pricing.{unknown[0]}")
    loc = str(raw["locality"]).strip() if raw.get("locality") not in (None, "") else None
    zp = str(raw["zip"]).strip() if raw.get("zip") not in (None, "") else None
    if loc and zp:
        raise InputError("give locality or zip, not both", where="pricing.zip")
    loc_where, zip_where = "pricing.locality", "pricing.zip"
    if locality is not None:
        loc, zp, loc_where = locality.strip(), None, "--locality"
    elif zip_code is not None:
        loc, zp, zip_where = None, zip_code.strip(), "--zip"
    apm = raw.get("apm", False)
    if not isinstance(apm, bool):
        raise InputError(f"expected true or false, got {apm!r}", where="pricing.apm")
    base_rate = _amount(raw["base_rate"], "pricing.base_rate") if raw.get("base_rate") is not None else None
    contracts: dict[str, ContractRef] = {}
    raw_c = raw.get("contracts") or {}
    if not isinstance(raw_c, dict):
        raise InputError("expected a mapping of payer key -> {file: ...}", where="pricing.contracts")
    root = base_dir or Path.cwd()
    for key, spec in raw_c.items():
        where = f"pricing.contracts.{key}"
        if isinstance(spec, str):
            spec = {"file": spec}
        if not isinstance(spec, dict):
            raise InputError("expected a mapping with file: (the contract fee schedule CSV)", where=where)
        bad = sorted(set(map(str, spec)) - set(CONTRACT_KEYS))
        if bad:
            raise InputError(f"unknown setting; a contract has {', '.join(CONTRACT_KEYS)}", where=f"{where}.{bad[0]}")
        if not spec.get("file"):
            raise InputError("required, missing (the contract fee schedule CSV)", where=f"{where}.file")
        f = Path(str(spec["file"])).expanduser()
        contracts[str(key)] = ContractRef(
            payer_key=str(key),
            file=f if f.is_absolute() else root / f,
            base_rate=_amount(spec["base_rate"], f"{where}.base_rate") if spec.get("base_rate") is not None else None,
            where=f"{where}.file",
        )
    return PricingConfig(loc, zp, loc_where, zip_where, apm, base_rate, contracts)

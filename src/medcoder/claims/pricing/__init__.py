"""Price a claim: what the payer is expected to allow, line by line, with every step shown.

    from medcoder.claims.pricing import price_claim
    priced = price_claim(claim, kb, pricing=profile.sections.get("pricing"))
    priced.total_allowed, [ln.allowed for ln in priced.lines], priced.to_dict()

Which rules apply:

- **professional claim, Medicare payer** (``payer.kind: medicare``): the physician fee schedule
  (:mod:`.professional`): locality from ``pricing.locality`` / ``pricing.zip`` / the billing
  provider's ZIP; facility or non-facility PE by place of service; 26/TC rows; modifier 50
  bilateral; status codes (B/P bundled, N/I/X ... not paid: amount 0 with the reason; T paid
  only alone); multiple procedure reduction across the lines of a date; units multiply.
  Anesthesia lines (``MJ`` minutes) by base + time units x the anesthesia CF
  (:mod:`.anesthesia`, base units from kind ``anes-base-units``).
- **professional claim, other payer** with ``pricing.contracts.<payer key>``: the contract's
  CSV (:mod:`.contract`); without a contract, Medicare's amounts are shown as a reference,
  with a notice.
- **institutional inpatient claim** (type of bill 11x): MS-DRG grouping and weight x base
  rate (:mod:`.inpatient`). Outpatient institutional claims are not priced (a notice says so).

The ``pricing`` section (see :mod:`.config`)::

    pricing:
      locality: "13202-01"        # or zip: "10001"; default: the billing provider's ZIP
      base_rate: 6500.00          # hospital MS-DRG base rate
      contracts: {acme: {file: fees/acme.csv}}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medcoder.claims.model import Claim
from medcoder.claims.pricing.config import PricingConfig, parse_pricing
from medcoder.claims.pricing.model import ClaimPrice, DrgPrice, LinePrice, LocalityChoice, cents
from medcoder.codesets.kb import KnowledgeBase

__all__ = ["ClaimPrice", "DrgPrice", "LinePrice", "LocalityChoice", "PricingConfig", "parse_pricing", "price_claim"]


def price_claim(
    claim: Claim,
    kb: KnowledgeBase,
    *,
    pricing: dict[str, Any] | None = None,
    payer_key: str | None = None,
    base_dir: Path | None = None,
    locality: str | None = None,
    zip_code: str | None = None,
) -> ClaimPrice:
    """Price ``claim``. ``pricing`` is the billing profile's ``pricing`` section;
    ``payer_key`` picks the contract (default: the claim's payer key); ``base_dir`` is where
    contract file paths are relative to (the profile's folder; default: the current folder);
    ``locality``/``zip_code`` replace the profile's (the command line's --locality/--zip)."""
    with kb.steady():
        return _price_claim(claim, kb, pricing=pricing, payer_key=payer_key, base_dir=base_dir,
                            locality=locality, zip_code=zip_code)


def _price_claim(
    claim: Claim,
    kb: KnowledgeBase,
    *,
    pricing: dict[str, Any] | None,
    payer_key: str | None,
    base_dir: Path | None,
    locality: str | None,
    zip_code: str | None,
) -> ClaimPrice:
    from medcoder.claims.pricing.contract import load_contract, price_contract_lines
    from medcoder.claims.pricing.inpatient import is_inpatient, price_inpatient
    from medcoder.claims.pricing.professional import price_medicare_lines, resolve_locality

    cfg = parse_pricing(pricing, base_dir=base_dir, locality=locality, zip_code=zip_code)
    key = payer_key or claim.payer.key
    kind = claim.payer.kind.lower()
    contract_ref = cfg.contracts.get(key) if kind != "medicare" else None
    out = ClaimPrice(
        claim_id=claim.patient_control_number, kind=claim.kind, payer_key=key, payer_kind=kind,
        method="not-priced", total_charge=cents(claim.total_charge),
    )
    if claim.kind == "institutional":
        if not is_inpatient(claim):
            out.notices.append(
                f"type of bill {claim.type_of_bill}: only inpatient claims (11x) are priced (MS-DRG); outpatient "
                "hospital claims (OPPS/APC) are not"
            )
            return out
        rate, where = cfg.base_rate, "pricing.base_rate"
        if contract_ref is not None and contract_ref.base_rate is not None:
            rate, where = contract_ref.base_rate, f"pricing.contracts.{key}.base_rate"
        out.method = "medicare-ms-drg" if kind == "medicare" else f"ms-drg:{key}"
        if kind != "medicare" and rate is cfg.base_rate:
            out.notices.append(f"payer {key} has no contract base rate: priced with pricing.base_rate")
        price_inpatient(claim, kb, rate, where, out)
        return out

    def medicare() -> list[LinePrice]:
        if out.locality is None:
            out.locality = resolve_locality(kb, claim, cfg, out.notices)
            out.steps.append(f"Medicare locality {out.locality.key} {out.locality.name or ''} "
                             f"(from {out.locality.found_by})")
        return price_medicare_lines(kb, claim, out.locality, cfg, out.notices)

    if contract_ref is not None:
        contract = load_contract(contract_ref)
        out.method = f"contract:{key}"
        out.steps.append(f"payer {key} ({kind}): contract fee schedule {contract.path.name}")
        out.lines = price_contract_lines(claim, contract, medicare, out.notices)
    else:
        if kind != "medicare":
            out.notices.append(
                f"payer {key} is {kind} and has no contract in pricing.contracts: the amounts are Medicare's "
                "physician fee schedule, shown as a reference"
            )
        out.method = "medicare-pfs"
        out.lines = medicare()
    for ln in out.lines:
        for t, r in ln.releases.items():
            out.releases.setdefault(t, r)
    return out

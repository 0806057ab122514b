"""The payment difference of each finding, and no dollar counted twice.

- A line the record does not support at all (not documented, invalid code, duplicate, after
  death, unbundled column 2 code …): the overpayment is the line's paid amount when known
  (CMS Program Integrity Manual, Pub. 100-08, Ch. 3: an overpayment is the amount paid for a
  service not supported); unknown paid amount: the Medicare physician fee schedule amount x
  units when the fee schedule is loaded; else not quantified (amount 0, why in ``amount_basis``).
- Part of the units not supported: the paid amount x (units not supported / units billed);
  paid unknown: the fee schedule amount x the units not supported.
- An E/M level other than the record supports: paid x (1 - fee(supported) / fee(billed)) with
  both fee schedule amounts (MPFS, CMS RVU README payment formula); paid unknown: the fee
  difference; else not quantified. A lower level billed than supported gives a negative amount
  (an underpayment), as does a documented service that was not billed (fee x units).
- One line, several findings: only the largest amount is counted; the others keep amount 0 and
  say in ``amount_basis`` which finding counted the line (``settle``).

Fee schedule amounts come from ``medicare_allowed`` (``codesets/pfs/payment.py``) for the
locality or ZIP code chosen, asked once per code, modifier and date.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from medcoder.audit.model import ZERO, AuditLine, Finding
from medcoder.errors import MedcoderError

CENT = Decimal("0.01")
NOT_QUANTIFIED = "not quantified"
COMPLIANCE = "compliance finding: no payment difference"


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PricingChoice:
    """Where the fee schedule amounts are computed: a locality (``"13202-01"`` or a name) or a
    ZIP code; ``facility`` for the facility PE RVUs (POS 21, 22, 23 …)."""

    locality: str | None = None
    zip_code: str | None = None
    facility: bool = False

    @property
    def given(self) -> bool:
        return self.locality is not None or self.zip_code is not None


FACILITY_POS = frozenset({"19", "21", "22", "23", "24", "26", "31", "34", "51", "52", "56", "61"})


class Fees:
    """Medicare physician fee schedule amounts for the audit, cached per (code, modifier, date,
    facility)."""

    def __init__(self, kb: Any, pricing: PricingChoice | None = None) -> None:
        self.kb = kb
        self.pricing = pricing or PricingChoice()
        self._cache: dict[tuple[str, str | None, _dt.date, bool], tuple[Decimal | None, str]] = {}

    def fee(self, code: str, dos: _dt.date, *, modifiers: Sequence[str] = (),
            pos: str | None = None) -> tuple[Decimal | None, str]:
        """(fee schedule amount or None, how it was found or why there is none)."""
        if not self.pricing.given:
            return None, "no locality or ZIP code was given for the fee schedule"
        mod = next((m for m in modifiers if m in ("26", "TC", "50", "62", "80", "81", "82", "AS")), None)
        facility = self.pricing.facility or (pos in FACILITY_POS if pos else False)
        key = (code, mod, dos, facility)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._lookup(code, dos, mod, facility)
        return hit

    def _lookup(self, code: str, dos: _dt.date, mod: str | None, facility: bool) -> tuple[Decimal | None, str]:
        from medcoder.codesets.pfs.payment import medicare_allowed

        try:
            a = medicare_allowed(self.kb, code, dos, locality=self.pricing.locality,
                                 zip_code=self.pricing.zip_code, modifier=mod, facility=facility)
        except MedcoderError as exc:
            return None, f"no fee schedule amount for {code}: {exc.message}"
        if a.amount is None:
            return None, f"no fee schedule amount for {code}: {a.reason}"
        where = a.locality.key if a.locality else "?"
        rel = a.releases.get("pfs-rvu", "")
        return a.amount, f"MPFS {rel or a.year} locality {where}{' facility' if facility else ''}"


def whole_line(ln: AuditLine, dos: _dt.date, fees: Fees | None) -> tuple[Decimal, str]:
    """A line not supported at all: (overpayment, basis)."""
    if ln.paid is not None:
        return cents(ln.paid), f"paid amount ({ln.paid_source or 'extract'})"
    if fees is not None:
        f, how = fees.fee(ln.code, dos, modifiers=ln.modifiers, pos=ln.place_of_service)
        if f is not None:
            return cents(f * ln.units), f"paid amount unknown: fee schedule amount x {ln.units.normalize():f} ({how})"
        return ZERO, f"{NOT_QUANTIFIED}: paid amount unknown; {how}"
    return ZERO, f"{NOT_QUANTIFIED}: paid amount unknown and no fee schedule"


def part_of_line(ln: AuditLine, unsupported_units: Decimal, dos: _dt.date, fees: Fees | None) -> tuple[Decimal, str]:
    """Units of a line not supported: (overpayment, basis)."""
    if ln.units <= 0 or unsupported_units <= 0:
        return ZERO, COMPLIANCE
    share = min(unsupported_units, ln.units)
    if ln.paid is not None:
        return (cents(ln.paid * share / ln.units),
                f"paid amount x {share.normalize():f}/{ln.units.normalize():f} units not supported")
    if fees is not None:
        f, how = fees.fee(ln.code, dos, modifiers=ln.modifiers, pos=ln.place_of_service)
        if f is not None:
            return cents(f * share), f"paid amount unknown: fee schedule amount x {share.normalize():f} units ({how})"
        return ZERO, f"{NOT_QUANTIFIED}: paid amount unknown; {how}"
    return ZERO, f"{NOT_QUANTIFIED}: paid amount unknown and no fee schedule"


def level_difference(ln: AuditLine, supported: str, dos: _dt.date, fees: Fees | None) -> tuple[Decimal, str]:
    """An E/M level billed ``ln.code`` where the record supports ``supported``: positive when
    overpaid, negative when underpaid."""
    if fees is None:
        return ZERO, f"{NOT_QUANTIFIED}: no fee schedule"
    fb, how_b = fees.fee(ln.code, dos, modifiers=ln.modifiers, pos=ln.place_of_service)
    fs, how_s = fees.fee(supported, dos, modifiers=ln.modifiers, pos=ln.place_of_service)
    if fb is None or fs is None or fb == 0:
        why = how_b if fb is None else how_s
        return ZERO, f"{NOT_QUANTIFIED}: {why}"
    if ln.paid is not None:
        amount = cents(ln.paid * (1 - fs / fb))
        return amount, (f"paid {ln.paid} x (1 - {fs} / {fb}) (fee schedule {supported} / {ln.code}; {how_b})")
    return cents((fb - fs) * ln.units), f"paid amount unknown: fee difference {fb} - {fs} ({how_b})"


def unbilled(code: str, units: Decimal, dos: _dt.date, fees: Fees | None, *,
             modifiers: Sequence[str] = (), pos: str | None = None) -> tuple[Decimal, str]:
    """A documented service that was not billed: the negative fee schedule amount (a lead)."""
    if fees is None:
        return ZERO, f"{NOT_QUANTIFIED}: no fee schedule"
    f, how = fees.fee(code, dos, modifiers=modifiers, pos=pos)
    if f is None:
        return ZERO, f"{NOT_QUANTIFIED}: {how}"
    return -cents(f * units), f"fee schedule amount x {units.normalize():f} not billed ({how})"


#: equal amounts on one line: the more specific reason counts (a claim-data rule before the
#: record's silence)
PRIORITY = ("after-death", "not-enrolled", "invalid-code", "duplicate-payment", "ncci-unbundled",
            "modifier-unsupported", "mue-units", "em-level", "procedure-undocumented")


def _rank(f: Finding) -> tuple[Decimal, int]:
    pos = PRIORITY.index(f.category) if f.category in PRIORITY else len(PRIORITY)
    return f.amount, -pos


def settle(findings: Iterable[Finding]) -> list[Finding]:
    """Count each line's dollars once: of the overpayments on one line the largest keeps its
    amount (equal amounts: the first category of ``PRIORITY``), the others are set to 0 with a
    note naming the one that counted."""
    out = list(findings)
    best: dict[int, int] = {}
    for i, f in enumerate(out):
        if f.line is None or f.direction != "overpayment" or f.amount <= 0:
            continue
        j = best.get(f.line)
        if j is None or _rank(f) > _rank(out[j]):
            best[f.line] = i
    for i, f in enumerate(out):
        if f.line is None or f.direction != "overpayment" or f.amount <= 0:
            continue
        j = best[f.line]
        if j != i:
            kept = out[j]
            out[i] = replace(
                f, amount=ZERO,
                amount_basis=(f"{f.amount} not counted again: line {f.line} is counted in the "
                              f"{kept.category} finding ({kept.amount}, the larger); {f.amount_basis}"),
                detail={**f.detail, "not_counted": str(f.amount), "counted_in": kept.category},
            )
    return out


def totals(findings: Iterable[Finding]) -> tuple[Decimal, Decimal]:
    """(overpayment, underpayment), both positive."""
    over = under = ZERO
    for f in findings:
        if f.amount > 0:
            over += f.amount
        elif f.amount < 0:
            under -= f.amount
    return over, under

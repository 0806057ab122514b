"""Balancing of an 835, per the 005010X221A1 TR3 section 1.10.2 (Balancing: service line,
claim and transaction balancing).

Three rules, each checked with exact Decimal arithmetic:

- service line: SVC02 charge − Σ line CAS amounts = SVC03 paid;
- claim: CLP03 charge − Σ claim-level CAS − Σ line-level CAS = CLP04 paid;
- transaction: BPR02 total = Σ CLP04 − Σ PLB amounts (a positive PLB amount
  reduces the payment, a negative one adds to it).

Adjustment amounts carry their sign: a negative CAS amount increases the payment, and a
reversal (CLP02 = 22) carries the negatives of the original claim's charge, payment and
adjustments, so the same equations hold for it. A line read with an empty SVC02/SVC03 (a
broken file) is read as 0 and checked like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from medcoder.remit.model import ZERO, Remittance

Level = Literal["line", "claim", "transaction"]


@dataclass(frozen=True)
class BalanceProblem:
    level: Level
    where: str  # "claim 7722337 (segment 14) line 2 (segment 23)" …
    expected: Decimal  # what the rule computes
    found: Decimal  # what the file says
    message: str

    @property
    def difference(self) -> Decimal:
        return self.found - self.expected


def check_balance(rem: Remittance) -> list[BalanceProblem]:
    """Every balancing rule the remittance breaks (empty when it balances)."""
    problems: list[BalanceProblem] = []
    src = f"{rem.source}: " if rem.source else ""
    for c in rem.claims:
        cw = f"{src}claim {c.patient_control_number} (segment {c.segment})"
        for n, ln in enumerate(c.lines, start=1):
            expected = ln.charge - ln.adjusted
            if expected != ln.paid:
                problems.append(BalanceProblem(
                    "line", f"{cw} line {n} {ln.code} (segment {ln.segment})", expected, ln.paid,
                    f"line paid SVC03 {ln.paid} ≠ charge SVC02 {ln.charge} − line adjustments "
                    f"{ln.adjusted} = {expected}"))
        claim_cas = sum((a.amount for a in c.adjustments), ZERO)
        expected = c.charge - c.adjusted
        if expected != c.paid:
            problems.append(BalanceProblem(
                "claim", cw, expected, c.paid,
                f"claim paid CLP04 {c.paid} ≠ charge CLP03 {c.charge} − claim adjustments {claim_cas} "
                f"− line adjustments {c.adjusted - claim_cas} = {expected}"))
    paid = sum((c.paid for c in rem.claims), ZERO)
    expected = paid - rem.plb_total
    if expected != rem.total_paid:
        problems.append(BalanceProblem(
            "transaction", f"{src}transaction {rem.control_number} (segment {rem.segment})", expected,
            rem.total_paid,
            f"BPR02 {rem.total_paid} ≠ claims paid {paid} − provider adjustments {rem.plb_total} "
            f"= {expected}"))
    return problems

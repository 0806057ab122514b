"""Remittances for medcoder's own claims: what a payer's 835 would say for a claim that was paid,
partly denied, denied or reversed. Used for tests, demos and round trips.

    pay = adjudicate(claim, "paid", allowed={1: Decimal("92.14")}, coinsurance=Decimal("18.43"))
    rem = remittance_for([pay], payer=payer, payee=payee, trace="EFT0001", paid_on=date(2026, 7, 1))

Adjudication follows the 005010X221A1 conventions for each outcome:

Each line returns the line item control number the 837P or 837I writer sent (REF*6R,
:func:`medcoder.claims.writers.x837p.line_control_number`: the line's stored number, else
``<CLM01>-<LX01>``), as a payer does when the claim carried one. An institutional line with a
revenue code and no procedure code is returned as SVC01 ``NU:<revenue code>`` (835 TR3 loop 2110:
NU when no HCPCS was billed; SVC04 is then not sent).

- ``paid`` (CLP02 1, or ``status`` 2/3 for secondary/tertiary): each line's charge above the
  allowed amount is CO-45 (charge exceeds fee schedule); deductible PR-1, coinsurance PR-2
  and copay PR-3 come off the allowed amount, line by line in order; AMT*B6 carries the allowed
  amount, CLP05 the patient responsibility.
- ``partial``: the lines in ``denied_lines`` (1-based → (CARC, RARC)) are adjusted CO to zero,
  by default the last line as CO-97 (included in another service) with remark M15; CO-4
  (modifier inconsistent) is the other usual one; the rest is paid as above.
- ``denied`` (CLP02 4): every line adjusted CO to zero, by default CO-16 (lacks information)
  with the claim remark MA130 (MOA); CO-50 (medical necessity) is the other usual one.
- ``reversed`` (CLP02 22): the negatives of ``previous`` (charge, payment, patient
  responsibility and every adjustment), as the TR3's reversal and correction rules prescribe
  for taking back a payment (the corrected payment, if any, follows as a new claim).

Every generated claim balances (``medcoder.remit.balance``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Literal

from medcoder.claims.model import Claim
from medcoder.claims.writers.x837p import line_control_number
from medcoder.errors import InputError
from medcoder.remit.model import (
    ZERO,
    Adjustment,
    ClaimPayment,
    Party,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)

Outcome = Literal["paid", "partial", "denied", "reversed"]
#: CLP06 claim filing indicator by medcoder payer kind (12 = PPO for the others)
FILING = {"medicare": "MB", "medicaid": "MC", "tricare": "CH"}


def _person(last: str, first: str, id_qualifier: str | None, ident: str | None) -> dict[str, str]:
    d = {"entity": "1", "last": last.upper(), "first": first.upper()}
    if id_qualifier and ident:
        d.update(id_qualifier=id_qualifier, id=ident)
    return d


def _negate(c: ClaimPayment) -> ClaimPayment:
    def adj(a: Adjustment) -> Adjustment:
        return replace(a, amount=-a.amount)

    lines = [replace(ln, charge=-ln.charge, paid=-ln.paid, adjustments=[adj(a) for a in ln.adjustments],
                     allowed=-ln.allowed if ln.allowed is not None else None,
                     modifiers=list(ln.modifiers), remarks=list(ln.remarks),
                     submitted_modifiers=list(ln.submitted_modifiers), segment=0)
             for ln in c.lines]
    return replace(c, status="22", charge=-c.charge, paid=-c.paid,
                   patient_responsibility=-c.patient_responsibility if c.patient_responsibility is not None else None,
                   adjustments=[adj(a) for a in c.adjustments], lines=lines, remarks=list(c.remarks),
                   patient=dict(c.patient), insured=dict(c.insured), rendering=dict(c.rendering),
                   corrected_patient=dict(c.corrected_patient), crossover_payer=dict(c.crossover_payer),
                   amounts={k: -v for k, v in c.amounts.items()}, references=dict(c.references), segment=0)


def adjudicate(
    claim: Claim,
    outcome: Outcome,
    *,
    allowed: dict[int, Decimal] | None = None,
    deductible: Decimal = ZERO,
    coinsurance: Decimal = ZERO,
    copay: Decimal = ZERO,
    denied_lines: dict[int, tuple[str, str | None]] | None = None,
    denial: tuple[str, str | None] = ("16", "MA130"),
    previous: ClaimPayment | None = None,
    payer_claim_id: str | None = None,
    status: str = "1",
    received: _dt.date | None = None,
) -> ClaimPayment:
    """The payment of ``claim`` for ``outcome``. ``allowed`` maps 1-based line numbers to the
    allowed amount (default: the charge); ``deductible``/``coinsurance``/``copay`` are the
    patient's shares (PR-1/2/3) of the allowed amounts; ``denied_lines`` and ``denial`` give
    the CARC and RARC of the denied lines (partial) or claim (denied); ``previous`` is the
    payment a reversal takes back."""
    if outcome == "reversed":
        if previous is None:
            raise InputError("a reversal needs the previous payment it takes back", where="previous")
        if previous.patient_control_number != claim.patient_control_number:
            raise InputError("the previous payment is for another claim", where="previous")
        return _negate(previous)
    if outcome not in ("paid", "partial", "denied"):
        raise InputError(f"outcome {outcome!r}: expected paid, partial, denied or reversed", where="outcome")
    if not claim.lines:
        raise InputError("the claim has no service lines", where="claim.lines")
    allowed = allowed or {}
    if outcome == "partial":
        denied_lines = denied_lines or {len(claim.lines): ("97", "M15")}
        if len(denied_lines) >= len(claim.lines):
            raise InputError("a partial payment pays at least one line; deny the claim instead",
                             where="denied_lines")
    else:
        denied_lines = {}
    bad = [n for n in [*allowed, *denied_lines] if not 1 <= n <= len(claim.lines)]
    if bad:
        raise InputError(f"line numbers {bad} are not lines of the claim (1-{len(claim.lines)})",
                         where="allowed")
    shares = {"1": deductible, "2": coinsurance, "3": copay}  # PR-1/2/3 still to apply
    lines: list[ServicePayment] = []
    claim_remarks: list[str] = []
    for n, ln in enumerate(claim.lines, start=1):
        revenue_only = not ln.code and bool(ln.revenue_code)  # SVC01 NU:<revenue code>, no SVC04
        sp = ServicePayment(
            code=ln.revenue_code or "" if revenue_only else ln.code, qualifier="NU" if revenue_only else "HC",
            modifiers=list(ln.modifiers), charge=ln.charge, paid=ZERO,
            revenue_code=None if revenue_only else ln.revenue_code, units_paid=ln.units, date_from=ln.date_of_service,
            line_control_number=line_control_number(claim, n),
        )
        lines.append(sp)
        if outcome == "denied" or n in denied_lines:
            carc, rarc = denial if outcome == "denied" else denied_lines[n]
            sp.adjustments.append(Adjustment("CO", carc, ln.charge))
            if rarc and outcome == "partial":
                sp.remarks.append(rarc)
            elif rarc and rarc not in claim_remarks:
                claim_remarks.append(rarc)
            continue
        a = allowed.get(n, ln.charge)
        if not ZERO <= a <= ln.charge:
            raise InputError(f"line {n}: allowed {a} must be between 0 and the charge {ln.charge}",
                             where=f"allowed[{n}]")
        sp.allowed = a
        if ln.charge > a:
            sp.adjustments.append(Adjustment("CO", "45", ln.charge - a))
        left = a
        for carc, owed in shares.items():
            take = min(owed, left)
            if take > 0:
                sp.adjustments.append(Adjustment("PR", carc, take))
                shares[carc] = owed - take
                left -= take
        sp.paid = left
    if any(v > 0 for v in shares.values()):
        raise InputError("the patient's shares exceed the allowed amounts of the paid lines",
                         where="deductible/coinsurance/copay")
    pr = sum((a.amount for s in lines for a in s.adjustments if a.group == "PR"), ZERO)
    patient = claim.patient
    member = claim.subscriber.member_id if claim.relationship == "18" else patient.member_id
    pay = ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status="4" if outcome == "denied" else status,
        charge=claim.total_charge, paid=sum((s.paid for s in lines), ZERO),
        patient_responsibility=pr if pr else None,
        filing_indicator=FILING.get(claim.payer.kind, "12"),
        payer_claim_id=payer_claim_id or "".join(c for c in f"ICN{claim.patient_control_number}" if c.isalnum())[:50],
        facility_type=(claim.type_of_bill or "")[:2] or claim.place_of_service or None,
        frequency=claim.frequency,
        patient=_person(patient.last_name, patient.first_name, "MI" if member else None, member),
        received=received, remarks=claim_remarks, lines=lines,
    )
    if claim.relationship != "18":
        sub = claim.subscriber
        pay.insured = _person(sub.last_name, sub.first_name, "MI", sub.member_id)
    r = claim.rendering
    if r is not None:
        pay.rendering = {"entity": "1" if r.entity == "person" else "2", "last": r.name.upper(),
                         **({"first": r.first_name.upper()} if r.first_name else {}),
                         "id_qualifier": "XX", "id": r.npi, "npi": r.npi}
    return pay


def remittance_for(
    payments: Sequence[ClaimPayment],
    *,
    payer: Party,
    payee: Party,
    trace: str,
    plb: Sequence[ProviderAdjustment] = (),
    paid_on: _dt.date,
    originator: str | None = None,
    method: str = "CHK",
    control_number: str = "0001",
) -> Remittance:
    """One 835 transaction paying ``payments``: BPR02 = Σ CLP04 − Σ PLB amounts (TR3 1.10.2
    transaction balancing). Nothing to pay gives BPR01 H (notification only) with method NON.
    ``originator`` is TRN03 (default: 1 followed by the payer's id digits, as the TR3's "1" +
    EIN convention)."""
    total = sum((p.paid for p in payments), ZERO) - sum((a.amount for a in plb), ZERO)
    if total < 0:
        raise InputError(f"the payments net to {total}: an 835 pays a non-negative amount; carry the "
                         "balance with a PLB (e.g. WO overpayment recovery)", where="plb")
    digits = "".join(c for c in (payer.id or "") if c.isdigit())
    orig = originator or ("1" + digits.rjust(9, "0"))[:10]
    return Remittance(
        control_number=control_number, handling="I" if total else "H", total_paid=total,
        credit_debit="C", method=method if total else "NON", payment_date=paid_on,
        trace_number=trace, trace_originator=orig, payer=payer, payee=payee,
        production_date=paid_on, claims=list(payments), provider_adjustments=list(plb),
    )

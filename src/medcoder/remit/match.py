"""Match remittance claims and lines (X12 835 005010X221A1) to the claims medcoder produced, and
compare what was paid with what pricing expected.

    result = match(remittances, claims, prices={c.patient_control_number: price_claim(c, kb)})
    result.matched[0].lines[0].status     # "underpaid" | "overpaid" | "as-expected" | None
    result.to_dict()

Claims (loop 2100 CLP ↔ 837 loop 2300 CLM):

- **patient control number**: CLP01 is the 837's CLM01, returned unchanged (835 TR3, CLP01
  "identifier used to track a claim from creation by the health care provider through payment").
  The match is confirmed by the service dates (DTM*232/233, else the lines' DTM*472/150/151) and
  the submitted charge (CLP03 = the claim's total charge, CLM02): PCN + both → ``high``; PCN with one
  of them missing or different → ``medium``; PCN alone → ``low`` (each difference is recorded).
  When several claims share the PCN, the dates and charge choose between them.
- **fallback** when CLP01 is empty, unknown or ambiguous: the patient (NM1*QC) or insured (NM1*IL)
  member id and name, with the dates and the total charge; member id + dates + charge →
  ``medium``, name + dates + charge → ``low``; anything less is not a match.

Reversals (CLP02 ``22``, 835 TR3 section 1.10.2.8 "Reversals and corrections"): the payer takes
back an earlier adjudication with a CLP carrying negated amounts, normally followed by a new CLP
for the same claim (the correction). A reversal cancels the latest earlier adjudication of the
claim (with the same CLP07 payer claim id when both carry one); what counts is the net: the
sum of CLP04 over the chain, and the lines of the adjudications that were not reversed. A
reversal whose original is not among the remittances given is kept in the net and noted.
Remittances are read in the order given (oldest first).

Service lines (loop 2110 SVC ↔ 837 loop 2400):

1. ``REF*6R`` line item control number (835 TR3 loop 2110 REF*6R, the 837's REF*6R in loop 2400):
   medcoder's 837P writes ``<CLM01>-<LX01>``
   (:func:`medcoder.claims.writers.x837p.line_control_number`), which names the claim line
   exactly; a bare number is taken as the line's LX sequence number (what the 835 TR3 has a payer
   return when the claim carried no control number); any other value is ignored (a claim written
   elsewhere) and the next rules decide;
2. the procedure code as submitted (SVC06 when the payer changed the code, else SVC01-2) with the
   modifiers, the date of service and the line charge (SVC02); then with fewer of these, each
   difference recorded;
3. the position of the line in the CLP, as a last resort (``low``).

Amounts per matched line: **actual allowed** = AMT*B6 when present (835 TR3 loop 2110 AMT*B6
"allowed - actual"), else paid (SVC03) + patient responsibility (CAS group PR) + sequestration
(CARC 253, a reduction of the payment, not of the allowance). With ``prices`` (keyed by patient
control number, from :func:`medcoder.claims.pricing.price_claim`), the expected allowed of the
line is compared: a difference beyond ``tolerance`` (default one cent) flags the line
``underpaid`` or ``overpaid``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from medcoder.claims.model import Claim, ServiceLine
from medcoder.claims.pricing.model import ClaimPrice, cents, plain
from medcoder.claims.writers.x837p import line_control_number
from medcoder.remit.model import ZERO, ClaimPayment, Remittance, ServicePayment

TOLERANCE = Decimal("0.01")
SEQUESTRATION = "253"  # CARC 253 Sequestration - reduction in federal payment
CONFIDENCE = ("high", "medium", "low")


@dataclass
class LineMatch:
    """One 835 service line paired with one claim line (either may be missing: unmatched)."""

    method: str  # line-control-number | code | code-partial | position | unmatched
    remit_line: int | None  # 1-based into the ClaimPayment's lines
    claim_line: int | None  # 1-based into Claim.lines
    code: str
    service: ServicePayment | None = None
    line: ServiceLine | None = None
    payment: int | None = None  # index into ClaimMatch.payments of the CLP the line belongs to
    confidence: str | None = None
    charge: Decimal = ZERO
    paid: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    allowed: Decimal | None = None  # actual allowed
    allowed_source: str | None = None  # "AMT*B6" | "paid + patient responsibility"
    expected: Decimal | None = None  # expected allowed from pricing
    difference: Decimal | None = None  # actual allowed - expected
    status: str | None = None  # underpaid | overpaid | as-expected | not-priced (None: no prices)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = plain({
            "method": self.method, "confidence": self.confidence, "remit_line": self.remit_line,
            "claim_line": self.claim_line, "payment": self.payment, "code": self.code,
            "charge": self.charge, "paid": self.paid, "patient_responsibility": self.patient_responsibility,
            "allowed": self.allowed, "allowed_source": self.allowed_source, "expected": self.expected,
            "difference": self.difference, "status": self.status, "notes": list(self.notes),
        })
        if self.service is not None:
            out["adjustments"] = [plain({"group": a.group, "reason": a.reason, "amount": a.amount,
                                         "quantity": a.quantity}) for a in self.service.adjustments]
            out["remarks"] = list(self.service.remarks)
        return out


@dataclass
class ClaimMatch:
    """A claim with every CLP that adjudicated it (original, reversal, correction) and its lines."""

    claim: Claim
    payments: list[ClaimPayment]  # in the order read
    method: str  # patient-control-number | member-id | patient-name
    confidence: str  # high | medium | low
    evidence: list[str]
    effective: list[int]  # indexes into payments of the adjudications that count (not reversed)
    lines: list[LineMatch] = field(default_factory=list)  # matched pairs
    remit_only: list[LineMatch] = field(default_factory=list)  # 835 lines with no claim line
    claim_only: list[LineMatch] = field(default_factory=list)  # claim lines no 835 line paid
    notes: list[str] = field(default_factory=list)
    expected: Decimal | None = None  # pricing's total allowed

    @property
    def payment(self) -> ClaimPayment | None:
        """The adjudication that counts now (the last one not reversed); None when all reversed."""
        return self.payments[self.effective[-1]] if self.effective else None

    @property
    def status(self) -> str:
        p = self.payment
        return "reversed" if p is None else p.status

    @property
    def net_paid(self) -> Decimal:
        return sum((p.paid for p in self.payments), ZERO)

    @property
    def net_patient_responsibility(self) -> Decimal:
        return sum((p.patient_responsibility or ZERO for p in self.payments), ZERO)

    @property
    def reversed(self) -> bool:
        return any(p.is_reversal for p in self.payments)

    @property
    def allowed(self) -> Decimal:
        return sum((ln.allowed or ZERO for ln in self.lines), ZERO)

    @property
    def underpaid(self) -> Decimal:
        return -sum((ln.difference for ln in self.lines if ln.status == "underpaid" and ln.difference), ZERO)

    @property
    def overpaid(self) -> Decimal:
        return sum((ln.difference for ln in self.lines if ln.status == "overpaid" and ln.difference), ZERO)

    def line_for(self, remit_line: int, payment: ClaimPayment | None = None) -> LineMatch | None:
        """The pair of the ``remit_line``-th (1-based) SVC of ``payment`` (default: the current one)."""
        p = payment if payment is not None else self.payment
        for lm in self.lines:
            if lm.remit_line == remit_line and lm.payment is not None and self.payments[lm.payment] is p:
                return lm
        return None

    def to_dict(self) -> dict[str, Any]:
        return plain({
            "patient_control_number": self.claim.patient_control_number,
            "payer_claim_id": self.payment.payer_claim_id if self.payment else None,
            "method": self.method, "confidence": self.confidence, "evidence": list(self.evidence),
            "status": self.status, "reversed": self.reversed,
            "payments": [{"status": p.status, "charge": p.charge, "paid": p.paid,
                          "patient_responsibility": p.patient_responsibility,
                          "payer_claim_id": p.payer_claim_id, "segment": p.segment,
                          "counts": i in self.effective} for i, p in enumerate(self.payments)],
            "charge": self.claim.total_charge, "net_paid": self.net_paid,
            "net_patient_responsibility": self.net_patient_responsibility,
            "expected": self.expected, "allowed": self.allowed, "underpaid": self.underpaid,
            "overpaid": self.overpaid,
            "lines": [ln.to_dict() for ln in self.lines],
            "remit_only": [ln.to_dict() for ln in self.remit_only],
            "claim_only": [ln.to_dict() for ln in self.claim_only],
            "notes": list(self.notes),
        })


@dataclass
class MatchResult:
    matched: list[ClaimMatch]
    unmatched_payments: list[ClaimPayment]  # remittance claims no claim was found for
    unpaid_claims: list[Claim]  # claims no remittance mentions
    remittances: int = 0
    total_paid: Decimal = ZERO  # BPR02, credits less debits
    provider_adjustments: Decimal = ZERO  # PLB total (positive reduces the payment)
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        lines = [ln for m in self.matched for ln in m.lines]
        return {
            "remittances": self.remittances,
            "claims_matched": len(self.matched),
            "remittance_claims_unmatched": len(self.unmatched_payments),
            "claims_without_remittance": len(self.unpaid_claims),
            "charge": sum((m.claim.total_charge for m in self.matched), ZERO),
            "paid": sum((m.net_paid for m in self.matched), ZERO),
            "patient_responsibility": sum((m.net_patient_responsibility for m in self.matched), ZERO),
            "unmatched_paid": sum((p.paid for p in self.unmatched_payments), ZERO),
            "expected": sum((m.expected for m in self.matched if m.expected is not None), ZERO),
            "allowed": sum((m.allowed for m in self.matched), ZERO),
            "underpaid": sum((m.underpaid for m in self.matched), ZERO),
            "overpaid": sum((m.overpaid for m in self.matched), ZERO),
            "lines_underpaid": sum(1 for ln in lines if ln.status == "underpaid"),
            "lines_overpaid": sum(1 for ln in lines if ln.status == "overpaid"),
            "remit_lines_unmatched": sum(len(m.remit_only) for m in self.matched),
            "claim_lines_unmatched": sum(len(m.claim_only) for m in self.matched),
            "total_paid": self.total_paid,
            "provider_adjustments": self.provider_adjustments,
        }

    def for_claim(self, patient_control_number: str) -> ClaimMatch | None:
        for m in self.matched:
            if m.claim.patient_control_number == patient_control_number:
                return m
        return None

    def to_dict(self) -> dict[str, Any]:
        return plain({
            "totals": self.totals,
            "matched": [m.to_dict() for m in self.matched],
            "unmatched_payments": [{"patient_control_number": p.patient_control_number, "status": p.status,
                                    "charge": p.charge, "paid": p.paid, "payer_claim_id": p.payer_claim_id,
                                    "segment": p.segment} for p in self.unmatched_payments],
            "unpaid_claims": [{"patient_control_number": c.patient_control_number,
                               "service_from": c.service_from, "charge": c.total_charge}
                              for c in self.unpaid_claims],
            "notes": list(self.notes),
        })


# -- claims -----------------------------------------------------------------------------------------
def payment_dates(p: ClaimPayment) -> tuple[_dt.date | None, _dt.date | None]:
    """CLP service dates: DTM*232/233, else the range of the lines' dates."""
    if p.service_from is not None:
        return p.service_from, p.service_to or p.service_from
    starts = [s.date_from for s in p.lines if s.date_from is not None]
    ends = [s.date_to or s.date_from for s in p.lines if s.date_from is not None]
    if not starts:
        return None, None
    return min(starts), max(d for d in ends if d is not None)


def _dates_agree(p: ClaimPayment, c: Claim) -> bool | None:
    start, end = payment_dates(p)
    if start is None:
        return None
    return start == c.service_from and (end is None or end == c.service_to)


def _charge_agrees(p: ClaimPayment, c: Claim) -> bool:
    return abs(p.charge) == c.total_charge  # a reversal carries the charge negated


def _norm(s: str | None) -> str:
    return "".join(ch for ch in (s or "").upper() if ch.isalnum())


def _member_ids(p: ClaimPayment) -> set[str]:
    return {_norm(d.get("id")) for d in (p.patient, p.insured, p.corrected_patient) if d.get("id")}


def _claim_ids(c: Claim) -> set[str]:
    return {_norm(x) for x in (c.patient.member_id, c.subscriber.member_id) if x}


def _names_agree(p: ClaimPayment, c: Claim) -> bool:
    for d, person in ((p.patient, c.patient), (p.corrected_patient, c.patient), (p.insured, c.subscriber)):
        if d.get("last") and _norm(d.get("last")) == _norm(person.last_name) and (
                not d.get("first") or _norm(d.get("first")) == _norm(person.first_name)):
            return True
    return False


def _confirm(p: ClaimPayment, c: Claim) -> tuple[int, list[str]]:
    """How many of dates / charge confirm the claim (0-2), with the words for each."""
    words: list[str] = []
    score = 0
    dates = _dates_agree(p, c)
    start, end = payment_dates(p)
    if dates is None:
        words.append("the remittance gives no service dates")
    elif dates:
        score += 1
        words.append(f"service dates agree ({c.service_from}"
                     + (f" to {c.service_to}" if c.service_to != c.service_from else "") + ")")
    else:
        words.append(f"service dates differ: remittance {start} to {end}, claim {c.service_from} to {c.service_to}")
    if _charge_agrees(p, c):
        score += 1
        words.append(f"charge agrees ({c.total_charge})")
    else:
        words.append(f"charge differs: remittance CLP03 {p.charge}, claim {c.total_charge}")
    return score, words


def _find_claim(p: ClaimPayment, claims: Sequence[Claim]) -> tuple[int, str, str, list[str]] | None:
    """(claim index, method, confidence, evidence) for one CLP, or None."""
    pcn = p.patient_control_number.strip()
    notes: list[str] = []
    if pcn:
        same = [i for i, c in enumerate(claims) if c.patient_control_number == pcn]
        if len(same) == 1:
            score, words = _confirm(p, claims[same[0]])
            return same[0], "patient-control-number", CONFIDENCE[2 - score], [f"CLP01 {pcn} = CLM01", *words]
        if same:
            scored = sorted(((_confirm(p, claims[i]), i) for i in same), key=lambda t: -t[0][0])
            (best, words), i = scored[0]
            if best > 0 and scored[1][0][0] < best:
                return i, "patient-control-number", CONFIDENCE[2 - best], [
                    f"CLP01 {pcn} = CLM01 of {len(same)} claims; chosen by dates and charge", *words]
            notes.append(f"CLP01 {pcn} is the CLM01 of {len(same)} claims that dates and charge do not tell apart")
        else:
            notes.append(f"CLP01 {pcn} is not the CLM01 of any claim given")
    else:
        notes.append("CLP01 is empty")
    candidates: list[tuple[int, int, str, list[str]]] = []  # (rank, index, method, evidence)
    ids = _member_ids(p)
    for i, c in enumerate(claims):
        if not (_dates_agree(p, c) and _charge_agrees(p, c)):
            continue
        _, words = _confirm(p, c)
        if ids & _claim_ids(c):
            candidates.append((2 if _names_agree(p, c) else 1, i, "member-id",
                               [f"member id {sorted(ids & _claim_ids(c))[0]} agrees", *words]))
        elif _names_agree(p, c) and not (ids and _claim_ids(c)):
            candidates.append((0, i, "patient-name", ["patient name agrees", *words]))
    if not candidates:
        return None
    candidates.sort(key=lambda t: -t[0])
    top = [t for t in candidates if t[0] == candidates[0][0]]
    if len(top) > 1:
        return None
    rank, i, method, words = top[0]
    if rank == 2:
        words.insert(1, "patient name agrees")
    return i, method, "medium" if method == "member-id" else "low", [*notes, *words]


# -- lines ------------------------------------------------------------------------------------------
def _pr(s: ServicePayment) -> Decimal:
    return sum((a.amount for a in s.adjustments if a.group == "PR"), ZERO)


def actual_allowed(s: ServicePayment) -> tuple[Decimal, str]:
    """AMT*B6 when present, else paid + patient responsibility (+ sequestration)."""
    if s.allowed is not None:
        return s.allowed, "AMT*B6"
    seq = sum((a.amount for a in s.adjustments if a.reason == SEQUESTRATION), ZERO)
    return s.paid + _pr(s) + seq, "paid + patient responsibility" + (" + sequestration (CARC 253)" if seq else "")


def _submitted(s: ServicePayment) -> tuple[str, list[str]]:
    if s.submitted_code:
        return s.submitted_code, list(s.submitted_modifiers)
    return s.code, list(s.modifiers)


def _line_keys(s: ServicePayment, ln: ServiceLine) -> dict[str, bool | None]:
    code, mods = _submitted(s)
    # a revenue-code-only line comes back as NU:<revenue code> (SVC01), its code empty on our claim
    rev = ln.revenue_code or ""
    same_code = (code.upper() == ln.code.upper() if ln.code
                 else bool(rev) and code.lstrip("0") == rev.lstrip("0"))
    return {
        "code": same_code,
        "modifiers": sorted(m.upper() for m in mods) == sorted(m.upper() for m in ln.modifiers),
        "date": None if s.date_from is None else s.date_from == ln.date_of_service,
        "charge": abs(s.charge) == ln.charge,
    }


def _match_lines(claim: Claim, services: list[tuple[int, int, ServicePayment]]) -> tuple[
        list[LineMatch], list[LineMatch], list[LineMatch]]:
    """``services``: (payment index, 1-based line, SVC). Returns pairs, remit-only, claim-only."""
    free = set(range(1, len(claim.lines) + 1))
    pairs: dict[tuple[int, int], LineMatch] = {}

    def pair(key: tuple[int, int], s: ServicePayment, n: int, method: str, conf: str, notes: list[str]) -> None:
        free.discard(n)
        pairs[key] = LineMatch(method, key[1], n, s.code, service=s, line=claim.lines[n - 1], payment=key[0],
                               confidence=conf, notes=notes)

    ours = {line_control_number(claim, n).upper(): n for n in free}
    for pi, k, s in services:  # 1. REF*6R
        ref = (s.line_control_number or "").strip()
        n = ours.get(ref.upper()) if ref else None
        how = f"REF*6R {ref} = the line item control number of line {n}"
        if n is None and ref.isdigit():
            n, how = int(ref), f"REF*6R {ref} = line {int(ref)} (LX sequence number)"
        if n is not None and n in free:
            keys = _line_keys(s, claim.lines[n - 1])
            diffs = [f"{w} differs" for w, ok in keys.items() if ok is False]
            pair((pi, k), s, n, "line-control-number", "high" if keys["code"] else "medium", [how, *diffs])
    levels: tuple[tuple[tuple[str, ...], str, str], ...] = (
        (("code", "modifiers", "date", "charge"), "code", "high"),
        (("code", "modifiers", "date"), "code-partial", "medium"),
        (("code", "date", "charge"), "code-partial", "medium"),
        (("code", "date"), "code-partial", "medium"),
        (("code",), "code-partial", "low"),
    )
    for need, method, conf in levels:  # 2. code, modifiers, date, charge
        for pi, k, s in services:
            if (pi, k) in pairs:
                continue
            for n in sorted(free):
                keys = _line_keys(s, claim.lines[n - 1])
                if all(keys[w] is not False for w in need) and keys["code"]:
                    code, _ = _submitted(s)
                    notes = [f"SVC06 submitted code {code} (adjudicated as {s.code})"] if s.submitted_code else []
                    notes += [f"{w} differs" for w, ok in keys.items() if ok is False]
                    pair((pi, k), s, n, method, conf, notes)
                    break
    for pi, k, s in services:  # 3. position
        if (pi, k) not in pairs and k in free:
            keys = _line_keys(s, claim.lines[k - 1])
            pair((pi, k), s, k, "position", "low",
                 [f"matched by position {k}", *(f"{w} differs" for w, ok in keys.items() if ok is False)])
    matched = [pairs[(pi, k)] for pi, k, _ in services if (pi, k) in pairs]
    remit_only = [LineMatch("unmatched", k, None, s.code, service=s, payment=pi, charge=s.charge, paid=s.paid,
                            patient_responsibility=_pr(s), notes=["no claim line has this code, date or position"])
                  for pi, k, s in services if (pi, k) not in pairs]
    claim_only = [LineMatch("unmatched", None, n, claim.lines[n - 1].code, line=claim.lines[n - 1],
                            charge=claim.lines[n - 1].charge, notes=["no remittance line paid or denied it"])
                  for n in sorted(free)]
    return matched, remit_only, claim_only


def match_lines(claim: Claim, payment: ClaimPayment) -> tuple[list[LineMatch], list[LineMatch], list[LineMatch]]:
    """The lines of one CLP against the claim's: (pairs, 835 lines unmatched, claim lines unmatched)."""
    return _match_lines(claim, [(0, k, s) for k, s in enumerate(payment.lines, start=1)])


def _amounts(lm: LineMatch, price: ClaimPrice | None, tolerance: Decimal) -> None:
    s = lm.service
    if s is None:
        return
    lm.charge, lm.paid, lm.patient_responsibility = s.charge, s.paid, _pr(s)
    lm.allowed, lm.allowed_source = actual_allowed(s)
    if price is None:
        return
    lp = next((x for x in price.lines if x.line == lm.claim_line), None)
    if lp is None:
        lm.status = "not-priced"
        lm.notes.append("pricing has no amount for this line")
        return
    lm.expected = lp.allowed
    lm.difference = cents(lm.allowed - lp.allowed)
    if lm.difference < -tolerance:
        lm.status = "underpaid"
        lm.notes.append(f"allowed {lm.allowed} is {-lm.difference} below the expected {lp.allowed}"
                        + (" (the line was denied)" if s.paid == 0 and lm.allowed == 0 else ""))
    elif lm.difference > tolerance:
        lm.status = "overpaid"
        lm.notes.append(f"allowed {lm.allowed} is {lm.difference} above the expected {lp.allowed}")
    else:
        lm.status = "as-expected"


def _chain(payments: list[ClaimPayment]) -> tuple[list[int], list[str]]:
    """Indexes of the adjudications that count after reversals, and notes."""
    effective: list[int] = []
    notes: list[str] = []
    for i, p in enumerate(payments):
        if not p.is_reversal:
            effective.append(i)
            continue
        same = [j for j in effective if p.payer_claim_id and payments[j].payer_claim_id == p.payer_claim_id]
        target = same[-1] if same else (effective[-1] if effective else None)
        if target is None:
            notes.append(f"reversal (CLP02 22, paid {p.paid}) of an adjudication not among the remittances "
                         "given: kept in the net")
            continue
        effective.remove(target)
        notes.append(f"adjudication {target + 1} (paid {payments[target].paid}) reversed by adjudication {i + 1}")
    return effective, notes


def match(
    remittances: list[Remittance],
    claims: list[Claim],
    *,
    prices: dict[str, ClaimPrice] | None = None,
    tolerance: Decimal = TOLERANCE,
) -> MatchResult:
    """Pair every CLP of ``remittances`` with one of ``claims``, then their lines; see the module
    docstring for the rules and the confidence of each match."""
    found: dict[int, tuple[str, str, list[str]]] = {}
    chains: dict[int, list[ClaimPayment]] = {}
    unmatched: list[ClaimPayment] = []
    result = MatchResult([], [], [], remittances=len(remittances))
    for r in remittances:
        sign = -1 if r.credit_debit == "D" else 1
        result.total_paid += sign * r.total_paid
        result.provider_adjustments += r.plb_total
        for p in r.claims:
            hit = _find_claim(p, claims)
            if hit is None:
                unmatched.append(p)
                continue
            i, method, conf, evidence = hit
            chains.setdefault(i, []).append(p)
            if i not in found or CONFIDENCE.index(conf) < CONFIDENCE.index(found[i][1]):
                found[i] = (method, conf, evidence)
    for i in sorted(chains):
        claim, payments = claims[i], chains[i]
        method, conf, evidence = found[i]
        effective, notes = _chain(payments)
        services = [(pi, k, s) for pi in effective for k, s in enumerate(payments[pi].lines, start=1)]
        pairs, remit_only, claim_only = _match_lines(claim, services)
        price = (prices or {}).get(claim.patient_control_number)
        for lm in pairs:
            _amounts(lm, price, tolerance)
        cm = ClaimMatch(claim, payments, method, conf, evidence, effective, pairs, remit_only, claim_only, notes,
                        expected=price.total_allowed if price is not None else None)
        if effective and len(effective) > 1:
            cm.notes.append(f"{len(effective)} adjudications count (a split claim, or a duplicate payment)")
        result.matched.append(cm)
    result.unmatched_payments = unmatched
    result.unpaid_claims = [c for i, c in enumerate(claims) if i not in chains]
    return result


__all__ = ["TOLERANCE", "ClaimMatch", "LineMatch", "MatchResult", "actual_allowed", "match", "match_lines",
           "payment_dates"]

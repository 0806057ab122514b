"""Explain an 835 in words: every adjustment, remark, status and provider-level adjustment.

Wording comes from the code lists imported into the knowledge base (``medcoder data import``):
CARC (CAS02/05/08/…, X12 Claim Adjustment Reason Codes), RARC (LQ*HE, MOA, MIA: Remittance
Advice Remark Codes, CMS / X12), group codes (CAS01), claim status codes (CLP02) and PLB reason
codes (PLB03-1), element references as in the 835 005010X221A1 implementation guide.

- A code the imported list lacks is described as ``unknown CARC 999 (not in the imported list
  <release>)``; a list that was never imported as ``description not loaded: import carc``.
  Neither raises.
- Codes are checked against their list's dates: a code stopped before the date of service (or
  not usable on the 835's payment date) and a CARC used with a group code its wording excludes
  ("Use only with Group Code OA") become warnings. Reversals (CLP02 22) are derivative
  transactions, where stopped codes may appear: they are not checked for dates.

:class:`Explainer` opens each list once and caches every code it looked up, so explaining a
large 835 costs one dict lookup per adjustment.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from medcoder.codesets.carc_rarc.layout import LISTS, normalize
from medcoder.errors import DataError

from .model import (
    ZERO,
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    to_dict,
)

__all__ = [
    "AdjustmentExplanation",
    "ClaimExplanation",
    "CodeText",
    "Explainer",
    "LineExplanation",
    "PlbExplanation",
    "RemarkExplanation",
    "RemitExplanation",
    "first_sentence",
    "money",
]

_KINDS = ("carc", "rarc", "claim-adjustment-groups", "claim-status", "plb-reasons")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(\"']|\s*$)")
_BRIEF = 80


@dataclass(frozen=True)
class CodeText:
    """What a code means, from the imported list (``known`` False: not in it, or not loaded)."""

    code: str
    text: str  # the full description
    known: bool
    active: bool | None  # usable on the date asked about (None: not known)
    source: str  # the list's file and release as the knowledge base records them
    kind: str = ""
    short: str = ""  # the first sentence (RARCs and many CARCs run long)
    stop: _dt.date | None = None
    groups: tuple[str, ...] = ()  # CARC: the only group codes it may be used with

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = to_dict(self)
        d["groups"] = list(self.groups)
        return d


@dataclass(frozen=True)
class AdjustmentExplanation:
    """One CAS adjustment: group meaning, CARC wording, amount."""

    line: int | None  # 1-based service line; None = claim level
    group: CodeText
    reason: CodeText
    amount: Decimal
    quantity: Decimal | None
    text: str


@dataclass(frozen=True)
class RemarkExplanation:
    line: int | None
    remark: CodeText
    text: str


@dataclass
class LineExplanation:
    line: int
    code: str  # procedure code with modifiers, 99213-25
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None
    denied: bool
    adjustments: list[AdjustmentExplanation]
    remarks: list[RemarkExplanation]
    summary: str


@dataclass
class ClaimExplanation:
    patient_control_number: str
    payer_claim_id: str | None
    status: CodeText
    charge: Decimal
    paid: Decimal
    patient_owes: Decimal
    summary: str
    lines: list[LineExplanation] = field(default_factory=list)
    adjustments: list[AdjustmentExplanation] = field(default_factory=list)  # claim level
    remarks: list[RemarkExplanation] = field(default_factory=list)  # claim level (MOA/MIA)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_dict(self)
        return out


@dataclass(frozen=True)
class PlbExplanation:
    provider_id: str
    fiscal_period_end: _dt.date | None
    reason: CodeText
    reference: str | None
    amount: Decimal
    text: str


@dataclass
class RemitExplanation:
    control_number: str
    trace_number: str
    payer: str
    payee: str
    payment_date: _dt.date | None
    total_paid: Decimal
    method: str
    summary: str
    claims: list[ClaimExplanation] = field(default_factory=list)
    provider_adjustments: list[PlbExplanation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_dict(self)
        return out


def money(x: Decimal) -> str:
    """``$1,234.50`` / ``-$5.00``."""
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def first_sentence(text: str) -> str:
    """The first sentence of a description (what comes before ``Usage:`` at most)."""
    head = text.split(" Usage:", 1)[0].strip()
    m = _SENTENCE_END.search(head)
    return head[: m.end()].strip() if m else head


def _brief(text: str) -> str:
    if len(text) <= _BRIEF:
        return text
    cut = text[:_BRIEF].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "..."


class Explainer:
    """Describes remittance codes and explains claims from the lists in ``kb``.

    Each list is opened once (for ``on``, or today), on first use; code lookups are cached.
    ``on`` is also the default date for ``active`` in the ``describe_*`` answers.
    """

    def __init__(self, kb: Any, on: _dt.date | None = None) -> None:
        self.kb = kb
        self.on = on
        self._lists: dict[str, Any] = {}  # kind → Opened, or None when not loaded
        self._codes: dict[tuple[str, str], Any] = {}  # (kind, code) → RemitCode | None
        self._texts: dict[tuple[str, str, _dt.date], CodeText] = {}
        self._today = _dt.date.today()

    # -- code wording ------------------------------------------------------------------------
    def _opened(self, kind: str) -> Any:
        try:
            return self._lists[kind]
        except KeyError:
            pass
        try:
            opened = self.kb.open(kind, self.on or self._today)
        except DataError:
            opened = None
        self._lists[kind] = opened
        return opened

    def _lookup(self, kind: str, code: str) -> Any:
        key = (kind, code)
        try:
            return self._codes[key]
        except KeyError:
            pass
        opened = self._opened(kind)
        found = opened.reader.get(code) if opened is not None else None
        self._codes[key] = found
        return found

    def describe(self, kind: str, code: str, on: _dt.date | None = None) -> CodeText:
        """``code`` of list ``kind`` (carc, rarc, claim-adjustment-groups, claim-status, plb-reasons)."""
        day = on or self.on or self._today
        raw = str(code).strip()
        key = (kind, raw, day)
        hit = self._texts.get(key)
        if hit is not None:
            return hit
        lst = LISTS[kind]
        norm = normalize(lst, raw) if raw else raw
        opened = self._opened(kind)
        if opened is None:
            ct = CodeText(
                code=norm,
                text=f"{lst.system} {norm}: description not loaded: import {kind}",
                known=False,
                active=None,
                source="",
                kind=kind,
            )
        else:
            source = f"{opened.info.source} (release {opened.info.release})"
            c = self._lookup(kind, norm)
            if c is None:
                text = f"unknown {lst.system} {norm} (not in the imported list {opened.info.release})"
                ct = CodeText(norm, text, False, None, source, kind, text)
            else:
                ct = CodeText(
                    code=c.code,
                    text=c.description,
                    known=True,
                    active=c.active_on(day),
                    source=source,
                    kind=kind,
                    short=first_sentence(c.description),
                    stop=c.stop,
                    groups=c.groups,
                )
        self._texts[key] = ct
        return ct

    def describe_carc(self, code: str, on: _dt.date | None = None) -> CodeText:
        return self.describe("carc", code, on)

    def describe_rarc(self, code: str, on: _dt.date | None = None) -> CodeText:
        return self.describe("rarc", code, on)

    def describe_group(self, code: str, on: _dt.date | None = None) -> CodeText:
        return self.describe("claim-adjustment-groups", code, on)

    def describe_status(self, code: str, on: _dt.date | None = None) -> CodeText:
        return self.describe("claim-status", code, on)

    def describe_plb(self, code: str, on: _dt.date | None = None) -> CodeText:
        return self.describe("plb-reasons", code, on)

    # -- claims ---------------------------------------------------------------------------------
    def explain_claim(
        self, payment: ClaimPayment, *, paid_on: _dt.date | None = None
    ) -> ClaimExplanation:
        """Every line, adjustment and remark of one claim in words, with a readable summary.

        ``paid_on`` (the 835's payment date, BPR16) is the date codes are checked on besides
        the dates of service.
        """
        warnings: list[str] = []
        check = not payment.is_reversal
        claim_day = payment.service_from
        lines = [
            self._line(i, s, payment, paid_on, warnings, check)
            for i, s in enumerate(payment.lines, 1)
        ]
        adjs = [
            self._adjustment(None, a, claim_day, paid_on, warnings, check)
            for a in payment.adjustments
        ]
        remarks = [
            self._remark(None, r, claim_day, paid_on, warnings, check) for r in payment.remarks
        ]
        status = self.describe_status(payment.status)
        owes = payment.patient_responsibility
        if owes is None:
            owes = sum((a.amount for a in _all_adjustments(payment) if a.group == "PR"), ZERO)
        head = f"Claim {payment.patient_control_number}"
        if payment.payer_claim_id:
            head += f" (payer claim {payment.payer_claim_id})"
        state = status.short.rstrip(".").lower() if status.known else f"status {payment.status}"
        parts = [
            f"{head}, {state}: charged {money(payment.charge)}, paid {money(payment.paid)}, "
            f"patient owes {money(owes)}."
        ]
        if adjs or remarks:
            parts.append("Claim level: " + ", ".join(_mention(adjs, remarks)) + ".")
        parts += [ln.summary for ln in lines]
        return ClaimExplanation(
            patient_control_number=payment.patient_control_number,
            payer_claim_id=payment.payer_claim_id,
            status=status,
            charge=payment.charge,
            paid=payment.paid,
            patient_owes=owes,
            summary=" ".join(parts),
            lines=lines,
            adjustments=adjs,
            remarks=remarks,
            warnings=warnings,
        )

    def _line(
        self,
        i: int,
        s: ServicePayment,
        payment: ClaimPayment,
        paid_on: _dt.date | None,
        warnings: list[str],
        check: bool,
    ) -> LineExplanation:
        day = s.date_from or payment.service_from
        adjs = [self._adjustment(i, a, day, paid_on, warnings, check) for a in s.adjustments]
        remarks = [self._remark(i, r, day, paid_on, warnings, check) for r in s.remarks]
        code = "-".join((s.code, *s.modifiers))
        # denied: nothing paid and nothing of it is the patient's share (a line whose allowed
        # amount went to the deductible is paid 0 but not denied)
        patient = sum((a.amount for a in s.adjustments if a.group == "PR"), ZERO)
        denied = s.paid == ZERO and s.charge != ZERO and patient == ZERO
        what = "denied" if denied else f"paid {money(s.paid)} of {money(s.charge)}"
        said = _mention(adjs, remarks)
        summary = f"Line {i} {code}: {what}" + (", " + ", ".join(said) if said else "") + "."
        return LineExplanation(
            line=i,
            code=code,
            charge=s.charge,
            paid=s.paid,
            allowed=s.allowed,
            denied=denied,
            adjustments=adjs,
            remarks=remarks,
            summary=summary,
        )

    def _adjustment(
        self,
        line: int | None,
        a: Adjustment,
        day: _dt.date | None,
        paid_on: _dt.date | None,
        warnings: list[str],
        check: bool,
    ) -> AdjustmentExplanation:
        group = self.describe_group(a.group, day)
        reason = self.describe_carc(a.reason, day)
        if check:
            self._check(line, reason, day, paid_on, warnings)
        if reason.known and reason.groups and a.group not in reason.groups:
            warnings.append(
                f"{_at(line)}: CARC {reason.code} is for use only with group "
                f"{' or '.join(reason.groups)}, reported with {a.group}"
            )
        gtext = group.text if group.known else a.group
        text = f"{a.group}-{reason.code} {money(a.amount)}: {gtext}: {reason.text}"
        return AdjustmentExplanation(line, group, reason, a.amount, a.quantity, text)

    def _remark(
        self,
        line: int | None,
        code: str,
        day: _dt.date | None,
        paid_on: _dt.date | None,
        warnings: list[str],
        check: bool,
    ) -> RemarkExplanation:
        r = self.describe_rarc(code, day)
        if check:
            self._check(line, r, day, paid_on, warnings)
        return RemarkExplanation(line, r, f"remark {r.code}: {r.text}")

    def _check(
        self,
        line: int | None,
        ct: CodeText,
        day: _dt.date | None,
        paid_on: _dt.date | None,
        warnings: list[str],
    ) -> None:
        system = LISTS[ct.kind].system
        if not ct.known:
            if ct.source:  # loaded, but the code is not in it (not loaded: said in the text)
                warnings.append(f"{_at(line)}: {ct.text}")
            return
        if ct.stop is not None and day is not None and ct.stop < day:
            warnings.append(
                f"{_at(line)}: {system} {ct.code} stopped on {ct.stop.isoformat()}, before the "
                f"service date {day.isoformat()}"
            )
        elif ct.stop is not None and paid_on is not None and ct.stop < paid_on:
            warnings.append(
                f"{_at(line)}: {system} {ct.code} stopped on {ct.stop.isoformat()}, before the "
                f"payment date {paid_on.isoformat()}"
            )

    # -- remittances ----------------------------------------------------------------------------
    def explain(self, rem: Remittance) -> RemitExplanation:
        """The whole 835: each claim (:meth:`explain_claim`) and each PLB adjustment."""
        claims = [self.explain_claim(c, paid_on=rem.payment_date) for c in rem.claims]
        plbs = [self._plb(p, rem.payment_date) for p in rem.provider_adjustments]
        when = f" on {rem.payment_date.isoformat()}" if rem.payment_date else ""
        parts = [
            f"Payment {rem.trace_number or rem.control_number} from {rem.payer.name} to "
            f"{rem.payee.name}{when}: {money(rem.total_paid)} ({rem.method}) for "
            f"{len(claims)} claim{'s' if len(claims) != 1 else ''}."
        ]
        if plbs:
            parts.append(
                f"Provider-level adjustments {money(rem.plb_total)}: "
                + "; ".join(p.text for p in plbs)
                + "."
            )
        warnings = [*rem.warnings]
        warnings += [f"PLB {p.reason.code}: {p.reason.text}" for p in plbs if p.reason.source and not p.reason.known]
        for c in claims:
            warnings += [f"claim {c.patient_control_number} {w}" for w in c.warnings]
        return RemitExplanation(
            control_number=rem.control_number,
            trace_number=rem.trace_number,
            payer=rem.payer.name,
            payee=rem.payee.name,
            payment_date=rem.payment_date,
            total_paid=rem.total_paid,
            method=rem.method,
            summary=" ".join(parts),
            claims=claims,
            provider_adjustments=plbs,
            warnings=warnings,
        )

    def _plb(self, p: ProviderAdjustment, day: _dt.date | None) -> PlbExplanation:
        r = self.describe_plb(p.reason, day)
        effect = "reduces the payment" if p.amount > 0 else "adds to the payment"
        ref = f" {p.reference}" if p.reference else ""
        text = f"PLB {p.reason}{ref} {money(p.amount)} ({effect}): {r.short or r.text}"
        return PlbExplanation(p.provider_id, p.fiscal_period_end, r, p.reference, p.amount, text)


def _all_adjustments(payment: ClaimPayment) -> list[Adjustment]:
    return [*payment.adjustments, *(a for s in payment.lines for a in s.adjustments)]


def _mention(adjs: list[AdjustmentExplanation], remarks: list[RemarkExplanation]) -> list[str]:
    out = [
        f"{a.group.code}-{a.reason.code} {money(a.amount)} "
        f"({_brief(a.reason.short or a.reason.text)})"
        for a in adjs
    ]
    out += [f"remark {r.remark.code} ({_brief(r.remark.short or r.remark.text)})" for r in remarks]
    return out


def _at(line: int | None) -> str:
    return f"line {line}" if line is not None else "claim level"

"""The re-review's finding families: one module per family, each a function
``check(claim, coded, ctx) -> list[Finding]``.

``claim`` is what was billed (``AuditClaim``), ``coded`` what medcoder coded from the record
(``CodingResult``; None when the claim is reviewed on its data alone) and ``ctx`` the
``CheckContext``: the knowledge base, the tables for the claim's dates (opened once per claim
through the knowledge base's cache, never per line), the member, the other claims of the set
(duplicates) and the fee schedule (``quantify.Fees``).

Families, in the order they run (``CHECKS``):

- ``eligibility``: after the date of death; outside enrolment (42 CFR 424.5(a)(1));
- ``validity``: codes deleted or invalid on the date of service (45 CFR 162.1002);
- ``duplicates``: the same service paid twice (CARC 18; Pub. 100-04 Ch. 1 §120);
- ``em_level``: the E/M level the record supports (AMA/CMS 2021+ E/M guidelines, MDM table);
- ``procedures``: billed but not documented; documented but not billed (an underpayment lead);
- ``diagnoses``: diagnoses billed the record does not support, or documented and not billed
  (ICD-10-CM Official Guidelines, Sections III / IV);
- ``ncci``: NCCI PTP pairs paid together without a bypass modifier (NCCI Policy Manual Ch. I);
- ``mue``: units above the MUE (NCCI Policy Manual Ch. I);
- ``modifiers``: 25 and 59/X{EPSU} the record does not support (Pub. 100-04 Ch. 12 §30.6.6 B;
  NCCI Policy Manual Ch. I §E.1).
"""

from __future__ import annotations

import datetime as _dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from medcoder.audit.model import AuditClaim, AuditLine, Documentation, Finding, Member
from medcoder.errors import DataError

#: lines whose paid amount is zero were denied: there is nothing to recover on them
PAID_ZERO_NOTE = "the line was paid nothing (denied): no payment difference"


def line_date(claim: AuditClaim, ln: AuditLine) -> _dt.date:
    return ln.date_of_service or claim.date_of_service


def mods(ln: AuditLine) -> str:
    return f" {'-'.join(ln.modifiers)}" if ln.modifiers else ""


def billed_text(ln: AuditLine) -> str:
    """How a line is named in a finding: ``"20610 RT"``, ``"J1885 x 4"``."""
    units = f" x {ln.units.normalize():f}" if ln.units != 1 else ""
    return f"{ln.code}{mods(ln)}{units}"


@dataclass(frozen=True)
class PtpPair:
    """An NCCI PTP edit that applies between two billed lines of one date of service."""

    column1_line: int
    column2_line: int
    column1: str
    column2: str
    modifier_indicator: int
    rationale: str
    bypass: str | None  # the NCCI-associated modifier that makes them distinct, or None
    reference: str


@dataclass
class CheckContext:
    """What the checks read, shared by the families of one claim."""

    kb: Any
    member: Member | None = None
    history: Sequence[AuditClaim] = ()
    fees: Any = None  # medcoder.audit.quantify.Fees
    doc: Documentation | None = None
    #: first paid line of each service among the claims before this one (``duplicates.index``);
    #: None: built from ``history``
    duplicate_index: dict[Any, tuple[str, int]] | None = None
    missing: dict[str, str] = field(default_factory=dict)  # table kind -> why it is not loaded
    _tables: dict[tuple[str, _dt.date], Any] = field(default_factory=dict)
    _ptp: dict[str, list[PtpPair]] = field(default_factory=dict)

    def table(self, kind: str, dos: _dt.date) -> Any | None:
        """The reader of ``kind`` in force on ``dos`` (None when not loaded), once per claim."""
        key = (kind, dos)
        if key not in self._tables:
            try:
                self._tables[key] = self.kb.open(kind, dos).reader
            except DataError as exc:
                self.missing.setdefault(kind, exc.message)
                self._tables[key] = None
        return self._tables[key]

    @property
    def text(self) -> str:
        enc = getattr(self.doc, "encounter", None)
        return str(getattr(enc, "text", "") or "")

    def ptp_pairs(self, claim: AuditClaim) -> list[PtpPair]:
        """The NCCI PTP edits among the claim's lines (computed once per claim)."""
        if claim.claim_id not in self._ptp:
            from medcoder.audit.checks.ncci import pairs

            self._ptp[claim.claim_id] = pairs(claim, self)
        return self._ptp[claim.claim_id]


Check = Callable[[AuditClaim, Any, CheckContext], list[Finding]]


FAMILIES: tuple[tuple[str, bool], ...] = (
    ("eligibility", False), ("validity", False), ("duplicates", False), ("em_level", True),
    ("procedures", True), ("diagnoses", True), ("ncci", False), ("mue", False), ("modifiers", True),
)  # (module, needs the coded record), in the order they run


@cache
def checks() -> tuple[tuple[str, Check, bool], ...]:
    """(family, function, needs the coded record) in the order they run."""
    out = []
    for name, needs in FAMILIES:
        mod = importlib.import_module(f"{__name__}.{name}")
        out.append((name, cast(Check, mod.check), needs))
    return tuple(out)

"""What every edit family shares: the finding it reports and the context it reads tables from.

An edit family is one module under ``claims/edits/`` that defines ``FAMILY = Family(...)``:
its name, the official rule it implements (``reference``), the dates it is in force (compared
with the claim's first date of service), the claim kinds it applies to, and ``check(claim, ctx)``
yielding ``Finding`` objects. Severity: ``error`` blocks submission (a payer would reject the
claim or line), ``warning`` needs a person to look (may deny, or is likely wrong), ``info``
explains (an edit that could not run because its table is not loaded, a bypass that was used).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from medcoder.claims.model import Claim
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import DataError

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    edit: str  # the family (module) name, e.g. "ncci-ptp"
    rule: str  # a stable id within the family, e.g. "ncci-ptp/modifier-0"
    severity: Severity
    message: str  # plain words a biller reads: what is wrong and what to do
    reference: str  # the official source: guideline section, manual chapter, table and release
    lines: tuple[int, ...] = ()  # 1-based service lines concerned (empty: the claim as a whole)
    diagnoses: tuple[int, ...] = ()  # 1-based diagnosis positions concerned
    codes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "edit": self.edit, "rule": self.rule, "severity": self.severity, "message": self.message,
            "reference": self.reference, "lines": list(self.lines), "diagnoses": list(self.diagnoses),
            "codes": list(self.codes),
        }


@dataclass
class ScrubContext:
    """Tables for the claim's dates, opened once per scrub; a kind that is not loaded is
    remembered so the family can say which edit it could not run and how to load it."""

    kb: KnowledgeBase
    history: tuple[Claim, ...] = ()  # claims already submitted (duplicate-claim edit)
    missing: dict[str, str] = field(default_factory=dict)  # kind -> reason
    _tables: dict[tuple[str, _dt.date], Any] = field(default_factory=dict)

    def table(self, kind: str, dos: _dt.date) -> Any | None:
        key = (kind, dos)
        if key in self._tables:
            return self._tables[key]
        try:
            reader = self.kb.open(kind, dos).reader
        except DataError as exc:
            self.missing.setdefault(kind, exc.message)
            reader = None
        self._tables[key] = reader
        return reader

    def not_loaded(self, family: Family, kind: str) -> Finding:
        return Finding(
            family.name, f"{family.name}/not-checked", "info",
            f"{family.title} not checked: the {kind} table is not loaded for this date of service "
            f"(medcoder data import {kind} FILE, or medcoder data sync {kind})",
            family.reference,
        )


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    reference: str
    check: Callable[[Claim, ScrubContext], Iterable[Finding]]
    kinds: tuple[str, ...] = ("professional", "institutional")
    effective_from: _dt.date = _dt.date(2015, 10, 1)  # ICD-10 implementation
    effective_to: _dt.date | None = None

    def applies(self, claim: Claim) -> bool:
        d = claim.service_from
        return (claim.kind in self.kinds and self.effective_from <= d
                and (self.effective_to is None or d <= self.effective_to))

    def finding(self, rule: str, severity: Severity, message: str, *, lines: Iterable[int] = (),
                diagnoses: Iterable[int] = (), codes: Iterable[str] = (), reference: str | None = None) -> Finding:
        return Finding(self.name, f"{self.name}/{rule}", severity, message, reference or self.reference,
                       tuple(lines), tuple(diagnoses), tuple(codes))

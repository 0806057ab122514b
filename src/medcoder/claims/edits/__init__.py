"""The claim scrubber: every edit family a payer applies, run before the claim is sent.

    report = scrub(claim, kb)              # ScrubReport: findings, worst severity
    report.errors                           # findings that block submission

One module per edit family (``FAMILY_MODULES``); each declares the official rule it implements
and the dates it is in force, so a claim is checked against the rules of its date of service.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from medcoder.claims.edits.base import SEVERITIES, Family, Finding, ScrubContext
from medcoder.claims.model import Claim
from medcoder.codesets.kb import KnowledgeBase

# the order findings are reported in: the claim's codes first, then payer edits, then form rules
FAMILY_MODULES = (
    "required",
    "validity",
    "seventh_character",
    "first_listed",
    "excludes1",
    "age_sex",
    "mce",
    "pointers",
    "modifiers",
    "ncci_ptp",
    "mue",
    "duplicates",
)


@cache
def families() -> tuple[Family, ...]:
    out = []
    for name in FAMILY_MODULES:
        try:
            mod = importlib.import_module(f"medcoder.claims.edits.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"medcoder.claims.edits.{name}":
                continue  # a family still being written
            raise
        out.append(mod.FAMILY)
    return tuple(out)


@dataclass
class ScrubReport:
    claim_id: str
    kind: str
    date_of_service: str
    findings: list[Finding] = field(default_factory=list)
    families_run: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def clean(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim_id, "kind": self.kind, "date_of_service": self.date_of_service,
            "clean": self.clean,
            "counts": {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
            "edits_run": list(self.families_run),
        }


def scrub(claim: Claim, kb: KnowledgeBase, *, history: Iterable[Claim] = (),
          only: Iterable[str] | None = None) -> ScrubReport:
    """Every edit family in force on the claim's date of service, in order."""
    ctx = ScrubContext(kb, tuple(history))
    wanted = set(only) if only is not None else None
    report = ScrubReport(claim.patient_control_number, claim.kind, claim.service_from.isoformat())
    with kb.steady():
        for fam in families():
            if wanted is not None and fam.name not in wanted:
                continue
            if not fam.applies(claim):
                continue
            report.families_run.append(fam.name)
            report.findings.extend(fam.check(claim, ctx))
    return report


__all__ = ["Family", "Finding", "ScrubContext", "ScrubReport", "families", "scrub"]

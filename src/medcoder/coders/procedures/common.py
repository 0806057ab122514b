"""What every procedure rule family shares: the line it produces and where it points."""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from medcoder.result import CodeSuggestion, Evidence


@dataclass(frozen=True)
class ServiceRow:
    """One row of a family's data file: a code, when it is in force, and the words for it."""

    code: str
    phrases: tuple[str, ...]
    effective: _dt.date
    until: _dt.date | None
    source: str
    extra: dict[str, str]

    def in_force(self, dos: _dt.date) -> bool:
        return self.effective <= dos and (self.until is None or dos < self.until)


@cache
def service_rows(name: str) -> tuple[ServiceRow, ...]:
    with resources.files("medcoder").joinpath("data", name).open(encoding="utf-8") as fh:
        rows = []
        for r in csv.DictReader(fh):
            rows.append(
                ServiceRow(
                    code=r["code"].strip(),
                    phrases=tuple(p.strip().lower() for p in r["phrases"].split("|") if p.strip()),
                    effective=_dt.date.fromisoformat(r["effective"]),
                    until=_dt.date.fromisoformat(r["until"]) if r.get("until") else None,
                    source=r["source"].strip(),
                    extra={k: (v or "").strip() for k, v in r.items()
                           if k not in ("code", "phrases", "effective", "until", "source")},
                )
            )
    return tuple(rows)


@cache
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alts = sorted((re.escape(p).replace(r"\ ", r"[\s-]+") for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.I)


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """The documentation line around ``pos`` (a flowsheet row, a list item, or a sentence)."""
    start = max(text.rfind("\n", 0, pos), text.rfind(";", 0, pos)) + 1
    ends = [i for i in (text.find("\n", pos), text.find(";", pos)) if i != -1]
    return start, min(ends) if ends else len(text)


def pointers(diagnoses: list[CodeSuggestion], prefer: tuple[str, ...] = ()) -> list[int]:
    """Diagnosis pointers (1-based, at most 4, the CMS-1500 limit): the preferred chapters
    first (psychotherapy: F codes), then the first-listed order."""
    ranked = sorted(
        range(len(diagnoses)),
        key=lambda i: (0 if diagnoses[i].code.startswith(prefer) and prefer else 1, i),
    )
    return [i + 1 for i in ranked[:4]]


def line(
    code: str,
    label: str,
    text: str,
    spans: list[tuple[int, int]],
    rationale: list[str],
    *,
    units: int = 1,
    modifiers: list[str] | None = None,
    minutes: int | None = None,
    diagnosis_pointers: list[int] | None = None,
    confidence: float = 0.9,
) -> CodeSuggestion:
    return CodeSuggestion(
        code=code,
        system="CPT",
        description=label,
        confidence=confidence,
        evidence=[Evidence(s, e, text[s:e]) for s, e in sorted(set(spans))],
        rationale=rationale,
        units=units,
        modifiers=list(modifiers or []),
        minutes=minutes,
        diagnosis_pointers=list(diagnosis_pointers or []),
    )

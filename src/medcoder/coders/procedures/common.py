"""What every procedure rule family shares: the line it produces and where it points."""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from medcoder.errors import DataError
from medcoder.result import CodeSuggestion, Evidence


@dataclass
class Visit:
    """What a procedure rule family sees of one encounter.

    ``lines`` holds the lines the families before it produced (E/M runs last, so it sees the
    procedures of the day for modifier 25 and the psychotherapy add-ons). ``kb`` gives the
    loaded tables (licensed CPT descriptors, HCPCS, ICD-10-PCS); every family works without them.
    """

    text: str
    dos: _dt.date
    diagnoses: list[CodeSuggestion]
    setting: str = "outpatient"
    age: int | None = None
    sex: str = "U"
    metadata: dict[str, Any] = field(default_factory=dict)
    kb: Any = None
    site_model: Any = None  # phrases this site's coders reported (``medcoder learn``), if any
    warnings: list[str] = field(default_factory=list)
    lines: list[CodeSuggestion] = field(default_factory=list)
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def table(self, kind: str) -> Any:
        """The reader of a loaded table in force on the date of service, or None (looked up
        once per visit: every family and every line label asks)."""
        if kind in self._tables:
            return self._tables[kind]
        reader = None
        if self.kb is not None:
            try:
                if self.kb.store.tables(kind):
                    reader = self.kb.open(kind, self.dos).reader
            except DataError:  # not in force on the date of service: as if not loaded
                reader = None
        self._tables[kind] = reader
        return reader


def label_for(code: str, visit: Visit | None = None, system: str = "CPT", fallback: str = "") -> str:
    """The line's label: the licensed CPT descriptor when the user loaded one, the HCPCS
    long description when HCPCS is loaded, else medcoder's own neutral label."""
    from medcoder.codesets.cpt.codes import label as cpt_label

    if visit is not None and system == "CPT":
        cpt = visit.table("cpt")
        if cpt is not None:
            desc = cpt.descriptor(code)
            if desc:
                return str(desc)
    if visit is not None and system == "HCPCS":
        hcpcs = visit.table("hcpcs")
        hit = hcpcs.get(code) if hcpcs is not None else None
        if hit is not None and hit.long_desc:
            return str(hit.long_desc)
    return cpt_label(code) or fallback or code


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


@cache
def _key_words(phrases: tuple[str, ...]) -> tuple[str, ...]:
    words = (re.split(r"[\s-]+", p.strip()) for p in phrases)
    return tuple(sorted({max(w, key=len) for w in words if w and w[0]}))


def may_contain(lowered: str, phrases: tuple[str, ...]) -> bool:
    """A fast pre-check (substring search, no regex) that ``lowered`` (the note, lower-cased)
    may hold one of ``phrases``: the longest word of one of them is in it. False means none."""
    return any(w in lowered for w in _key_words(phrases))


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
    units: int | float = 1,
    modifiers: list[str] | None = None,
    minutes: int | None = None,
    diagnosis_pointers: list[int] | None = None,
    confidence: float = 0.9,
    system: str = "CPT",
) -> CodeSuggestion:
    return CodeSuggestion(
        code=code,
        system=system,
        description=label,
        confidence=confidence,
        evidence=[Evidence(s, e, text[s:e]) for s, e in sorted(set(spans))],
        rationale=rationale,
        units=units,
        modifiers=list(modifiers or []),
        minutes=minutes,
        diagnosis_pointers=list(diagnosis_pointers or []),
    )


@cache
def _bundled_global_days() -> dict[str, tuple[str, str]]:
    with resources.files("medcoder").joinpath("data", "global_days.csv").open(encoding="utf-8") as fh:
        return {r["code"].strip(): (r["global_days"].strip(), r["source"].strip()) for r in csv.DictReader(fh)}


def global_days(code: str, visit: Visit | None = None) -> tuple[str, str] | None:
    """The code's global surgery period (``000``, ``010``, ``090``, ``XXX``, ``YYY``, ``ZZZ``,
    ``MMM``) and where it came from: the loaded fee schedule (``pfs-rvu``, GLOB DAYS) when there
    is one, else medcoder's bundled table for the codes it produces (``data/global_days.csv``)."""
    rvu = visit.table("pfs-rvu") if visit is not None else None
    if rvu is not None:
        row = rvu.get(code)
        if row is not None and row.global_days:
            return str(row.global_days), f"CMS PFS RVU file {rvu.release}, GLOB DAYS"
    return _bundled_global_days().get(code)

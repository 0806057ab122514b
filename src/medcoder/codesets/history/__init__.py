"""The curated code history: codes deleted, added, revised or expanded, with their replacements.

A release file only says what is valid in that release; it does not say that 90806 was valid
until 2012 and what replaced it. ``medcoder/data/code_history.csv`` (package data, curated by
hand and cited row by row) records such changes for CPT, HCPCS Level II and ICD-10-CM:

    system       ICD-10-CM | CPT | HCPCS
    code         the code as printed (ICD-10-CM with its dot)
    change       deleted | added | revised | expanded
    effective    ISO date the change took effect: a deleted or expanded code is invalid for dates
                 of service on or after it; an added code is invalid before it
    replacements space-separated codes to report instead (for an expanded code: its new codes)
    note         what changed, in our words
    citation     the official source document and where in it

The CSV is read once, lazily, on the first question. API (``system`` is optional everywhere;
without it every system whose code shape fits is searched):

    history_for(code, system=None) -> list[HistoryEntry]     every recorded change, oldest first
    status_on(code, dos, system=None) -> HistoryStatus       reportable on that date? and why not
    replacements(code, system=None) -> list[str]             what to report instead
    card(code, system=None) -> dict | None                   a code card from the history alone

``medcoder.codesets.validate`` and ``cards`` use it to refuse a deleted or expanded code for a
date of service on or after the change, naming the replacements, and to accept an old code for
a date before the change even when the release loaded is newer.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from medcoder.dates import parse_date
from medcoder.errors import DataError, InputError

SYSTEMS = ("ICD-10-CM", "CPT", "HCPCS")
CHANGES = ("deleted", "added", "revised", "expanded")
COLUMNS = ("system", "code", "change", "effective", "replacements", "note", "citation")
# Changes after which the code itself may no longer be reported.
ENDING = ("deleted", "expanded")

_SYSTEM_ALIASES = {
    "ICD-10-CM": "ICD-10-CM",
    "ICD10CM": "ICD-10-CM",
    "ICD-10": "ICD-10-CM",
    "ICD10": "ICD-10-CM",
    "CPT": "CPT",
    "HCPCS": "HCPCS",
    "HCPCS LEVEL II": "HCPCS",
    "HCPCS-II": "HCPCS",
}
_ICD = re.compile(r"^([A-Z][0-9][0-9A-Z])\.?([0-9A-Z]{0,4})$")
_SHAPES = {
    "ICD-10-CM": re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"),
    "CPT": re.compile(r"^[0-9]{4}[0-9FTU]$"),
    "HCPCS": re.compile(r"^[A-V][0-9]{4}$"),
}


@dataclass(frozen=True)
class HistoryEntry:
    """One change to one code."""

    system: str
    code: str
    change: str
    effective: _dt.date
    replacements: tuple[str, ...]
    note: str
    citation: str

    def invalidates(self, dos: _dt.date) -> bool:
        """True when this change makes the code unreportable on ``dos``."""
        if self.change in ENDING:
            return dos >= self.effective
        if self.change == "added":
            return dos < self.effective
        return False

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "code": self.code,
            "change": self.change,
            "effective": self.effective.isoformat(),
            "replacements": list(self.replacements),
            "note": self.note,
            "citation": self.citation,
        }


def normalize_system(system: str) -> str:
    key = " ".join(system.strip().upper().split())
    if key not in _SYSTEM_ALIASES:
        raise InputError(
            f"unknown code system {system!r}; the code history covers {', '.join(SYSTEMS)}"
        )
    return _SYSTEM_ALIASES[key]


def normalize_code(system: str, code: str) -> str:
    c = code.strip().upper().replace(" ", "")
    if system == "ICD-10-CM":
        m = _ICD.match(c)
        if m:
            head, tail = m.groups()
            return f"{head}.{tail}" if tail else head
    return c


def code_shape_ok(code: str) -> bool:
    """A replacement may be in any system the table covers (HCPCS → CPT happens)."""
    return any(p.match(code) for p in _SHAPES.values())


def _source() -> str:
    return (
        resources.files("medcoder").joinpath("data", "code_history.csv").read_text(encoding="utf-8")
    )


def parse_rows(text: str, where: str = "code_history.csv") -> list[HistoryEntry]:
    """Parse and check the CSV; a malformed row is a packaging bug, reported with its line."""
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise DataError(
            f"expected columns {', '.join(COLUMNS)}, found {reader.fieldnames}", where=where
        )
    out: list[HistoryEntry] = []
    seen: set[tuple[str, str, str, _dt.date]] = set()
    for i, row in enumerate(reader, start=2):
        at = f"{where}:{i}"
        try:
            system = normalize_system(row["system"] or "")
        except InputError as exc:
            raise DataError(exc.message, where=at) from exc
        code = normalize_code(system, row["code"] or "")
        if not _SHAPES[system].match(code):
            raise DataError(f"{code!r} is not shaped like a {system} code", where=at)
        change = (row["change"] or "").strip().lower()
        if change not in CHANGES:
            raise DataError(f"change {change!r} is not one of {', '.join(CHANGES)}", where=at)
        try:
            eff = _dt.date.fromisoformat((row["effective"] or "").strip())
        except ValueError as exc:
            raise DataError(f"effective {row['effective']!r} is not an ISO date", where=at) from exc
        reps = tuple((row["replacements"] or "").split())
        bad = [r for r in reps if not code_shape_ok(r)]
        if bad:
            raise DataError(f"replacement(s) {', '.join(bad)} are not codes", where=at)
        if change == "expanded" and not reps:
            raise DataError("an expanded code must list the codes it became", where=at)
        citation = (row["citation"] or "").strip()
        if not citation:
            raise DataError("every row needs a citation", where=at)
        key = (system, code, change, eff)
        if key in seen:
            raise DataError(f"{system} {code} {change} {eff.isoformat()} is listed twice", where=at)
        seen.add(key)
        out.append(
            HistoryEntry(system, code, change, eff, reps, (row["note"] or "").strip(), citation)
        )
    return out


@cache
def entries() -> tuple[HistoryEntry, ...]:
    """Every row of the packaged code history (read once)."""
    return tuple(parse_rows(_source()))


@cache
def _index() -> dict[tuple[str, str], tuple[HistoryEntry, ...]]:
    idx: dict[tuple[str, str], list[HistoryEntry]] = {}
    for e in entries():
        idx.setdefault((e.system, e.code), []).append(e)
    return {k: tuple(sorted(v, key=lambda e: e.effective)) for k, v in idx.items()}


def _is_system_name(text: str) -> bool:
    return " ".join(text.strip().upper().split()) in _SYSTEM_ALIASES


def _code_and_system(code: str, system: str | None) -> tuple[str, list[str]]:
    """The code and the systems to look in; the older ``(system, code)`` order is accepted."""
    if system is not None and _is_system_name(code) and not _is_system_name(system):
        code, system = system, code
    return code, [normalize_system(system)] if system else list(SYSTEMS)


def history_for(code: str, system: str | None = None) -> list[HistoryEntry]:
    """Every recorded change to ``code``, oldest first (empty when none).

    ``system`` (ICD-10-CM, CPT or HCPCS) narrows the search; without it every system whose
    code shape fits is searched (``A0030`` is looked up as HCPCS A0030 and ICD-10-CM A00.30).
    ``history_for("CPT", "90806")``, the order ``validate`` uses, is accepted too.
    """
    code, systems = _code_and_system(code, system)
    out: list[HistoryEntry] = []
    for s in systems:
        out.extend(_index().get((s, normalize_code(s, code)), ()))
    return sorted(out, key=lambda e: (e.effective, e.system))


@dataclass(frozen=True)
class HistoryStatus:
    """What the code history says about reporting ``code`` on ``date_of_service``.

    ``reportable`` is False when a recorded change forbids the code on that date (deleted or
    expanded on or before it, or added after it); True otherwise. ``known`` says whether the
    history records the code at all: an unknown code is not vouched for, only not objected to.
    """

    code: str
    date_of_service: _dt.date
    known: bool
    reportable: bool
    entry: HistoryEntry | None = None
    replacements: tuple[str, ...] = ()
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "date_of_service": self.date_of_service.isoformat(),
            "known": self.known,
            "reportable": self.reportable,
            "change": self.entry.as_dict() if self.entry else None,
            "replacements": list(self.replacements),
            "reason": self.reason,
        }


def _reason(e: HistoryEntry, dos: _dt.date) -> str:
    if e.change in ENDING:
        reps = " / ".join(e.replacements)
        return (
            f"{e.system} {e.code} was {e.change} on {e.effective.isoformat()}; "
            "it cannot be reported "
            f"for a date of service on or after that ({dos.isoformat()})"
            + (f"; report {reps} instead" if reps else "")
        )
    return (
        f"{e.system} {e.code} took effect on {e.effective.isoformat()}; it cannot be reported "
        f"for a date of service before that ({dos.isoformat()})"
    )


def _decisive(hist: list[HistoryEntry], d: _dt.date) -> HistoryEntry | None:
    """The change that forbids the code on ``d``, reading the history as a timeline.

    The latest deletion, expansion or addition on or before ``d`` decides (a code deleted and
    later added back is reportable again); before its first addition a code is not reportable.
    """
    past = [e for e in hist if e.effective <= d and e.change in (*ENDING, "added")]
    if past:
        return past[-1] if past[-1].change in ENDING else None
    future = [e for e in hist if e.change == "added" and e.effective > d]
    return future[0] if future else None


def status_on(code: str, dos: _dt.date | str, system: str | None = None) -> HistoryStatus:
    """Whether the history lets ``code`` be reported on ``dos``, with the change that decides it."""
    d = parse_date(dos, field="date of service")
    hist = history_for(code, system)
    e = _decisive(hist, d)
    if e is None:
        shown = hist[-1].code if hist else code.strip().upper()
        return HistoryStatus(code=shown, date_of_service=d, known=bool(hist), reportable=True)
    reps = e.replacements if e.change in ENDING else ()
    return HistoryStatus(
        code=e.code,
        date_of_service=d,
        known=True,
        reportable=False,
        entry=e,
        replacements=reps,
        reason=_reason(e, d),
    )


def replacements(code: str, system: str | None = None) -> list[str]:
    """The codes to report instead of a deleted or expanded code (newest change first)."""
    out: list[str] = []
    for e in reversed(history_for(code, system)):
        if e.change in ENDING:
            out.extend(r for r in e.replacements if r not in out)
    return out


def card(code: str, system: str | None = None) -> dict[str, Any] | None:
    """A code card from the history alone (a deleted code such as 90806), or None."""
    code, systems = _code_and_system(code, system)
    for s in systems:
        hist = history_for(code, s)
        if not hist:
            continue
        last = hist[-1]
        ending = [e for e in hist if e.change in ENDING]
        out: dict[str, Any] = {
            "system": s,
            "code": last.code,
            "title": None,
            "status": ending[-1].change if ending else last.change,
            "history": [e.as_dict() for e in hist],
        }
        added = [e for e in hist if e.change == "added"]
        if added:
            out["valid_from"] = added[0].effective.isoformat()
        if ending:
            out["valid_until"] = (ending[-1].effective - _dt.timedelta(days=1)).isoformat()
            out["invalid_from"] = ending[-1].effective.isoformat()
            out["replacements"] = list(ending[-1].replacements)
        return out
    return None


__all__ = [
    "CHANGES",
    "SYSTEMS",
    "HistoryEntry",
    "HistoryStatus",
    "card",
    "entries",
    "history_for",
    "parse_rows",
    "replacements",
    "status_on",
]

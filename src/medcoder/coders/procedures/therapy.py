"""Outpatient therapy (PT, OT, SLP): timed codes in units by the CMS 8-minute rule, untimed
evaluations, and the discipline modifier.

Rules, with their source (CMS Pub. 100-04, Medicare Claims Processing Manual, chapter 5):

- §20.2: the minutes of all timed codes of one visit are added; the total gives the units
  (8-22 minutes 1 unit, 23-37 2, 38-52 3, 53-67 4, ... : 15-minute units, a unit from 8
  minutes on). Each service first gets its full 15-minute units; the units left go to the
  services with the most remaining minutes. A service under 8 minutes counts towards the total
  and may earn a unit that way.
- §20.1: every therapy line carries the discipline's modifier: GP (physical therapy), GO
  (occupational therapy), GN (speech-language pathology).
- Untimed services (the evaluations) are one unit whatever their length. The PT and OT
  evaluation codes by complexity are in force from 2017-01-01 (``therapy_services.csv``).

Only documented minutes are used: a timed service written without its minutes is not coded,
and a warning says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcoder.coders.procedures.common import (
    Visit,
    label_for,
    line,
    line_bounds,
    may_contain,
    phrase_pattern,
    pointers,
    service_rows,
)
from medcoder.coders.procedures.minutes import durations, plausible
from medcoder.result import CodeSuggestion

DATA = "therapy_services.csv"
RULE = "CMS Pub. 100-04 ch. 5 §20.2 (8-minute rule)"
MODIFIER_RULE = "CMS Pub. 100-04 ch. 5 §20.1"
MODIFIERS = {"PT": "GP", "OT": "GO", "SLP": "GN"}
# abbreviations only written as such ("PT", not "pt" in "the pt walked"); words in any case
_DISCIPLINE = {
    "PT": re.compile(r"\bPT\b|(?i:\bphysical therap(?:y|ist)\b|\bphysiotherapy\b)"),
    "OT": re.compile(r"\bOT\b|(?i:\boccupational therap(?:y|ist)\b)"),
    "SLP": re.compile(r"\bSLP\b|(?i:\bspeech(?:[\s-]+language)?[\s-]+(?:therapy|patholog(?:y|ist))\b)"),
}


def units_for(total_minutes: int) -> int:
    """Units for the total timed minutes of a visit (§20.2): 8-22 -> 1, 23-37 -> 2, ..."""
    return (total_minutes + 7) // 15 if total_minutes >= 8 else 0


def distribute(minutes: dict[str, int]) -> dict[str, int]:
    """Units per timed service (§20.2): full 15-minute units first, then the units left to
    the services with the most remaining minutes (ties: the service with more minutes)."""
    total = units_for(sum(minutes.values()))
    units = {code: m // 15 for code, m in minutes.items()}
    left = total - sum(units.values())
    order = sorted(minutes, key=lambda c: (-(minutes[c] % 15), -minutes[c], c))
    for code in order[: max(left, 0)]:
        units[code] += 1
    return units


def discipline(text: str) -> str | None:
    found = {d for d, rx in _DISCIPLINE.items() if rx.search(text)}
    return found.pop() if len(found) == 1 else None


@dataclass
class _Timed:
    code: str
    minutes: int
    spans: list[tuple[int, int]]
    source: str


def code(visit: Visit) -> list[CodeSuggestion]:
    text, dos, diagnoses, warnings = visit.text, visit.dos, visit.diagnoses, visit.warnings
    lowered = text.lower()
    rows = [r for r in service_rows(DATA) if r.in_force(dos) and may_contain(lowered, r.phrases)]
    if not rows:
        return []
    timed: dict[str, _Timed] = {}
    untimed: list[tuple[str, tuple[int, int], str, str]] = []
    for row in rows:
        rx = phrase_pattern(row.phrases)
        for m in rx.finditer(text):
            if row.extra.get("timed") != "yes":
                untimed.append((row.code, (m.start(), m.end()), row.source, row.extra.get("discipline", "")))
                break
            _lo, hi = line_bounds(text, m.start())
            found = durations(text, m.end(), hi)
            stated = [d for d in found if plausible(d)]
            bad = len(stated) < len(found)
            if not stated:
                what = text[m.start() : m.end()]
                problem = "an impossible time" if bad else "no minutes"
                warnings.append(
                    f"'{what}' is documented with {problem}: the timed code {row.code} is not coded "
                    f"until the minutes are documented ({RULE})"
                )
                continue
            d = stated[0]
            t = timed.get(row.code)
            if t is None:
                timed[row.code] = _Timed(row.code, d.minutes, [(m.start(), m.end()), (d.start, d.end)], row.source)
            else:  # the same service documented twice in the visit: its minutes add up
                t.minutes += d.minutes
                t.spans += [(m.start(), m.end()), (d.start, d.end)]
    if not timed and not untimed:
        return []
    disc = discipline(text)
    out: list[CodeSuggestion] = []
    ptr = pointers(diagnoses)
    for code_, span, source, own in untimed:
        who = own or disc
        umods = [MODIFIERS[who]] if who in MODIFIERS else []
        out.append(
            line(
                code_, label_for(code_, visit), text, [span],
                [f"untimed therapy service: 1 unit ({source})"]
                + ([f"{umods[0]}: {who} discipline ({MODIFIER_RULE})"] if umods else []),
                diagnosis_pointers=ptr,
                modifiers=umods,
            )
        )
    if timed:
        minutes = {c: t.minutes for c, t in timed.items()}
        total = sum(minutes.values())
        units = distribute(minutes)
        mods = [MODIFIERS[disc]] if disc else []
        if not disc:
            warnings.append(
                "therapy lines need the discipline modifier (GP physical, GO occupational, GN "
                f"speech-language therapy): the note does not say which discipline ({MODIFIER_RULE})"
            )
        for c, t in timed.items():
            n = units[c]
            why = [
                f"{t.minutes} minutes documented; all timed services of the visit: {total} "
                f"minutes = {units_for(total)} unit(s); this service: {n} ({RULE})"
            ]
            if n == 0:
                warnings.append(
                    f"{c}: {t.minutes} minutes earned no unit (the visit's {total} timed minutes "
                    f"give {units_for(total)} unit(s), assigned to the longer services) ({RULE})"
                )
                continue
            if mods:
                why.append(f"{mods[0]}: {disc} discipline ({MODIFIER_RULE})")
            out.append(
                line(c, label_for(c, visit), text, t.spans, why, units=n, modifiers=mods,
                     minutes=t.minutes, diagnosis_pointers=ptr)
            )
    return out

"""Psychotherapy by documented time (the CPT psychiatry codes in force from 2013-01-01).

Sources: AMA CPT 2013 Professional Edition, Psychiatry section guidelines (codes 90832-90838,
90839-90840, 90785; 90804-90829 deleted); CMS CY 2013 PFS final rule, 77 FR 68892.

- Time bands (CPT time rule: a unit of time is attained when the midpoint is passed):
  16-37 minutes 90832, 38-52 90834, 53 or more 90837; under 16 minutes psychotherapy is not
  reported. With an E/M service by the same provider the same day, the add-on codes 90833,
  90836, 90838 in the same bands.
- Crisis psychotherapy: 90839 for 30-74 minutes, 90840 for each further 30 minutes from 75
  minutes (75-104: 1 unit, 105-134: 2 ...). Under 30 minutes of crisis care the time bands
  above are used.
- 90785 (interactive complexity) is an add-on when the note documents it.
- The deleted 90804-90829 family is never produced; a note or claim that names one is flagged
  with its replacement (``medcoder.codesets.history``).
"""

from __future__ import annotations

import datetime as _dt
import re

from medcoder.coders.procedures.common import Visit, label_for, line, line_bounds, pointers
from medcoder.coders.procedures.minutes import durations, plausible
from medcoder.result import CodeSuggestion

EFFECTIVE = _dt.date(2013, 1, 1)
SOURCE = "CPT 2013 Psychiatry guidelines; CMS CY2013 PFS final rule, 77 FR 68892"
BANDS = ((53, "90837", "90838"), (38, "90834", "90836"), (16, "90832", "90833"))

_PSYCHOTHERAPY = re.compile(r"\b(?:psychotherapy|psychotherapeutic session)\b", re.I)
_CRISIS = re.compile(r"\bcrisis\b", re.I)
_GROUP = re.compile(r"\bgroup (?:psycho)?therapy\b", re.I)
_FAMILY = re.compile(r"\bfamily (?:psycho)?therapy\b", re.I)
_WITHOUT_PATIENT = re.compile(r"\bwithout the patient\b|\bpatient (?:was )?not present\b", re.I)
_WITH_PATIENT = re.compile(r"\bwith the patient(?: present)?\b|\bpatient (?:was )?present\b", re.I)
_EM = re.compile(
    r"\bmedication management\b|\bE/M\b|\bevaluation and management\b|\bmedication review\b", re.I
)
_INTERACTIVE = re.compile(r"\binteractive complexity\b", re.I)
_DELETED = re.compile(r"\b908(?:0[4-9]|1\d|2\d)\b")


def band(minutes: int, with_em: bool) -> str | None:
    for low, alone, addon in BANDS:
        if minutes >= low:
            return addon if with_em else alone
    return None


def crisis_units(minutes: int) -> tuple[int, int]:
    """(90839 units, 90840 units) for crisis psychotherapy minutes; (0, 0) under 30."""
    if minutes < 30:
        return 0, 0
    return 1, max(0, (minutes - 45) // 30)


def deleted_codes(text: str, warnings: list[str]) -> None:
    from medcoder.codesets.history import replacements

    for m in _DELETED.finditer(text):
        reps = replacements(m.group(0), "CPT")
        if reps:
            warnings.append(
                f"{m.group(0)} (in the note) was deleted on 2013-01-01 and is never reported; "
                f"its replacement is {' / '.join(reps)}, chosen by documented time ({SOURCE})"
            )


def code(visit: Visit) -> list[CodeSuggestion]:
    text, dos, diagnoses, warnings = visit.text, visit.dos, visit.diagnoses, visit.warnings
    deleted_codes(text, warnings)
    hits = list(_PSYCHOTHERAPY.finditer(text))
    if not hits:
        return []
    if dos < EFFECTIVE:
        warnings.append(
            f"psychotherapy on {dos.isoformat()}: before 2013 the 90804-90829 codes applied, "
            "which medcoder does not produce; code it by hand"
        )
        return []
    ptr = pointers(diagnoses, prefer=("F", "Z63", "Z65"))
    m = hits[0]
    lo, hi = line_bounds(text, m.start())
    # the session's time: on the psychotherapy line, else the first stated time of the note
    stated = [d for d in durations(text, m.end(), hi) if plausible(d)] or [
        d for d in durations(text) if plausible(d)
    ]
    spans = [(m.start(), m.end())]
    out: list[CodeSuggestion] = []
    sentence = text[lo:hi]
    if _GROUP.search(sentence) or _FAMILY.search(sentence):
        if _GROUP.search(sentence):
            code_ = "90853"
        elif _WITHOUT_PATIENT.search(text):
            code_ = "90846"
        elif _WITH_PATIENT.search(text):
            code_ = "90847"
        else:
            warnings.append(
                "family psychotherapy: the note does not say whether the patient was present "
                f"(90847) or not (90846) ({SOURCE})"
            )
            return []
        out.append(line(code_, label_for(code_, visit), text, spans,
                        [f"{label_for(code_, visit)}: not reported by time bands ({SOURCE})"],
                        diagnosis_pointers=ptr))
        return out
    if not stated and any(not plausible(d) for d in durations(text)):
        warnings.append(
            "psychotherapy is documented with an impossible time (zero, over a day, or a span "
            f"that runs backwards): the code is not guessed ({SOURCE})"
        )
        return []
    if not stated:
        warnings.append(
            "psychotherapy is documented without its time: the code depends on the minutes "
            f"(16-37 90832, 38-52 90834, 53+ 90837) ({SOURCE})"
        )
        return []
    d = stated[0]
    spans.append((d.start, d.end))
    with_em = bool(_EM.search(text))
    if _CRISIS.search(sentence) and d.minutes >= 30:
        _first, more = crisis_units(d.minutes)
        out.append(line("90839", label_for("90839", visit), text, spans,
                        [f"crisis psychotherapy, {d.minutes} minutes: 90839 covers 30-74 minutes ({SOURCE})"],
                        minutes=d.minutes, diagnosis_pointers=ptr))
        if more:
            out.append(line("90840", label_for("90840", visit), text, spans,
                            [f"{d.minutes} minutes: {more} unit(s) of 90840, one per further 30 "
                             f"minutes from 75 minutes ({SOURCE})"],
                            units=more, minutes=d.minutes, diagnosis_pointers=ptr))
    else:
        banded = band(d.minutes, with_em)
        if banded is None:
            warnings.append(
                f"psychotherapy of {d.minutes} minutes: under 16 minutes it is not reported ({SOURCE})"
            )
            return []
        why = [f"psychotherapy, {d.minutes} minutes ({d.how}): {banded} "
               f"({'with an E/M service the same day: add-on code, ' if with_em else ''}"
               f"16-37 90832, 38-52 90834, 53+ 90837) ({SOURCE})"]
        out.append(line(banded, label_for(banded, visit), text, spans, why,
                        minutes=d.minutes, diagnosis_pointers=ptr))
    ic = _INTERACTIVE.search(text)
    if ic:
        out.append(line("90785", label_for("90785", visit), text, [(ic.start(), ic.end())],
                        [f"interactive complexity documented: add-on 90785 ({SOURCE})"],
                        diagnosis_pointers=ptr))
    return out

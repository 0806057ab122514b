"""Evaluation and management (E/M): the visit level by medical decision making or total time,
preventive visits by age, prolonged time, and modifiers 25/57. Runs after every other family.

Sources, by date of service (``data/em_levels.csv`` holds the codes and thresholds per period,
``data/em_cues.csv`` the words the MDM worksheet reads, each row with its source):

- Office or other outpatient (99202-99205 new, 99211-99215 established), from 2021-01-01: AMA
  CPT 2021 E/M Services Guidelines. The level is chosen by MDM (2 of the 3 elements of the Levels
  of MDM table: problems addressed; data reviewed and analysed; risk of patient management) or
  by total time on the date of the encounter, whichever gives the higher level. Time: 2021-2023
  as ranges (99202 15-29 ... 99215 40-54), from CPT 2024 thresholds that must be met or
  exceeded (99202 15, 99203 30, 99204 45, 99205 60; 99212 10, 99213 20, 99214 30, 99215 40).
  99201 was deleted on 2021-01-01 and is never produced; 99211 only for a nurse (staff) visit.
  Before 2021 the 1995/1997 documentation guidelines applied: not supported, a warning says so.
- Emergency department (99281-99285) and hospital inpatient or observation care (initial
  99221-99223, subsequent 99231-99233, same-day admission and discharge 99234-99236,
  discharge 99238/99239), from 2023-01-01: AMA CPT 2023 E/M Services Guidelines. ED levels by
  MDM only (time is not a descriptor); inpatient by MDM or total time (99221 40, 99222 55,
  99223 75, 99231 25, 99232 35, 99233 50; 99234 45, 99235 70, 99236 85); discharge by time
  (30 minutes or less 99238, more than 30 99239). The observation codes 99217-99220 and
  99224-99226 were deleted on 2023-01-01 and are never produced; before 2023 no ED or inpatient
  level is produced (a warning says so).
- New or established: CPT E/M guidelines (new = no professional services from the physician or
  another of the same specialty in the same group within 3 years). ``metadata["patient_type"]``
  first, else the note's words; unknown: no office or preventive level, a warning.
- Prolonged time (only when the level is chosen by time): CPT 99417 from 2021 (each full 15
  minutes from 75 minutes with 99205, from 55 with 99215) and 99418 from 2023 (from 90 minutes
  with 99223, 65 with 99233). Medicare (``metadata["payer"] == "medicare"``) pays HCPCS G2212
  instead (CMS CY2021/CY2022 PFS final rules: from 89 / 69 minutes) and G0316 (CMS CY2023 PFS
  final rule, 87 FR 69404: from 105 / 80 minutes).
- Preventive medicine visits (99381-99387 new, 99391-99397 established) by age band on the
  date of service (CPT Preventive Medicine Services); a significant problem addressed at the
  same visit gets its own office E/M, by MDM, with modifier 25. Medicare IPPE G0402 (42 CFR
  410.16) and annual wellness visits G0438/G0439 (42 CFR 410.15) when the payer is Medicare.
- Modifier 25 (CPT Appendix A; CMS Pub. 100-04 ch. 12 §30.6.6 B): the E/M on the day of a
  procedure with a 000 or 010 global period (``common.global_days``; unknown: the CPT Surgery
  section 10004-69990) or of drug administration bundled with E/M (96360-96379, 96401-96549,
  94640; NCCI Policy Manual ch. XI), only when it is significant and separately identifiable
  (a problem beyond the procedure's, or management beyond it). Otherwise no E/M line. Modifier
  57 (Pub. 100-04 ch. 12 §30.6.6 C) instead when the procedure has a 090 global period (the
  decision for major surgery). With a psychotherapy add-on (90833/90836/90838) the E/M is
  required, is chosen by MDM only (CPT Psychiatry guidelines) and needs no 25 for it.

``worksheet(visit)`` returns the MDM worksheet (which problems, which data, which risk, with
the spans of their words) that the line's rationale shows. Nothing is guessed: what the level
depends on and the note does not say is reported as a warning, and the line is not produced.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from medcoder.coders.procedures.common import (
    ServiceRow,
    Visit,
    global_days,
    label_for,
    line,
    phrase_pattern,
    pointers,
    service_rows,
)
from medcoder.coders.procedures.minutes import durations, plausible
from medcoder.encounter import Section
from medcoder.result import CodeSuggestion
from medcoder.text.sections import find_sections

LEVELS_DATA = "em_levels.csv"
CUES_DATA = "em_cues.csv"
OFFICE_FROM = _dt.date(2021, 1, 1)
HOSPITAL_FROM = _dt.date(2023, 1, 1)
MDM_RULE = "AMA CPT E/M Services Guidelines, Levels of MDM (2 of 3 elements)"
MOD25_RULE = "CPT Appendix A modifier 25; CMS Pub. 100-04 ch. 12 §30.6.6 B"
MOD57_RULE = "CPT Appendix A modifier 57; CMS Pub. 100-04 ch. 12 §30.6.6 C"
DRUG_ADMIN_RULE = "CMS NCCI Policy Manual ch. XI (drug administration with E/M)"
PSYCH_RULE = "CPT Psychiatry guidelines (psychotherapy add-on with E/M)"
PREVENTIVE_RULE = "CPT Preventive Medicine Services guidelines"

MDM_NAMES = ("straightforward", "low", "moderate", "high")
PROBLEM_NAMES = ("minimal", "low", "moderate", "high")
DATA_NAMES = ("minimal", "limited", "moderate", "extensive")
RISK_NAMES = ("minimal", "low", "moderate", "high")
_RANK = {"minimal": 0, "straightforward": 0, "low": 1, "limited": 1, "moderate": 2, "high": 3,
         "extensive": 3}

PSYCH_ADDONS = frozenset({"90833", "90836", "90838"})
# lines that make the note the record of that service, not of a visit: therapy, stand-alone
# psychotherapy, anesthesia, ambulance
_SERVICE_RECORD = re.compile(
    r"^(?:97\d{3}|9083[247]|9083[9]|90840|9084[5-9]|9085[0-3]|0[01]\d{3}|A0\d{3})$"
)

_KIND_TEXT = {
    "minor": ("self-limited or minor problem", "self-limited or minor problems"),
    "acute-uncomplicated": ("acute uncomplicated illness or injury", "acute uncomplicated illnesses"),
    "acute-stable": ("stable acute illness", "stable acute illnesses"),
    "stable-unspecified": ("stable illness, chronic course not documented",
                           "stable illnesses, chronic course not documented"),
    "chronic-stable": ("stable chronic illness", "stable chronic illnesses"),
    "chronic-unstated": ("chronic illness, status not documented",
                         "chronic illnesses, status not documented"),
    "chronic-exacerbation": ("chronic illness with exacerbation, progression or side effects",
                             "chronic illnesses with exacerbation, progression or side effects"),
    "worsening-unspecified": ("worsening problem, chronic course not documented",
                              "worsening problems, chronic course not documented"),
    "undiagnosed-uncertain": ("undiagnosed new problem with uncertain prognosis",
                              "undiagnosed new problems with uncertain prognosis"),
    "acute-systemic": ("acute illness with systemic symptoms", "acute illnesses with systemic symptoms"),
    "acute-complicated-injury": ("acute complicated injury", "acute complicated injuries"),
    "chronic-severe": ("chronic illness with severe exacerbation, progression or side effects",
                       "chronic illnesses with severe exacerbation, progression or side effects"),
    "threat": ("illness or injury posing a threat to life or bodily function",
               "illnesses or injuries posing a threat to life or bodily function"),
    "unclassified": ("problem addressed, status not documented",
                     "problems addressed, status not documented"),
}

# sections whose words are the assessment and plan (problems, risk) or data reviewed
_PROBLEM_SECTIONS = frozenset({"assessment", "plan", "assessment_plan", "diagnoses",
                               "discharge_diagnoses", "hospital_course"})
_DECISION_SECTIONS = _PROBLEM_SECTIONS | {"results", "other"}
_HISTORY_SECTIONS = frozenset({"past_medical_history", "past_surgical_history", "family_history",
                               "social_history", "medications", "allergies", "ros"})
_EVALUATION_SECTIONS = frozenset({"chief_complaint", "hpi", "exam", "ros"})
_NO_TIME_SECTIONS = _HISTORY_SECTIONS | {"chief_complaint", "hpi", "exam"}

# a cheap test first: a note without any of these words is not an E/M visit note
_TRIGGER = re.compile(
    r"assessment|impression|plan\b|a/p|mdm|total time|spent|minutes|progress note|h&p|"
    r"history and physical|discharge|physical|exam|visit|nurse|awv|ippe",
    re.I,
)
_TRIGGER_WORDS = (
    "assessment", "impression", "plan", "a/p", "mdm", "total time", "spent", "minutes",
    "progress note", "h&p", "history and physical", "discharge", "physical", "exam", "visit",
    "nurse", "awv", "ippe",
)  # _TRIGGER as plain substrings of the lower-cased note: the fast pre-check
_EVAL_WORDS = re.compile(
    r"\b(?:history of present illness|hpi|chief complaint|presents? (?:with|for)|here for|"
    r"seen (?:today )?for|exam(?:ination)?|complains? of)\b",
    re.I,
)
_DECISION_WORDS = re.compile(r"\b(?:assessment|impression|plan|a/p)\b", re.I)
_ORDER_OR_REVIEW = re.compile(
    r"\b(?:order(?:ed|ing|s)?|obtain(?:ed)?|check(?:ed)?|drawn?|sen[dt]|review(?:ed)?|"
    r"results?|resulted|pending|will get|repeat(?:ed)?|showed|shows|revealed|reveals|normal|"
    r"abnormal|unremarkable|negative|positive|elevated|ordered and reviewed)\b",
    re.I,
)
_SELF = re.compile(r"\s*(?:the\s+)?(?:patient|pt|self|herself|himself)\b", re.I)
_LAST_SEEN = re.compile(
    r"\blast seen (?:here|in (?:this|our|the) (?:clinic|office|practice)|by me|by this practice|"
    r"in clinic)\s+(\d{1,2})\s+(years?|months?)\s+ago\b",
    re.I,
)
_MORE = re.compile(r"(?:more than|greater than|over|>|in excess of)\s*$", re.I)
_LESS = re.compile(r"(?:less than|under|<|fewer than)\s*$", re.I)
_TOTAL = re.compile(r"\btotal\b", re.I)
_DELETED = re.compile(r"\b(?:99201|9921[7-9]|99220|9922[4-6])\b")
_RX_SUFFIX_HEAD = r"\b[a-z]{2,}(?:"
_WORD = re.compile(r"[a-z]+")
# words of a procedure's evidence that say nothing about what it treats
_GENERIC_WORDS = frozenset({
    "left", "right", "bilateral", "injection", "injected", "injections", "performed", "procedure",
    "repair", "repaired", "the", "and", "with", "under", "guidance", "aspiration", "aspirated",
    "removal", "removed", "excision", "excised", "biopsy", "simple", "intermediate", "complex",
    "closure", "layered", "destruction", "incision", "drainage", "treatment", "closed", "open",
    "care", "laceration", "lesion", "lesions", "wound", "skin",
})


@dataclass(frozen=True)
class LevelRow:
    """One row of ``em_levels.csv``: a code, the family and patient type it is for, the lowest
    MDM and time that give it, the age band (preventive), the base code (prolonged time)."""

    code: str
    family: str
    patient: str
    mdm: str
    min_minutes: int | None
    max_minutes: int | None
    min_age: int | None
    max_age: int | None
    base: str
    payer: str
    cue: str
    effective: _dt.date
    until: _dt.date | None
    source: str
    label: str = ""  # HCPCS codes: a short label of the public-domain CMS descriptor

    def in_force(self, dos: _dt.date) -> bool:
        return self.effective <= dos and (self.until is None or dos < self.until)


def _int(v: str | None) -> int | None:
    v = (v or "").strip()
    return int(v) if v else None


@cache
def level_rows() -> tuple[LevelRow, ...]:
    with resources.files("medcoder").joinpath("data", LEVELS_DATA).open(encoding="utf-8") as fh:
        return tuple(
            LevelRow(
                code=r["code"].strip(), family=r["family"].strip(), patient=r["patient"].strip(),
                mdm=r["mdm"].strip(), min_minutes=_int(r["min_minutes"]),
                max_minutes=_int(r["max_minutes"]), min_age=_int(r["min_age"]),
                max_age=_int(r["max_age"]), base=r["base"].strip(), payer=r["payer"].strip(),
                cue=r["cue"].strip(), effective=_dt.date.fromisoformat(r["effective"]),
                until=_dt.date.fromisoformat(r["until"]) if r["until"].strip() else None,
                source=r["source"].strip(), label=(r.get("label") or "").strip(),
            )
            for r in csv.DictReader(fh)
        )


def _rows(family: str, dos: _dt.date, patient: str = "", payer: str = "") -> list[LevelRow]:
    return [
        r for r in level_rows()
        if r.family == family and r.in_force(dos) and r.payer == payer
        and (not r.patient or not patient or r.patient == patient)
    ]


@dataclass(frozen=True)
class _Cue:
    row: ServiceRow
    pattern: re.Pattern[str] | None  # None: ICD-10-CM prefixes (``match`` prefix)

    @property
    def id(self) -> str:
        return self.row.code

    @property
    def element(self) -> str:
        return self.row.extra.get("element", "")

    @property
    def level(self) -> int:
        return _RANK.get(self.row.extra.get("level", ""), 0)

    @property
    def level_if_two(self) -> int | None:
        v = self.row.extra.get("level_if_two", "")
        return _RANK[v] if v else None


@cache
def _all_cues() -> tuple[_Cue, ...]:
    out = []
    for row in service_rows(CUES_DATA):
        how = row.extra.get("match", "word")
        if how == "prefix":
            out.append(_Cue(row, None))
        elif how == "suffix":
            alts = "|".join(re.escape(p) for p in row.phrases)
            out.append(_Cue(row, re.compile(_RX_SUFFIX_HEAD + alts + r")\b", re.I)))
        else:
            out.append(_Cue(row, phrase_pattern(row.phrases)))
    return tuple(out)


def cues(dos: _dt.date, element: str | None = None, id_: str | None = None) -> list[_Cue]:
    """The MDM cue rows in force on ``dos`` (optionally of one element or one id)."""
    return [
        c for c in _all_cues()
        if c.row.in_force(dos) and (element is None or c.element == element)
        and (id_ is None or c.id == id_)
    ]


def _cue(dos: _dt.date, id_: str) -> _Cue | None:
    found = cues(dos, id_=id_)
    return found[0] if found else None


def _search(c: _Cue | None, text: str, lo: int = 0, hi: int | None = None) -> re.Match[str] | None:
    if c is None or c.pattern is None:
        return None
    return c.pattern.search(text, lo, len(text) if hi is None else hi)


# -- the note's layout ------------------------------------------------------------------------
class _Note:
    """The note's sections and which text is assessment/plan, data, or history."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sections: list[Section] = find_sections(text)
        self.names = {s.name for s in self.sections}

    def section(self, pos: int) -> str | None:
        for s in self.sections:
            if s.start <= pos < max(s.end, s.start + 1):
                return s.name
        return None

    def regions(self, names: frozenset[str]) -> list[tuple[int, int]]:
        """The spans of the sections named; the whole note when it has no headings."""
        if not self.sections:
            return [(0, len(self.text))]
        return [(s.start, s.end) for s in self.sections if s.name in names]

    def outside(self, excluded: frozenset[str]) -> list[tuple[int, int]]:
        """The note less the sections named (the text before the first heading included);
        the whole note when it has no headings."""
        if not self.sections:
            return [(0, len(self.text))]
        out = [(0, self.sections[0].start)]
        out += [(s.start, s.end) for s in self.sections if s.name not in excluded]
        return out

    def not_history(self) -> list[tuple[int, int]]:
        return self.outside(_HISTORY_SECTIONS)

    def is_visit(self) -> bool:
        if self.sections:
            evaluation = bool(self.names & _EVALUATION_SECTIONS)
            decision = bool(self.names & _PROBLEM_SECTIONS)
        else:
            evaluation = bool(_EVAL_WORDS.search(self.text))
            decision = bool(_DECISION_WORDS.search(self.text))
        return decision and evaluation

    def header_end(self) -> int:
        """Where the assessment/plan starts: visit-kind words ("annual physical", "progress
        note") are read before it, not in a plan that mentions the next visit."""
        starts = [s.start for s in self.sections if s.name in _PROBLEM_SECTIONS]
        return min(starts) if starts else len(self.text)

    def time_regions(self) -> list[tuple[int, int]]:
        """Where a total-time statement is read: not in the history or the exam."""
        return self.outside(_NO_TIME_SECTIONS)

    def has_decision(self) -> bool:
        if self.sections:
            return bool(self.names & _PROBLEM_SECTIONS)
        return bool(_DECISION_WORDS.search(self.text))


def _text_line(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


_CLAUSE_END = re.compile(r"\n|;|\.(?=\s)")


def _clause(text: str, pos: int) -> tuple[int, int]:
    """The sentence or list item around ``pos`` (a plan line often holds several orders)."""
    start = max(0, pos - 400)
    for m in _CLAUSE_END.finditer(text, start, pos):
        start = m.end()
    after = _CLAUSE_END.search(text, pos)
    return start, after.start() if after else len(text)


def _quote(text: str, spans: list[tuple[int, int]]) -> str:
    """The words of the spans (in text order), for the rationale."""
    return "; ".join(" ".join(text[s:e].split()) for s, e in sorted(spans))


# -- the worksheet ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    """One entry of the MDM worksheet: a problem, a data point, or a risk."""

    element: str  # "problems" | "data" | "risk"
    kind: str  # the cue id (em_cues.csv) or a derived kind (chronic-unstated, minor-surgery ...)
    level: int  # 0-3: the level this item supports alone (data items: 0, counted by category)
    what: str  # what it is, in words ("hypertension (I10)", "CBC", "'continue metformin'")
    spans: tuple[tuple[int, int], ...]
    source: str
    code: str = ""  # problems: the ICD-10-CM code; data tests: the test id


@dataclass(frozen=True)
class Worksheet:
    """The three MDM elements, the items behind each, and the level they give."""

    problems: tuple[Item, ...]
    data: tuple[Item, ...]
    risk: tuple[Item, ...]
    problem_level: int
    data_level: int
    risk_level: int
    problem_reason: str
    data_reason: str
    risk_reason: str

    @property
    def level(self) -> int:
        """The MDM level: the highest level that 2 of the 3 elements meet or exceed."""
        return sorted((self.problem_level, self.data_level, self.risk_level))[1]

    @property
    def met(self) -> tuple[str, ...]:
        pairs = (("problems", self.problem_level), ("data", self.data_level), ("risk", self.risk_level))
        return tuple(name for name, lvl in pairs if lvl >= self.level)

    @property
    def mdm(self) -> str:
        return MDM_NAMES[self.level]

    def lines(self) -> list[str]:
        return [
            f"Problems: {PROBLEM_NAMES[self.problem_level]} — {self.problem_reason}",
            f"Data: {DATA_NAMES[self.data_level]} — {self.data_reason}",
            f"Risk: {RISK_NAMES[self.risk_level]} — {self.risk_reason}",
        ]

    def summary(self, code: str) -> str:
        return (f"MDM {self.mdm} ({len(self.met)} of 3: {', '.join(self.met)}) → {code} "
                f"({MDM_RULE})")

    def spans(self) -> list[tuple[int, int]]:
        return [s for it in (*self.problems, *self.data, *self.risk) for s in it.spans]


def worksheet(visit: Visit) -> Worksheet:
    """The MDM worksheet of the visit: problems addressed, data, and risk, with their words."""
    note = _Note(visit.text)
    return _worksheet(visit, note)


def _worksheet(
    visit: Visit, note: _Note, owned: frozenset[str] = frozenset(),
    procedure_lines: frozenset[tuple[int, int]] = frozenset(),
) -> Worksheet:
    """``owned``/``procedure_lines``: with modifier 25, the problems the procedures treat and the
    lines documenting them, which the E/M does not count (nor the decision for the procedure)."""
    problems = [p for p in _problems(visit, note) if p.code not in owned]
    plevel, preason = _problem_level(problems)
    data = _data(visit, note)
    dlevel, dreason = _data_level(data)
    risk = _risk(visit, note)
    if owned or procedure_lines:
        risk = [r for r in risk if r.kind != "minor-surgery"
                and not any(a <= r.spans[0][0] < b for a, b in procedure_lines)]
    rlevel = max((r.level for r in risk), default=0)
    top = [r for r in risk if r.level == rlevel]
    if top:
        grouped: dict[str, list[str]] = {}
        for r in top:
            grouped.setdefault(_risk_text(r), []).append(r.what)
        rreason = "; ".join(f"{k} ({'; '.join(v)})" for k, v in grouped.items())
    else:
        rreason = "no management of more than minimal risk documented"
    return Worksheet(
        problems=tuple(problems), data=tuple(data), risk=tuple(risk),
        problem_level=plevel, data_level=dlevel, risk_level=rlevel,
        problem_reason=preason, data_reason=dreason, risk_reason=rreason,
    )


def _chronic(dos: _dt.date, code: str, segment: str) -> bool:
    word = _cue(dos, "chronic-word")
    if word is not None and _search(word, segment):
        return True
    icd = _cue(dos, "chronic-icd")
    return icd is not None and code.upper().startswith(tuple(p.upper() for p in icd.row.phrases))


def _problems(visit: Visit, note: _Note) -> list[Item]:
    text, dos = visit.text, visit.dos
    in_plan = bool(note.names & _PROBLEM_SECTIONS)
    mentions: list[tuple[int, int, int]] = []
    for i, d in enumerate(visit.diagnoses):
        if d.code.startswith("Z") or not d.context.asserted:
            continue  # encounter reasons and status codes are not problems addressed
        if in_plan:
            ev = [e for e in d.evidence if note.section(e.start) in _PROBLEM_SECTIONS]
        else:
            ev = [e for e in d.evidence if note.section(e.start) not in _HISTORY_SECTIONS]
        if ev:
            mentions.append((ev[0].start, ev[0].end, i))
    mentions.sort()
    kinds = cues(dos, "problem")
    acute = _cue(dos, "acute-uncomplicated")
    stable_acute = _cue(dos, "acute-stable")
    out: list[Item] = []
    for n, (s, e, i) in enumerate(mentions):
        d = visit.diagnoses[i]
        lo, hi = _text_line(text, s)
        if n and mentions[n - 1][1] > lo:
            lo = mentions[n - 1][1]
        if n + 1 < len(mentions) and mentions[n + 1][0] < hi:
            hi = mentions[n + 1][0]
        lo = min(lo, s)
        segment = text[lo:hi]
        found: list[tuple[_Cue, re.Match[str]]] = [
            (c, m) for c in kinds if c.pattern is not None for m in c.pattern.finditer(text, lo, hi)
        ]
        chronic = _chronic(dos, d.code, segment)
        injury = _cue(dos, "acute-icd")
        is_acute = bool(acute is not None and (_search(acute, segment) or
                                               _search(acute, d.description))) or bool(
            injury is not None and d.code.upper().startswith(tuple(p.upper() for p in injury.row.phrases)))
        spans = [(s, e)]
        # qualifier words ("acute") are the fallback; the status word with the highest level wins
        status = [(c, m) for c, m in found if c.id != "acute-uncomplicated"]
        kind, level, source = "unclassified", 0, MDM_RULE
        if status:
            c, _m = max(status, key=lambda cm: cm[0].level)
            spans += [(x.start(), x.end()) for y, x in status if y.level == c.level]
            kind, level, source = c.id, c.level, c.row.source
            if c.id == "chronic-stable" and not chronic:
                if is_acute and stable_acute is not None:
                    kind, source = "acute-stable", stable_acute.row.source
                elif is_acute and acute is not None:
                    kind, source = "acute-uncomplicated", acute.row.source
                else:
                    kind = "stable-unspecified"
            elif c.id in ("chronic-exacerbation", "chronic-severe") and not chronic:
                kind, level = "worsening-unspecified", 1
        elif chronic:
            kind, level = "chronic-unstated", 1
        elif is_acute and acute is not None:
            kind, level, source = "acute-uncomplicated", acute.level, acute.row.source
            am = _search(acute, text, lo, hi)
            if am is not None:
                spans.append((am.start(), am.end()))
        out.append(Item("problems", kind, level, f"{d.description} ({d.code})", tuple(spans),
                        source, d.code))
    return out


def _problem_level(items: list[Item]) -> tuple[int, str]:
    if not items:
        return 0, "no problem addressed in the assessment"
    level = max(it.level for it in items)
    why = [it for it in items if it.level == level]
    reason = ""
    by_kind: dict[str, list[Item]] = {}
    for it in items:
        by_kind.setdefault(it.kind, []).append(it)
    for kind, group in by_kind.items():
        c = _two_rule(kind)
        if c is not None and len(group) >= 2 and c > level:
            level, why = c, group
            reason = f"{len(group)} {_KIND_TEXT[kind][1]}"
    if not reason:
        kinds = dict.fromkeys(it.kind for it in why)
        reason = "; ".join(_KIND_TEXT.get(k, (k, k))[0] for k in kinds)
    names = "; ".join(it.what for it in why)
    rest = [it for it in items if it not in why]
    extra = f"; also {'; '.join(f'{it.what}: {_KIND_TEXT[it.kind][0]}' for it in rest)}" if rest else ""
    return level, f"{reason} ({names}){extra}"


@cache
def _two_rule_table() -> dict[str, int]:
    out = {}
    for c in _all_cues():
        v = c.level_if_two
        if c.element == "problem" and v is not None:
            out[c.id] = v
    return out


def _two_rule(kind: str) -> int | None:
    return _two_rule_table().get(kind)


def _in(regions: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in regions)


def _data(visit: Visit, note: _Note) -> list[Item]:
    text, dos = visit.text, visit.dos
    out: list[Item] = []
    reported = {p.code for p in visit.lines}
    decision = note.regions(_DECISION_SECTIONS)
    for c in cues(dos, "data-test"):
        own = set(c.row.extra.get("cpt", "").split("|")) - {""}
        if own & reported:
            continue  # the physician reports the test: its order and review are not counted
        for a, b in decision:
            hit = None
            for m in c.pattern.finditer(text, a, b) if c.pattern else ():
                lo, hi = _text_line(text, m.start())
                if note.section(m.start()) == "results" or _ORDER_OR_REVIEW.search(text, lo, hi):
                    hit = m
                    break
            if hit is not None:
                out.append(Item("data", "test", 0, " ".join(hit.group(0).split()),
                                ((hit.start(), hit.end()),), c.row.source, c.id))
                break
    allowed = note.not_history()
    for c in cues(dos, "data-external"):
        seen_lines: set[int] = set()
        for a, b in allowed:
            for m in c.pattern.finditer(text, a, b) if c.pattern else ():
                lo, _hi = _text_line(text, m.start())
                if lo not in seen_lines:
                    seen_lines.add(lo)
                    out.append(Item("data", "external-notes", 0, f"'{_quote(text, [(m.start(), m.end())])}'",
                                    ((m.start(), m.end()),), c.row.source))
    for element, kind in (("data-historian", "historian"), ("data-interpretation", "interpretation"),
                          ("data-discussion", "discussion")):
        for c in cues(dos, element):
            hit = None
            for a, b in allowed:
                for m in c.pattern.finditer(text, a, b) if c.pattern else ():
                    if kind == "historian" and _SELF.match(text, m.end()):
                        continue  # "history provided by the patient" is not an independent historian
                    hit = m
                    break
                if hit is not None:
                    break
            if hit is not None:
                lo, hi = _text_line(text, hit.start())
                out.append(Item("data", kind, 0, f"'{' '.join(text[hit.start():hi].split())[:80]}'",
                                ((hit.start(), hit.end()),), c.row.source))
    return out


def _data_level(items: list[Item]) -> tuple[int, str]:
    tests = [it for it in items if it.kind == "test"]
    notes = [it for it in items if it.kind == "external-notes"]
    historian = any(it.kind == "historian" for it in items)
    interp = [it for it in items if it.kind == "interpretation"]
    disc = [it for it in items if it.kind == "discussion"]
    c1 = len(tests) + len(notes)
    cat1 = c1 + (1 if historian else 0) >= 3
    parts = []
    if tests:
        parts.append(f"{len(tests)} unique test(s) ordered or reviewed ({'; '.join(t.what for t in tests)})")
    if notes:
        parts.append(f"{len(notes)} external note source(s) reviewed ({'; '.join(n.what for n in notes)})")
    if historian:
        parts.append("independent historian (" + "; ".join(it.what for it in items if it.kind == "historian") + ")")
    if interp:
        parts.append(f"category 2: independent interpretation ({interp[0].what})")
    if disc:
        parts.append(f"category 3: discussion with an external physician/QHP ({disc[0].what})")
    detail = "; ".join(parts) or "no data reviewed or ordered documented"
    met = sum((cat1, bool(interp), bool(disc)))
    if met >= 2:
        return 3, f"{met} of 3 categories met: {detail}"
    if met == 1:
        which = "category 1: 3 or more items" if cat1 else "1 category met"
        return 2, f"{which}: {detail}"
    if c1 >= 2 or historian:
        return 1, detail
    return 0, detail


_RISK_TEXT = {
    "risk-minimal": "minimal-risk treatment",
    "risk-low": "low-risk treatment",
    "risk-rx": "prescription drug management",
    "rx-drug": "prescription drug management",
    "otc-drug": "over-the-counter drug",
    "risk-sdoh": "diagnosis or treatment limited by social determinants of health",
    "risk-elective-major": "decision regarding elective major surgery",
    "risk-major-rf": "decision regarding elective major surgery with risk factors",
    "risk-emergency-surgery": "decision regarding emergency major surgery",
    "risk-toxicity": "drug therapy requiring intensive monitoring for toxicity",
    "risk-hospitalization": "decision regarding hospitalization",
    "risk-escalation": "decision regarding escalation of hospital-level care",
    "risk-dnr": "decision not to resuscitate or to de-escalate care",
    "parenteral": "parenteral controlled substance",
    "minor-surgery": "decision regarding minor surgery",
    "major-surgery": "decision regarding major surgery",
}


def _risk_text(it: Item) -> str:
    return _RISK_TEXT.get(it.kind, it.kind)


def _risk(visit: Visit, note: _Note) -> list[Item]:
    text, dos = visit.text, visit.dos
    out: list[Item] = []
    regions = note.regions(_DECISION_SECTIONS)
    for c in cues(dos, "risk"):
        hits = [m for a, b in regions for m in (c.pattern.finditer(text, a, b) if c.pattern else ())]
        if hits:
            words = "; ".join(dict.fromkeys(" ".join(m.group(0).split()) for m in hits))
            out.append(Item("risk", c.id, c.level, f"'{words}'",
                            tuple((m.start(), m.end()) for m in hits[:6]), c.row.source))
    verb = _cue(dos, "management-verb")
    for element, kind in (("drug-rx", "rx-drug"), ("drug-otc", "otc-drug")):
        seen: set[tuple[int, int]] = set()  # one item per sentence: "continue X and Y" is one decision
        for c in cues(dos, element):
            for a, b in regions:
                for m in c.pattern.finditer(text, a, b) if c.pattern else ():
                    clause = _clause(text, m.start())
                    verbs = list(verb.pattern.finditer(text, *clause)) if verb and verb.pattern else []
                    if not verbs or clause in seen:
                        continue  # a drug named without a decision about it
                    seen.add(clause)
                    # a decision word ("renewed") before a dose unit ("10 mg"), then the nearest
                    v = min(verbs, key=lambda x: (x.group(0).lower() in ("mg", "mcg"),
                                                  abs(x.start() - m.start())))
                    spans: tuple[tuple[int, int], ...] = (
                        ((min(v.start(), m.start()), max(v.end(), m.end())),)
                        if abs(v.start() - m.start()) < 40
                        else ((m.start(), m.end()), (v.start(), v.end()))
                    )
                    out.append(Item("risk", kind, c.level, f"'{_quote(text, list(spans))}'", spans,
                                    c.row.source))
    route = _cue(dos, "parenteral-route")
    for c in cues(dos, "risk-parenteral"):
        for a, b in regions:
            for m in c.pattern.finditer(text, a, b) if c.pattern else ():
                lo, hi = _text_line(text, m.start())
                r = _search(route, text, lo, hi)
                if r is not None:
                    out.append(Item("risk", "parenteral", c.level,
                                    f"'{_quote(text, [(m.start(), m.end()), (r.start(), r.end())])}'",
                                    ((m.start(), m.end()), (r.start(), r.end())), c.row.source))
                    break
    for p, glob, how in _procedures(visit)[0]:
        level = 2 if glob == "090" else 1
        kind = "major-surgery" if glob == "090" else "minor-surgery"
        if glob in ("000", "010", "090", None):
            spans = tuple((e.start, e.end) for e in p.evidence[:1])
            out.append(Item("risk", kind, level, f"{p.code} performed, global {glob or 'unknown'}",
                            spans, how))
    return out


# -- procedures of the day: modifiers 25 and 57 ----------------------------------------------
def _is_em(code: str) -> bool:
    return code.isdigit() and 99202 <= int(code) <= 99499


def _drug_admin(code: str) -> bool:
    if not code.isdigit():
        return False
    n = int(code)
    return 96360 <= n <= 96379 or 96401 <= n <= 96549 or n == 94640


def _procedures(visit: Visit) -> tuple[list[tuple[CodeSuggestion, str | None, str]], list[CodeSuggestion]]:
    """(procedures with a global period that need 25/57: line, global, source; drug
    administration lines bundled with E/M)."""
    surgical: list[tuple[CodeSuggestion, str | None, str]] = []
    admin: list[CodeSuggestion] = []
    for p in visit.lines:
        if p.system not in ("CPT", "HCPCS") or _is_em(p.code) or p.code in PSYCH_ADDONS:
            continue
        if _drug_admin(p.code):
            admin.append(p)
            continue
        gd = global_days(p.code, visit)
        if gd is not None and gd[0] in ("000", "010", "090"):
            surgical.append((p, gd[0], gd[1]))
        elif gd is None and p.code.isdigit() and 10004 <= int(p.code) <= 69990:
            surgical.append((p, None, "global period unknown: CPT Surgery section 10004-69990, "
                                      "treated as a minor procedure"))
    return surgical, admin


@dataclass(frozen=True)
class _Mods:
    """What the procedures of the day mean for the E/M line."""

    modifiers: list[str]
    why: list[str]
    ok: bool  # False: the E/M is the procedure's own pre-service work, not reported
    owned: frozenset[str] = frozenset()  # the problems the procedures treat (ICD-10-CM codes)
    lines: frozenset[tuple[int, int]] = frozenset()  # the text lines documenting the procedures


def _modifiers(visit: Visit, note: _Note, ws: Worksheet) -> _Mods:
    surgical, admin = _procedures(visit)
    if not surgical and not admin:
        return _Mods([], [], True)
    text = visit.text
    major = [p for p, g, _h in surgical if g == "090"]
    if major:
        codes = ", ".join(p.code for p in major)
        return _Mods(["57"], [f"57: the visit led to the decision for major surgery ({codes}, "
                              f"090-day global) ({MOD57_RULE})"], True)
    procs = [p for p, _g, _h in surgical] + admin
    lines_of = frozenset(_clause(text, e.start) for p in procs for e in p.evidence)
    by_code = {d.code: d for d in visit.diagnoses}

    def on_procedure(pos: int) -> bool:
        return any(a <= pos < b for a, b in lines_of) or note.section(pos) == "procedures"

    # the procedure's own words that name what it treats: "knee" of a knee injection
    site = {w for p in procs for e in p.evidence for w in _WORD.findall(e.text.lower())
            if len(w) > 2 and w not in _GENERIC_WORDS}
    owned = set()
    for it in ws.problems:
        d = by_code.get(it.code)
        ev = [(e.start, e.text) for e in d.evidence] if d is not None else []
        words = {w for _s, t in ev for w in _WORD.findall(t.lower())}
        if words & site or any(on_procedure(s) for s, _t in ev):
            owned.add(it.code)
    separate = [it for it in ws.problems if it.code not in owned]
    beyond = [r for r in ws.risk if r.level >= 2 and r.kind not in ("minor-surgery", "major-surgery")
              and not on_procedure(r.spans[0][0])]
    what = [f"{p.code} (global {g})" if g else f"{p.code} ({h})" for p, g, h in surgical]
    what += [f"{p.code} (drug administration, {DRUG_ADMIN_RULE})" for p in admin]
    if not separate and not beyond:
        return _Mods([], [f"the E/M documentation covers only the pre-service work of "
                          f"{', '.join(what)}"], False)
    why = []
    if separate:
        why.append("separate problem(s) addressed: " + "; ".join(it.what for it in separate))
    if beyond:
        why.append("management beyond the procedure: " + "; ".join(f"{_risk_text(r)} ({r.what})"
                                                                    for r in beyond))
    carved = sorted(owned)
    if carved:
        why.append("not counted for the E/M: the problem(s) the procedure treats "
                   f"({', '.join(carved)}) and the decision for the minor procedure")
    return _Mods(["25"], [f"25: significant, separately identifiable E/M on the day of "
                          f"{', '.join(what)}; {'; '.join(why)} ({MOD25_RULE})"], True,
                 frozenset(owned), lines_of)


def _em_worksheet(visit: Visit, note: _Note) -> tuple[Worksheet, _Mods]:
    """The worksheet for the E/M line: with modifier 25, without what belongs to the procedure."""
    ws = _worksheet(visit, note)
    mods = _modifiers(visit, note, ws)
    if mods.modifiers == ["25"]:
        ws = _worksheet(visit, note, owned=mods.owned, procedure_lines=mods.lines)
    return ws, mods


# -- time -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TotalTime:
    minutes: int
    spans: tuple[tuple[int, int], ...]
    how: str


def total_time(visit: Visit) -> TotalTime | None:
    """The total time on the date of the encounter the note states, or None (a warning says
    why when a stated time cannot be used)."""
    text, dos = visit.text, visit.dos
    total = _cue(dos, "time-total")
    if total is None or total.pattern is None:
        return None
    others = [(e.start, e.end) for p in visit.lines for e in p.evidence]
    best: TotalTime | None = None
    regions = _Note(text).time_regions()
    for m in total.pattern.finditer(text):
        if not _in(regions, m.start()):
            continue
        lo, hi = _text_line(text, m.start())
        found = durations(text, lo, hi)
        if not found:
            continue
        d = min(found, key=lambda x: abs(x.start - m.end()))
        if any(a < d.end and d.start < b for a, b in others):
            continue  # the minutes of a separately reported service
        if not plausible(d) or d.how == "clock span that runs backwards":
            visit.warn(f"the total time stated ('{' '.join(text[d.start:d.end].split())}') cannot be "
                       "right (zero, over a day, or a span that runs backwards): the E/M level is "
                       "not chosen by time; document the total time on the date of the encounter")
            continue
        minutes, how = d.minutes, d.how
        before = text[max(lo, d.start - 16):d.start]
        if _MORE.search(before):
            minutes, how = minutes + 1, f"more than {d.minutes} minutes"
        elif _LESS.search(before):
            minutes, how = minutes - 1, f"less than {d.minutes} minutes"
        cand = TotalTime(minutes, ((m.start(), m.end()), (d.start, d.end)), how)
        if best is None or (_TOTAL.search(text, lo, hi) and not _TOTAL.search(text, best.spans[0][0], hi)):
            best = cand
            if _TOTAL.search(text, lo, hi):
                break
    return best


def _usable_time(visit: Visit, family: str) -> tuple[TotalTime | None, list[str]]:
    tt = total_time(visit)
    if tt is None:
        return None, []
    codes = {p.code for p in visit.lines}
    if codes & PSYCH_ADDONS:
        return None, [f"total time not used: with psychotherapy add-on {', '.join(sorted(codes & PSYCH_ADDONS))} "
                      f"the E/M is chosen by MDM only ({PSYCH_RULE})"]
    timed = [p for p in visit.lines if p.minutes and not _is_em(p.code)]
    if timed:
        lo, hi = _text_line(visit.text, tt.spans[0][0])
        excl = _cue(visit.dos, "time-excluding")
        if _search(excl, visit.text, lo, hi) is None:
            visit.warn(
                f"the total time does not say whether it excludes the separately reported timed "
                f"service(s) {', '.join(p.code for p in timed)}: the {family} E/M level is chosen by "
                "MDM only; document the E/M time excluding them (AMA CPT E/M guidelines)"
            )
            return None, []
    return tt, []


# -- choosing the code ------------------------------------------------------------------------
def mdm_row(rows: list[LevelRow], level: int) -> LevelRow | None:
    """The row of the highest code whose MDM the worksheet level meets."""
    ok = [r for r in rows if r.mdm and _RANK[r.mdm] <= level]
    return max(ok, key=lambda r: _RANK[r.mdm]) if ok else None


def time_row(rows: list[LevelRow], minutes: int) -> LevelRow | None:
    """The row of the highest code whose time the minutes meet or exceed."""
    ok = [r for r in rows if r.min_minutes is not None and r.min_minutes <= minutes]
    return max(ok, key=lambda r: r.min_minutes or 0) if ok else None


def time_code(family: str, patient: str, minutes: int, dos: _dt.date) -> str | None:
    """The code that ``minutes`` of total time give in the family on ``dos`` (None: below the
    lowest threshold)."""
    r = time_row(_rows(family, dos, patient), minutes)
    return r.code if r else None


def prolonged(base: str, minutes: int, dos: _dt.date, medicare: bool) -> tuple[LevelRow, int] | None:
    """The prolonged-time code and its units for the base code and total minutes."""
    for r in _rows("prolonged", dos, payer="medicare" if medicare else ""):
        if r.base == base and r.min_minutes is not None and minutes >= r.min_minutes:
            return r, (minutes - r.min_minutes) // 15 + 1
    return None


def _time_text(r: LevelRow) -> str:
    if r.max_minutes is not None and r.min_minutes:
        return f"{r.min_minutes}-{r.max_minutes} minutes"
    return f"{r.min_minutes} minutes or more"


def _payer_medicare(visit: Visit) -> bool:
    return str(visit.metadata.get("payer", "")).strip().lower() == "medicare"


def _patient_type(visit: Visit) -> tuple[str | None, list[tuple[int, int]], str]:
    given = str(visit.metadata.get("patient_type", "")).strip().lower()
    if given in ("new", "established"):
        return given, [], f"patient type {given} (encounter metadata)"
    text, dos = visit.text, visit.dos
    found: dict[str, list[tuple[int, int]]] = {}
    for c in cues(dos, "patient"):
        for m in c.pattern.finditer(text) if c.pattern else ():
            found.setdefault(c.row.extra.get("level", ""), []).append((m.start(), m.end()))
    for ls in _LAST_SEEN.finditer(text):
        n = int(ls.group(1))
        years = n if ls.group(2).lower().startswith("year") else n / 12
        found.setdefault("new" if years >= 3 else "established", []).append((ls.start(), ls.end()))
    if len(found) == 1:
        kind, spans = next(iter(found.items()))
        return kind, spans, (f"{kind} patient ('{_quote(text, spans)}'; CPT: new = no professional "
                             "services from the same physician/specialty and group in 3 years)")
    if len(found) > 1:
        visit.warn("the note says both new and established patient: the office/outpatient level "
                   "(99202-99205 / 99212-99215) is not coded until the patient type is clear")
        return None, [], "conflict"
    return None, [], ""


def _unknown_patient(visit: Visit, what: str) -> None:
    visit.warn(
        f"{what}: the note does not say whether the patient is new or established (CPT: new = no "
        "professional services from the same physician or same-specialty group in 3 years); "
        "document it or set metadata patient_type: the level is not coded"
    )


def _fallback_span(visit: Visit, note: _Note) -> list[tuple[int, int]]:
    for s in note.sections:
        if s.name in _PROBLEM_SECTIONS and s.end > s.start:
            return [(s.start, _text_line(visit.text, s.start)[1])]
    return [(0, _text_line(visit.text, 0)[1])] if visit.text else []


def _deleted(visit: Visit) -> None:
    for m in _DELETED.finditer(visit.text):
        when = "2021-01-01" if m.group(0) == "99201" else "2023-01-01"
        visit.warn(f"{m.group(0)} (in the note) was deleted on {when} and is never reported "
                   "(AMA CPT E/M revisions)")


def code(visit: Visit) -> list[CodeSuggestion]:
    codes = {p.code for p in visit.lines}
    addon = codes & PSYCH_ADDONS
    if visit.setting == "ambulance":
        return []
    if not addon and not any(w in visit.text.lower() for w in _TRIGGER_WORDS):
        return []
    _deleted(visit)
    if not addon and any(_SERVICE_RECORD.match(c) for c in codes):
        return []  # a therapy, psychotherapy, anesthesia or transport record, not a visit note
    note = _Note(visit.text)
    if visit.setting == "emergency":
        return _ed(visit, note, addon)
    if visit.setting == "inpatient":
        return _inpatient(visit, note, addon)
    return _outpatient(visit, note, addon)


def _visit_cue(visit: Visit, id_: str, note: _Note | None = None) -> re.Match[str] | None:
    """The visit-kind words, read before the assessment/plan when ``note`` is given."""
    return _search(_cue(visit.dos, id_), visit.text, 0, note.header_end() if note else None)


def _build(visit: Visit, note: _Note, row: LevelRow, ws: Worksheet | None, why: list[str],
           spans: list[tuple[int, int]], mods: list[str], prefer: tuple[str, ...],
           confidence: float) -> CodeSuggestion:
    allspans = list(spans) + (ws.spans() if ws else [])
    if not allspans:
        allspans = _fallback_span(visit, note)
    return line(row.code, label_for(row.code, visit), visit.text, allspans, why, modifiers=mods,
                diagnosis_pointers=pointers(visit.diagnoses, prefer=prefer), confidence=confidence)


def _level_by_mdm_or_time(
    visit: Visit, note: _Note, rows: list[LevelRow], ws: Worksheet, family: str, use_time: bool,
) -> tuple[LevelRow | None, list[str], list[tuple[int, int]], TotalTime | None, bool]:
    """(chosen row, rationale, time spans, time used, chosen by time)."""
    by_mdm = mdm_row(rows, ws.level)
    why = ws.lines()
    why.append(ws.summary(by_mdm.code) if by_mdm else f"MDM {ws.mdm}: no code at that level")
    tt, notes = _usable_time(visit, family) if use_time else (None, [])
    why += notes
    by_time = time_row(rows, tt.minutes) if tt else None
    spans: list[tuple[int, int]] = []
    if tt is not None:
        spans = list(tt.spans)
        if by_time is not None:
            why.append(f"total time {tt.minutes} minutes ({tt.how}; "
                       f"'{_quote(visit.text, list(tt.spans))}'): {by_time.code} "
                       f"({_time_text(by_time)}; {by_time.source})")
        else:
            low = min((r.min_minutes for r in rows if r.min_minutes), default=0)
            why.append(f"total time {tt.minutes} minutes: under the lowest threshold ({low} minutes); "
                       "level by MDM")
    chosen, timed = by_mdm, False
    if by_time is not None and (by_mdm is None or _RANK[by_time.mdm] > _RANK[by_mdm.mdm]):
        chosen, timed = by_time, True
    if by_mdm is not None and by_time is not None:
        why.append(f"level: the higher of MDM ({by_mdm.code}) and time ({by_time.code}) → "
                   f"{chosen.code if chosen else ''} (AMA CPT E/M guidelines)")
    return chosen, why, spans, tt, timed or (by_time is not None and by_mdm is not None and by_time.code == by_mdm.code)


def _prolonged_line(visit: Visit, note: _Note, base: LevelRow, tt: TotalTime) -> CodeSuggestion | None:
    medicare = _payer_medicare(visit)
    hit = prolonged(base.code, tt.minutes, visit.dos, medicare)
    other = prolonged(base.code, tt.minutes, visit.dos, not medicare)
    if hit is None:
        return None
    r, units = hit
    system = "HCPCS" if r.code.startswith("G") else "CPT"
    why = [f"{tt.minutes} minutes of total time with {base.code}: {units} unit(s) of {r.code}, each "
           f"full 15 minutes from {r.min_minutes} minutes ({r.source})"]
    if medicare:
        why.append(f"Medicare pays {r.code}, not the CPT prolonged code, for this time")
    else:
        alt = [x for x in _rows("prolonged", visit.dos, payer="medicare") if x.base == base.code]
        if alt:
            why.append(f"Medicare uses {alt[0].code} instead (from {alt[0].min_minutes} minutes; "
                       f"{alt[0].source})" + ("" if other else ": not reached"))
    return line(r.code, label_for(r.code, visit, system, r.label), visit.text, list(tt.spans), why,
                units=units, minutes=tt.minutes, system=system,
                diagnosis_pointers=pointers(visit.diagnoses), confidence=0.85)


def _problem_codes(ws: Worksheet) -> tuple[str, ...]:
    return tuple(it.code for it in ws.problems if it.code)


# -- office / outpatient, preventive ----------------------------------------------------------
def _outpatient(visit: Visit, note: _Note, addon: set[str]) -> list[CodeSuggestion]:
    dos = visit.dos
    preventive = _visit_cue(visit, "preventive", note)
    medicare = _payer_medicare(visit)
    wellness: tuple[re.Match[str], str] | None = None
    for id_ in ("ippe", "awv-initial", "awv-subsequent", "awv") if medicare else ():
        found = _visit_cue(visit, id_, note)
        if found is not None:
            wellness = (found, id_)
            break
    nurse = _visit_cue(visit, "nurse", note)
    if not (addon or note.is_visit() or (nurse and note.has_decision())):
        return []
    if dos < OFFICE_FROM:
        visit.warn(
            f"office/outpatient E/M on {dos.isoformat()}: before 2021-01-01 the 1995/1997 E/M "
            "documentation guidelines applied, which medcoder does not support; code the level by hand"
        )
        return []
    if wellness:
        return _medicare_wellness(visit, note, wellness)
    if preventive:
        return _preventive(visit, note, preventive)
    ptype, pspans, pwhy = _patient_type(visit)
    if nurse and not addon:
        if ptype != "established":
            if ptype is None and pwhy != "conflict":
                _unknown_patient(visit, "nurse visit 99211 is for established patients only")
            return []
        row = next((r for r in _rows("office", dos, "established") if r.cue == "nurse"), None)
        if row is None:
            return []
        return [_build(visit, note, row, None,
                       [f"nurse (staff) visit ('{_quote(visit.text, [(nurse.start(), nurse.end())])}'): "
                        f"99211, not chosen by MDM or time ({row.source})", pwhy],
                       [(nurse.start(), nurse.end()), *pspans], [], (), 0.8)]
    return _office(visit, note, ptype, pspans, pwhy, addon)


def _office(visit: Visit, note: _Note, ptype: str | None, pspans: list[tuple[int, int]], pwhy: str,
            addon: set[str], *, preventive_day: bool = False) -> list[CodeSuggestion]:
    if ptype is None:
        if pwhy != "conflict":
            _unknown_patient(visit, "office/outpatient E/M (99202-99205 new, 99212-99215 established)")
        return []
    ws, m = _em_worksheet(visit, note)
    mods, mod_why, ok = m.modifiers, m.why, m.ok
    if not ok:
        visit.warn(f"no separate E/M: {mod_why[0]} (no separate problem or management beyond it; "
                   f"{MOD25_RULE})")
        return []
    rows = [r for r in _rows("office", visit.dos, ptype) if not r.cue]
    chosen, why, tspans, tt, timed = _level_by_mdm_or_time(
        visit, note, rows, ws, "office/outpatient", use_time=not preventive_day)
    if chosen is None:
        return []
    why.insert(0, pwhy)
    if preventive_day:
        mods = ["25"]
        mod_why = [f"25: significant problem addressed at the preventive visit, reported with its own "
                   f"E/M by MDM ({PREVENTIVE_RULE}; {MOD25_RULE})"]
    if addon:
        mod_why.append(f"with psychotherapy add-on {', '.join(sorted(addon))}: the E/M is required "
                       f"and needs no 25 for it ({PSYCH_RULE})")
    out = [_build(visit, note, chosen, ws, why + mod_why, pspans + tspans, mods,
                  _problem_codes(ws), 0.9 if timed else 0.85)]
    if timed and tt is not None:
        extra = _prolonged_line(visit, note, chosen, tt)
        if extra is not None:
            out.append(extra)
    return out


def _preventive(visit: Visit, note: _Note, cue: re.Match[str]) -> list[CodeSuggestion]:
    ptype, pspans, pwhy = _patient_type(visit)
    if ptype is None:
        if pwhy != "conflict":
            _unknown_patient(visit, "preventive visit (99381-99387 new, 99391-99397 established)")
        return []
    if visit.age is None:
        visit.warn("preventive visit: the patient's age is not given; 99381-99387 / 99391-99397 "
                   f"depend on the age band on the date of service ({PREVENTIVE_RULE})")
        return []
    age = visit.age
    row = next((r for r in _rows("preventive", visit.dos, ptype)
                if (r.min_age or 0) <= age and (r.max_age is None or age <= r.max_age)), None)
    if row is None:
        return []
    band = f"{row.min_age}" + (f"-{row.max_age}" if row.max_age is not None else "+")
    span = (cue.start(), cue.end())
    why = [f"preventive visit ('{_quote(visit.text, [span])}'), {pwhy}, age {age} (band {band}): "
           f"{row.code} ({row.source})"]
    out = [_build(visit, note, row, None, why, [span, *pspans], [], ("Z00", "Z01", "Z02"), 0.85)]
    problem = _office(visit, note, ptype, pspans, pwhy, set(), preventive_day=True) if (
        _worksheet(visit, note).level >= 1) else []
    if problem:
        out.extend(problem)
    else:
        out[0].rationale.append("no problem addressed beyond the preventive service that reaches "
                                "low MDM: no separate problem-oriented E/M")
    return out


def _medicare_wellness(visit: Visit, note: _Note, hit: tuple[re.Match[str], str]) -> list[CodeSuggestion]:
    m, id_ = hit
    if id_ == "awv":
        visit.warn("Medicare annual wellness visit: the note does not say whether it is the first "
                   "(G0438) or a subsequent one (G0439) (42 CFR 410.15): not coded")
        return []
    row = next((r for r in _rows("medicare-wellness", visit.dos, payer="medicare") if r.cue == id_), None)
    if row is None:
        return []
    span = (m.start(), m.end())
    why = [f"Medicare wellness service ('{_quote(visit.text, [span])}'): {row.code} ({row.source})"]
    return [line(row.code, label_for(row.code, visit, "HCPCS", row.label), visit.text, [span], why,
                 system="HCPCS", diagnosis_pointers=pointers(visit.diagnoses, prefer=("Z00",)),
                 confidence=0.85)]


# -- emergency department ---------------------------------------------------------------------
def _ed(visit: Visit, note: _Note, addon: set[str]) -> list[CodeSuggestion]:
    if not (addon or note.is_visit()):
        return []
    if visit.dos < HOSPITAL_FROM:
        visit.warn(
            f"emergency department E/M on {visit.dos.isoformat()}: before 2023-01-01 the 1995/1997 "
            "E/M documentation guidelines applied, which medcoder does not support; code the level by hand"
        )
        return []
    rows = _rows("ed", visit.dos)
    minimal = _visit_cue(visit, "ed-minimal", note)
    if minimal is not None:
        row = next((r for r in rows if r.cue == "ed-minimal"), None)
        if row is not None:
            span = (minimal.start(), minimal.end())
            return [_build(visit, note, row, None,
                           [f"'{_quote(visit.text, [span])}': 99281 ({row.source})"], [span], [], (), 0.8)]
    ws, m = _em_worksheet(visit, note)
    mods, mod_why, ok = m.modifiers, m.why, m.ok
    if not ok:
        visit.warn(f"no separate E/M: {mod_why[0]} (no separate problem or management beyond it; "
                   f"{MOD25_RULE})")
        return []
    chosen = mdm_row([r for r in rows if not r.cue], ws.level)
    if chosen is None:
        return []
    why = [*ws.lines(), ws.summary(chosen.code)]
    if total_time(visit) is not None:
        why.append("emergency department levels are not chosen by time (AMA CPT 2023 E/M guidelines)")
    return [_build(visit, note, chosen, ws, why + mod_why, [], mods, _problem_codes(ws), 0.85)]


# -- hospital inpatient or observation ------------------------------------------------------
def _inpatient(visit: Visit, note: _Note, addon: set[str]) -> list[CodeSuggestion]:
    # same-day admission and discharge anywhere in the note; else the kind named first in the
    # title and history ("Progress note ... see H&P" is a later day)
    hit, family = _visit_cue(visit, "same-day"), "same-day"
    if hit is None:
        named = [(found.start(), fam, found) for id_, fam in (("inpatient-discharge", "discharge"),
                                                       ("inpatient-initial", "initial"),
                                                       ("inpatient-subsequent", "subsequent"))
                 if (found := _visit_cue(visit, id_, note)) is not None]
        if named:
            _pos, family, hit = min(named, key=lambda x: x[0])
    if hit is None:
        if note.is_visit() or addon:
            if visit.dos >= HOSPITAL_FROM:
                visit.warn("inpatient/observation E/M: the note does not say whether it is the "
                           "admission (99221-99223), a later day (99231-99233) or the discharge "
                           "(99238/99239): document the kind of visit; not coded")
            else:
                visit.warn(f"inpatient/observation E/M on {visit.dos.isoformat()}: before 2023-01-01 "
                           "the 1995/1997 guidelines applied, which medcoder does not support")
        return []
    if not (addon or note.has_decision() or total_time(visit) is not None):
        return []
    if visit.dos < HOSPITAL_FROM:
        visit.warn(
            f"inpatient/observation E/M on {visit.dos.isoformat()}: before 2023-01-01 the 1995/1997 "
            "E/M documentation guidelines applied (and the observation codes 99217-99226), which "
            "medcoder does not support; code the level by hand"
        )
        return []
    span = (hit.start(), hit.end())
    kind_why = f"{family} hospital inpatient/observation visit ('{_quote(visit.text, [span])}')"
    rows = _rows(family, visit.dos)
    if family == "discharge":
        tt, notes = _usable_time(visit, "discharge")
        if tt is None:
            row = min(rows, key=lambda r: r.min_minutes or 0)
            visit.warn("discharge day management: the time is not documented; only 99238 (30 minutes "
                       "or less) is supported; 99239 needs more than 30 minutes documented")
            why = [kind_why, f"time not documented: {row.code} ({row.source})", *notes]
            return [_build(visit, note, row, None, why, [span], [], (), 0.75)]
        row = time_row(rows, tt.minutes) or rows[0]
        why = [kind_why, f"discharge day management {tt.minutes} minutes ({tt.how}; "
                         f"'{_quote(visit.text, list(tt.spans))}'): {row.code} ({row.source})"]
        return [_build(visit, note, row, None, why, [span, *tt.spans], [], (), 0.9)]
    ws, m = _em_worksheet(visit, note)
    mods, mod_why, ok = m.modifiers, m.why, m.ok
    if not ok:
        visit.warn(f"no separate E/M: {mod_why[0]} (no separate problem or management beyond it; "
                   f"{MOD25_RULE})")
        return []
    chosen, why, tspans, tt, timed = _level_by_mdm_or_time(
        visit, note, rows, ws, "inpatient/observation", use_time=True)
    if chosen is None:
        return []
    why.insert(0, kind_why)
    if addon:
        mod_why.append(f"with psychotherapy add-on {', '.join(sorted(addon))}: the E/M is required "
                       f"({PSYCH_RULE})")
    out = [_build(visit, note, chosen, ws, why + mod_why, [span, *tspans], mods,
                  _problem_codes(ws), 0.9 if timed else 0.85)]
    if timed and tt is not None:
        extra = _prolonged_line(visit, note, chosen, tt)
        if extra is not None:
            out.append(extra)
    return out

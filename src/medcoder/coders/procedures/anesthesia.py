"""Anesthesia: the anesthesia code of the surgery, anesthesia time in minutes, the provider's
payment modifier, the physical status modifier and the qualifying circumstances.

Only an anesthesia record is coded (anesthesia start/end or anesthesia time, "anesthesia
record", "anesthesia type", or ``metadata["anesthesia_provider"]``): an operative note that says
"under general anesthesia" is the surgeon's and gets nothing from this family.

Rules, with their source:

- The code: medcoder's crosswalk of common surgeries to the CPT Anesthesia section codes
  (00100-01999, by body region), ``data/anesthesia_crosswalk.csv``, keyed by date of service:
  00731 and 00811-00813 from 2018-01-01, 00740 and 00810 until 2017-12-31 (CPT 2018; CMS CY2018
  PFS final rule, 82 FR 52976). Base units are public CMS data (CMS anesthesia base units
  CY2025; CY2017 for the codes deleted in 2018). A surgery the crosswalk does not hold is not
  guessed: a warning says so. Several surgeries in one anesthetic: only the code with the
  highest base units is reported, with the total time (CMS Pub. 100-04 ch. 12 §50; CPT
  Anesthesia guidelines, multiple procedures). Rows with ``combines`` replace a pair of codes
  (EGD and colonoscopy in one session: 00813); rows with ``needs`` say what the note must add.
- Time (CMS Pub. 100-04 ch. 12 §50.G and §140.3.2): from when the anesthesia practitioner
  begins to prepare the patient for induction to when the patient may be placed under
  postoperative care; read from the documented start and end clock times (a span across
  midnight counts; one that runs backwards, or times that do not parse, are reported and not
  used). A total without start and end times is not used. The line reports the minutes as its
  units (837P SV103 "MJ"); the rationale gives base units + time units (minutes / 15 to one
  decimal place, as ``medcoder.codesets.pfs.payment.time_units``) = total units.
- Provider modifiers (CMS Pub. 100-04 ch. 12 §50 and §140.3.3; medical direction: 42 CFR
  415.110): AA anesthesiologist personally performed; QY medical direction of one CRNA; QK
  medical direction of 2-4 concurrent cases; AD medical supervision of more than 4; QX CRNA
  with medical direction; QZ CRNA without medical direction. Whose claim it is comes from
  ``metadata["anesthesia_provider"]`` ("anesthesiologist" or "crna") and
  ``metadata["concurrent_cases"]``, else from the record's words; when it cannot be told, the
  modifier is left off and a warning says so. QS (monitored anesthesia care) follows the
  provider modifier.
- Physical status P1-P6 from the ASA class ("ASA 2", "ASA II", "ASA class III", "ASA
  physical status 4"), after the other modifiers; "E" (ASA 3E) is an emergency: add-on 99140.
  Patient younger than 1 or older than 70: add-on 99100; controlled hypotension 99135; total
  body hypothermia 99116 (CPT Anesthesia guidelines, qualifying circumstances;
  ``data/anesthesia_qualifying.csv``). Medicare pays neither the P modifiers nor 99100-99140;
  they are reported for other payers.

Not coded: 01968/01969 (cesarean or hysterectomy after labor epidural, flagged), G8/G9, the
base-unit reductions of teaching and concurrent cases, infant hernia codes 00834/00836.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from medcoder.coders.procedures.common import (
    ServiceRow,
    Visit,
    label_for,
    line,
    line_bounds,
    pointers,
    service_rows,
)
from medcoder.coders.procedures.minutes import durations, plausible
from medcoder.codesets.pfs.payment import time_units
from medcoder.result import CodeSuggestion

CROSSWALK = "anesthesia_crosswalk.csv"
QUALIFYING = "anesthesia_qualifying.csv"
TIME_RULE = "CMS Pub. 100-04 ch. 12 §50.G, §140.3.2"
MULTIPLE_RULE = "CMS Pub. 100-04 ch. 12 §50; CPT Anesthesia guidelines, multiple procedures"
MODIFIER_RULE = "CMS Pub. 100-04 ch. 12 §50, §140.3.3"
DIRECTION_RULE = "42 CFR 415.110 (conditions of medical direction)"
STATUS_RULE = "CPT Anesthesia guidelines, physical status modifiers"
NOT_PAID = (
    "Medicare does not pay for it (no added units), but it is reported; other payers may add units"
)

_QUICK = re.compile(r"an(?:a)?esthe|\bCRNA\b", re.I)
_KW = r"(?:an(?:a)?esthesia|anes\.?)"
_RECORD = re.compile(
    rf"\b{_KW}\s+(?:start|begin|began|ready|end|ended|stop|stopped|finish|time|record|"
    rf"care\s+record|type)\b|\b{_KW}\s*:\s*\d",
    re.I,
)
_START = re.compile(
    rf"\b{_KW}\s+(?:start(?:ed)?|begin|began)(?:\s+time)?\b\s*(?::|=|-|at\b)?\s*", re.I
)
_END = re.compile(
    rf"\b{_KW}\s+(?:end(?:ed)?|stop(?:ped)?|finish(?:ed)?)(?:\s+time)?\b\s*(?::|=|-|at\b)?\s*", re.I
)
_TIME_LINE = re.compile(rf"\b{_KW}(?:\s+time)?\s*(?::|=)?\s*(?=\d)", re.I)
_DATE = r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})[\sT]+"
_CLOCK = re.compile(
    rf"(?:{_DATE})?(?P<h>[01]?\d|2[0-3])[:h.]?(?P<m>[0-5]\d)(?!\d)"
    r"(?:\s*(?P<ap>[AaPp])\.?[Mm]\b\.?)?"
)

_CRNA = re.compile(
    r"\bCRNAs?\b|\bCAA\b|(?i:\bnurse\s+anesthetists?\b|\banesthesiologist\s+assistant\b)"
)
_PERSONAL = re.compile(r"\bpersonally\s+(?:performed|provided|administered|furnished)\b", re.I)
_NOT_DIRECTED = re.compile(
    r"\b(?:not|without|no)\s+(?:medically\s+directed|medical\s+direction)\b"
    r"|\bnon-?medically[\s-]+directed\b",
    re.I,
)
_DIRECTED = re.compile(
    r"\bmedically\s+direct(?:ed|ing)\b|\bmedical\s+direction\b|\bunder\s+the\s+direction\s+of\b"
    r"|\bdirected\s+by\s+(?:Dr\b|an?\s+anesthesiologist\b)",
    re.I,
)
_SUPERVISED = re.compile(r"\bsupervised\s+by\b|\bsupervision\b", re.I)
_NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_N = r"(\d{1,2}|one|two|three|four|five|six|seven|eight)"
_CONCURRENT = re.compile(
    rf"\b{_N}\s+concurrent\s+(?:cases|procedures|rooms|anesthetics)\b"
    rf"|\bconcurrent\s+(?:cases|procedures|rooms)\s*[:=]?\s*{_N}\b"
    rf"|\bdirect(?:ing|ion\s+of)\s+{_N}\s+(?:CRNAs?|nurse\s+anesthetists?|rooms|cases)\b",
    re.I,
)
_MAC = re.compile(r"\bMAC\b|(?i:\bmonitored\s+anesthesia\s+care\b)")
_GENERAL = re.compile(
    r"\bgeneral\s+(?:endotracheal\s+)?an(?:a)?esthesia\b|\bgeneral\s+endotracheal\b|\bGETA\b"
    r"|\ban(?:a)?esthesia\s+type\s*:?\s*general\b|\bconverted\s+to\s+general\b",
    re.I,
)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
_ASA = re.compile(
    r"\bASA\b(?i:\s+(?:physical\s+status|PS|class(?:ification)?|score|status))?(?i:\s+class)?"
    r"\s*[:=#-]?\s*P?(?P<cls>VI|IV|V|III|II|I|[1-6])(?:\s*-?\s*(?P<e>[Ee]))?\b"
    r"(?!\s*(?i:mg|tab|tablets?|daily|po)\b)"
)
_AGE = re.compile(
    r"\b(?P<n>\d{1,3})[\s-]*(?P<u>years?|yrs?|y/o|yo|months?|mos?|weeks?|wks?|days?)[\s-]*old\b"
    r"|\b(?P<n2>\d{1,3})\s*(?:y/o|yo)\b|\bage\s*:?\s*(?P<n3>\d{1,3})\b",
    re.I,
)
_HISTORY = re.compile(
    r"^\W*(?:past\s+surgical\s+history|surgical\s+history|PSH|PMH|past\s+medical\s+history|history)\b"
    r"|\b(?:s/p|status\s+post|history\s+of|prior|previous)\b",
    re.I,
)
_PROCEDURE_LABEL = re.compile(
    r"^\W*(?:procedures?(?:\s+performed)?|planned\s+procedures?|surgery|surgical\s+procedures?|"
    r"operations?|case)\s*:",
    re.I,
)
_LINES = re.compile(r"^.*$", re.M)
_NEGATED = re.compile(r"\b(?:no|not|without|denies)\b[^.;\n]{0,20}$", re.I)


@cache
def _rx(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Phrases as one pattern: spaces and hyphens interchangeable; ``a ~ b``: a, then b up to
    three words later on the same line (``orif ~ ankle``: "ORIF of the left ankle")."""
    gap = r"(?:[^\w\n.;]+\w+){0,3}?[^\w\n.;]+"

    def one(p: str) -> str:
        parts = [re.escape(x.strip()).replace(r"\ ", " ").replace(r"\-", "-") for x in p.split("~")]
        return gap.join(re.sub(r"[ -]+", r"[\\s-]+", x) for x in parts)

    alts = sorted((one(p) for p in phrases if p.strip()), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.I)


@dataclass
class _Found:
    row: ServiceRow
    spans: list[tuple[int, int]] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # the note's words for the surgery

    @property
    def base(self) -> int:
        return int(self.row.extra.get("base_units") or 0)

    @property
    def words(self) -> str:
        return ", ".join(dict.fromkeys(w.lower() for w in self.said))


def _rows(name: str, dos: _dt.date) -> list[ServiceRow]:
    return [r for r in service_rows(name) if r.in_force(dos)]


def _surgery_matches(text: str, rows: list[ServiceRow]) -> list[tuple[int, int, ServiceRow]]:
    """Every crosswalk phrase in the note, the most specific where phrases overlap, outside
    history lines; only the procedure lines ("Procedure: ...") when the note has them."""
    hits: list[tuple[int, int, ServiceRow]] = []
    for row in rows:
        if not row.phrases:
            continue
        for m in _rx(row.phrases).finditer(text):
            lo, _hi = line_bounds(text, m.start())
            if _HISTORY.search(text[lo : m.start()]):
                continue
            hits.append((m.start(), m.end(), row))
    # a phrase inside a longer one is not a surgery of its own ("colonoscopy" in "screening
    # colonoscopy", "hysterectomy" in "radical hysterectomy")
    hits = [
        h for h in hits
        if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0])
                   for o in hits)
    ]
    labelled = [h for h in hits if _PROCEDURE_LABEL.search(text[line_bounds(text, h[0])[0] : h[0]])]
    return sorted(labelled or hits, key=lambda h: h[0])


def _procedure_words(text: str) -> str:
    for m in _LINES.finditer(text):
        if _PROCEDURE_LABEL.search(m.group(0)):
            value = m.group(0).split(":", 1)[1].strip()
            if value:
                return value[:60]
    return ""


def _age(visit: Visit) -> tuple[int | None, tuple[int, int] | None]:
    if visit.age is not None:
        return visit.age, None
    m = _AGE.search(visit.text)
    if m is None:
        return None, None
    if m.group("n") is not None:
        unit = m.group("u").lower()
        n = int(m.group("n"))
        return (n if unit.startswith("y") else 0), (m.start(), m.end())
    return int(m.group("n2") or m.group("n3")), (m.start(), m.end())


def _age_ok(row: ServiceRow, age: int | None) -> bool | None:
    lo, hi = row.extra.get("min_age"), row.extra.get("max_age")
    if not lo and not hi:
        return True
    if age is None:
        return None
    return (not lo or age >= int(lo)) and (not hi or age <= int(hi))


def choose_code(visit: Visit) -> tuple[_Found | None, list[str]]:
    """The crosswalk row of the surgery (the highest base units of several), and the rationale."""
    text, dos = visit.text, visit.dos
    rows = _rows(CROSSWALK, dos)
    found: dict[int, _Found] = {}
    for s, e, row in _surgery_matches(text, rows):
        f = found.setdefault(id(row), _Found(row))
        f.spans.append((s, e))
        f.said.append(text[s:e])
    age, _span = _age(visit)
    # combinations: EGD and colonoscopy in one session -> 00813
    by_code = {f.row.code: f for f in found.values() if f.row.code}
    for row in rows:
        for combo in filter(None, row.extra.get("combines", "").split("|")):
            parts = combo.split("+")
            if all(p in by_code for p in parts):
                merged = _Found(row, [sp for p in parts for sp in by_code[p].spans],
                                [w for p in parts for w in by_code[p].said])
                for p in parts:
                    found.pop(id(by_code[p].row), None)
                found[id(row)] = merged
    if not found:
        what = _procedure_words(text)
        visit.warn(
            "anesthesia record: the surgery is not in medcoder's crosswalk"
            + (f" (found: procedure '{what}')" if what else " (no procedure is named)")
            + "; choose the anesthesia code by the body region of the surgery (CPT Anesthesia section)"
        )
        return None, []
    for f in found.values():
        needs = f.row.extra.get("needs")
        if needs:
            visit.warn(
                f"anesthesia record ({f.words or 'several surgeries'}): the anesthesia code depends on "
                f"{needs}; no anesthesia line is coded ({f.row.source})"
            )
            return None, []
    usable: list[_Found] = []
    for f in found.values():
        ok = _age_ok(f.row, age)
        lo, hi = f.row.extra.get("min_age"), f.row.extra.get("max_age")
        limits = " and ".join(x for x in (f"age {lo} and over" if lo else "",
                                           f"age {hi} and under" if hi else "") if x)
        if ok is None:
            visit.warn(
                f"anesthesia record ({f.words}): {f.row.code} is for {limits} and the patient's age "
                f"is not documented; the anesthesia code is not coded ({f.row.source})"
            )
            return None, []
        if not ok:
            visit.warn(
                f"anesthesia record ({f.words}): {f.row.code} is for {limits}; the code for a "
                f"patient of age {age} is not in medcoder's crosswalk ({f.row.source})"
            )
            return None, []
        usable.append(f)
    usable.sort(key=lambda f: (-f.base, min(f.spans)))
    best = usable[0]
    why = [f"{best.words}: {best.row.code} ({best.row.extra.get('label', '')}; {best.row.source})"]
    if len(usable) > 1:
        listed = ", ".join(f"{f.words} {f.row.code} (base {f.base})" for f in usable)
        why.append(
            f"several surgeries in one anesthetic: {listed}; only the anesthesia code with the "
            f"highest base unit value is reported, with the total anesthesia time ({MULTIPLE_RULE})"
        )
        # the other surgeries' words support the choice: they are cited too
        best = _Found(best.row, best.spans + [sp for f in usable[1:] for sp in f.spans], best.said)
    return best, why


@dataclass
class AnesthesiaTime:
    minutes: int | None
    spans: list[tuple[int, int]]
    how: str  # "start and end times", "clock span", ... or the problem when minutes is None


def _clock(text: str, pos: int, hi: int) -> tuple[int, int] | None:
    """(minutes after midnight, end offset) of the clock time at ``pos``, or None."""
    m = _CLOCK.match(text, pos, hi)
    if m is None:
        return None
    h, mins, ap = int(m.group("h")), int(m.group("m")), m.group("ap")
    if ap:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ap.lower() == "p" else 0)
    return h * 60 + mins, m.end()


def _hhmm(t: int) -> str:
    return f"{t // 60:02d}:{t % 60:02d}"


def anesthesia_time(text: str) -> AnesthesiaTime:
    """Anesthesia minutes from the documented start and end times (or an "anesthesia time"
    clock span); minutes None and the problem in ``how`` when they cannot be read."""
    starts, ends = list(_START.finditer(text)), list(_END.finditer(text))
    if starts or ends:
        if len(starts) != len(ends):
            which = "end" if len(starts) > len(ends) else "start"
            return AnesthesiaTime(None, [], f"an anesthesia {which} time is missing")
        total, spans, crossed = 0, [], False
        for s, e in zip(starts, ends, strict=True):
            got = []
            for kw, name in ((s, "start"), (e, "end")):
                _lo, hi = line_bounds(text, kw.start())
                c = _clock(text, kw.end(), hi)
                if c is None:
                    return AnesthesiaTime(
                        None, [], f"the anesthesia {name} time does not parse as a clock time (HH:MM)"
                    )
                got.append(c)
                spans.append((kw.start(), c[1]))
            (a, _), (b, _) = got
            span = durations(f"{_hhmm(a)} to {_hhmm(b)}")  # the midnight rule of minutes.py
            if not span or not plausible(span[0]):
                return AnesthesiaTime(
                    None, [], f"the anesthesia end time {_hhmm(b)} is before the start time "
                    f"{_hhmm(a)} (a span that runs backwards)"
                )
            total += span[0].minutes
            crossed = crossed or "midnight" in span[0].how
        how = "start and end times" + (", across midnight" if crossed else "")
        return AnesthesiaTime(total, spans, how)
    blocks: list[tuple[int, int, int, str]] = []
    for m in _TIME_LINE.finditer(text):
        _lo, hi = line_bounds(text, m.start())
        found = [d for d in durations(text, m.end(), hi) if d.how.startswith("clock span")]
        stated = [d for d in durations(text, m.end(), hi) if d.how == "stated"]
        if not found and stated:
            return AnesthesiaTime(
                None, [], f"the anesthesia time is documented only as a total ({stated[0].minutes} "
                "minutes), without its start and end times"
            )
        if not found:
            return AnesthesiaTime(None, [], "the anesthesia time does not parse as clock times (HH:MM-HH:MM)")
        d = found[0]
        if not plausible(d):
            return AnesthesiaTime(None, [], "the anesthesia time is a span that runs backwards")
        blocks.append((d.minutes, m.start(), d.end, d.how))
    if not blocks:
        return AnesthesiaTime(None, [], "no anesthesia start and end times are documented")
    distinct = {(mins, text[s:e].lower()) for mins, s, e, _h in blocks}
    total = sum(mins for mins, _t in distinct) if len(distinct) > 1 else blocks[0][0]
    how = "anesthesia time " + ("across midnight" if any("midnight" in b[3] for b in blocks) else "span")
    return AnesthesiaTime(total, [(s, e) for _m, s, e, _h in blocks], how)


def _count(visit: Visit) -> tuple[int | None, tuple[int, int] | None]:
    raw = visit.metadata.get("concurrent_cases")
    if raw is not None and str(raw).strip().isdigit():
        return int(str(raw).strip()), None
    m = _CONCURRENT.search(visit.text)
    if m is None:
        return None, None
    n = next(g for g in m.groups() if g)
    return (int(n) if n.isdigit() else _NUMBER[n.lower()]), (m.start(), m.end())


def provider_modifier(visit: Visit) -> tuple[str | None, list[str], list[tuple[int, int]]]:
    """The payment modifier of whoever the claim is for, its rationale and its words; None and
    a warning when the record does not say."""
    text = visit.text
    role_meta = str(visit.metadata.get("anesthesia_provider") or "").strip().lower()
    not_dir = [(m.start(), m.end()) for m in _NOT_DIRECTED.finditer(text)]
    directed = [(m.start(), m.end()) for m in _DIRECTED.finditer(text)
                if not any(s <= m.start() < e for s, e in not_dir)]
    personal = [(m.start(), m.end()) for m in _PERSONAL.finditer(text)]
    crna = [(m.start(), m.end()) for m in _CRNA.finditer(text)]
    role: str | None
    if role_meta in ("crna", "caa", "nurse anesthetist", "anesthesiologist assistant"):
        role = "crna"
    elif role_meta in ("anesthesiologist", "physician", "md", "do"):
        role = "anesthesiologist"
    elif role_meta:
        visit.warn(
            f"metadata anesthesia_provider '{role_meta}' is not 'anesthesiologist' or 'crna': the "
            f"anesthesia payment modifier is left off ({MODIFIER_RULE})"
        )
        return None, [], []
    elif crna and (directed or not_dir):
        role = "crna"
    elif personal and not crna:
        role = "anesthesiologist"
    elif crna and not personal:
        role = "crna"
    else:
        role = None
    if role == "crna":
        if not_dir:
            return "QZ", [f"QZ: CRNA service without medical direction by a physician, paid at 100% "
                          f"({MODIFIER_RULE})"], crna[:1] + not_dir[:1]
        if directed:
            return "QX", [f"QX: CRNA service with medical direction by a physician, paid at 50%; the "
                          "directing anesthesiologist reports the case on their own claim with QY (one "
                          f"CRNA) or QK (2-4 concurrent cases) ({MODIFIER_RULE}; {DIRECTION_RULE})"], (
                crna[:1] + directed[:1])
        visit.warn(
            "anesthesia record by a CRNA: it does not say whether the CRNA was medically directed by "
            "an anesthesiologist (QX) or not (QZ)"
            + (" ('supervised' alone does not tell)" if _SUPERVISED.search(text) else "")
            + f"; the payment modifier is left off ({MODIFIER_RULE})"
        )
        return None, [], []
    if role == "anesthesiologist":
        if personal and not directed:
            return "AA", [f"AA: anesthesia personally performed by the anesthesiologist, paid at 100% "
                          f"({MODIFIER_RULE})"], personal[:1]
        if directed and not personal:
            n, nspan = _count(visit)
            spans = directed[:1] + ([nspan] if nspan else [])
            if n is None or n < 1:
                visit.warn(
                    "anesthesia record: medical direction by the anesthesiologist is documented but not "
                    "the number of concurrent cases it covers (1: QY, 2-4: QK, more than 4: AD); the "
                    f"payment modifier is left off ({DIRECTION_RULE})"
                )
                return None, [], []
            if n == 1:
                return "QY", [f"QY: medical direction of one CRNA by an anesthesiologist, paid at 50% "
                              f"({DIRECTION_RULE}; {MODIFIER_RULE})"], spans
            if n <= 4:
                return "QK", [f"QK: medical direction of {n} concurrent cases (2-4), paid at 50% "
                              f"({DIRECTION_RULE}; {MODIFIER_RULE})"], spans
            return "AD", [f"AD: medical supervision of {n} concurrent cases (more than 4): the "
                          "contractor pays 3 base units (4 when present at induction), not base + time "
                          f"({MODIFIER_RULE})"], spans
        visit.warn(
            "anesthesia record by the anesthesiologist: it does not say whether the anesthesia was "
            "personally performed (AA) or medically directed (QY/QK)"
            + (" (both are written)" if personal and directed else "")
            + f"; the payment modifier is left off ({MODIFIER_RULE})"
        )
        return None, [], []
    visit.warn(
        "anesthesia record: it does not say whose claim this is or how the case was staffed "
        "(anesthesiologist personally performed AA, medically directed QY/QK, CRNA with medical "
        "direction QX or without QZ); the payment modifier is left off "
        f"(set metadata anesthesia_provider) ({MODIFIER_RULE})"
    )
    return None, [], []


def physical_status(visit: Visit) -> tuple[int | None, bool, tuple[int, int] | None]:
    """(ASA class 1-6, emergency, the words), or None and a warning."""
    found: dict[tuple[int, bool], tuple[int, int]] = {}
    for m in _ASA.finditer(visit.text):
        c = m.group("cls").upper()
        found.setdefault((_ROMAN.get(c) or int(c), bool(m.group("e"))), (m.start(), m.end()))
    if not found:
        visit.warn(
            "anesthesia record: the ASA physical status is not documented; the P1-P6 modifier is "
            f"left off ({STATUS_RULE})"
        )
        return None, False, None
    classes = {c for c, _e in found}
    if len(classes) > 1:
        visit.warn(
            f"anesthesia record: the ASA physical status is documented as {sorted(classes)}; the "
            f"P1-P6 modifier is left off until one class is documented ({STATUS_RULE})"
        )
        return None, False, None
    cls = classes.pop()
    emergency = any(e for _c, e in found)
    span = next(s for (_c, e), s in found.items() if e == emergency)
    return cls, emergency, span


def code(visit: Visit) -> list[CodeSuggestion]:
    text = visit.text
    if "anesthesia_provider" not in visit.metadata and not _QUICK.search(text):
        return []
    if "anesthesia_provider" not in visit.metadata and not _RECORD.search(text):
        return []
    found, code_why = choose_code(visit)
    t = anesthesia_time(text)
    if t.minutes is None:
        what = f"the anesthesia code {found.row.code}" if found else "the anesthesia code"
        visit.warn(
            f"anesthesia record: {t.how}; {what} is reported with the minutes from anesthesia start "
            f"to anesthesia end and is not coded until both clock times are documented ({TIME_RULE})"
        )
    if found is None or t.minutes is None:
        return []
    row, minutes = found.row, t.minutes
    base = Decimal(found.base)
    tu = time_units(Decimal(minutes))
    why = list(code_why)
    why.append(
        f"anesthesia time {minutes} minutes ({t.how}) reported as {minutes} minutes (837P SV103 'MJ'); "
        f"base {base} + time {tu} = {base + tu} anesthesia units; CMS pays (base + time units) x "
        f"anesthesia conversion factor (time units = minutes / 15 to one decimal; {TIME_RULE}; "
        "base units: CMS anesthesia base units)"
    )
    spans = list(found.spans) + t.spans
    mods: list[str] = []
    pmod, pwhy, pspans = provider_modifier(visit)
    if pmod:
        mods.append(pmod)
        why += pwhy
        spans += pspans
    mac = _MAC.search(text)
    if mac and _GENERAL.search(text):
        visit.warn(
            "anesthesia record: both monitored anesthesia care and general anesthesia are documented; "
            f"QS is left off (add it if the case was MAC throughout) ({MODIFIER_RULE})"
        )
    elif mac:
        mods.append("QS")
        why.append(f"QS: monitored anesthesia care ({MODIFIER_RULE})")
        spans.append((mac.start(), mac.end()))
    cls, emergency, asa_span = physical_status(visit)
    if cls is not None and asa_span is not None:
        mods.append(f"P{cls}")
        why.append(f"P{cls}: ASA physical status {cls} ({STATUS_RULE}); {NOT_PAID}")
        spans.append(asa_span)
    ptr = pointers(visit.diagnoses)
    label = label_for(row.code, visit, "CPT", fallback=row.extra.get("label", ""))
    out = [
        line(row.code, label, text, spans, why, units=minutes, modifiers=mods, minutes=minutes,
             diagnosis_pointers=ptr, confidence=0.9 if pmod and cls else 0.75)
    ]
    out += _qualifying(visit, found, emergency, asa_span, ptr)
    return out


def _qualifying(
    visit: Visit, found: _Found, emergency: bool, asa_span: tuple[int, int] | None, ptr: list[int]
) -> list[CodeSuggestion]:
    """The qualifying circumstance add-ons (99100, 99116, 99135, 99140) of the anesthesia line."""
    text = visit.text
    out: list[CodeSuggestion] = []
    for row in _rows(QUALIFYING, visit.dos):
        rule, label = row.extra.get("rule"), row.extra.get("label", "")
        why: str | None = None
        spans: list[tuple[int, int]] = []
        if rule == "asa_emergency" and emergency and asa_span is not None:
            why = "ASA physical status with E: an emergency"
            spans = [asa_span]
        elif rule == "age":
            age, age_span = _age(visit)
            under, over = int(row.extra.get("age_under") or 0), int(row.extra.get("age_over") or 999)
            if age is not None and (age < under or age > over):
                why = f"patient age {age} (younger than {under} or older than {over})"
                spans = list(found.spans[:1]) + ([age_span] if age_span else [])
        elif rule == "phrase" and row.phrases:
            for m in _rx(row.phrases).finditer(text):
                lo, _hi = line_bounds(text, m.start())
                if not _NEGATED.search(text[lo : m.start()]):
                    why, spans = f"'{m.group(0)}' documented", [(m.start(), m.end())]
                    break
        if why is None:
            continue
        out.append(
            line(row.code, label_for(row.code, visit, "CPT", fallback=label), text, spans,
                 [f"{why}: add-on {row.code} with {found.row.code} ({row.source}); {NOT_PAID}"],
                 diagnosis_pointers=ptr)
        )
    return out

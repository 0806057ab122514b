"""Ground and air ambulance transports: the service level, the loaded mileage and the
origin/destination modifier pair (HCPCS Level II, system ``HCPCS``).

Sources, and the rules taken from them, by date of service:

- Codes (``data/ambulance.csv``): A0426-A0429, A0433, A0434 (ground levels), A0430/A0431
  (fixed/rotary wing air), A0425 ground mileage and A0435/A0436 air mileage, in the CMS HCPCS
  file from 2001-01-01 (its add date). The earlier ambulance series (A0030, A0040, A0300-A0370)
  was deleted then; a note or claim that names one is flagged with its replacement and the
  code is never produced. A0998 (response and treatment, no transport; from 2006-01-01) is
  not produced: Medicare does not pay it (HCPCS coverage code I; 42 CFR 410.40 covers
  transports), so a no-transport run is a warning to bill per payer policy.
- Levels, 42 CFR 414.605 (in force from the ambulance fee schedule, 2002-04-01: 67 FR 9100)
  and CMS Pub. 100-02 ch. 10 §30.1.1; the cue words per level are ``data/ambulance_cues.csv``:
  emergency response (a 911 call or equivalent, an immediate response) or not; ALS1: an ALS
  intervention (IV line, cardiac monitoring, supraglottic airway, an ALS medication) or an ALS
  assessment as part of an emergency response; ALS2: three or more separate administrations
  of medications by IV push/bolus or continuous infusion (crystalloid, hypotonic, isotonic
  and hypertonic fluids excluded), or one of manual defibrillation/cardioversion, endotracheal
  intubation, central venous line, cardiac pacing, chest decompression, surgical airway,
  intraosseous line; SCT: an interfacility transport (both ends facilities) with care beyond
  the paramedic scope (a specialty crew and the ongoing care it gives); else BLS.
- Mileage, CMS Pub. 100-04 ch. 15 §20.2: loaded miles only (patient on board), stated or as
  the odometer difference from the scene to the destination. From 2011-01-01 under 100 miles
  to the tenth of a mile rounded up (``units`` a float: 0.35 -> 0.4), 100 miles or more in
  whole miles rounded up (an int: 100.2 -> 101); before 2011 whole miles rounded up.
- Origin/destination modifiers, CMS Pub. 100-04 ch. 15 §30.A (``data/ambulance_places.csv``):
  origin letter then destination letter, on the base and the mileage line (RH, SH, NH, HH...).

Nothing is guessed: no loaded mileage (or odometer readings that run backwards) gives no
mileage line; an undetermined origin or destination leaves the pair off; conflicting
documentation gives a warning instead of a line. Outside the ``ambulance`` setting only a run
report (``run report``, ``patient care report``, ``loaded miles``, ``odometer``) is coded, so an
ED note that says the patient came by ambulance produces nothing here.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from functools import cache

from medcoder.coders.procedures.common import (
    ServiceRow,
    Visit,
    label_for,
    line,
    line_bounds,
    phrase_pattern,
    pointers,
    service_rows,
)
from medcoder.result import CodeSuggestion

CODES = "ambulance.csv"
CUES = "ambulance_cues.csv"
PLACES = "ambulance_places.csv"
LEVEL_RULE = "42 CFR 414.605; CMS Pub. 100-02 ch. 10 §30.1.1"
MILEAGE_RULE = "CMS Pub. 100-04 ch. 15 §20.2"
MODIFIER_RULE = "CMS Pub. 100-04 ch. 15 §30.A"
NO_TRANSPORT_RULE = "42 CFR 410.40; A0998 not payable by Medicare (CMS HCPCS coverage code I)"
FACILITIES = frozenset("DGHJN")  # both ends one of these: an interfacility transport (SCT)
ALS2_ADMINISTRATIONS = 3

# fast bail-out: none of these words, no run report
_TRIGGER = re.compile(
    r"\b(?:run report|dispatch(?:ed)?|EMS|ambulance|transport(?:ed)?|loaded mile(?:s|age)|"
    r"en route|odometer)\b",
    re.I,
)
# outside the ambulance setting: what makes a note a run report rather than a mention
_RUN_REPORT = re.compile(
    r"\b(?:run report|patient care report|ePCR|loaded mile(?:s|age)|odometer)\b", re.I
)
_NEGATION = re.compile(
    r"(?:\bno|\bnot|\bnon|\bwithout|\bdenie[sd]|\brefused|\bdeclined|\bunsuccessful|\bfailed|"
    r"\battempted|\bheld|\bdeferred|\bunable\s+to\s+(?:obtain|establish|place|get))"
    r"[\s-]+(?:[\w/]+[\s-]+){0,2}$",
    re.I,
)
_CODE_TOKEN = re.compile(r"\bA0\d{3}\b", re.I)
_NUMWORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10}
_N = r"(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)"
_MULTIPLIER = re.compile(
    rf"(?:\bx\s*|×\s*|\btimes\s+){_N}\b"
    rf"|\b{_N}\s+(?:separate\s+)?(?:IV\s+)?(?:doses|times|pushes|boluses|administrations)\b",
    re.I,
)
_CLOCK = re.compile(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b")
_GIVEN = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|grams?|units?|mL|cc|mEq)\b"
    r"|\b(?:given|administered|pushed|infused|IV|IM|IO|SL|IVP|nebulized)\b",
    re.I,
)
_BREAK = re.compile(r"(?<!\bSt)(?<!\bDr)(?<!\bMt)\.(?:\s|$)")
_WINDOW = 80  # characters after an origin/destination word in which its place is named

_MILES = r"(\d{1,4}(?:\.\d{1,3})?)(?![\d:])"
_STATED = (
    re.compile(rf"\bloaded\s+(?:statute\s+)?(?:miles?|mileage|mi)\b\s*(?:[:=]|was|were|of|total(?:ed)?)?\s*{_MILES}", re.I),
    re.compile(rf"\b{_MILES}\s*(?:statute\s+)?loaded\s+(?:statute\s+)?(?:miles?|mi)\b", re.I),
    re.compile(rf"\b(?:transport|loaded|patient)\s+(?:distance|mileage)\s*[:=]?\s*{_MILES}", re.I),
    re.compile(rf"\btransported\b[^.;\n]{{0,60}}?\b{_MILES}\s*(?:statute\s+)?(?:miles?|mi)\b", re.I),
)
_UNLOADED = re.compile(r"\bunloaded\b|\bresponse\b|\bto\s+(?:the\s+)?scene\b|\bdeadhead", re.I)
_UNLABELLED = re.compile(rf"\b(?:total\s+)?(?:mileage|miles)\s*[:=]\s*{_MILES}", re.I)
_ODOMETER = re.compile(r"\bodometer\b|\bodo\b", re.I)
_ODO = r"\s*(?:reading)?\s*[:=]?\s*(\d{1,7}(?:\.\d{1,2})?)(?![\d:])"
_ODO_SCENE = re.compile(rf"\b(?:at\s+)?(?:scene|pick[\s-]?up|patient\s+loaded|origin){_ODO}", re.I)
_ODO_DEST = re.compile(rf"\b(?:at\s+)?(?:destination|drop[\s-]?off|receiving\s+facility){_ODO}", re.I)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    what: str  # the cue's or place's own short description (data file)
    key: str  # cue id, or the place's modifier letter


@dataclass
class Mileage:
    miles: Decimal
    spans: list[tuple[int, int]]
    how: str


@dataclass
class _Level:
    code_level: str  # SCT | ALS2 | ALS1 | BLS
    reasons: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


def mileage_units(miles: Decimal | str, rounding: str = "tenth") -> int | float:
    """Units of a mileage line (CMS Pub. 100-04 ch. 15 §20.2): ``tenth`` (from 2011-01-01)
    rounds up to the tenth under 100 miles and to the whole mile from 100; ``whole`` (before
    2011) always rounds up to the whole mile."""
    m = Decimal(miles)
    if rounding == "tenth" and m < 100:
        q = m.quantize(Decimal("0.1"), rounding=ROUND_CEILING)
        return int(q) if q >= 100 else float(q)
    return int(m.to_integral_value(rounding=ROUND_CEILING))


def _norm(words: str) -> str:
    return re.sub(r"[\s-]+", " ", words.lower()).strip()


def _rows(name: str, dos: _dt.date) -> tuple[ServiceRow, ...]:
    return tuple(r for r in service_rows(name) if r.in_force(dos))


@cache
def _lexicon(name: str, keep: tuple[int, ...]) -> tuple[re.Pattern[str], dict[str, int]]:
    """One longest-first pattern over the phrases of the given rows (a longer phrase wins
    over one inside it: "nursing home" is not "home"), and which row each phrase is."""
    rows = service_rows(name)
    owner: dict[str, int] = {}
    for i in keep:
        for p in rows[i].phrases:
            owner.setdefault(_norm(p), i)
    return phrase_pattern(tuple(owner)), owner


@cache
def _unless(words: str) -> re.Pattern[str] | None:
    phrases = tuple(p.strip().lower() for p in words.split("|") if p.strip())
    return phrase_pattern(phrases) if phrases else None


def _negated(text: str, lo: int, start: int) -> bool:
    return bool(_NEGATION.search(text[max(lo, start - 40) : start]))


def cues(text: str, dos: _dt.date) -> dict[str, list[Hit]]:
    """The cue words of the note by level (``data/ambulance_cues.csv``), negated ones ("no IV
    access", "non-emergency") and ones whose line names an exception (an AED shock) left out."""
    out: dict[str, list[Hit]] = {}
    for row in _rows(CUES, dos):
        level = row.extra["level"]
        unless = _unless(row.extra.get("unless", ""))
        for m in phrase_pattern(row.phrases).finditer(text):
            lo, hi = line_bounds(text, m.start())
            if level != "NO_TRANSPORT" and _negated(text, lo, m.start()):
                continue
            if unless is not None and unless.search(text, lo, hi):
                continue
            out.setdefault(level, []).append(Hit(m.start(), m.end(), row.extra["what"], row.code))
    return out


def places(text: str, dos: _dt.date) -> dict[str, list[tuple[int, Hit]]]:
    """Candidate origin and destination places: each origin/destination word ("picked up at",
    "transported to", "Destination:") names the first, most specific place after it in its
    clause. Returns {"ORIGIN"|"DESTINATION": [(strength, place)]} (strength 1 a labelled
    field, 2 narrative, 3 a bare from/to)."""
    rows = service_rows(PLACES)
    keep_places = tuple(i for i, r in enumerate(rows) if r.in_force(dos) and r.code not in ("ORIGIN", "DESTINATION"))
    keep_markers = tuple(i for i, r in enumerate(rows) if r.in_force(dos) and r.code in ("ORIGIN", "DESTINATION"))
    place_rx, place_of = _lexicon(PLACES, keep_places)
    marker_rx, marker_of = _lexicon(PLACES, keep_markers)
    found = [(m, rows[place_of[_norm(m.group(0))]]) for m in place_rx.finditer(text)]
    markers = list(marker_rx.finditer(text))
    out: dict[str, list[tuple[int, Hit]]] = {"ORIGIN": [], "DESTINATION": []}
    for k, mk in enumerate(markers):
        mrow = rows[marker_of[_norm(mk.group(0))]]
        role = mrow.code
        _lo, hi = line_bounds(text, mk.start())
        stop = min(hi, mk.end() + _WINDOW, markers[k + 1].start() if k + 1 < len(markers) else len(text))
        brk = _BREAK.search(text, mk.end(), stop)
        if brk:
            stop = brk.start()
        allowed = [
            (m, r) for m, r in found
            if mk.end() <= m.start() and m.end() <= stop and r.extra["roles"] in ("both", role.lower())
        ]
        if not allowed:
            continue
        m, r = min(allowed, key=lambda mr: (int(mr[1].extra["priority"]), mr[0].start()))
        out[role].append((int(mrow.extra["priority"]), Hit(m.start(), m.end(), r.extra["what"], r.code)))
    return out


def _decide(cands: list[tuple[int, Hit]]) -> tuple[Hit | None, str | None]:
    """The place of one role: the candidates from the strongest kind of word; one letter or
    none (with what is wrong)."""
    if not cands:
        return None, None
    best = min(s for s, _ in cands)
    hits = [h for s, h in cands if s == best]
    letters = sorted({h.key for h in hits})
    if len(letters) > 1:
        return None, "documented as " + " and ".join(
            f"{h.what} ({h.key})" for h in {h.key: h for h in hits}.values()
        )
    if letters[0].startswith("?"):
        return None, f"documented only as a {hits[0].what}"
    return hits[0], None


def mileage(text: str, warnings: list[str], code_: str) -> Mileage | None:
    """The loaded miles the note documents, or None (with a warning saying why)."""
    found: list[Mileage] = []
    taken: list[tuple[int, int]] = []
    for rx in _STATED:
        for m in rx.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            if _UNLOADED.search(text, m.start(), min(len(text), m.end() + 15)):
                continue
            taken.append((m.start(), m.end()))
            found.append(Mileage(Decimal(m.group(1)), [(m.start(), m.end())], "stated loaded miles"))
    bad_odometer = False
    odo = _ODOMETER.search(text)
    if odo:
        para = text.find("\n\n", odo.end())
        end = min(len(text), odo.end() + 200, para if para != -1 else len(text))
        a = _ODO_SCENE.search(text, odo.start(), end)
        b = _ODO_DEST.search(text, odo.start(), end)
        if a and b:
            first, last = Decimal(a.group(1)), Decimal(b.group(1))
            if last <= first:
                bad_odometer = True
                warnings.append(
                    f"the odometer readings run backwards or do not move (at the scene {first}, at "
                    f"the destination {last}): the mileage line {code_} is not coded until the "
                    f"readings are corrected ({MILEAGE_RULE})"
                )
            else:
                found.append(Mileage(last - first, [(odo.start(), odo.end()), (a.start(), a.end()), (b.start(), b.end())],
                                     f"odometer {last} at the destination - {first} at the scene"))
        else:
            warnings.append(
                "odometer readings are documented without both the at-scene (patient loaded) and "
                f"the at-destination reading: they give no loaded miles for {code_} ({MILEAGE_RULE})"
            )
    if bad_odometer:
        return None
    values = sorted({f.miles for f in found})
    if len(values) > 1:
        warnings.append(
            f"the note documents different loaded mileages ({', '.join(str(v) for v in values)}): "
            f"the mileage line {code_} is not coded until one is confirmed ({MILEAGE_RULE})"
        )
        return None
    if not values:
        loose = _UNLABELLED.search(text)
        what = (
            "mileage is documented without saying it is loaded (patient on board) mileage"
            if loose else "no loaded mileage is documented"
        )
        warnings.append(
            f"{what}: the mileage line {code_} is not coded until the loaded miles, or the "
            f"odometer readings at the scene and at the destination, are documented ({MILEAGE_RULE})"
        )
        return None
    if values[0] <= 0:
        warnings.append(f"zero loaded miles documented: no mileage line {code_} ({MILEAGE_RULE})")
        return None
    spans = [s for f in found for s in f.spans]
    return Mileage(values[0], spans, found[0].how)


def _times(word: str) -> int:
    return _NUMWORDS.get(word.lower()) or int(word)


def administrations(text: str, hits: dict[str, list[Hit]]) -> tuple[int, int, list[str], list[tuple[int, int]]]:
    """Medication administrations by IV push/bolus or continuous infusion (42 CFR 414.605
    ALS2): (counted, written only "IV", the medications, evidence spans). A line's
    administrations are its "x3" / "three doses", else its clock times, else one; fluids
    (saline, dextrose) are never counted and end a medication's part of the line."""
    meds = sorted(hits.get("ALS_MED", []), key=lambda h: h.start)
    fluids = sorted(hits.get("FLUID", []), key=lambda h: h.start)
    push = hits.get("PUSH_ROUTE", [])
    iv = hits.get("IV_ONLY", [])
    counted = unspecified = 0
    names: list[str] = []
    spans: list[tuple[int, int]] = []
    by_line: dict[tuple[int, int], list[Hit]] = {}
    for h in meds:
        by_line.setdefault(line_bounds(text, h.start), []).append(h)
    for (lo, hi), line_meds in by_line.items():
        for i, h in enumerate(line_meds):
            seg_lo = lo if i == 0 else h.start
            seg_lo = max([seg_lo] + [f.end for f in fluids if seg_lo <= f.end <= h.start])
            seg_hi = line_meds[i + 1].start if i + 1 < len(line_meds) else hi
            seg_hi = min([seg_hi] + [f.start for f in fluids if h.end <= f.start < seg_hi])
            mult = _MULTIPLIER.search(text, seg_lo, seg_hi)
            clocks = len(_CLOCK.findall(text, seg_lo, seg_hi))
            n = _times(mult.group(1) or mult.group(2)) if mult else max(clocks, 1)
            route = next((r for r in push if seg_lo <= r.start < seg_hi), None)
            if route is not None:
                counted += n
                names.append(text[h.start : h.end].lower())
                spans += [(h.start, h.end), (route.start, route.end)]
                if mult:
                    spans.append((mult.start(), mult.end()))
            elif any(seg_lo <= r.start < seg_hi for r in iv):
                unspecified += n
    return counted, unspecified, names, spans


def _given_meds(text: str, hits: dict[str, list[Hit]]) -> list[Hit]:
    """ALS medications documented as given (a dose, a route or "given" on their line)."""
    out = []
    for h in hits.get("ALS_MED", []):
        _lo, hi = line_bounds(text, h.start)
        if _GIVEN.search(text, h.end, hi):
            out.append(h)
    return out


def _words(hits: list[Hit]) -> str:
    """The cues' own descriptions ("IV line", "cardiac monitoring")."""
    return ", ".join(dict.fromkeys(h.what for h in hits))


def _said(text: str, hits: list[Hit]) -> str:
    """The words the note used for the cues ("critical care nurse", "oxygen")."""
    return ", ".join(dict.fromkeys(_norm(text[h.start : h.end]) for h in hits))


def _level(text: str, hits: dict[str, list[Hit]], emergency: bool, interfacility: bool,
           warnings: list[str]) -> _Level:
    crew, care = hits.get("SCT_CREW", []), hits.get("SCT_CARE", [])
    if crew or care:
        missing = [w for w, h in (("a specialty care crew (critical care nurse or paramedic)", crew),
                                  ("the ongoing care beyond the paramedic scope (ventilator, drips)", care)) if not h]
        if interfacility and not missing:
            return _Level("SCT", [
                f"SCT: interfacility transport with {_said(text, crew)} giving {_said(text, care)}: care beyond "
                f"the EMT-Paramedic scope ({LEVEL_RULE}, specialty care transport)"
            ], [(h.start, h.end) for h in crew + care])
        why = "it is not an interfacility transport (both ends a facility)" if not interfacility else (
            "the note does not document " + " nor ".join(missing))
        warnings.append(
            f"specialty care words are documented but A0434 (SCT) is not coded: {why} "
            f"({LEVEL_RULE}, specialty care transport)"
        )
    counted, unspecified, names, push_spans = administrations(text, hits)
    als2 = hits.get("ALS2", [])
    reasons, spans = [], [(h.start, h.end) for h in als2]
    if als2:
        reasons.append(_words(als2))
    if counted >= ALS2_ADMINISTRATIONS:
        reasons.append(f"{counted} medication administrations by IV push/bolus or infusion "
                       f"({', '.join(dict.fromkeys(names))})")
        spans += push_spans
    elif counted + unspecified >= ALS2_ADMINISTRATIONS:
        warnings.append(
            f"{counted + unspecified} IV medication administrations are documented but only {counted} "
            "say IV push/bolus or continuous infusion: ALS2 (A0433) needs three such administrations "
            f"documented ({LEVEL_RULE}, ALS2)"
        )
    if hits.get("FLUID") and (counted or unspecified):
        reasons_fluid = " (crystalloid fluids are not counted)"
    else:
        reasons_fluid = ""
    if reasons:
        return _Level("ALS2", [
            f"ALS2: {'; '.join(reasons)}{reasons_fluid} ({LEVEL_RULE}, ALS2: three or more IV "
            "push/bolus/infusion medication administrations, or manual defibrillation/cardioversion, "
            "endotracheal intubation, central venous line, cardiac pacing, chest decompression, "
            "surgical airway or intraosseous line)"
        ], spans)
    als1 = hits.get("ALS1", []) + _given_meds(text, hits)
    assessment = hits.get("ALS_ASSESSMENT", [])
    if assessment and emergency:
        als1 += assessment
    elif assessment and not als1:
        warnings.append(
            "an ALS assessment counts for ALS1 only as part of an emergency response; without an "
            f"ALS intervention this non-emergency transport is coded BLS ({LEVEL_RULE}, ALS assessment)"
        )
    if als1:
        return _Level("ALS1", [
            f"ALS1: {_words(als1)} ({_said(text, als1)}), no ALS2 service documented ({LEVEL_RULE}, ALS1)"
        ], [(h.start, h.end) for h in als1])
    bls = hits.get("BLS", [])
    care_words = f" (BLS care: {_said(text, bls)})" if bls else ""
    return _Level("BLS", [
        f"BLS: no ALS assessment or ALS intervention documented{care_words} ({LEVEL_RULE}, BLS)"
    ], [(h.start, h.end) for h in bls[:3]])


def deleted_codes(text: str, dos: _dt.date, warnings: list[str]) -> None:
    """Flag the deleted ambulance codes a note or claim names, with their replacements."""
    if "a0" not in text.lower():
        return
    rows = {r.code: r for r in service_rows(CODES) if r.extra["kind"] == "deleted"}
    seen: set[str] = set()
    for m in _CODE_TOKEN.finditer(text):
        row = rows.get(m.group(0).upper())
        if row is None or row.in_force(dos) or row.code in seen:
            continue
        seen.add(row.code)
        until = row.until.isoformat() if row.until else "?"
        warnings.append(
            f"{row.code} (in the note) was deleted on {until} and is never reported; report "
            f"{' / '.join(row.extra['replacements'].split())} instead, chosen from the documented "
            f"level and loaded miles ({row.source})"
        )


def code(visit: Visit) -> list[CodeSuggestion]:
    text, dos, warnings = visit.text, visit.dos, visit.warnings
    deleted_codes(text, dos, warnings)
    if visit.setting != "ambulance" and not (_TRIGGER.search(text) and _RUN_REPORT.search(text)):
        return []
    codes = [r for r in _rows(CODES, dos) if r.extra["kind"] in ("base", "mileage")]
    hits = cues(text, dos)
    if not codes or not _rows(CUES, dos):
        warnings.append(
            f"ambulance transport on {dos.isoformat()}: medcoder codes the levels of 42 CFR 414.605 "
            "from the ambulance fee schedule (2002-04-01) on; code this run by hand"
        )
        return []

    # where from, where to
    cands = places(text, dos)
    origin, o_problem = _decide(cands["ORIGIN"])
    dest, d_problem = _decide(cands["DESTINATION"])

    # transported at all?
    refused = hits.get("NO_TRANSPORT", [])
    moved = hits.get("TRANSPORTED", [])
    if refused and not moved and not _STATED[0].search(text) and not _STATED[1].search(text):
        warnings.append(
            f"no transport documented ({_said(text, refused)}): no ambulance base rate or mileage line; a "
            "response without transport is billed per payer policy (Medicare does not pay A0998, "
            f"response and treatment without transport) ({NO_TRANSPORT_RULE})"
        )
        return []
    if refused:
        warnings.append(
            f"the note documents both a transport and '{_said(text, refused)}': check which happened "
            f"({NO_TRANSPORT_RULE})"
        )
    if not (moved or dest or _STATED[0].search(text) or _ODOMETER.search(text)):
        warnings.append(
            "no transport is documented (no destination, loaded miles or transport): no ambulance "
            f"base rate line ({LEVEL_RULE})"
        )
        return []

    # ground or air
    fixed, rotary = hits.get("FIXED_WING", []), hits.get("ROTARY_WING", [])
    if fixed and rotary:
        warnings.append(
            "the note names both fixed wing and rotary wing transport: no ambulance line until "
            f"the aircraft is clear ({LEVEL_RULE})"
        )
        return []
    mode = "FIXED_WING" if fixed else "ROTARY_WING" if rotary else "GROUND"

    # modifiers
    mods: list[str] = []
    place_spans: list[tuple[int, int]] = []
    if origin and dest:
        pair = origin.key + dest.key
        mods = [pair]
        place_spans = [(origin.start, origin.end), (dest.start, dest.end)]
        mod_why = [
            f"{pair}: origin {origin.key} ({origin.what}: '{text[origin.start:origin.end]}'), "
            f"destination {dest.key} ({dest.what}: '{text[dest.start:dest.end]}') ({MODIFIER_RULE})"
        ]
    else:
        mod_why = []
    ptr = pointers(visit.diagnoses)
    out: list[CodeSuggestion] = []

    # the base rate
    base: ServiceRow | None = None
    base_why: list[str] = []
    base_spans: list[tuple[int, int]] = []
    confidence = 0.9
    if mode != "GROUND":
        base = next((r for r in codes if r.extra["kind"] == "base" and r.extra["level"] == mode), None)
        air = fixed or rotary
        base_why = [f"{air[0].what} documented: {base.code if base else ''} ({LEVEL_RULE})"]
        base_spans = [(h.start, h.end) for h in air]
    else:
        emerg, routine = hits.get("EMERGENCY", []), hits.get("NONEMERGENCY", [])
        interfacility = bool(origin and dest and origin.key in FACILITIES and dest.key in FACILITIES)
        level = _level(text, hits, bool(emerg) and not routine, interfacility, warnings)
        base_why, base_spans = list(level.reasons), list(level.spans)
        if level.code_level in ("SCT", "ALS2"):
            base = next((r for r in codes if r.extra["kind"] == "base" and r.extra["level"] == level.code_level), None)
        elif emerg and routine:
            either = " / ".join(r.code for r in codes if r.extra["kind"] == "base" and r.extra["level"] == level.code_level)
            warnings.append(
                f"the note documents both an emergency response ({_words(emerg)}) and a "
                f"non-emergency transport ({_words(routine)}): the {level.code_level} base rate "
                f"({either}) is not coded "
                f"until it is clear ({LEVEL_RULE}, emergency response)"
            )
        else:
            flag = "yes" if emerg else "no"
            base = next((r for r in codes if r.extra["kind"] == "base"
                         and r.extra["level"] == level.code_level and r.extra["emergency"] == flag), None)
            if emerg:
                base_why.append(f"emergency response: {_words(emerg)} ({LEVEL_RULE}, emergency response)")
                base_spans += [(h.start, h.end) for h in emerg]
            elif routine:
                base_why.append(f"non-emergency: {_words(routine)} ({LEVEL_RULE})")
                base_spans += [(h.start, h.end) for h in routine]
            else:
                confidence = 0.7
                base_why.append(f"no emergency response (911 call, immediate response) documented: "
                                f"non-emergency ({LEVEL_RULE}, emergency response)")
                warnings.append(
                    f"the note does not say whether the run was an emergency response (911 call, "
                    f"lights and sirens) or scheduled: {base.code if base else ''} (non-emergency) is coded; "
                    f"document the response ({LEVEL_RULE}, emergency response)"
                )

    mile_row = next((r for r in codes if r.extra["kind"] == "mileage" and r.extra["level"] == mode), None)
    mile_code = mile_row.code if mile_row else "A0425"
    if not (origin and dest):
        missing = [w for w, h, p in (("origin", origin, o_problem), ("destination", dest, d_problem)) if h is None]
        detail = "; ".join(f"{w} {p}" for w, p in (("origin", o_problem), ("destination", d_problem)) if p)
        codes_named = " and ".join(c for c in (base.code if base else None, mile_code) if c)
        warnings.append(
            f"the {' and '.join(missing)} of the transport {'is' if len(missing) == 1 else 'are'} "
            f"not documented{' (' + detail + ')' if detail else ''}: the origin/destination "
            f"modifier pair (e.g. RH) is left off {codes_named} ({MODIFIER_RULE})"
        )
    miles = mileage(text, warnings, mile_row.code) if mile_row is not None else None
    if base is not None:
        spans = base_spans + place_spans
        if not spans:  # nothing but the transport itself: cite it
            spans = [(h.start, h.end) for h in moved[:1]] or (miles.spans if miles else [])
        out.append(line(
            base.code, label_for(base.code, visit, "HCPCS", fallback=base.extra["label"]), text,
            spans,
            [*base_why, *mod_why, f"{base.code} in force from {base.effective.isoformat()} ({base.source})"],
            modifiers=mods, diagnosis_pointers=ptr, confidence=confidence, system="HCPCS",
        ))

    # loaded mileage
    if mile_row is not None and miles is not None:
        rounding = mile_row.extra["rounding"]
        units = mileage_units(miles.miles, rounding)
        rule = (
            "under 100 miles to the tenth of a mile, rounded up" if rounding == "tenth" and miles.miles < 100
            else "whole miles, rounded up"
        )
        out.append(line(
            mile_row.code, label_for(mile_row.code, visit, "HCPCS", fallback=mile_row.extra["label"]),
            text, miles.spans + place_spans,
            [f"{miles.miles} loaded miles ({miles.how}): {rule} = {units} ({mile_row.source})", *mod_why],
            units=units, modifiers=mods, diagnosis_pointers=ptr, system="HCPCS",
        ))
    multi = hits.get("MULTIPLE_PATIENTS", [])
    if multi and out:
        warnings.append(
            "more than one patient was on board: Medicare prorates the payment and the lines take "
            "modifier GM; check the claim (CMS Pub. 100-04 ch. 15)"
        )
    return out

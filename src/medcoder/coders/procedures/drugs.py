"""Drugs, injections, infusions and vaccines: HCPCS drug codes with units from the documented
dose, the drug administration codes, and the vaccine product and administration codes.

Rules, with their source (each table row cites its own):

- Drug codes (``data/drugs.csv``: the drug's names, its HCPCS code, the billing dosage of one
  unit, the routes the code covers, the dates it is in force; codes and dates from the CMS HCPCS
  Level II 2019 annual file). Units are the number of times the descriptor's dosage is given,
  rounded up (CMS Pub. 100-04 ch. 17 §10): 20 mg of ketorolac billed per 15 mg is 2 units, 1 g
  of ceftriaxone per 250 mg is 4, 500 mcg of B-12 "up to 1000 mcg" is 1. g/mg/mcg and L/mL are
  converted. A drug with several strengths (methylprednisolone acetate 20/40/80 mg, saline bags
  250/500/1000 mL) takes the combination of codes that covers the dose with the least excess,
  then the fewest units. J1070 (testosterone cypionate up to 100 mg) ends on 2014-12-31 and J1071
  (1 mg) starts on 2015-01-01; J0171 (epinephrine 0.1 mg) starts on 2011-01-01; J1050
  (medroxyprogesterone 1 mg) on 2013-01-01. When a HCPCS file is loaded the code must be in it
  and active on the date of service, and its long description gives the dosage
  (``parse_dosage``); the table's dosage is the fallback.
- Administration (CPT 2009 Medicine guidelines for hydration, injections and infusions,
  96360-96379, which replaced 90760-90779 on 2009-01-01; CMS Pub. 100-04 ch. 12 §30.5;
  ``data/drugs_admin.csv``): 96372 per IM/SC injection; 96374 the initial IV push, 96375 each
  further push of a new drug; 96365 an initial infusion of more than 15 minutes (15 minutes or
  less is a push), 96366 each further hour once more than 30 minutes into it (91-150 minutes: 1
  unit, 151-210: 2), 96367 a sequential infusion of a new drug, 96368 a concurrent one (once);
  hydration 96360 from 31 minutes (30 or less is not reported), 96361 each further hour by the
  same 30-minute rule, or secondary hydration of more than 30 minutes after another initial
  service. One initial service per encounter: infusion, then push, then hydration. Hydration
  running at the same time as a drug infusion is not reported. 96376 (the same drug pushed again)
  is a facility code and is not produced. A drug injected into a joint, bursa, tendon sheath or
  lesion, or given with a procedure, gets its drug code only: the procedure code (20600-20611,
  11900, by the office-procedures family) includes the injection. The same dose (amount and
  route) documented twice is one dose unless the note says it was repeated; into a joint or
  bursa, doses at different sites or sides are separate doses and are added ("right knee 40 mg",
  "left knee 40 mg": 80 mg), and "40 mg each knee", "40 mg/knee" is a dose per site (the sites
  counted in the sentence or the ones around it, else both sides of the paired joint); a dose
  stated once for several sites is coded once, with a warning. In the emergency department
  the administration codes belong to the facility claim (CMS PFS: facility PE "NA"); a warning
  says so.
- Vaccines (``data/drugs_vaccines.csv``; the table is in force from 2013-01-01, PCV15/PCV20
  90671/90677 from 2021-07-01, 90750 from 2018-01-01): the product code from the documented
  product (influenza: valency and preservative-free syringe or multi-dose vial, or live
  intranasal), and its administration: 90471 the first injected vaccine, 90472 each further
  one, 90473 one intranasal/oral vaccine alone, 90474 each further intranasal/oral one; through
  18 years with counselling by the physician, 90460 per vaccine and 90461 per further
  component (CPT 2011). Medicare Part B: G0008 (influenza), G0009 (pneumococcal), G0010
  (hepatitis B) instead of 90471-90474 for those vaccines (CMS Pub. 100-04 ch. 18 §10).

Data layout: ``drugs.csv`` (drug, code, kind drug|fluid|ambiguous|bundled, amount, unit, routes
IM|SC|IV|PROC, effective, until, phrases, source, label = the public-domain HCPCS long
description, note); ``drugs_admin.csv`` (role, code, effective, until, source, label);
``drugs_vaccines.csv`` (group, code or NONE for a product left unnamed, phrases, attributes: ";"
groups of "/" alternatives that must all be documented, exclude, route, components, ages "7-",
age_required, effective, until, source, note). A phrase written "=NS" is matched in capitals only.

Nothing is guessed: a drug given without a dose, or with a dose without its unit, an unknown
drug (a coder uses the not-otherwise-classified J3490/J3590 with the NDC and invoice), a drug
named without its salt or ester, an IV drug without push or start/stop times, a vaccine whose
product is not documented: no line, and a warning says what documentation is missing. Oral
drugs, prescriptions, home medications and drugs declined or given elsewhere produce nothing.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from medcoder.coders.procedures.common import (
    ServiceRow,
    Visit,
    label_for,
    line,
    pointers,
    service_rows,
)
from medcoder.coders.procedures.minutes import (
    MAX_MINUTES,
    MAX_OVERNIGHT,
    Minutes,
    durations,
    plausible,
)
from medcoder.codesets.hcpcs.dosage import normalize_unit, parse_dosage, units_for
from medcoder.errors import InputError
from medcoder.result import CodeSuggestion

DRUGS = "drugs.csv"
ADMIN = "drugs_admin.csv"
VACCINES = "drugs_vaccines.csv"
UNITS_RULE = "CMS Pub. 100-04 ch. 17 §10: units are multiples of the HCPCS descriptor dosage, rounded up"
ADMIN_RULE = "CPT Medicine guidelines 96360-96379; CMS Pub. 100-04 ch. 12 §30.5"
VACCINE_RULE = "CPT Medicine guidelines, immunization administration 90460-90474"
MEDICARE_RULE = "CMS Pub. 100-04 ch. 18 §10"
FACILITY_RULE = "CMS PFS RVU file: facility PE 'NA' for 96360-96379"
# US influenza vaccines are trivalent from the 2024-2025 season (FDA VRBPAC, March 2024)
TRIVALENT_SEASON = _dt.date(2024, 7, 1)
TRIVALENT_SOURCE = "FDA VRBPAC March 2024: US influenza vaccines are trivalent from the 2024-2025 season"
_MEDICARE_ROLE = {"influenza": "medicare_influenza", "pneumococcal": "medicare_pneumococcal", "hepb": "medicare_hepb"}
_IV_KINDS = ("PUSH", "INFUSION", "IV")
_ROUTE_NAMES = {
    "IM": "IM", "SC": "subcutaneous", "PUSH": "IV push", "INFUSION": "IV infusion", "IV": "IV",
    "PROC": "into a joint/lesion or with a procedure", "INJ": "injection, route not stated",
}

# -- the words ----------------------------------------------------------------------------------
_TRIGGER = re.compile(
    r"(?-i:\b(?:IM|IV|IVP|IVPB|SC|SQ)\b)|inject|infus|intramuscular|intravenous|subcutaneous|"
    r"\bsub-?q\b|\bpush|bolus|vaccin|immuniz|\bshot\b|hydration|intra-?articular|\bgiven\b|"
    r"administered|\breceived\b|\bgave\b|flumist|rotateq|rotarix|\binto (?:the|each|both|either)\b",
    re.I,
)
_BREAK = re.compile(r"\n|;|(?<=[.!?])\s+(?=[A-Z(\[])")
_HEADING = re.compile(r"^[ \t]*([A-Za-z][A-Za-z /&()-]{1,40}):", re.M)
_LIST_HEADING = re.compile(r"medication|\bmeds\b|allerg|prescri|discharge|history|\bhpi\b|home|\brx\b", re.I)
_DONE_HEADING = re.compile(r"given|administered|procedure|treatment|course|\bmar\b|orders? given", re.I)
_STRONG = re.compile(r"\b(?:given|gave|administered|injected|infused|pushed|received|administration of)\b", re.I)
_HARD_NOT = re.compile(
    r"\b(?:prescribed|prescriptions?|e-?prescribed|sent to (?:the )?pharmacy|dispensed|to take|"
    r"take \d|will (?:start|give|receive|begin|order|administer|get)|plan to|recommend\w*|consider\w*|"
    r"declined|refused|deferred|held|hold|not (?:given|administered|received|done)|allerg\w*|"
    r"discontinue\w*|previously|prior to arrival|yesterday|last (?:night|week|month|year|dose)|"
    r"\d+\s+(?:days?|weeks?|months?|years?)\s+ago|by EMS|at home|outside hospital|history of|"
    r"due for|is due|are due|overdue|next dose|if (?:needed|pain|symptoms)|contraindicated|"
    r"up to date|in (?:19|20)\d\d)\b|(?-i:\b(?:PTA|UTD|Rx)\b)",
    re.I,
)
_SOFT_NOT = re.compile(
    r"\b(?:continue|continues|daily|nightly|weekly|monthly|as needed|prn|bid|tid|qid|qhs|"
    r"q\s?\d+\s?(?:h|hr|hrs|hours|d|days|wk|wks|weeks|mo|months)|every \d+ (?:hours|days|weeks|months))\b",
    re.I,
)
_YEAR = re.compile(r"(?<![\w-])(?:19|20)\d\d(?![\w-])")
_REPEAT = re.compile(r"\b(?:repeat(?:ed)?|again|second dose|another dose|additional dose|re-?dosed)\b", re.I)
_DILUENT = re.compile(
    r"(?:\bin|\bwith|\bmixed in|\bdiluted in|\bdiluent|/)\s*(?:\d[\d.,]*\s*(?:ml|cc|l)\s*(?:of\s*)?)?$", re.I
)
_NOT_HYDRATION = re.compile(r"\b(?:kvo|tko|keep (?:the )?vein open|to keep open|flush(?:ed)?|carrier)\b", re.I)
_COUNSEL = re.compile(
    r"\bcounsel(?:l)?(?:ed|ing)\b|\brisks and benefits (?:were |was )?(?:discussed|reviewed)\b|"
    r"\bdiscussed (?:the )?(?:risks|benefits)\b",
    re.I,
)
_NDC = re.compile(r"\bNDC\b[\s:#]*(\d{4,5}-\d{3,4}-\d{1,2}|\d{11})", re.I)

# the sites a drug is injected into (paired joints, a bursa, a side): doses at different sites are
# different doses, and "40 mg each knee" is a dose per site
_PAIRED = "knee|shoulder|hip|elbow|wrist|ankle"
_JOINTS = _PAIRED + "|joint|bursa"
_SITE = re.compile(
    r"(?<!\w)(?P<sides>(?:(?:right|left|rt|lt|bilateral|both)\s*(?:,|and|&|/)?\s*){0,2})"
    rf"(?P<joint>{_JOINTS}|side)(?P<plural>e?s)?\b(?P<bilat>\s+bilaterally)?",
    re.I,
)
_EACH = re.compile(
    rf"\b(?:each|per|every)\s+(?:of\s+the\s+)?(?:\w+\s+)?(?P<joint>{_JOINTS}|side)s?\b", re.I
)
_EACH_AFTER = re.compile(r"\s*\b(each|apiece)\b", re.I)

_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("PROC", re.compile(
        r"\bintra-?articular\w*|\bintra-?lesional\w*|\bintra-?bursal\b|\bintra-?dermal\w*|"
        r"\bintra-?thecal\w*|\bintra-?vitreal\b|\bepidural\b|\bperineural\b|\bnerve block\b|"
        r"\btrigger point\b|\btendon sheath\b|\bjoint injection\b|"
        r"\binto (?:the|each|both|either) (?:\w+\s+){0,3}"
        r"(?:joint|knee|shoulder|hip|elbow|wrist|ankle|bursa|lesion|tendon)s?\b|"
        r"\bduring the procedure\b|\bfor the procedure\b|\bprocedural sedation\b|\bmoderate sedation\b|"
        r"\bconscious sedation\b|\blocal infiltration\b|\binfiltrated\b",
        re.I,
    )),
    ("OTHER", re.compile(
        r"(?-i:\b(?:PO|SL|ODT|PR)\b)|\bp\.o\.|\bby mouth\b|\borally\b|\boral\b|\bsublingual\w*|"
        r"\btablets?\b|\bcapsules?\b|\btopical\w*|\binhal\w*|\bnebuli[sz]\w*|\bnebs?\b|\brectal\w*|"
        r"\bper rectum\b|\bintranasal\w*|\bnasal\b|\bophthalmic\b|\beye drops?\b|\btransdermal\b|"
        r"\bpatch\b|\bcream\b|\bointment\b",
        re.I,
    )),
    ("IM", re.compile(
        r"(?-i:\bIM\b)|\bi\.m\.|\bintramuscular\w*|\b(?:into|in) the (?:left |right |l |r )?"
        r"(?:deltoid|gluteus|gluteal|glute|ventrogluteal|dorsogluteal|vastus lateralis|thigh|buttock)\b",
        re.I,
    )),
    ("SC", re.compile(r"(?-i:\b(?:SC|SQ)\b)|\bsub-?\s?q\b|\bsub-?cutaneous\w*", re.I)),
    ("PUSH", re.compile(r"(?-i:\bIVP\b)|\bIV\s*push\w*|\bslow IV\b|\bpush(?:ed)?\b|\bbolus\w*", re.I)),
    ("INFUSION", re.compile(
        r"\binfus\w*|(?-i:\bIVPB\b)|\bpiggyback\b|\bdrip\b|"
        r"\bover\s+(?:\d+\s*(?:minutes?|mins?|hours?|hrs?)|(?:an?|one)\s+hour)\b",
        re.I,
    )),
    ("IV", re.compile(
        r"(?<![Ss]tage )(?<![Gg]rade )(?<![Cc]lass )(?<![Tt]ype )(?-i:\bIV\b)|\bi\.v\.|\bintravenous\w*", re.I
    )),
    ("INJ", re.compile(r"\binject\w*|\bshot\b", re.I)),
    # a joint named beside an injection word ("right knee injected"): into the joint, unless
    # the words also say IM, SC, IV or another route ("IM injection in the hip")
    ("JOINT", re.compile(rf"\b(?:{_JOINTS})s?\b", re.I)),
)

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_UNIT = (
    r"international\s+units?|units?|iu|u|micrograms?|mcg|µg|ug|milligrams?|mg|grams?|gm|g|"
    r"milliliters?|millilitres?|ml|cc|liters?|litres?|l|milliequivalents?|meq"
)
_DOSE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUMBER})\s*(?P<mult>million\s+)?(?P<unit>{_UNIT})(?!\w)"
    r"(?:\s*/\s*(?P<den_num>\d+(?:\.\d+)?)?\s*(?P<den>[a-z]+))?",
    re.I,
)
_BARE = re.compile(r"[\s,:(-]*(\d+(?:\.\d+)?)(?![\d.:%/]|\s*(?:%|percent))")
_CLOCK = re.compile(r"([01]?\d|2[0-3])[:h.]?([0-5]\d)")
_STARTSTOP = re.compile(
    r"\b(?:start(?:ed)?|began|begun|hung|initiated)\b(?:\s+(?:at|time))?:?\s*([01]?\d|2[0-3]):?([0-5]\d)\b"
    r".{0,60}?\b(?:stop(?:ped)?|end(?:ed)?|completed?|finish(?:ed)?|discontinued|d/c'?d?)\b"
    r"(?:\s+(?:at|time))?:?\s*([01]?\d|2[0-3]):?([0-5]\d)\b",
    re.I | re.S,
)
_WHEN = re.compile(r"\s*(?:later|after|apart|before|prior|ago|post)\b", re.I)
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{3,}")
_STOPWORDS = frozenset((
    "given", "gave", "administered", "received", "injected", "infused", "pushed", "dose", "doses",
    "total", "patient", "then", "with", "and", "the", "push", "bolus", "injection", "infusion",
    "over", "plus", "additional", "another", "repeat", "started", "start", "units", "unit", "into",
    "left", "right", "deltoid", "gluteus", "thigh", "arm", "was", "were", "today", "also", "slow",
    "stat", "once",
))

_SCALE: dict[str, tuple[str, Decimal]] = {
    "mcg": ("mass", Decimal("0.001")), "mg": ("mass", Decimal(1)), "g": ("mass", Decimal(1000)),
    "ml": ("volume", Decimal(1)), "units": ("activity", Decimal(1)), "meq": ("milliequivalents", Decimal(1)),
}


# -- the tables ---------------------------------------------------------------------------------
def _key(s: str) -> str:
    return re.sub(r"[\s-]+", "", s.lower())


def _alt(phrase: str) -> str:
    return r"[\s-]*".join(re.escape(t) for t in re.split(r"[\s-]+", phrase) if t)


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str]
    rows: dict[str, tuple[ServiceRow, ...]]


@cache
def _lexicon(name: str) -> _Lexicon:
    """One pattern for every phrase of a table (longest first; "=NS" is matched in capitals)."""
    by_key: dict[str, list[ServiceRow]] = {}
    ci: set[str] = set()
    cs: set[str] = set()
    for r in service_rows(name):
        for p in r.phrases:
            word = p[1:].upper() if p.startswith("=") else p
            (cs if p.startswith("=") else ci).add(_alt(word))
            rows = by_key.setdefault(_key(word), [])
            if r not in rows:
                rows.append(r)
    parts = []
    if ci:
        parts.append("(?i:" + "|".join(sorted(ci, key=len, reverse=True)) + ")")
    if cs:
        parts.append("(?:" + "|".join(sorted(cs, key=len, reverse=True)) + ")")
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
    return _Lexicon(pattern, {k: tuple(v) for k, v in by_key.items()})


@cache
def _words(alternatives: str) -> re.Pattern[str]:
    """``"quadrivalent/iiv4"``: any of the words, case-insensitive, as whole words."""
    alts = sorted((_alt(a) for a in alternatives.split("/") if a.strip()), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I)


def _admin_row(role: str, dos: _dt.date) -> ServiceRow | None:
    for r in service_rows(ADMIN):
        if r.extra.get("role") == role and r.in_force(dos):
            return r
    return None


# -- reading the note ---------------------------------------------------------------------------
def _segments(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _BREAK.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def _heading_at(headings: list[tuple[int, str]], pos: int) -> str:
    found = ""
    for start, name in headings:
        if start > pos:
            break
        found = name
    return found


@dataclass(frozen=True)
class _Dose:
    amount: Decimal  # in the canonical unit
    unit: str  # mg | mcg | g | ml | units | meq
    kind: str  # amount | conc | rate
    start: int
    end: int
    per_site: bool = False  # "40 mg/knee": a dose for each site

    def base(self) -> tuple[str, Decimal]:
        dim, size = _SCALE[self.unit]
        return dim, self.amount * size


def _canon(word: str) -> tuple[str, Decimal]:
    w = " ".join(word.lower().split())
    if w in ("l", "liter", "liters", "litre", "litres"):
        return "ml", Decimal(1000)
    if w == "u":
        return "units", Decimal(1)
    return normalize_unit(w), Decimal(1)


def _doses(text: str, start: int, end: int) -> list[_Dose]:
    out = []
    for m in _DOSE.finditer(text, start, end):
        try:
            unit, factor = _canon(m.group("unit"))
        except InputError:
            continue
        if unit not in _SCALE:
            continue
        amount = Decimal(m.group("num").replace(",", "")) * factor
        if m.group("mult"):
            amount *= 1_000_000
        den = (m.group("den") or "").lower()
        kind = "amount"
        per_site = bool(den) and re.fullmatch(rf"(?:{_JOINTS}|side)s?", den) is not None
        if den in ("ml", "cc") and (m.group("den_num") in (None, "1")):
            kind = "conc"
        elif den and den not in ("ml", "cc") and not per_site:
            kind = "rate"  # mg/kg, mL/hr: not a dose given
        if amount > 0:
            out.append(_Dose(amount, unit, kind, m.start(), m.end(), per_site))
    return out


def _route(text: str, start: int, end: int) -> tuple[str | None, list[tuple[int, int]], bool]:
    """The route documented in ``text[start:end]``: (kind, spans, conflicting)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for kind, rx in _ROUTES:
        for m in rx.finditer(text, start, end):
            found.setdefault(kind, []).append((m.start(), m.end()))
    if "PROC" in found:
        return "PROC", found["PROC"], False
    im_sc = [k for k in ("IM", "SC") if k in found]
    iv = [k for k in _IV_KINDS if k in found]
    if "JOINT" in found and "INJ" in found and not im_sc and not iv and "OTHER" not in found:
        return "PROC", found["INJ"] + found["JOINT"], False
    if im_sc and iv:
        return None, [], True
    if im_sc:
        return im_sc[0], [s for k in im_sc for s in found[k]], False
    if iv:
        spans = [s for k in iv for s in found[k]]
        if "PUSH" in found and "INFUSION" in found:
            return "IV", spans, False  # the documented time decides
        return ("PUSH" if "PUSH" in found else "INFUSION" if "INFUSION" in found else "IV"), spans, False
    if "OTHER" in found:
        return "OTHER", found["OTHER"], False
    if "INJ" in found:
        return "INJ", found["INJ"], False
    return None, [], False


def _clock_of(text: str, m: Minutes) -> int | None:
    if not m.how.startswith("clock span"):
        return None
    c = _CLOCK.search(text, m.start, m.end)
    return int(c.group(1)) * 60 + int(c.group(2)) if c else None


def _times(text: str, start: int, end: int) -> list[Minutes]:
    found = durations(text, start, end)
    for m in _STARTSTOP.finditer(text, start, end):
        if any(d.start <= m.start() < d.end or m.start() <= d.start < m.end() for d in found
               if d.how.startswith("clock")):
            continue
        a = int(m.group(1)) * 60 + int(m.group(2))
        b = int(m.group(3)) * 60 + int(m.group(4))
        how = "clock span"
        if b <= a and b + MAX_MINUTES - a <= MAX_OVERNIGHT:
            b += MAX_MINUTES
            how = "clock span across midnight"
        elif b <= a:
            how = "clock span that runs backwards"
        found.append(Minutes(b - a, m.start(), m.end(), how))
    # a stated duration inside a clock span ("23:40 to 00:25 (45 min)") repeats it
    return sorted(found, key=lambda d: (d.start, 0 if d.how.startswith("clock") else 1))


# -- where it was given ----------------------------------------------------------------------------
_Site = tuple[str, str]  # (side r|l|"", joint; "" for a side alone)
_SiteSet = frozenset[_Site]
_SIDE_WORD = re.compile(r"right|rt|left|lt|bilateral|both", re.I)


def _site_order(site: _Site) -> tuple[str, int]:
    return site[1], 0 if site[0] == "r" else 1


def _sites(text: str, start: int, end: int) -> tuple[set[_Site], list[tuple[int, int]]]:
    """The (side, joint) sites named in ``text[start:end]`` ("right knee and left knee", "both
    knees", "knees bilaterally"), a joint without a side dropped where the same joint has one."""
    found: set[_Site] = set()
    spans: list[tuple[int, int]] = []
    for m in _SITE.finditer(text, start, end):
        joint = m.group("joint").lower()
        joint = "" if joint == "side" else joint
        words = {w.lower() for w in _SIDE_WORD.findall(m.group("sides"))}
        sides: set[str] = set()
        if words & {"bilateral", "both"} or m.group("bilat"):
            sides = {"r", "l"}
        sides |= {"r" for w in words if w in ("right", "rt")} | {"l" for w in words if w in ("left", "lt")}
        if not sides and m.group("plural") and joint in _PAIRED.split("|"):
            sides = {"r", "l"}  # "knees injected": both
        if not sides and not joint:
            continue
        found |= {(side, joint) for side in sides} or {("", joint)}
        spans.append((m.start(), m.end()))
    sided = {j for side, j in found if side}
    found = {(side, j) for side, j in found if side or j not in sided}
    # a side alone ("each side") is the side of the joint named with it
    for side in {side for side, j in found if side and j}:
        found.discard((side, ""))
    return found, spans


def _dose_sites(text: str, g: _Given, segments: list[tuple[int, int]], i: int) -> None:
    """The sites of a dose into a joint or bursa: the sites its segment names, as one dose; with
    "each"/"per" ("40 mg each knee", "40 mg/knee") a dose for each site, counted in the segment,
    else in the segments around it (the procedure's sides), else both sides of a paired joint."""
    s, e = segments[i]
    found, spans = _sites(text, s, e)
    each = _EACH.search(text, s, e)
    after = _EACH_AFTER.match(text, g.dose.end) if g.dose is not None else None
    per_site = each is not None or after is not None or (g.dose is not None and g.dose.per_site)
    if not per_site:
        real = {x for x in found if x[0]}
        if real:
            g.sites, g.site_spans = (frozenset(real),), spans
        return
    named = {x for x in found if x[0]}
    if len(named) < 2:
        for j in (i - 1, i - 2, i + 1):
            if 0 <= j < len(segments) and "\n\n" not in text[min(s, segments[j][0]) : max(e, segments[j][1])]:
                more, more_spans = _sites(text, *segments[j])
                if len({x for x in more if x[0]} | named) > len(named):
                    named |= {x for x in more if x[0]}
                    spans += more_spans
    joint = each.group("joint").lower() if each is not None else next((j for _side, j in found if j), "")
    joint = "" if joint == "side" else joint
    if len(named) < 2 and (joint in _PAIRED.split("|") or (each is not None and not joint)):
        named = {("r", joint), ("l", joint)}  # each knee, each side: both
    if len(named) < 2:
        g.per_site_uncounted = True
        return
    g.sites = tuple(frozenset({x}) for x in sorted(named, key=_site_order))
    g.site_spans = spans + ([(each.start(), each.end())] if each is not None else []) + (
        [(after.start(1), after.end(1))] if after is not None else [])


# -- what was given ---------------------------------------------------------------------------------
@dataclass
class _Given:
    drug: str  # the table's drug id, or "?name" for a drug not in the table
    rows: tuple[ServiceRow, ...]
    kind: str  # drug | fluid | ambiguous | unknown
    name: tuple[int, int]
    seg: tuple[int, int]
    dose: _Dose | None = None
    conc: _Dose | None = None
    bare: tuple[int, int] | None = None
    route: str | None = None
    route_spans: list[tuple[int, int]] = field(default_factory=list)
    minutes: Minutes | None = None
    clock: int | None = None
    bad_time: Minutes | None = None
    repeat: bool = False
    diluent: bool = False
    ndc: str | None = None
    # the sites the dose went into: one entry per dose ("40 mg each knee": two), each the set
    # of (side, joint) its words name; (None,) when no site is named
    sites: tuple[_SiteSet | None, ...] = (None,)
    site_spans: list[tuple[int, int]] = field(default_factory=list)
    per_site_uncounted: bool = False  # "40 mg each joint", the joints not counted

    def spans(self) -> list[tuple[int, int]]:
        out = [self.name, *self.route_spans, *self.site_spans]
        for d in (self.dose, self.conc):
            if d is not None:
                out.append((d.start, d.end))
        if self.minutes is not None:
            out.append((self.minutes.start, self.minutes.end))
        return out

    def given_base(self) -> tuple[str, Decimal] | None:
        """The dose given, in the base unit of its dimension (mg, mL, units), or None."""
        if self.dose is None:
            return None
        dim, amount = self.dose.base()
        if dim == "volume" and self.conc is not None and self.rows:
            want = _SCALE.get(_table_unit(self.rows[0]), ("", Decimal(0)))[0]
            cdim, camount = self.conc.base()
            if want == cdim:  # 30 mg/mL, 1 mL: 30 mg
                return cdim, camount * amount
        return dim, amount


def _table_unit(row: ServiceRow) -> str:
    try:
        return normalize_unit(row.extra.get("unit", "") or "mg")
    except InputError:
        return "mg"


def _mentions(text: str, start: int, end: int) -> list[tuple[re.Match[str], tuple[ServiceRow, ...]]]:
    lex = _lexicon(DRUGS)
    out = []
    for m in lex.pattern.finditer(text, start, end):
        rows = lex.rows.get(_key(m.group(0)))
        if rows:
            out.append((m, rows))
    return out


def _past(text: str, start: int, end: int, dos: _dt.date) -> bool:
    """A year before the date of service: "Tdap 2019", "flu vaccine 10/2023" is history."""
    return any(int(m.group(0)) < dos.year for m in _YEAR.finditer(text, start, end))


def _blocked(text: str, spans: list[tuple[int, int]], listed: bool, dos: _dt.date) -> bool:
    """Not given in this encounter: declined, prescribed, elsewhere, or a medication list."""
    if any(_HARD_NOT.search(text, s, e) or _past(text, s, e, dos) for s, e in spans):
        return True
    strong = any(_STRONG.search(text, s, e) for s, e in spans)
    soft = listed or any(_SOFT_NOT.search(text, s, e) for s, e in spans)
    return soft and not strong


def _collect(visit: Visit) -> tuple[list[_Given], set[tuple[int, int]]]:
    """Every drug documented as given, and the segments holding a vaccine (not drugs)."""
    text = visit.text
    headings = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    segments = _segments(text)
    out: list[_Given] = []
    vaccine_segs = {(s, e) for s, e in segments if _lexicon(VACCINES).pattern.search(text, s, e)}
    for i, (s, e) in enumerate(segments):
        if not _TRIGGER.search(text, s, e):
            continue
        heading = _heading_at(headings, s)
        listed = bool(_LIST_HEADING.search(heading)) and not _DONE_HEADING.search(heading)
        seg_route, _spans, _conflict = _route(text, s, e)
        seg_given = bool(_STRONG.search(text, s, e)) or seg_route in ("IM", "SC", *_IV_KINDS, "PROC")
        hits = _mentions(text, s, e)
        if not hits:
            if (s, e) not in vaccine_segs and not listed:
                unknown = _unknown(text, s, e, visit.dos)
                if unknown is not None:
                    out.append(unknown)
            continue
        real = []
        for j, (m, rows) in enumerate(hits):
            kind = rows[0].extra.get("kind", "drug")
            pre = text[max(s, m.start() - 30) : m.start()]
            diluent = kind == "fluid" and j > 0 and bool(_DILUENT.search(pre))
            real.append(kind != "bundled" and not diluent)
        before_taken = False
        for j, (m, rows) in enumerate(hits):
            after = (m.end(), hits[j + 1][0].start() if j + 1 < len(hits) else e)
            before = (hits[j - 1][0].end() if j else s, m.start())
            own = [after] if before_taken else [after, before]
            may_use_before = not before_taken
            after_doses = _doses(text, *after)
            # the next drug may not take a dose that follows this one
            before_taken = any(d.kind == "amount" for d in after_doses)
            kind = rows[0].extra.get("kind", "drug")
            if kind == "bundled":
                continue
            g = _Given(drug=rows[0].extra.get("drug", m.group(0).lower()), rows=rows, kind=kind,
                       name=(m.start(), m.end()), seg=(s, e))
            g.diluent = not real[j]
            if not seg_given or _blocked(text, own, listed, visit.dos):
                continue
            # the dose: after the name, else before it (not what the previous drug used)
            doses = after_doses
            if not any(d.kind == "amount" for d in doses) and may_use_before:
                doses = _doses(text, *before)
            amounts = [d for d in doses if d.kind == "amount"]
            concs = [d for d in doses if d.kind == "conc"]
            want = _SCALE.get(_table_unit(rows[0]), ("", Decimal(0)))[0]
            matching = [d for d in amounts if d.base()[0] == want]
            g.dose = matching[0] if matching else (amounts[0] if amounts else None)
            g.conc = concs[0] if concs else None
            if g.dose is None:
                bare = _BARE.match(text, m.end(), after[1])
                if bare:
                    g.bare = (bare.start(1), bare.end(1))
            # the route: around the name, else the segment's when it names only one
            route, spans, conflict = _route(text, *after)
            if route is None and not conflict and may_use_before:
                route, spans, conflict = _route(text, *before)
            if route is None and not conflict:
                route, spans, conflict = _route(text, s, e)
            if route == "INJ" and seg_route == "PROC":  # "Right knee: triamcinolone 40 mg injected"
                route, spans, conflict = _route(text, s, e)
            if kind == "fluid" and route in (None, "INJ", "IV"):
                route = "INFUSION"  # a fluid given runs into a vein
            g.route, g.route_spans = route, spans
            if route == "OTHER":
                continue  # oral, inhaled, topical ...: not an injection
            g.repeat = bool(_REPEAT.search(text, s, e))
            if kind == "fluid" and (_NOT_HYDRATION.search(text, *after) or _NOT_HYDRATION.search(text, *before)):
                g.diluent = True
            ndc = _NDC.search(text, s, e)
            g.ndc = ndc.group(1) if ndc else None
            if route == "PROC":
                _dose_sites(text, g, segments, i)
            if route in _IV_KINDS:
                _time_for(text, g, after, (s, e), segments[i + 1] if i + 1 < len(segments) else None,
                          single=sum(real) == 1)
            out.append(g)
    return out, vaccine_segs


def _time_for(text: str, g: _Given, after: tuple[int, int], seg: tuple[int, int],
              nxt: tuple[int, int] | None, *, single: bool) -> None:
    places = [after]
    if single:
        places.append(seg)
    if nxt is not None and not _mentions(text, *nxt) and "\n" in text[seg[1] : nxt[0] + 1]:
        places.append(nxt)  # a flowsheet row of times under the drug
    for s, e in places:
        # "30 minutes later" says when, not how long
        found = [d for d in _times(text, s, e) if not _WHEN.match(text, d.end)]
        ok = [d for d in found if plausible(d) and not d.how.endswith("backwards")]
        if ok:
            g.minutes = ok[0]
            g.clock = _clock_of(text, ok[0])
            return
        if found:
            g.bad_time = found[0]
            return


def _unknown(text: str, s: int, e: int, dos: _dt.date) -> _Given | None:
    """"Given Xyzzamab 40 mg IM": a drug given with a dose and route that the table lacks."""
    if not _STRONG.search(text, s, e) or _HARD_NOT.search(text, s, e) or _past(text, s, e, dos):
        return None
    route, spans, _conflict = _route(text, s, e)
    if route in (None, "OTHER", "PROC"):
        return None
    dose = next((d for d in _doses(text, s, e) if d.kind == "amount"), None)
    if dose is None:
        return None
    words = [w for w in _NAME_WORD.finditer(text, s, dose.start)
             if w.group(0).lower() not in _STOPWORDS and not w.group(0).isupper()][-1:]
    if not words:
        return None
    w = words[0]
    return _Given(drug="?" + w.group(0).lower(), rows=(), kind="unknown", name=(w.start(), w.end()),
                  seg=(s, e), dose=dose, route=route, route_spans=spans)


# -- the drug lines ---------------------------------------------------------------------------------
def _dosage(row: ServiceRow, visit: Visit) -> tuple[dict[str, Any] | None, str]:
    """The billing dosage of one unit and where it came from; (None, why) when not billable."""
    table = {"amount": _plain(Decimal(row.extra["amount"])), "unit": _table_unit(row)} if row.extra.get("amount") else None
    hcpcs = visit.table("hcpcs")
    if hcpcs is None:
        return table, f"medcoder's drug table ({row.source})"
    hit = hcpcs.get(row.code)
    if hit is None:
        return None, f"{row.code} is not in the loaded HCPCS file ({hcpcs.release})"
    if not hit.active_on(visit.dos):
        return None, f"{row.code} is not active on {visit.dos.isoformat()} in the loaded HCPCS file ({hcpcs.release})"
    parsed = hit.dosage or parse_dosage(hit.long_desc or "")
    if parsed:
        return dict(parsed), f"HCPCS {hcpcs.release} long description"
    return table, f"medcoder's drug table (the HCPCS {hcpcs.release} description names no dosage)"


def _plain(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _combination(total: Decimal, sizes: list[Decimal]) -> list[int] | None:
    """Units of each strength covering ``total``: least excess, then fewest units."""
    bounds = [int(-(-total // size)) for size in sizes]
    if any(b > 400 for b in bounds) or len(sizes) > 4:
        return None
    best: tuple[Decimal, int, list[int]] | None = None
    for counts in itertools.product(*(range(b + 1) for b in bounds)):
        given = sum((c * s for c, s in zip(counts, sizes, strict=True)), Decimal(0))
        if given < total:
            continue
        score = (given - total, sum(counts), list(counts))
        if best is None or score[:2] < best[:2]:
            best = score
    return best[2] if best else None


def _drug_lines(visit: Visit, given: list[_Given], ptr: list[int]) -> list[CodeSuggestion]:
    text, dos = visit.text, visit.dos
    out: list[CodeSuggestion] = []
    by_drug: dict[str, list[_Given]] = {}
    for g in given:
        by_drug.setdefault(g.drug, []).append(g)
    for events in by_drug.values():
        first = events[0]
        what = text[first.name[0] : first.name[1]]
        if first.kind == "unknown":
            visit.warn(
                f"'{what}' is documented as given ({_ROUTE_NAMES.get(first.route or '', first.route)}) but is "
                "not in medcoder's drug table: no drug line is coded; a coder reports its own HCPCS code, "
                "or the not-otherwise-classified J3490/J3590 with the NDC and the invoice"
            )
            continue
        if first.kind == "ambiguous":
            visit.warn(f"'{what}': {first.rows[0].extra.get('note', '')}; the drug line is not coded")
            continue
        if first.kind == "fluid" and all(g.diluent for g in events):
            continue
        events = [g for g in events if not (g.kind == "fluid" and g.diluent)]
        dosed = [g for g in events if g.given_base() is not None]
        rows = [r for r in first.rows if r.in_force(dos)]
        codes = "/".join(r.code for r in first.rows)
        if not rows:
            visit.warn(
                f"'{what}': no code of medcoder's table is in force on {dos.isoformat()} ({codes}: "
                f"{first.rows[0].source}); the drug line is not coded"
            )
            continue
        per = ", ".join(f"{r.code} per {r.extra.get('amount')} {r.extra.get('unit')}" for r in rows)
        if not dosed:
            bare = first.bare
            if bare is not None:
                visit.warn(
                    f"'{what}' is documented with a dose without its unit ('{text[bare[0]:bare[1]]}'): "
                    f"{per}; the drug line is not coded until the unit (mg, mcg, g, mL, units) is documented"
                )
            else:
                visit.warn(
                    f"'{what}' is documented as given without its dose: {per}; the drug line is not "
                    "coded until the dose and its unit are documented"
                )
            continue
        uncounted = next((g for g in dosed if g.per_site_uncounted), None)
        if uncounted is not None and uncounted.dose is not None:
            visit.warn(
                f"'{what}' {text[uncounted.dose.start:uncounted.dose.end]} is documented for each joint, "
                "but the note does not say which joints or how many: the drug line is not coded until "
                "the sites injected are documented"
            )
            continue
        counted = _count_doses(dosed)
        doses = [g for g, _n in counted]
        route_ok = [g for g in doses if _route_covered(g.route, rows[0])]
        if not route_ok:
            g = doses[0]
            if g.route is None:
                visit.warn(
                    f"'{what}' is documented without its route (IM, SC, IV push, IV infusion): it may "
                    f"have been oral; {codes} is not coded"
                )
            else:
                visit.warn(
                    f"'{what}' is documented {_ROUTE_NAMES.get(g.route, g.route)}, which {codes} does not "
                    f"cover ({rows[0].extra.get('routes')}); the drug line is not coded"
                )
            continue
        times = {id(g): n for g, n in counted}
        for g in route_ok:
            several = next((site for site in g.sites if site is not None and len(site) > 1), None)
            if several is not None and g.dose is not None:
                visit.warn(
                    f"'{what}' {text[g.dose.start:g.dose.end]} is documented once for {_site_words([g], short=True)}: "
                    "coded as one dose; if each site got that dose, the note should say so ('40 mg each knee')"
                )
        bases = [(b[0], b[1] * times[id(g)]) for g in route_ok if (b := g.given_base()) is not None]
        dims = {d for d, _a in bases}
        if len(dims) != 1:
            visit.warn(f"'{what}': doses documented in units that cannot be added ({', '.join(sorted(dims))}); not coded")
            continue
        dim = dims.pop()
        total = sum((a for _d, a in bases), Decimal(0))
        base_unit = {"mass": "mg", "volume": "ml", "activity": "units", "milliequivalents": "meq"}[dim]
        usable: list[tuple[ServiceRow, dict[str, Any], str]] = []
        for r in rows:
            dosage, src = _dosage(r, visit)
            if dosage is None:
                visit.warn(f"'{what}': {src}; the drug line {r.code} is not coded")
                continue
            usable.append((r, dosage, src))
        if not usable:
            continue
        spans = [sp for g in route_ok for sp in g.spans()]
        dose_words = " + ".join(
            text[g.dose.start : g.dose.end] + (f" x{times[id(g)]}" if times[id(g)] > 1 else "")
            for g in route_ok if g.dose is not None
        )
        sites = _site_words(route_ok)
        ndc = next((g.ndc for g in route_ok if g.ndc), None)
        try:
            plan = _units(usable, total, base_unit, dim)
        except InputError as exc:
            visit.warn(f"'{what}' ({dose_words}): {exc}; the drug line is not coded")
            continue
        if plan is None:
            visit.warn(f"'{what}' ({dose_words}): no combination of {codes} covers the dose; not coded")
            continue
        for (r, dosage, src), n in plan:
            if n <= 0:
                continue
            why = [
                f"{dose_words} given ({_ROUTE_NAMES.get(route_ok[0].route or '', '')}): total "
                f"{_plain(total)} {base_unit}; {r.code} is billed per {dosage['amount']} {dosage['unit']} "
                f"(dosage from {src}) = {n} unit(s) ({UNITS_RULE})"
            ]
            if route_ok[0].route == "PROC":
                why.append("injected into a joint/lesion or given with a procedure: the drug only; the "
                           "procedure code includes the injection (no 96372)")
            if sites:
                why.append(sites)
            if ndc:
                why.append(f"NDC {ndc} documented")
            out.append(line(r.code, label_for(r.code, visit, "HCPCS", r.extra.get("label", "")), text,
                            spans, why, units=n, diagnosis_pointers=ptr, system="HCPCS"))
    return out


def _count_doses(dosed: list[_Given]) -> list[tuple[_Given, int]]:
    """The doses given, each with how many times it counts, in the note's order.

    The same dose (amount, route) documented twice is one dose, unless the note says it was
    repeated; but into different sites or sides ("right knee 40 mg", "left knee 40 mg"; "40 mg
    each knee") it is a dose per site. A dose that names no site, or several sites at once
    without "each", is one dose, and the same as a dose at a named site."""
    groups: dict[tuple[str, Decimal, str | None], list[_Given]] = {}
    for g in dosed:
        b = g.given_base()
        assert b is not None
        groups.setdefault((b[0], b[1], g.route), []).append(g)
    times: dict[int, int] = {}
    for gs in groups.values():
        first_at: dict[_SiteSet, _Given] = {}
        for g in gs:
            for site in g.sites:
                if site is not None and len(site) == 1:
                    first_at.setdefault(site, g)
        for g in first_at.values() or [gs[0]]:
            times[id(g)] = times.get(id(g), 0) + 1
        for g in gs[1:]:
            if g.repeat and id(g) not in times:
                times[id(g)] = 1
    return [(g, times[id(g)]) for g in dosed if id(g) in times]


def _site_words(doses: list[_Given], *, short: bool = False) -> str:
    """The rationale of doses counted by site, or "" when no dose names its site; with
    ``short`` only the sites ("the right knee and left knee")."""
    names = {"r": "right", "l": "left", "": ""}
    per: list[str] = []
    for g in doses:
        for site in g.sites:
            if site is not None:
                per.append(" and ".join(f"{names[side]} {joint or 'side'}".strip() for side, joint in sorted(site, key=_site_order)))
    if short:
        return "the " + ", ".join(per)
    if not per:
        return ""
    if len(per) == 1:
        return f"one dose into the {per[0]}: the same dose documented again for that site is that dose"
    return (f"a dose into each site ({', '.join(per)}): doses into different sites or sides are "
            "separate doses and are added")


def _route_covered(route: str | None, row: ServiceRow) -> bool:
    allowed = set(row.extra.get("routes", "").split("|"))
    if route is None:
        return False
    if route == "INJ":
        return bool(allowed & {"IM", "SC", "IV"})
    return ("IV" if route in _IV_KINDS else route) in allowed


def _units(usable: list[tuple[ServiceRow, dict[str, Any], str]], total: Decimal, base_unit: str,
           dim: str) -> list[tuple[tuple[ServiceRow, dict[str, Any], str], int]] | None:
    if len(usable) == 1:
        u = usable[0]
        return [(u, units_for(u[1], str(total), base_unit, code=u[0].code))]
    sizes = []
    for _r, dosage, _src in usable:
        d, size = _SCALE.get(str(dosage["unit"]), ("", Decimal(0)))
        if d != dim:
            raise InputError(f"{_r.code} is billed per {dosage['unit']}; the dose is a {dim}")
        sizes.append(Decimal(str(dosage["amount"])) * size)
    counts = _combination(total, sizes)
    if counts is None:
        return None
    order = sorted(range(len(usable)), key=lambda i: -sizes[i])
    return [(usable[i], counts[i]) for i in order]


# -- the administration lines -----------------------------------------------------------------------
def _extra_hours(minutes: int) -> int:
    """96366/96361 after the first hour: a unit once more than 30 minutes into each hour."""
    return 0 if minutes <= 90 else (minutes - 31) // 60


def _secondary_hydration(minutes: int) -> int:
    """96361 for hydration after another initial service: more than 30 minutes, then hourly."""
    return 0 if minutes <= 30 else (minutes + 29) // 60


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _admin_lines(visit: Visit, given: list[_Given], ptr: list[int]) -> list[CodeSuggestion]:
    text, dos = visit.text, visit.dos
    out: list[CodeSuggestion] = []
    events = [g for g in given if not (g.kind == "fluid" and g.diluent)]
    if not events:
        return out
    # a dose-less repeat of a drug documented with its dose is the same administration
    dosed_drugs = {g.drug for g in events if g.dose is not None}
    events = [g for g in events if g.dose is not None or g.drug not in dosed_drugs]
    seen: set[tuple[str, str | None, Any]] = set()
    unique = []
    for g in events:
        b = g.given_base()
        key = (g.drug, g.route, b)
        if key in seen and not g.repeat:
            continue
        seen.add(key)
        unique.append(g)
    events = unique
    conf = 0.9

    def add(role: str, spans: list[tuple[int, int]], why: str, units: int = 1, minutes: int | None = None,
            confidence: float = conf) -> None:
        row = _admin_row(role, dos)
        if row is None:
            visit.warn(
                f"drug administration on {dos.isoformat()}: the 96360-96379 codes start on 2009-01-01 "
                "(before, 90760-90779 applied, which medcoder does not produce); code it by hand"
            )
            return
        out.append(line(row.code, label_for(row.code, visit), text, spans, [f"{why} ({row.source})"],
                        units=units, minutes=minutes, diagnosis_pointers=ptr, confidence=confidence))

    # IM / SC: one 96372 per injection
    im_sc = [g for g in events if g.route in ("IM", "SC") and g.kind != "fluid"]
    if im_sc:
        names = ", ".join(text[g.name[0] : g.name[1]] for g in im_sc)
        add("im_sc", [sp for g in im_sc for sp in g.spans()],
            f"{len(im_sc)} IM/SC injection(s) ({names}): one unit each", units=len(im_sc),
            confidence=0.75 if any(g.kind == "unknown" for g in im_sc) else conf)
    for g in events:
        if g.route == "INJ" and g.kind != "fluid":
            visit.warn(
                f"'{text[g.name[0]:g.name[1]]}' is documented as an injection without its route: the "
                "administration code (96372 IM/SC, 96374 IV push) is not coded until the route is documented"
            )
    # IV: infusion > push > hydration
    iv = [g for g in events if g.kind != "fluid" and g.route in _IV_KINDS]
    fluids = [g for g in events if g.kind == "fluid" and g.route in (*_IV_KINDS, None, "INJ")]
    pushes: list[_Given] = []
    infusions: list[_Given] = []
    untimed: list[_Given] = []
    for g in iv:
        if g.route == "PUSH" and (g.minutes is None or g.minutes.minutes <= 15):
            pushes.append(g)
        elif g.minutes is not None:
            (pushes if g.minutes.minutes <= 15 else infusions).append(g)
        else:
            untimed.append(g)
    for g in untimed:
        what = text[g.name[0] : g.name[1]]
        problem = (f"a time that cannot be used ('{text[g.bad_time.start:g.bad_time.end]}': "
                   f"{g.bad_time.how})" if g.bad_time else "no push and no infusion times")
        visit.warn(
            f"'{what}' IV is documented with {problem}: push (96374/96375) or infusion (96365-96367) "
            f"cannot be told apart, so no IV administration code is coded ({ADMIN_RULE})"
        )
    if untimed:
        return out
    hydration: list[_Given] = []
    for g in fluids:
        if g.minutes is None:
            what = text[g.name[0] : g.name[1]]
            problem = (f"a time that cannot be used ('{text[g.bad_time.start:g.bad_time.end]}': {g.bad_time.how})"
                       if g.bad_time else "without its start and stop times or duration")
            visit.warn(f"'{what}' hydration is documented {problem}: 96360/96361 depend on the minutes "
                       f"(31 or more) and are not coded ({ADMIN_RULE})")
        else:
            hydration.append(g)
    if (iv or hydration) and visit.setting == "emergency":
        visit.warn("in the emergency department the drug administration codes 96360-96379 are reported "
                   f"on the facility claim; the physician's claim leaves them out ({FACILITY_RULE})")
    clocked = [g for g in (*infusions, *hydration) if g.clock is not None]
    anchor = min(clocked, key=lambda g: g.name[0]).clock or 0 if clocked else 0

    def window(g: _Given) -> tuple[int, int] | None:
        if g.clock is None or g.minutes is None:
            return None
        s = g.clock
        if s < anchor and s + MAX_MINUTES - anchor <= MAX_OVERNIGHT:
            s += MAX_MINUTES
        return s, s + g.minutes.minutes

    initial_done = False
    infused_drugs: list[str] = []
    if infusions:
        order = sorted(infusions, key=lambda g: (window(g) or (10**6, 0))[0]) if all(
            window(g) for g in infusions) else infusions
        per_drug: dict[str, list[_Given]] = {}
        for g in order:
            per_drug.setdefault(g.drug, []).append(g)
        concurrent_done = False
        for k, (drug, gs) in enumerate(per_drug.items()):
            minutes = sum(g.minutes.minutes for g in gs if g.minutes is not None)
            spans = [sp for g in gs for sp in g.spans()]
            name = text[gs[0].name[0] : gs[0].name[1]]
            if k == 0:
                add("infusion_initial", spans,
                    f"{name} IV infusion, {minutes} minutes (more than 15): the initial infusion, up to "
                    "1 hour; infusion before push before hydration", minutes=minutes)
                initial_done = True
            else:
                w = window(gs[0])
                earlier = [window(x) for d, xs in list(per_drug.items())[:k] for x in xs]
                if w is not None and any(e is not None and _overlap(w, e) for e in earlier):
                    if not concurrent_done:
                        add("infusion_concurrent", spans,
                            f"{name} IV infusion running at the same time as another drug's: concurrent "
                            "infusion, once per encounter", minutes=minutes)
                        concurrent_done = True
                    infused_drugs.append(drug)
                    continue
                add("infusion_sequential", spans,
                    f"{name} IV infusion of a new drug after the first, {minutes} minutes: sequential "
                    "infusion, up to 1 hour", minutes=minutes)
            more = _extra_hours(minutes)
            if more:
                add("infusion_hour", spans,
                    f"{name} infused {minutes} minutes: {more} further hour(s) beyond the first (a unit "
                    "from 91 minutes, another each 60 minutes after)", units=more, minutes=minutes)
            infused_drugs.append(drug)
    if pushes:
        seen_drugs = list(infused_drugs)
        first_push: _Given | None = None
        more_push: list[_Given] = []
        for g in pushes:
            if g.drug in seen_drugs:
                if g.drug not in infused_drugs:
                    visit.warn(
                        f"'{text[g.name[0]:g.name[1]]}' is pushed again: the same drug pushed again is "
                        f"96376, a facility code; a physician does not report it ({ADMIN_RULE})"
                    )
                continue
            seen_drugs.append(g.drug)
            if not initial_done and first_push is None:
                first_push = g
            else:
                more_push.append(g)
        if first_push is not None:
            add("push_initial", first_push.spans(),
                f"{text[first_push.name[0]:first_push.name[1]]} IV push: the initial service (no infusion "
                "of more than 15 minutes)",
                confidence=0.75 if first_push.kind == "unknown" else conf)
            initial_done = True
        if more_push:
            names = ", ".join(text[g.name[0] : g.name[1]] for g in more_push)
            add("push_additional", [sp for g in more_push for sp in g.spans()],
                f"each further IV push of a new drug ({names}): {len(more_push)} unit(s)", units=len(more_push))
    if hydration:
        _hydration(visit, hydration, infusions, initial_done, window, add)
    return out


def _hydration(visit: Visit, hydration: list[_Given], infusions: list[_Given], initial_done: bool,
               window: Any, add: Any) -> None:
    text = visit.text
    spans = [sp for g in hydration for sp in g.spans()]
    names = ", ".join(text[g.name[0] : g.name[1]] for g in hydration)
    wins = [window(g) for g in hydration]
    drug_wins = [window(g) for g in infusions]
    if infusions and (any(w is None for w in wins) or any(w is None for w in drug_wins)):
        visit.warn(
            f"hydration ({names}) beside a drug infusion without start and stop times for both: "
            "hydration running at the same time as the infusion is not reported, after it is 96361; "
            f"medcoder cannot tell which, so it is not coded ({ADMIN_RULE})"
        )
        return
    if all(w is not None for w in wins):
        # the minutes of hydration alone: their union, less the time a drug infusion ran beside it
        marks = sorted(w for w in wins if w is not None)
        merged: list[tuple[int, int]] = []
        for a, b in marks:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        minutes = 0
        for a, b in merged:
            busy = sum(_overlap((a, b), dw) for dw in drug_wins if dw is not None)
            minutes += max(0, (b - a) - busy)
        concurrent = any(_overlap(m, dw) for m in merged for dw in drug_wins if dw is not None)
    else:
        minutes = sum(g.minutes.minutes for g in hydration if g.minutes is not None)
        concurrent = False
    note = " (the time it ran beside the drug infusion is not counted)" if concurrent else ""
    if initial_done:
        n = _secondary_hydration(minutes)
        if n == 0:
            visit.warn(f"hydration ({names}) of {minutes} minutes after another initial service{note}: "
                       f"30 minutes or less is not reported ({ADMIN_RULE})")
            return
        add("hydration_hour", spans,
            f"hydration ({names}) {minutes} minutes{note} after another initial IV service: secondary "
            "hydration, a unit from 31 minutes and each 60 minutes after", units=n, minutes=minutes)
        return
    if minutes <= 30:
        visit.warn(f"hydration ({names}) of {minutes} minutes: 30 minutes or less is not reported; "
                   f"96360 starts at 31 minutes ({ADMIN_RULE})")
        return
    add("hydration_initial", spans, f"hydration ({names}) {minutes} minutes: initial hydration, 31 minutes "
        "to 1 hour", minutes=minutes)
    more = _extra_hours(minutes)
    if more:
        add("hydration_hour", spans, f"hydration {minutes} minutes: {more} further hour(s) (a unit from 91 "
            "minutes, another each 60 minutes after)", units=more, minutes=minutes)


# -- vaccines -------------------------------------------------------------------------------------
@dataclass
class _Vaccine:
    group: str
    row: ServiceRow | None
    route: str | None
    components: int | None
    spans: list[tuple[int, int]]
    missing: str = ""


def _age_ok(ages: str, age: int | None, required: bool) -> bool:
    """The patient's age fits the product; an unknown age fails only where it decides the code."""
    if not ages:
        return True
    if age is None:
        return not required
    low, _, high = ages.partition("-")
    return (not low or age >= int(low)) and (not high or age <= int(high))


def _requirements(rows: list[ServiceRow]) -> str:
    none = [r for r in rows if r.code == "NONE"]
    if none:
        return none[0].extra.get("note", "")
    parts = []
    for r in rows:
        words = [g.split("/")[0] for g in r.extra.get("attributes", "").split(";") if g]
        if r.phrases and r.phrases[0] not in rows[0].phrases:
            words.insert(0, r.phrases[0])
        ages = r.extra.get("ages", "")
        if ages:
            words.append(f"age {ages.replace('-', ' years or older') if ages.endswith('-') else ages}")
        parts.append(f"{r.code} ({', '.join(words) or 'named'})")
    return "document the product: " + "; ".join(parts)


def _vaccines(visit: Visit, segs: set[tuple[int, int]]) -> list[_Vaccine]:
    text, dos = visit.text, visit.dos
    lex = _lexicon(VACCINES)
    headings = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    found: list[_Vaccine] = []
    for s, e in sorted(segs):
        heading = _heading_at(headings, s)
        listed = bool(_LIST_HEADING.search(heading)) and not _DONE_HEADING.search(heading)
        if _HARD_NOT.search(text, s, e) or _past(text, s, e, dos) or (listed and not _STRONG.search(text, s, e)):
            continue
        route, rspans, _c = _route(text, s, e)
        if not _STRONG.search(text, s, e) and route not in ("IM", "SC", "INJ") and not re.search(
                r"\b(?:intranasal\w*|orally|by mouth|lot)\b", text[s:e], re.I):
            continue
        hits: dict[str, list[tuple[re.Match[str], tuple[ServiceRow, ...]]]] = {}
        for m in lex.pattern.finditer(text, s, e):
            rows = lex.rows.get(_key(m.group(0)), ())
            if rows:
                hits.setdefault(rows[0].extra.get("group", ""), []).append((m, rows))
        for group, ms in hits.items():
            hit_rows = {id(r) for _m, rows in ms for r in rows}
            group_rows = [r for r in service_rows(VACCINES) if r.extra.get("group") == group and r.in_force(dos)]
            spans = [(m.start(), m.end()) for m, _r in ms] + rspans
            best: list[tuple[int, ServiceRow, list[tuple[int, int]]]] = []
            for r in group_rows:
                if r.code == "NONE" or id(r) not in hit_rows or not _age_ok(
                        r.extra.get("ages", ""), visit.age, r.extra.get("age_required") == "yes"):
                    continue
                exclude = r.extra.get("exclude", "")
                if exclude and _words(exclude).search(text, s, e):
                    continue
                attr_spans: list[tuple[int, int]] = []
                groups = [g for g in r.extra.get("attributes", "").split(";") if g]
                for g in groups:
                    am = _words(g).search(text, s, e)
                    if am is None:
                        break
                    attr_spans.append((am.start(), am.end()))
                else:
                    best.append((len(groups), r, attr_spans))
            top = max((b[0] for b in best), default=-1)
            chosen = [b for b in best if b[0] == top]
            if len(chosen) > 1 and top > 0:
                chosen = []
            if not chosen:
                all_rows = [r for r in service_rows(VACCINES) if r.extra.get("group") == group]
                missing = (
                    f"'{text[ms[0][0].start():ms[0][0].end()]}' is documented as given, but its vaccine "
                    f"product code is not determined from the note: {_requirements(all_rows)}; the product "
                    f"line is not coded (age: {visit.age if visit.age is not None else 'not documented'})"
                )
                found.append(_Vaccine(group, None, _vaccine_route(group_rows, route), _components(group_rows),
                                      spans, missing))
                continue
            for _score, r, attr_spans in chosen:
                found.append(_Vaccine(group, r, r.extra.get("route") or None,
                                      int(r.extra["components"]) if r.extra.get("components") else None,
                                      spans + attr_spans))
    # one product per vaccine: the segments that determined it win over those that did not
    out: list[_Vaccine] = []
    for v in found:
        if v.row is None and any(o.group == v.group for o in found if o.row is not None):
            continue
        if any(o.group == v.group and (o.row.code if o.row else None) == (v.row.code if v.row else None)
               for o in out):
            continue
        if v.missing:
            visit.warn(v.missing)
        out.append(v)
    return out


def _vaccine_route(rows: list[ServiceRow], documented: str | None) -> str | None:
    routes = {r.extra.get("route") for r in rows if r.code != "NONE"} or {r.extra.get("route") for r in rows}
    if len(routes) == 1:
        return routes.pop() or None
    if documented in ("IM", "SC", "INJ"):
        return "injection"
    return None


def _components(rows: list[ServiceRow]) -> int | None:
    comps = {r.extra.get("components", "") for r in rows if r.extra.get("components")}
    return int(comps.pop()) if len(comps) == 1 else None


def _vaccine_lines(visit: Visit, vaccines: list[_Vaccine]) -> list[CodeSuggestion]:
    text, dos = visit.text, visit.dos
    ptr = pointers(visit.diagnoses, prefer=("Z23",))
    out: list[CodeSuggestion] = []
    for v in vaccines:
        if v.row is None:
            continue
        r = v.row
        why = [f"vaccine product documented: {r.code} ({r.source}); its administration is coded separately"]
        if "quadrivalent" in r.extra.get("attributes", "") and dos >= TRIVALENT_SEASON:
            visit.warn(f"{r.code}: a quadrivalent influenza vaccine is documented on {dos.isoformat()}; check "
                       f"the product given ({TRIVALENT_SOURCE})")
        out.append(line(r.code, label_for(r.code, visit), text, v.spans, why, diagnosis_pointers=ptr))
    medicare = str(visit.metadata.get("payer", "")).strip().lower().startswith("medicare")
    rest: list[_Vaccine] = []
    for v in vaccines:
        role = _MEDICARE_ROLE.get(v.group) if medicare else None
        row = _admin_row(role, dos) if role else None
        if row is None:
            rest.append(v)
            continue
        out.append(line(row.code, label_for(row.code, visit, "HCPCS", row.extra.get("label", "")), text, v.spans,
                        [f"Medicare: {v.group} vaccine administration is {row.code}, not 90471-90474 "
                         f"({row.source}; {MEDICARE_RULE})"], diagnosis_pointers=ptr, system="HCPCS"))
    if not rest:
        return out

    def add(role: str, group: list[_Vaccine], why: str, units: int = 1) -> None:
        row = _admin_row(role, dos)
        if row is None:
            visit.warn(f"vaccine administration on {dos.isoformat()}: {role} is not in force; code it by hand")
            return
        out.append(line(row.code, label_for(row.code, visit), text, [sp for v in group for sp in v.spans],
                        [f"{why} ({row.source}; {VACCINE_RULE})"], units=units, diagnosis_pointers=ptr))

    counsel = _COUNSEL.search(text)
    if visit.age is not None and visit.age <= 18 and counsel and _admin_row("counsel_first", dos):
        for v in rest:
            v.spans.append((counsel.start(), counsel.end()))
        add("counsel_first", rest, f"patient aged {visit.age} (through 18 years) with counselling by the "
            f"physician: one unit per vaccine ({len(rest)})", units=len(rest))
        extra = 0
        for v in rest:
            if v.components is None:
                visit.warn(f"{v.group} vaccine: its number of components is not known, so 90461 is not "
                           "coded for it; document the product")
            else:
                extra += v.components - 1
        if extra:
            add("counsel_component", rest, f"{extra} further vaccine component(s) beyond the first of each "
                "vaccine", units=extra)
        return out
    inj = [v for v in rest if v.route == "injection"]
    nasal_oral = [v for v in rest if v.route in ("intranasal", "oral")]
    for v in rest:
        if v.route is None:
            visit.warn(f"{v.group} vaccine given without its route (injection, intranasal, oral): its "
                       "administration code (90471 or 90473) is not coded")
    if inj:
        add("vaccine_first", inj[:1], "first injected vaccine")
        if len(inj) > 1:
            add("vaccine_additional", inj[1:], f"{len(inj) - 1} further injected vaccine(s)", units=len(inj) - 1)
        if nasal_oral:
            add("vaccine_no_additional", nasal_oral, f"{len(nasal_oral)} intranasal/oral vaccine(s) with an "
                "injected one (90473 is not reported with 90471)", units=len(nasal_oral))
    elif nasal_oral:
        add("vaccine_no_first", nasal_oral[:1], "one intranasal/oral vaccine, no injected vaccine")
        if len(nasal_oral) > 1:
            add("vaccine_no_additional", nasal_oral[1:], f"{len(nasal_oral) - 1} further intranasal/oral "
                "vaccine(s)", units=len(nasal_oral) - 1)
    return out


# -- the family -----------------------------------------------------------------------------------
def code(visit: Visit) -> list[CodeSuggestion]:
    if visit.setting in ("inpatient", "ambulance"):
        return []  # inpatient drugs are on the facility's claim; ambulance drugs are in the transport
    if not _TRIGGER.search(visit.text):
        return []
    given, vaccine_segs = _collect(visit)
    ptr = pointers(visit.diagnoses)
    out = _drug_lines(visit, given, ptr)
    out += _admin_lines(visit, [g for g in given if g.route != "PROC"], ptr)
    if vaccine_segs:
        out += _vaccine_lines(visit, _vaccines(visit, vaccine_segs))
    return out

"""Common office and emergency-department procedures: wound repair, incision and drainage, skin
biopsies, joint injections, closed fracture care and splints, EKG, spirometry, nebulizer
treatment, tobacco cessation counselling and a few point-of-care tests.

The codes, the words for them, what each needs documented, the dates they are in force, the
global period, the CMS bilateral surgery indicator and the source are rows of
``data/office_procedures.csv``; the repair code group of each anatomic site is a row of
``data/office_skin_sites.csv``. Columns of the procedure table: ``kind`` (the matcher: repair,
drainage, aspiration, biopsy, joint, fracture, splint, ekg, spirometry, nebulizer, counselling,
lab), ``group`` (site group, joint size, technique ...), ``variant``, ``digit`` (the digit a
phalanx code needs), ``rank`` (biopsy hierarchy), ``phrases`` (the words for it), ``requires``
(words that must be documented: the interpretation, a result, "applied"; ``#`` a number),
``qualifier`` (words that select this row over its plain sibling: ultrasound, reduction,
complicated), ``low``/``high`` (lengths in cm or minutes: over ``low``, up to ``high``), ``per``
and ``addon_of`` (add-on steps), ``setting``, ``facility_modifier``, ``laterality``,
``bilateral`` (CMS PFS bilateral surgery indicator), ``global_days``, ``effective``/``until``,
``source``. The module is a row-driven matcher plus the computations the
rules need (added lengths, lesion counts, minutes, digits and sides). The ``effective`` date of a
row is the code's introduction where that is later than 2013 (11102-11107: 2019-01-01;
20604/20606/20611: 2015-01-01), else 2013-01-01, the CPT edition medcoder's table was checked
against; an earlier service gets a warning, not a guess. Sources, by rule:

- Repair (closure), CPT Integumentary System guidelines (2013; 2020 definitions of intermediate
  and complex repair): simple 12001-12018, intermediate (layered closure, or a single layer of a
  heavily contaminated wound that needed extensive cleaning) 12031-12057, complex 13100-13153
  (more than 1.0 cm; each further 5 cm or less an add-on). The lengths of the repairs of one
  complexity in one anatomic group are added and reported as one code; different groups or
  complexities are reported separately, the more complex first and the less complex with
  modifier 59 (CPT; NCCI Policy Manual ch. III; Medicare may take XS, CMS CR 8863). Wounds
  closed with adhesive strips only get no repair code (the E/M covers them); a wound closed
  with tissue adhesive only is a simple repair, or HCPCS G0168 when the encounter metadata
  names a Medicare payer (``payer: medicare``).
- Incision and drainage (CPT Integumentary): 10060 simple or single, 10061 complicated or
  multiple; pilonidal 10080/10081; hematoma, seroma or fluid collection 10140; puncture
  aspiration 10160. Sites with their own codes (perirectal, peritonsillar, Bartholin ...) are
  left to the coder.
- Skin biopsy (CPT 2019, 11102-11107; 11100/11101 before 2019-01-01): one primary code per
  session, chosen by the hierarchy incisional > punch > tangential; the other lesions take the
  add-on code of their own technique. The simple closure of a biopsy is included.
- Arthrocentesis, aspiration and/or injection (CPT 2015): small 20600/20604, intermediate
  20605/20606, major 20610/20611 (without / with ultrasound guidance). RT/LT per side; both
  sides one line with modifier 50 (CMS PFS bilateral surgery indicator 1, the BILAT SURG column
  of the PPRRVU file); a second joint on the same side takes 59. Joints listed before one
  injection word ("right knee and left knee injected", "right and left knees") are each
  injected. The drug is the drugs family's.
- Closed fracture treatment (CPT Musculoskeletal; CMS PFS: 090-day global): without or with
  manipulation; the first splint or cast is included. RT/LT, or the HCPCS digit modifiers
  FA, F1-F9 (fingers) and TA, T1-T9 (toes) on the phalanx codes. A fracture only splinted gets
  the splint application code (29105, 29125, 29130, 29505, 29515) when the note says the splint
  was applied.
- EKG (CPT Medicine; CMS PFS PC/TC 4/3/2): 93000 in the office with the interpretation, 93010
  the interpretation only in the ED or hospital, 93005 the tracing only. Spirometry 94010,
  before and after bronchodilator 94060 (PC/TC 1: modifier 26 in a facility). Nebulizer
  treatment 94640, a further treatment the same day a second line with modifier 76 (CPT
  parenthetical note at 94640); CMS PFS PC/TC indicator 5 (incident-to), so it is only coded
  in the office.
- Tobacco cessation counselling (CPT 2008 Preventive Medicine; CMS Pub. 100-04 ch. 12
  §30.6.16): more than 3 up to 10 minutes 99406, more than 10 minutes 99407; 3 minutes or less
  is not reported.
- Office point-of-care tests (CMS Clinical Laboratory Fee Schedule): 36415, 81002, 87880,
  87804, 82962, only in the office (in a facility they are the facility's).

Only what the note documents as done in this encounter is coded: a clause that recommends,
schedules, orders, declines or recalls a procedure does not count. When the code depends on
something the note leaves out (the length, the site, the complexity, the minutes, the digit),
no line is produced and a warning says what is missing.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from medcoder.coders.procedures.common import (
    ServiceRow,
    Visit,
    label_for,
    line,
    pointers,
    service_rows,
)
from medcoder.coders.procedures.minutes import durations, plausible
from medcoder.result import CodeSuggestion

DATA = "office_procedures.csv"
SITES = "office_skin_sites.csv"
REPAIR_RULE = "CPT Integumentary System, Repair (Closure) guidelines"
MOD59_RULE = "CPT Repair guidelines; NCCI Policy Manual ch. III (Medicare may take XS, CMS CR 8863)"
BILATERAL_RULE = "CMS Pub. 100-04 ch. 12 §40.7; CMS PFS bilateral surgery indicator 1"
DIGIT_RULE = "HCPCS Level II modifiers FA, F1-F9, TA, T1-T9 (CMS)"
G0168_RULE = "HCPCS Level II G0168 (CMS): wound closed with tissue adhesive only, Medicare"
G0168_LABEL = "Wound closure utilizing tissue adhesive(s) only"  # HCPCS Level II, CMS (public domain)
FACILITY = ("emergency", "inpatient")
COMPLEXITY_RANK = {"simple": 1, "intermediate": 2, "complex": 3}
EPS = 1e-9

# -- words ----------------------------------------------------------------------------------
_ANY = re.compile(
    r"lacerat|\blac\b|wound|abscess|I\s?&\s?D\b|\bI and D\b|incis|drain|biops|inject|aspirat|"
    r"arthrocentesis|fractur|\bfx\b|splint|\bEKG\b|\bECG\b|electrocardiogra|12[\s-]lead|spirometr|"
    r"nebuli|\bneb|duo-?neb|breathing treatment|inhalation treatment|cessation|counsel|"
    r"venipuncture|blood draw|dip|strep|finger\s?stick|glucose|accu-?che|glucometer|\bflu\b|influenza",
    re.I,
)
# the same trigger as plain substrings of the lower-cased note (a fast pre-check; _ANY decides)
_ANY_WORDS = (
    "lac", "wound", "abscess", "&", "i and d", "incis", "drain", "biops", "inject", "aspirat",
    "arthrocentesis", "fractur", "fx", "splint", "ekg", "ecg", "electrocardiogra", "lead",
    "spirometr", "neb", "breathing treatment", "inhalation treatment", "cessation", "counsel",
    "venipuncture", "blood draw", "dip", "strep", "finger", "glucose", "accu", "glucometer", "flu",
)
_BOUNDARY = re.compile(r"\n|;|[.!?](?=\s|$)")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_CLAUSE = re.compile(r"[,;:()\[\]]|\.(?=\s|$)|\n|\b(?:and|but|which|then|while|after|before)\b", re.I)
_NOT_DONE = re.compile(
    r"\b(?:recommend(?:ed|s|ation)?|schedul(?:e|ed|ing)|declin(?:e|ed|es)|refus(?:e|ed|es)|"
    r"consider(?:ed|ing)?|defer(?:red)?|offered|plan(?:ned|s)?\s+(?:for|to)|"
    r"will\s+(?:need|require|schedule|consider|return|be|plan|perform|obtain|do|get|refer|discuss)|"
    r"would\s+(?:benefit|like|need)|candidate\s+for|referr?(?:ed|al)?\s+(?:to|for)|ordered|pending|"
    r"if\s+(?:not|no|symptoms|pain|worse|persists?)|history\s+of|h/o|s/p|status\s+post|"
    r"not\s+(?:performed|done|indicated|needed|required|necessary|applied|repaired)|"
    r"no\s+(?:\w+\s+){0,2}(?:performed|done|needed|required|indicated)|return\s+(?:for|in)|"
    r"follow[\s-]?up\s+(?:for|in)|next\s+visit|previously|last\s+(?:week|month|year|visit)|"
    r"prior\s+to\s+arrival|at\s+an?\s+outside|outside\s+(?:facility|hospital)|years?\s+ago)\b",
    re.I,
)
_COUNSEL_NOT_DONE = re.compile(
    r"\b(?:declin(?:e|ed|es)|refus(?:e|ed|es)|defer(?:red)?|not\s+interested|"
    r"will\s+(?:discuss|address|counsel)|next\s+visit|history\s+of)\b",
    re.I,
)
_RECALLED = re.compile(r"\b(?:prior|previous|old|earlier|outside|repeat\s+of\s+the)\s+(?:\w+\s+)?$", re.I)
_DOUBTED = re.compile(
    r"\b(?:no|not|without|negative\s+for|rule\s+out|r/o|ruled\s+out|possible|suspected|"
    r"questionable|probable|concern\s+for|evaluate\s+for)\s+(?:\w+\s+){0,2}$",
    re.I,
)
_NEG_BEFORE = re.compile(r"\b(?:no|not|without|w/o|non|nor|never|declined)\b[\w\s/-]{0,20}$", re.I)
_NEG_AFTER = re.compile(
    r"^\s*(?:was\s+|is\s+|were\s+)?(?:not\b|un(?:necessary|needed)\b|declined\b|deferred\b)", re.I
)
_SIDE = re.compile(
    r"(?i:\b(?P<r>right|rt)\b|\b(?P<l>left|lt)\b|\b(?P<b>bilateral(?:ly)?|both)\b)|\b(?P<r1>R)\b(?=\s)|\b(?P<l1>L)\b(?=\s)"
)
_PAIRED_SIDE = re.compile(r"(?i:\b(?:(?P<r>right|rt)|left|lt))\s*(?:and|&|/|,)\s*$")
# joint words joined into one list ("right knee and left knee", "right knee, left shoulder")
_JOINED = re.compile(
    r"\s*(?:,\s*(?:and\s+|&\s*)?|and\s+|&\s*|as\s+well\s+as\s+|plus\s+)(?:the\s+)?"
    r"(?:(?:right|left|rt|lt)\s+)?",
    re.I,
)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_COUNT = r"(\d{1,2}|one|two|three|four|five|six|seven|eight)"

# digits: (finger|toe, 1-5) from the words; the HCPCS modifier by side
_DIGIT = re.compile(
    r"\b(?P<ord>thumb|index|middle|long|ring|little|small|pinky|pinkie|first|second|third|fourth|fifth|"
    r"1st|2nd|3rd|4th|5th|great|big)\s+(?P<kind>finger|toe|digit)s?\b|\b(?P<thumb>thumb)\b|"
    r"\b(?P<hallux>hallux)\b",
    re.I,
)
_ORDINAL = {"thumb": 1, "index": 2, "middle": 3, "long": 3, "ring": 4, "little": 5, "small": 5,
            "pinky": 5, "pinkie": 5, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
            "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "great": 1, "big": 1}
_DIGIT_MODIFIER = {
    ("finger", "l"): ("FA", "F1", "F2", "F3", "F4"),
    ("finger", "r"): ("F5", "F6", "F7", "F8", "F9"),
    ("toe", "l"): ("TA", "T1", "T2", "T3", "T4"),
    ("toe", "r"): ("T5", "T6", "T7", "T8", "T9"),
}

# wound repair
_LAC_STRONG = re.compile(r"\blacerations?\b|\blac\b", re.I)
_WOUND = re.compile(r"\blacerations?\b|\blac\b|\bwounds?\b", re.I)
_NOT_LAC = re.compile(r"\babscess|\bbiops|\bexcision|\bincision|\bsurgical|\bulcer|\bburn|\bpunch\b", re.I)
_REPAIR = re.compile(
    r"\b(?:repair(?:ed|s)?|sutur(?:e|ed|es|ing)|stitch(?:ed|es)?|stapl(?:e|ed|es)|closed|closure|"
    r"approximated|dermabond|tissue\s+adhesive|skin\s+adhesive|skin\s+glue|glued|"
    r"steri-?\s?strips?|adhesive\s+strips?|wound\s+closure\s+strips?|butterfly\s+(?:closures?|strips?)|"
    r"(?:simple\s+)?interrupted|\d-0(?:\s+(?:nylon|prolene|vicryl|monocryl|chromic|ethilon))?)\b",
    re.I,
)
_REMOVAL = re.compile(r"^\s*(?:removal|removed|out)\b", re.I)
_STRIPS = re.compile(
    r"\b(?:steri-?\s?strips?|adhesive\s+strips?|wound\s+closure\s+strips?|butterfly\s+(?:closures?|strips?))\b", re.I
)
_ADHESIVE = re.compile(r"\b(?:dermabond|tissue\s+adhesive|skin\s+adhesive|skin\s+glue|glued|cyanoacrylate)\b", re.I)
_STITCH = re.compile(
    r"\b(?:sutur\w*|stitch\w*|stapl\w*|nylon|prolene|vicryl|monocryl|chromic|ethilon|\d-0|"
    r"layered|simple\s+interrupted|running)\b",
    re.I,
)
_COMPLEXITY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("complex", re.compile(
        r"\bcomplex\s+(?:layered\s+)?(?:repair|closure|laceration\s+repair)\b|\bextensive\s+undermining\b|"
        r"\bretention\s+sutures?\b|\bdebridement\s+of\s+(?:the\s+)?wound\s+(?:edges|margins)\b", re.I)),
    ("intermediate", re.compile(
        r"\bintermediate\s+(?:repair|closure|laceration\s+repair)\b|\blayered\s+(?:closure|repair)\b|"
        r"\b(?:two|2|multi|multiple)[\s-]?layer(?:ed)?\s+(?:closure|repair)\b|\blayered\b|"
        r"\bdeep\s+(?:dermal\s+|subcutaneous\s+)?sutures?\b|\bsubcutaneous\s+(?:sutures?|layer|closure)\b|"
        r"\bdeep\s+layer\b|\bheavily\s+contaminated\b|\bextensive\s+cleaning\b", re.I)),
    ("simple", re.compile(
        r"\bsimple\s+(?:repair|closure|laceration\s+repair|interrupted|running|sutures?)\b|"
        r"\bsingle[\s-]layer(?:ed)?\s+(?:closure|repair)\b|\bone[\s-]layer\b|\bsimple\b", re.I)),
)
_LENGTH = re.compile(
    r"(?<![\d.])(\d{1,3}(?:\.\d{1,2})?)\s*(cm|centimet(?:er|re)s?|mm|millimet(?:er|re)s?)\b", re.I
)
_DIMENSION_BEFORE = re.compile(r"\d\s*(?:cm|mm)?\s*(?:x|×|by)\s*$", re.I)
_DIMENSION_AFTER = re.compile(r"^\s*(?:x|×|by)\s*\d", re.I)
_DEPTH_AFTER = re.compile(r"^\s*(?:deep|in\s+depth|depth|wide|in\s+width|width)\b", re.I)
_DEPTH_BEFORE = re.compile(r"\b(?:depth|deep|width|wide)\b(?:\s+of)?:?\s*(?:about\s+|approximately\s+)?$", re.I)
_LENGTH_LABEL = re.compile(r"\blength\b|\blong\b|\bmeasur", re.I)

# incision and drainage, puncture aspiration
_DRAINAGE = re.compile(
    r"\bincision\s+and\s+drainage\b|\bI\s?&\s?D\b|\bI\s+and\s+D\b|\bincised\s+and\s+drained\b|"
    r"\bincised,?\s+drained\b", re.I
)
_ASPIRATION = re.compile(
    r"\b(?:needle|puncture)\s+aspiration\b|\baspirated\s+with\s+an?\s+(?:\d{2}[\s-]gauge\s+)?needle\b", re.I
)
_OWN_CODE_SITE = re.compile(
    r"\b(?:perirectal|perianal|ischiorectal|peritonsillar|bartholin'?s?|breast|dental|periapical|"
    r"felon|intraoral|retropharyngeal|subungual|ganglion|baker'?s)\b", re.I
)

# skin biopsy
_BIOPSY_COUNT = re.compile(
    rf"\bx\s?{_COUNT}\b|\btimes\s+{_COUNT}\b|\b{_COUNT}\s+(?:\w+\s+){{0,2}}(?:biopsies|lesions|sites|specimens)\b|"
    rf"\bof\s+{_COUNT}\s+(?:\w+\s+)?lesions\b|\(\s*{_COUNT}\s*\)",
    re.I,
)

_NOT_SKIN = re.compile(
    r"\b(?:oral|mouth|tongue|gingiva\w*|palat\w*|mucosa\w*|breast|lymph\s+node|liver|hepatic|kidney|"
    r"renal|bone|muscle|prostat\w*|cervi(?:x|cal)|endometri\w*|colon\w*|rect(?:al|um)|gastric|stomach|"
    r"duoden\w*|bronch\w*|lung|pleura\w*|thyroid|vulva\w*|vagina\w*|conjunctiva\w*|laryn\w*|"
    r"pharyn\w*|testi\w*|bladder|nasal\s+mucosa|synovi\w*|temporal\s+artery)\b",
    re.I,
)

# joint injection
_INJECTION = re.compile(
    r"\binject(?:ion|ions|ed)\b|\baspirat(?:ion|ed)\b|\barthrocentesis\b|\bintra-?articular\b|"
    r"\b(?:steroid|cortisone)\s+shot\b", re.I
)
_NOT_JOINT = re.compile(
    r"\btrigger\s+point|\bepidural|\bintramuscular|\bIM\b|\bsubcutaneous|\bintradermal|\bIV\b|\bvaccin|"
    r"\btendon\s+sheath|\bganglion|\bnerve\s+block|\bdigital\s+block|\bbaker'?s|\blacerat|\bbiops|"
    r"\babscess|\bI\s?&\s?D\b|\bwound|\blocal\s+anesthe", re.I
)

# fractures and splints
_FRACTURE = re.compile(r"\bfractures?\b|\bfractured\b|\bfx\b", re.I)
_SPLINT = re.compile(r"\bsplint", re.I)

# EKG, spirometry, nebulizer
_NOT_12_LEAD = re.compile(r"\bmonitor|\btelemetry|\brhythm\s+strip|\bHolter|\bevent\s+recorder", re.I)
_NEB_NOT_GIVEN = re.compile(
    r"\bhome\b|\bprescri|\brefill|\bcontinue|\bdispens|\bPRN\b|\bas\s+needed\b|\bmachine\b|\bsupplies\b", re.I
)
_NEB_CONTINUOUS = re.compile(r"\bcontinuous\b", re.I)
_NEB_COUNT = re.compile(
    rf"\bx\s?{_COUNT}\b|\btimes\s+{_COUNT}\b|\b{_COUNT}\s+(?:\w+\s+){{0,2}}(?:treatments|nebs|nebulizers)\b|"
    rf"\b{_COUNT}\s+(?:back[\s-]to[\s-]back|consecutive|stacked)\b",
    re.I,
)
_NEB_REPEAT = re.compile(r"\b(?:repeat(?:ed)?|second|another|additional|again)\b", re.I)

# tests
_LAB_NOT_DONE = re.compile(r"\b(?:sent|send|ordered|pending|to\s+lab|lab\s+to)\b", re.I)
_FLU_AB = re.compile(r"\b(?:A\s+and\s+B|A\s*/\s*B|A\s*&\s*B)\b", re.I)


# -- the text ---------------------------------------------------------------------------------
class _Doc:
    """Sentences, paragraphs and clauses of one note, computed once."""

    def __init__(self, text: str) -> None:
        self.text = text
        cuts = [m.end() for m in _BOUNDARY.finditer(text)]
        self.starts = [0, *cuts]
        self.ends = [*cuts, len(text)]
        self.paragraphs = [m.end() for m in _PARAGRAPH.finditer(text)]

    def index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def sentence(self, pos: int) -> tuple[int, int]:
        i = self.index(pos)
        return self.starts[i], self.ends[i]

    def paragraph(self, pos: int) -> int:
        return bisect.bisect_right(self.paragraphs, pos)

    def paragraph_span(self, pos: int, before: int = 0) -> tuple[int, int]:
        """The paragraph at ``pos`` (and the ``before`` paragraphs above it, for a procedure
        header set off by a blank line)."""
        i = self.paragraph(pos)
        lo = self.paragraphs[i - 1 - before] if i - 1 - before >= 0 else 0
        hi = self.paragraphs[i] if i < len(self.paragraphs) else len(self.text)
        return lo, hi

    def window(self, pos: int, after: int = 2, before: int = 1) -> list[tuple[int, int]]:
        """The sentence at ``pos``, the ``after`` next ones and the ``before`` ones before it,
        in that order, within its paragraph (blank sentences skipped)."""
        i = self.index(pos)
        para = self.paragraph(pos)
        out = [(self.starts[i], self.ends[i])]
        for step, want in ((1, after), (-1, before)):
            got, j = 0, i + step
            while got < want and 0 <= j < len(self.starts) and self.paragraph(self.starts[j]) == para:
                if self.text[self.starts[j] : self.ends[j]].strip():
                    out.append((self.starts[j], self.ends[j]))
                    got += 1
                j += step
        return out

    def clause(self, start: int, end: int) -> tuple[int, int]:
        lo, hi = self.sentence(start)
        c_lo, c_hi = lo, hi
        for m in _CLAUSE.finditer(self.text, lo, hi):
            if m.end() <= start:
                c_lo = m.end()
            elif m.start() >= end:
                c_hi = m.start()
                break
        return c_lo, c_hi


def _done(doc: _Doc, start: int, end: int, cues: re.Pattern[str] = _NOT_DONE) -> bool:
    """Documented as done in this encounter: the clause neither plans, declines nor recalls it."""
    lo, hi = doc.clause(start, end)
    if cues.search(doc.text, lo, hi):
        return False
    return not _RECALLED.search(doc.text[max(lo, start - 30) : start])


def _affirmed(doc: _Doc, m: re.Match[str]) -> bool:
    """A qualifier that is not denied ("no reduction", "reduction not needed")."""
    lo, _hi = doc.clause(m.start(), m.end())
    before = doc.text[max(lo, m.start() - 30) : m.start()]
    return not _NEG_BEFORE.search(before) and not _NEG_AFTER.match(doc.text, m.end())


@cache
def _words(spec: str) -> re.Pattern[str] | None:
    """A ``|`` list of words from the data file as one pattern; ``#`` stands for a number."""
    alts = []
    for w in spec.split("|"):
        w = w.strip()
        if w:
            alts.append(re.escape(w).replace(r"\ ", r"[\s-]+").replace(r"\#", r"\d+(?:\.\d+)?"))
    if not alts:
        return None
    alts.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I)


def _find(doc: _Doc, spec: str, spans: Iterable[tuple[int, int]]) -> re.Match[str] | None:
    """The first affirmed match of the data file's words in the spans, in their order."""
    rx = _words(spec)
    if rx is None:
        return None
    for lo, hi in spans:
        for m in rx.finditer(doc.text, lo, hi):
            if _affirmed(doc, m):
                return m
    return None


def _count(m: re.Match[str] | None) -> int | None:
    if m is None:
        return None
    word = next(g for g in m.groups() if g)
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower())


def _side(doc: _Doc, start: int, end: int) -> tuple[str | None, tuple[int, int] | None]:
    """The side of the words at start:end: "r", "l" or "b" (both), from its clause (the
    nearest side word before it, else the first one after it)."""
    lo, hi = doc.clause(start, end)
    before = list(_SIDE.finditer(doc.text, max(lo, start - 40), start))
    after = list(_SIDE.finditer(doc.text, end, min(hi, end + 40)))
    for m in ([before[-1]] if before else []) + after[:1]:
        if m.group("b"):
            if m.group("b").lower() == "both" and m.end() > start:
                continue
            return "b", (m.start(), m.end())
        side = "r" if m.group("r") or m.group("r1") else "l"
        # "right and left knees": the side word before this one, joined by "and", names the other
        pair = _PAIRED_SIDE.search(doc.text, max(0, m.start() - 16), m.start()) if m.start() < start else None
        if pair is not None and ("r" if pair.group("r") else "l") != side:
            return "b", (pair.start(), m.end())
        return side, (m.start(), m.end())
    return None, None


def _one_side(doc: _Doc, spans: list[tuple[int, int]]) -> tuple[str | None, tuple[int, int] | None]:
    """The side the first of the spans that names one names, when all its side words agree."""
    for lo, hi in spans:
        found: dict[str, tuple[int, int]] = {}
        for m in _SIDE.finditer(doc.text, lo, hi):
            side = "b" if m.group("b") else "r" if m.group("r") or m.group("r1") else "l"
            found.setdefault(side, (m.start(), m.end()))
        if len(found) == 1:
            side, span = next(iter(found.items()))
            return side, span
        if found:
            return None, None
    return None, None


@dataclass(frozen=True)
class _Digit:
    kind: str  # finger | toe
    number: int  # 1 thumb / great toe ... 5
    span: tuple[int, int]


def _digit(doc: _Doc, lo: int, hi: int) -> _Digit | None:
    for m in _DIGIT.finditer(doc.text, lo, hi):
        if m.group("thumb"):
            return _Digit("finger", 1, (m.start(), m.end()))
        if m.group("hallux"):
            return _Digit("toe", 1, (m.start(), m.end()))
        kind = m.group("kind").lower()
        ordinal = m.group("ord").lower()
        if kind == "digit":
            ctx = doc.text[lo:hi]
            kind = "toe" if re.search(r"\b(?:foot|toe)\b", ctx, re.I) else (
                "finger" if re.search(r"\b(?:hand|finger)\b", ctx, re.I) else "")
            if not kind:
                continue
        if ordinal in ("index", "middle", "long", "ring") and kind != "finger":
            continue
        return _Digit(kind, _ORDINAL[ordinal], (m.start(), m.end()))
    return None


# -- the data ---------------------------------------------------------------------------------
def _rows(kind: str) -> list[ServiceRow]:
    return [r for r in service_rows(DATA) if r.extra.get("kind") == kind]


def _in_force(rows: Iterable[ServiceRow], visit: Visit) -> list[ServiceRow]:
    return [r for r in rows if r.in_force(visit.dos)]


def _number(value: str) -> float | None:
    return float(value) if value else None


@dataclass(frozen=True)
class _Site:
    name: str
    groups: dict[str, str]  # complexity -> repair code group ("" where the site is too vague)
    source: str


@cache
def _skin_sites() -> tuple[dict[str, _Site], re.Pattern[str]]:
    by_word: dict[str, _Site] = {}
    with resources.files("medcoder").joinpath("data", SITES).open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            site = _Site(
                r["site"].strip(),
                {c: (r[c] or "").strip() for c in ("simple", "intermediate", "complex")},
                r["source"].strip(),
            )
            for w in r["words"].split("|"):
                if w.strip():
                    by_word[_norm(w)] = site
    rx = _words("|".join(by_word))
    assert rx is not None
    return by_word, rx


def _norm(words: str) -> str:
    return re.sub(r"[\s-]+", " ", words.strip().lower())


def _skin_site(doc: _Doc, lo: int, hi: int, *, last: bool = False) -> tuple[_Site, tuple[int, int]] | None:
    by_word, rx = _skin_sites()
    hits = list(rx.finditer(doc.text, lo, hi))
    if not hits:
        return None
    m = hits[-1] if last else hits[0]
    return by_word[_norm(m.group(0))], (m.start(), m.end())


# -- lines ------------------------------------------------------------------------------------
@dataclass
class _Line:
    code: str
    spans: list[tuple[int, int]]
    why: list[str]
    units: int = 1
    modifiers: list[str] = field(default_factory=list)
    minutes: int | None = None
    system: str = "CPT"
    prefer: tuple[str, ...] = ()
    fallback: str = ""  # the label when no table has one (HCPCS: the public CMS descriptor)


def _pointers(visit: Visit, doc: _Doc, spans: list[tuple[int, int]], prefer: tuple[str, ...]) -> list[int]:
    """The diagnoses cited in the procedure's sentence first (the nearest first), else the
    nearest one in its paragraph; then the rest in ``common.pointers`` order."""
    diagnoses = visit.diagnoses
    if not diagnoses or not spans:
        return pointers(diagnoses, prefer=prefer)
    sentences = {doc.index(s) for s, _ in spans}
    paragraphs = {doc.paragraph(s) for s, _ in spans}
    same: list[tuple[int, int]] = []
    near: list[tuple[int, int]] = []
    for i, d in enumerate(diagnoses):
        if not d.evidence:
            continue
        dist = min(abs(e.start - s) for e in d.evidence for s, _ in spans)
        if any(doc.index(e.start) in sentences for e in d.evidence):
            same.append((dist, i + 1))
        elif any(doc.paragraph(e.start) in paragraphs for e in d.evidence):
            near.append((dist, i + 1))
    first = [p for _, p in sorted(same)] or [p for _, p in sorted(near)][:1]
    rest = [p for p in pointers(diagnoses, prefer=prefer) if p not in first]
    return (first + rest)[:4]


def _finish(visit: Visit, doc: _Doc, lines: list[_Line]) -> list[CodeSuggestion]:
    out = []
    for ln in lines:
        out.append(
            line(
                ln.code, label_for(ln.code, visit, ln.system, ln.fallback), doc.text, ln.spans, ln.why,
                units=ln.units, modifiers=ln.modifiers, minutes=ln.minutes,
                diagnosis_pointers=_pointers(visit, doc, ln.spans, ln.prefer), system=ln.system,
            )
        )
    return out


def _global(row: ServiceRow) -> str:
    days = row.extra.get("global_days", "")
    return f"; global period {days} (CMS PFS)" if days and days[0].isdigit() else ""


def _side_modifiers(row: ServiceRow, sides: set[str], what: str, visit: Visit) -> list[list[str]]:
    """The modifier sets for one service done on ``sides``: one line with 50 when the row's
    bilateral indicator is 1, else a line per side."""
    if row.extra.get("laterality") != "yes":
        return [[]]
    if "b" in sides or {"r", "l"} <= sides:
        if row.extra.get("bilateral") == "1":
            return [["50"]]
        return [["RT"], ["LT"]]
    if sides == {"r"}:
        return [["RT"]]
    if sides == {"l"}:
        return [["LT"]]
    visit.warn(f"{what} ({row.code}): the side is not documented, so RT/LT cannot be added")
    return [[]]


def _side_rationale(mods: list[str]) -> list[str]:
    if "50" in mods:
        return [f"50: done on both sides, reported once (bilateral indicator 1; {BILATERAL_RULE})"]
    if "RT" in mods or "LT" in mods:
        return [f"{'RT' if 'RT' in mods else 'LT'}: side documented (HCPCS Level II modifiers, CMS)"]
    return []


# -- wound repair ---------------------------------------------------------------------------------
@dataclass
class _Wound:
    cm: float
    complexity: str
    group: str
    site: str
    closure: str  # sutures | adhesive
    spans: list[tuple[int, int]]


def _wound_lengths(doc: _Doc) -> list[re.Match[str]]:
    text = doc.text
    out = []
    for m in _LENGTH.finditer(text):
        before = text[max(0, m.start() - 25) : m.start()]
        if _DIMENSION_BEFORE.search(before) or _DIMENSION_AFTER.match(text, m.end()):
            continue
        if _DEPTH_AFTER.match(text, m.end()) or _DEPTH_BEFORE.search(before):
            continue
        lo, hi = doc.sentence(m.start())
        named = _LAC_STRONG.search(text, lo, hi) or (
            _WOUND.search(text, lo, hi) and not _NOT_LAC.search(text, lo, hi)
        )
        labelled = _LENGTH_LABEL.search(text, lo, hi) and _LAC_STRONG.search(
            text, *doc.paragraph_span(m.start(), before=1)
        )
        if named or labelled:
            out.append(m)
    return out


def _repair_cues(doc: _Doc, spans: list[tuple[int, int]]) -> list[re.Match[str]]:
    out = []
    for lo, hi in spans:
        for m in _REPAIR.finditer(doc.text, lo, hi):
            if _REMOVAL.match(doc.text, m.end()) or re.search(r"removal\s+of\s+$", doc.text[max(0, m.start() - 12) : m.start()], re.I):
                continue
            if _done(doc, m.start(), m.end()):
                out.append(m)
        if out:
            return out
    return out


def _complexity(doc: _Doc, spans: list[tuple[int, int]], single: bool) -> tuple[str, tuple[int, int]] | str | None:
    """The repair's complexity: the highest named in its sentence; else in the sentences around
    it when they name one (or the paragraph has one wound); "ambiguous" when they name several."""
    for k, (lo, hi) in enumerate(spans):
        found = []
        for name, rx in _COMPLEXITY:
            for m in rx.finditer(doc.text, lo, hi):
                if _affirmed(doc, m):
                    found.append((COMPLEXITY_RANK[name], name, (m.start(), m.end())))
                    break
        if found:
            if k > 0 and len({f[1] for f in found}) > 1 and not single:
                return "ambiguous"
            _rank, name, span = max(found)
            return name, span
    return None


def _wounds(visit: Visit, doc: _Doc) -> list[_Wound]:
    text = doc.text
    lengths = _wound_lengths(doc)
    out: list[_Wound] = []
    if not lengths:
        for m in _LAC_STRONG.finditer(text):
            window = doc.window(m.start(), 1, 0)
            cues = _repair_cues(doc, window)
            closure = " ".join(text[a:b] for a, b in window)
            if cues and (_STITCH.search(closure) or not _STRIPS.search(closure)):
                visit.warn(
                    "laceration repair documented without the wound length in cm: the repair code "
                    f"(12001-13153) depends on it, so it is not coded ({REPAIR_RULE})"
                )
                break
        return out
    per_paragraph: dict[int, int] = {}
    for m in lengths:
        per_paragraph[doc.paragraph(m.start())] = per_paragraph.get(doc.paragraph(m.start()), 0) + 1
    for k, m in enumerate(lengths):
        value = float(m.group(1))
        cm = value / 10 if m.group(2).lower().startswith("m") else value
        single = per_paragraph[doc.paragraph(m.start())] == 1
        window = doc.window(m.start()) if single else doc.window(m.start(), 2, 0)
        cues = _repair_cues(doc, window)
        if not cues:
            continue  # a wound described, not repaired (dressed, referred)
        spans = [(m.start(), m.end()), (cues[0].start(), cues[0].end())]
        closure_text = " ".join(text[a:b] for a, b in (window if single else window[:1]))
        if _STITCH.search(closure_text) or not (_ADHESIVE.search(closure_text) or _STRIPS.search(closure_text)):
            closure = "sutures"
        elif _ADHESIVE.search(closure_text):
            closure = "adhesive"
        else:
            visit.warn(
                "a wound closed with adhesive strips only gets no repair code; the E/M service "
                f"covers it ({REPAIR_RULE})"
            )
            continue
        # the site: in the length's clause, else between it and the next wound, else before it
        lo, hi = doc.sentence(m.start())
        c_lo, c_hi = doc.clause(m.start(), m.end())
        prev_end = lengths[k - 1].end() if k and lengths[k - 1].start() >= lo else lo
        next_start = lengths[k + 1].start() if k + 1 < len(lengths) and lengths[k + 1].start() < hi else hi
        site = (
            _skin_site(doc, c_lo, c_hi)
            or _skin_site(doc, m.end(), next_start)
            or _skin_site(doc, prev_end, m.start(), last=True)
        )
        if site is None and single:
            for a, b in window[1:]:
                site = _skin_site(doc, a, b)
                if site:
                    break
        if site is None:
            visit.warn(
                f"a {cm:g} cm wound repair without its anatomic site: the repair code depends on "
                f"it, so it is not coded ({REPAIR_RULE})"
            )
            continue
        comp = _complexity(doc, window if single else window[:3], single)
        if comp is None or comp == "ambiguous":
            visit.warn(
                f"the {cm:g} cm wound repair ({site[0].name}) does not say whether it was simple, "
                f"intermediate (layered) or complex: the repair code is not coded ({REPAIR_RULE})"
            )
            continue
        assert not isinstance(comp, str)
        name, comp_span = comp
        group = site[0].groups.get(name, "")
        if not group:
            visit.warn(
                f"a {name} repair of the {site[0].name}: the code group needs the part (forehead, "
                f"cheek, chin, mouth, or eyelid, nose, ear, lip); not coded ({REPAIR_RULE})"
            )
            continue
        out.append(_Wound(cm, name, group, site[0].name, closure, [*spans, site[1], comp_span]))
    return out


def _repairs(visit: Visit, doc: _Doc) -> list[_Line]:
    if not _WOUND.search(doc.text) or not _REPAIR.search(doc.text):
        return []
    wounds = _wounds(visit, doc)
    if not wounds:
        return []
    payer = str(visit.metadata.get("payer", "")).lower()
    out: list[_Line] = []
    if "medicare" in payer:
        glued = [w for w in wounds if w.closure == "adhesive" and w.complexity == "simple"]
        if glued:
            wounds = [w for w in wounds if w not in glued]
            out.append(_Line(
                "G0168", [s for w in glued for s in w.spans],
                [f"wound(s) closed with tissue adhesive only, Medicare payer: G0168 instead of the "
                 f"simple repair code ({G0168_RULE})"],
                system="HCPCS", fallback=G0168_LABEL,
            ))
    rows = _in_force(_rows("repair"), visit)
    groups: dict[tuple[str, str], list[_Wound]] = {}
    for w in wounds:
        groups.setdefault((w.complexity, w.group), []).append(w)
    coded: list[tuple[int, _Line]] = []
    for (comp, group), ws in groups.items():
        total = sum(w.cm for w in ws)
        spans = [s for w in ws for s in w.spans]
        mine = [r for r in rows if r.extra.get("variant") == comp and r.extra.get("group") == group]
        if not mine:
            visit.warn(
                f"{comp} repair on {visit.dos.isoformat()}: medcoder's repair table is in force from "
                "2013-01-01; code it by hand"
            )
            continue
        parts = " + ".join(f"{w.cm:g}" for w in ws)
        added = f"{parts} = {total:g} cm" if len(ws) > 1 else f"{total:g} cm"
        why = (f"{comp} repair, {group}: {added}"
               + (" (lengths of one complexity in one anatomic group are added)" if len(ws) > 1 else "")
               + f" ({REPAIR_RULE}; {mine[0].source})")
        base = next(
            (r for r in mine if not r.extra.get("addon_of")
             and (_number(r.extra["low"]) or 0) + EPS < total
             and (r.extra["high"] == "" or total <= float(r.extra["high"]) + EPS)),
            None,
        )
        if base is not None:
            coded.append((COMPLEXITY_RANK[comp], _Line(base.code, spans, [why + _global(base)])))
            continue
        addon = next(
            (r for r in mine if r.extra.get("addon_of") and float(r.extra["low"]) + EPS < total), None
        )
        if addon is not None:
            low, per = float(addon.extra["low"]), float(addon.extra["per"])
            units = math.ceil((total - low) / per - EPS)
            first = addon.extra["addon_of"]
            coded.append((COMPLEXITY_RANK[comp], _Line(first, spans, [why])))
            coded.append((COMPLEXITY_RANK[comp], _Line(
                addon.code, spans,
                [f"{total:g} cm: {units} unit(s) of add-on {addon.code} for each further {per:g} cm "
                 f"or less over {low:g} cm ({addon.source})"],
                units=units,
            )))
            continue
        visit.warn(
            f"a {comp} repair of {total:g} cm ({group}) has no code: a complex repair of 1.0 cm or "
            f"less is reported as a simple or intermediate repair ({REPAIR_RULE}); not coded"
        )
    if coded:
        top = max(rank for rank, _ in coded)
        for rank, ln in sorted(coded, key=lambda x: -x[0]):
            if rank < top:
                ln.modifiers.append("59")
                ln.why.append(f"59: a less complex repair beside a more complex one, listed second ({MOD59_RULE})")
            out.append(ln)
    return out


# -- incision and drainage ------------------------------------------------------------------------
@dataclass
class _Drained:
    mention: re.Match[str]
    target: re.Match[str]
    site: tuple[str | None, str] | None


_JOINT_WORD = re.compile(r"\b(?:joint|knee|shoulder|hip|elbow|wrist|ankle|bursa|effusion|synovial)\b", re.I)


def _drainage(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    mentions = [m for m in _DRAINAGE.finditer(text) if _done(doc, m.start(), m.end())]
    aspirations = [m for m in _ASPIRATION.finditer(text) if _done(doc, m.start(), m.end())]
    if not mentions and not aspirations:
        return []
    groups, first = _by_group("drainage", visit)
    found: dict[str, list[_Drained]] = {}
    for m in mentions:
        window = doc.window(m.start(), 1, 1)
        lo, hi = window[0]
        if _OWN_CODE_SITE.search(text, lo, hi) or _OWN_CODE_SITE.search(text, *doc.sentence(max(0, lo - 2))):
            visit.warn("incision and drainage at a site with its own CPT code (perirectal, peritonsillar, "
                       "Bartholin, breast ...): not coded by the office family; code it by hand")
            continue
        best: tuple[int, str, re.Match[str]] | None = None
        for group, r in first.items():
            hit = _find(doc, "|".join(r.phrases), window)
            if hit is not None and (best is None or len(hit.group(0)) > best[0]):
                best = (len(hit.group(0)), group, hit)
        if best is None:
            visit.warn("incision and drainage documented without what was drained (abscess, cyst, "
                       "hematoma): 10060/10061/10140 not coded (CPT Integumentary, Incision and Drainage)")
            continue
        site = _skin_site(doc, lo, hi)
        where = (_side(doc, *site[1])[0], site[0].name) if site else None
        found.setdefault(best[1], []).append(_Drained(m, best[2], where))
    out: list[_Line] = []
    for group, hits in found.items():
        grows = groups[group]
        if not grows:
            visit.warn(f"incision and drainage on {visit.dos.isoformat()}: no code in medcoder's table for that date")
            continue
        spans = [s for h in hits for s in ((h.mention.start(), h.mention.end()), (h.target.start(), h.target.end()))]
        sites = {h.site for h in hits if h.site is not None}
        chosen: ServiceRow | None = None
        why = ""
        for r in grows:
            q = r.extra.get("qualifier", "")
            if not q:
                continue
            hit = next((x for h in hits if (x := _find(doc, q, doc.window(h.mention.start(), 1, 1)))), None)
            if hit is not None:
                chosen, why = r, f"complicated or multiple: '{hit.group(0).lower()}' documented"
                spans.append((hit.start(), hit.end()))
                break
            if len(sites) > 1:
                chosen, why = r, f"{len(sites)} separate sites drained in the session: multiple"
                break
        if chosen is None:
            chosen = next((r for r in grows if not r.extra.get("qualifier")), grows[0])
            why = "a single, uncomplicated incision and drainage" if len(grows) > 1 else "incision and drainage"
        out.append(_Line(chosen.code, spans, [f"{why} ({chosen.source}){_global(chosen)}"]))
    if aspirations and not out:
        arows = _in_force(_rows("aspiration"), visit)
        for m in aspirations:
            lo, hi = doc.sentence(m.start())
            target = _find(doc, "|".join(arows[0].phrases), [(lo, hi)]) if arows else None
            if target is not None and not _JOINT_WORD.search(text, lo, hi):
                r = arows[0]
                out.append(_Line(r.code, [(m.start(), m.end()), (target.start(), target.end())],
                                 [f"puncture aspiration of an abscess, hematoma, bulla or seroma "
                                  f"({r.source}){_global(r)}"]))
                break
    return out


# -- skin biopsy ------------------------------------------------------------------------------
def _biopsies(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    if not re.search(r"biops", text, re.I):
        return []
    rows = _rows("biopsy")
    technique_words: dict[str, str] = {}
    technique_needs: dict[str, str] = {}
    for r in rows:
        technique_words.setdefault(r.extra["group"], "|".join(r.phrases))
        technique_needs.setdefault(r.extra["group"], r.extra.get("requires", ""))
    taken: list[tuple[int, int]] = []
    counts: dict[str, tuple[int, list[tuple[int, int]]]] = {}
    order = sorted(technique_words, key=lambda g: g == "any")  # a named technique first
    for group in order:
        rx = _words(technique_words[group])
        if rx is None:
            continue
        explicit: list[int] = []
        sites: set[tuple[str | None, str]] = set()
        spans: list[tuple[int, int]] = []
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in taken) or not _done(doc, m.start(), m.end()):
                continue
            taken.append((m.start(), m.end()))
            lo, hi = doc.sentence(m.start())
            if _NOT_SKIN.search(text, lo, hi):
                continue  # a biopsy of the mouth, breast, cervix ...: not a skin biopsy code
            need = technique_needs[group]
            if need and _find(doc, need, doc.window(m.start(), 1, 1)) is None:
                continue  # an incisional biopsy is a skin biopsy only where the note says skin
            spans.append((m.start(), m.end()))
            c = _BIOPSY_COUNT.search(text, lo, hi)
            n = _count(c)
            if n:
                explicit.append(n)
                assert c is not None
                spans.append((c.start(), c.end()))
            site = _skin_site(doc, m.end(), hi) or _skin_site(doc, lo, m.start(), last=True)
            if site:
                side, _ = _side(doc, *site[1])
                sites.add((side, site[0].name))
                spans.append(site[1])
        if spans:
            counts[group] = (max(explicit) if explicit else max(1, len(sites)), spans)
    if not counts:
        return []
    force = _in_force(rows, visit)
    if not force:
        visit.warn(f"skin biopsy on {visit.dos.isoformat()}: medcoder's biopsy table starts 2013-01-01")
        return []
    groups = {r.extra["group"] for r in force}
    if groups == {"any"}:  # before 2019: one code for every technique
        total = sum(n for n, _ in counts.values())
        counts = {"any": (total, [s for _, sp in counts.values() for s in sp])}
    elif "any" in counts:
        n, _ = counts.pop("any")
        visit.warn(
            "skin biopsy documented without its technique (tangential/shave, punch, incisional): "
            f"from 2019-01-01 the code depends on it; {n} lesion(s) not coded ({force[0].source})"
        )
    if not counts:
        return []

    def rank(g: str) -> int:
        return int(next(r.extra["rank"] for r in force if r.extra["group"] == g))

    ordered = sorted(counts, key=lambda g: -rank(g))
    out: list[_Line] = []
    for i, group in enumerate(ordered):
        n, spans = counts[group]
        first = next(r for r in force if r.extra["group"] == group and r.extra["variant"] == "first")
        addon = next(r for r in force if r.extra["group"] == group and r.extra["variant"] == "addon")
        if i == 0:
            out.append(_Line(first.code, spans, [
                f"{group} biopsy, first lesion: the primary code of the session"
                + (" (highest in the hierarchy incisional > punch > tangential)" if len(ordered) > 1 else "")
                + f"; the simple closure is included ({first.source})"]))
            if n > 1:
                out.append(_Line(addon.code, spans, [
                    f"{n} {group} biopsies: {n - 1} further lesion(s) with add-on {addon.code} ({addon.source})"],
                    units=n - 1))
        else:
            out.append(_Line(addon.code, spans, [
                f"{n} {group} biopsy lesion(s) in a session whose primary code is {out[0].code}: "
                f"reported with the add-on of their own technique ({addon.source})"], units=n))
    return out


# -- joint injection ------------------------------------------------------------------------------
@dataclass
class _Found:
    """One service found at one site: the row, the sides, the digit and the words cited."""

    row: ServiceRow | None
    pos: int
    digit: _Digit | None = None
    sides: set[str] = field(default_factory=set)
    spans: list[tuple[int, int]] = field(default_factory=list)


def _by_group(kind: str, visit: Visit) -> tuple[dict[str, list[ServiceRow]], dict[str, ServiceRow]]:
    """The kind's rows in force by group, and the first row of each group whatever its dates
    (its words are the group's words)."""
    all_rows = _rows(kind)
    first: dict[str, ServiceRow] = {}
    groups: dict[str, list[ServiceRow]] = {}
    for r in all_rows:
        first.setdefault(r.extra["group"], r)
        groups.setdefault(r.extra["group"], [])
    for r in _in_force(all_rows, visit):
        groups[r.extra["group"]].append(r)
    return groups, first


def _digit_lines(row: ServiceRow, found: _Found, what: str, why: list[str], visit: Visit) -> list[_Line]:
    """The lines of one service: a digit modifier per side when the digit is named, else RT/LT
    or 50 by the row's bilateral indicator."""
    digit = found.digit
    sides = {s for s in found.sides if s in ("r", "l")} or ({"r", "l"} if "b" in found.sides else set())
    if digit is not None and sides:
        out = []
        for side in sorted(sides, reverse=True):
            mod = _DIGIT_MODIFIER[(digit.kind, side)][digit.number - 1]
            out.append(_Line(row.code, [*found.spans, digit.span],
                             [*why, f"{mod}: {'right' if side == 'r' else 'left'} {digit.kind} "
                                    f"{digit.number} ({DIGIT_RULE})"], modifiers=[mod]))
        return out
    return [_Line(row.code, list(found.spans), why + _side_rationale(mods), modifiers=list(mods))
            for mods in _side_modifiers(row, found.sides, what, visit)]


# -- joint injection ------------------------------------------------------------------------------
def _joints(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    mentions = [m for m in _INJECTION.finditer(text) if _done(doc, m.start(), m.end())]
    if not mentions:
        return []
    groups, first = _by_group("joint", visit)
    joints: dict[tuple[str, str], _Found] = {}
    for m in mentions:
        lo, hi = doc.sentence(m.start())
        if _NOT_JOINT.search(text, lo, hi):
            continue
        hit: tuple[str, re.Match[str]] | None = None
        for span in (doc.clause(m.start(), m.end()), (lo, hi)):
            cands = []
            for g, r in first.items():
                rx = _words("|".join(r.phrases))
                for j in rx.finditer(text, *span) if rx else ():
                    cands.append((abs(j.start() - m.start()), -len(j.group(0)), g, j))
            if cands:
                _d, _l, g, j = min(cands, key=lambda x: (x[0], x[1]))
                hit = (g, j)
                break
        if hit is None:
            continue
        for g, j in _joined(text, first, hit, lo, hi):
            name = _norm(j.group(0))
            name = name[:-1] if name in ("knees", "shoulders", "hips") else name
            side, side_span = _side(doc, j.start(), j.end())
            digit = _digit(doc, *doc.clause(j.start(), j.end())) if g == "small" else None
            key = (g, name + (f", {digit.kind} {digit.number}" if digit else ""))
            found = joints.setdefault(key, _Found(None, m.start(), digit))
            if side:
                found.sides.add(side)
            found.spans += [(m.start(), m.end()), (j.start(), j.end())] + ([side_span] if side_span else [])
    out: list[_Line] = []
    used: set[tuple[str, str]] = set()
    for (g, name), found in joints.items():
        grows = groups[g]
        if not grows:
            visit.warn(f"joint injection on {visit.dos.isoformat()}: no code in medcoder's table for that date")
            continue
        window = doc.window(found.pos, 2, 0)
        chosen: ServiceRow | None = None
        guided: re.Match[str] | None = None
        for r in grows:
            q = r.extra.get("qualifier", "")
            if q and (guided := _find(doc, q, window)) is not None:
                chosen = r
                break
        if chosen is None:
            chosen = next((r for r in grows if not r.extra.get("qualifier")), None)
            if chosen is None:
                continue
        how = (f"with ultrasound guidance: '{guided.group(0).lower()}'" if guided is not None
               else "no ultrasound guidance documented" if chosen.extra["variant"] == "no guidance"
               else "guidance not part of the code before 2015")
        why = [f"{g} joint or bursa ({name}), aspiration and/or injection, {how} ({chosen.source})"]
        if guided is not None:
            found.spans.append((guided.start(), guided.end()))
        if chosen.until is not None and _find(doc, "ultrasound|US-guided|fluoroscopy|fluoroscopic", window):
            visit.warn("imaging guidance of a joint injection before 2015 was reported separately "
                       "(76942 ultrasound, 77002 fluoroscopy): not coded by medcoder")
        for ln in _digit_lines(chosen, found, f"{g} joint injection", why, visit):
            key = (ln.code, " ".join(ln.modifiers))
            if key in used:
                ln.modifiers.append("59")
                ln.why.append(f"59: a second {g} joint on the same side, a distinct site "
                              "(NCCI Policy Manual ch. I, modifier 59)")
            used.add(key)
            out.append(ln)
    return out


def _joined(
    text: str, first: dict[str, ServiceRow], hit: tuple[str, re.Match[str]], lo: int, hi: int
) -> list[tuple[str, re.Match[str]]]:
    """The joint an injection names and the joints listed with it in its sentence ("right knee
    and left knee injected"): each is a joint injected."""
    words: list[tuple[str, re.Match[str]]] = []
    for g, r in first.items():
        rx = _words("|".join(r.phrases))
        words += [(g, j) for j in (rx.finditer(text, lo, hi) if rx else ())]
    # the longest words at each place ("subacromial bursa" over "subacromial")
    words.sort(key=lambda w: (w[1].start(), -len(w[1].group(0))))
    spots: list[tuple[str, re.Match[str]]] = []
    for w in words:
        if not spots or w[1].start() >= spots[-1][1].end():
            spots.append(w)
    at = next((k for k, (_g, j) in enumerate(spots) if j.start() == hit[1].start()), None)
    if at is None:
        return [hit]
    out = [spots[at]]
    for step in (-1, 1):
        k = at
        while 0 <= k + step < len(spots):
            a, b = sorted((spots[k][1], spots[k + step][1]), key=lambda j: j.start())
            if not _JOINED.fullmatch(text, a.end(), b.start()):
                break
            k += step
            out.append(spots[k])
    return sorted(out, key=lambda w: w[1].start())


# -- fractures and splints ------------------------------------------------------------------------
def _fracture_site(
    doc: _Doc, m: re.Match[str], first: dict[str, ServiceRow], digit: _Digit | None, lo: int, hi: int
) -> tuple[str, re.Match[str]] | None:
    """The fracture's site group: the longest site words of its sentence (the nearest on a tie)
    whose digit requirement (finger, great toe, other toe) the sentence meets."""
    text = doc.text
    hand = re.search(r"\bfinger|\bthumb|\bhand\b", text[lo:hi], re.I)
    cands = []
    for g, r in first.items():
        need = r.extra.get("digit", "")
        if need == "finger" and not ((digit and digit.kind == "finger") or (digit is None and hand)):
            continue
        if need == "great toe" and not (digit and digit.kind == "toe" and digit.number == 1):
            continue
        if need == "toe" and not (digit and digit.kind == "toe" and digit.number > 1):
            continue
        rx = _words("|".join(r.phrases))
        for j in rx.finditer(text, lo, hi) if rx else ():
            cands.append((-len(j.group(0)), abs(j.start() - m.start()), g, j))
    if not cands:
        return None
    _l, _d, g, j = min(cands, key=lambda x: (x[0], x[1]))
    return g, j


def _fractures(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    if not _FRACTURE.search(text):
        return []
    groups, first = _by_group("fracture", visit)
    found: dict[tuple[str, str], _Found] = {}
    unknown = False
    for m in _FRACTURE.finditer(text):
        if not _done(doc, m.start(), m.end()) or _DOUBTED.search(text[max(0, m.start() - 40) : m.start()]):
            continue
        window = doc.window(m.start())
        lo, hi = window[0]
        digit = _digit(doc, lo, hi)
        site = _fracture_site(doc, m, first, digit, lo, hi)
        if site is None:
            if _find(doc, "closed treatment|closed reduction|fracture care", window):
                unknown = True
            continue
        g, j = site
        grows = groups[g]
        if not grows:
            visit.warn(f"fracture care on {visit.dos.isoformat()}: no code in medcoder's table for that date")
            continue
        treated: ServiceRow | None = None
        hit: re.Match[str] | None = None
        for r in grows:
            words = r.extra.get("qualifier", "") or r.extra.get("requires", "")
            if words and (hit := _find(doc, words, window)) is not None:
                treated = r
                break
        if treated is None:
            continue  # a fracture diagnosed, not treated here (a splint may be coded below)
        need = first[g].extra.get("digit", "")
        if need and digit is None:
            visit.warn(f"fracture care of a {g} without the digit named: the code and the digit "
                       "modifier depend on it; not coded")
            continue
        side, side_span = _side(doc, j.start(), j.end())
        if side is None:
            side, side_span = _side(doc, m.start(), m.end())
        key = (g, f"{digit.kind} {digit.number}" if digit and need else "")
        entry = found.setdefault(key, _Found(treated, m.start(), digit if need else None))
        if treated.extra["variant"] == "with manipulation":
            entry.row = treated
        if side:
            entry.sides.add(side)
        entry.spans += [(m.start(), m.end()), (j.start(), j.end())]
        if hit is not None:
            entry.spans.append((hit.start(), hit.end()))
        if side_span:
            entry.spans.append(side_span)
    if unknown and not found:
        visit.warn("closed fracture treatment of a site not in medcoder's fracture table (or the bone "
                   "is not specific enough): code it by hand")
    out: list[_Line] = []
    for (g, _digit_key), entry in found.items():
        row = entry.row
        assert row is not None
        why = [f"closed treatment of a {g} fracture, {row.extra['variant']} ({row.source}){_global(row)}",
               "the first splint or cast is part of the fracture care (CPT Musculoskeletal guidelines)"]
        out += _digit_lines(row, entry, f"fracture care of the {g}", why, visit)
    return out


def _splints(visit: Visit, doc: _Doc, fractures: list[_Line]) -> list[_Line]:
    text = doc.text
    if not _SPLINT.search(text):
        return []
    rows = _in_force(_rows("splint"), visit)
    out: list[_Line] = []
    seen: set[tuple[str, str | None]] = set()
    for r in rows:
        rx = _words("|".join(r.phrases))
        if rx is None:
            continue
        for m in rx.finditer(text):
            if not _done(doc, m.start(), m.end()):
                continue
            lo, hi = doc.sentence(m.start())
            applied = _find(doc, r.extra.get("requires", ""), [(lo, hi)])
            if applied is None:
                continue
            side, side_span = _side(doc, m.start(), m.end())
            if side is None:
                side, side_span = _one_side(doc, [(lo, hi), *doc.window(m.start())[1:]])
            if fractures:
                visit.warn(f"the splint ({r.code}) is part of the fracture care coded today and is not "
                           "reported separately (CPT Musculoskeletal, Application of Casts and Strapping)")
                return []
            if (r.code, side) in seen:
                continue
            seen.add((r.code, side))
            spans = [(m.start(), m.end()), (applied.start(), applied.end())] + ([side_span] if side_span else [])
            for mods in _side_modifiers(r, {side} if side else set(), "splint application", visit):
                out.append(_Line(r.code, spans, [
                    f"{r.extra['variant']} splint applied, no fracture care coded today ({r.source}){_global(r)}",
                    *_side_rationale(mods)], modifiers=list(mods)))
    return out


# -- tests and treatments ---------------------------------------------------------------------
def _setting_ok(row: ServiceRow, setting: str) -> bool:
    allowed = row.extra.get("setting", "")
    return not allowed or setting in allowed.split("|")


def _tests(visit: Visit, doc: _Doc, kind: str, exclude: re.Pattern[str] | None = None) -> list[_Line]:
    """EKG and spirometry: the row whose qualifier is documented, else the one whose required
    words (the interpretation, the results) are; one line a session."""
    text = doc.text
    rows = _rows(kind)
    rx = _words("|".join(rows[0].phrases)) if rows else None
    if rx is None:
        return []
    mentions = []
    for m in rx.finditer(text):
        if not _done(doc, m.start(), m.end()):
            continue
        if exclude is not None and exclude.search(text, *doc.clause(m.start(), m.end())):
            continue
        mentions.append(m)
    if not mentions:
        return []
    force = [r for r in _in_force(rows, visit) if _setting_ok(r, visit.setting)]
    for want_qualifier in (True, False):
        for r in force:
            q = r.extra.get("qualifier", "")
            if want_qualifier != bool(q):
                continue
            for m in mentions:
                window = doc.window(m.start(), 2, 0)
                qhit = _find(doc, q, window) if q else None
                if q and qhit is None:
                    continue
                req = r.extra.get("requires", "")
                rhit = _find(doc, req, window) if req else None
                if req and rhit is None:
                    continue
                spans = [(m.start(), m.end())] + [(h.start(), h.end()) for h in (qhit, rhit) if h is not None]
                mods: list[str] = []
                why = [f"{r.extra.get('variant') or kind}: {r.source}"]
                if rhit is not None:
                    why.append(f"documented: '{rhit.group(0).lower()}'")
                fm = r.extra.get("facility_modifier", "")
                if fm and visit.setting in FACILITY:
                    mods.append(fm)
                    why.append(f"{fm}: the professional component in a facility setting ({visit.setting})")
                return [_Line(r.code, spans, why, modifiers=mods)]
    visit.warn(
        f"{kind} documented without its interpretation or results: "
        + ("93000 (office) / 93010 (ED, hospital) need the interpretation and report"
           if kind == "ekg" else "94010/94060 need the results and interpretation")
        + "; not coded"
    )
    return []


def _nebulizer(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    rows = _rows("nebulizer")
    if not rows or not re.search(r"neb|breathing\s+treatment|inhalation\s+treatment", text, re.I):
        return []
    rx = _words("|".join(rows[0].phrases))
    assert rx is not None
    mentions = []
    for m in rx.finditer(text):
        if not _done(doc, m.start(), m.end()):
            continue
        c_lo, c_hi = doc.clause(m.start(), m.end())
        if _NEB_NOT_GIVEN.search(text, c_lo, c_hi):
            continue
        mentions.append(m)
    if not mentions:
        return []
    if any(_NEB_CONTINUOUS.search(text, *doc.clause(m.start(), m.end())) for m in mentions):
        visit.warn("continuous nebulization (94644/94645, by the hour) is not coded by medcoder")
        return []
    force = _in_force(rows, visit)
    row = next((r for r in force if _setting_ok(r, visit.setting)), None)
    if row is None:
        if force:
            visit.warn(f"nebulizer treatment in the {visit.setting} setting: 94640 is an incident-to "
                       f"service reported on the facility's claim, not the professional one ({force[0].source})")
        return []
    explicit = [n for m in mentions if (n := _count(_NEB_COUNT.search(text, *doc.sentence(m.start())))) and n]
    # a further treatment: a later mention written as a repeat ("repeat neb", "neb repeated")
    repeats = sum(
        1 for m in mentions[1:]
        if _NEB_REPEAT.search(text, max(doc.clause(m.start(), m.end())[0], m.start() - 25), m.start())
        or _NEB_REPEAT.search(text, m.end(), doc.clause(m.start(), m.end())[1])
    )
    n = max(explicit) if explicit else 1 + repeats
    spans = [(m.start(), m.end()) for m in mentions]
    out = [_Line(row.code, spans, [f"nebulizer treatment given ({row.source})"])]
    if n > 1:
        out.append(_Line(row.code, spans, [
            f"{n} treatments the same day: the further {n - 1} with modifier 76 ({row.source})"],
            units=n - 1, modifiers=["76"]))
    return out


def _counselling(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    rows = _rows("counselling")
    if not rows or not re.search(r"cessation|counsel", text, re.I):
        return []
    rx = _words("|".join(rows[0].phrases))
    assert rx is not None
    mentions = [m for m in rx.finditer(text) if _done(doc, m.start(), m.end(), _COUNSEL_NOT_DONE)]
    if not mentions:
        return []
    force = _in_force(rows, visit)
    if not force:
        visit.warn(f"tobacco cessation counselling on {visit.dos.isoformat()}: 99406/99407 are in "
                   "medcoder's table from 2013-01-01; code it by hand")
        return []
    stated, bad, spans = [], False, []
    seen: set[int] = set()
    for m in mentions:
        lo, hi = doc.sentence(m.start())
        if lo in seen:
            continue
        seen.add(lo)
        found = durations(text, lo, hi)
        ok = [d for d in found if plausible(d) and d.how != "clock span that runs backwards"]
        bad = bad or len(ok) < len(found)
        if ok:
            d = min(ok, key=lambda d: abs(d.start - m.start()))
            stated.append(d)
            spans += [(m.start(), m.end()), (d.start, d.end)]
    if not stated:
        problem = "an impossible time" if bad else "no minutes"
        visit.warn(f"tobacco cessation counselling documented with {problem}: 99406 (more than 3 "
                   f"minutes) / 99407 (more than 10) depend on the minutes; not coded ({force[0].source})")
        return []
    minutes = sum(d.minutes for d in stated)
    for r in force:
        low = float(r.extra["low"])
        high = _number(r.extra["high"])
        if minutes > low and (high is None or minutes <= high):
            return [_Line(r.code, spans, [
                f"tobacco cessation counselling, {minutes} minutes: {r.extra['variant']} "
                f"(more than 3 up to 10 minutes 99406, more than 10 minutes 99407) ({r.source})"],
                minutes=minutes, prefer=("F17", "Z72.0", "O99.33"))]
    visit.warn(f"tobacco cessation counselling of {minutes} minutes: 3 minutes or less is not "
               f"reported ({force[0].source})")
    return []


def _labs(visit: Visit, doc: _Doc) -> list[_Line]:
    text = doc.text
    out: list[_Line] = []
    for r in _in_force(_rows("lab"), visit):
        if not _setting_ok(r, visit.setting):
            continue
        rx = _words("|".join(r.phrases))
        if rx is None:
            continue
        for m in rx.finditer(text):
            c_lo, c_hi = doc.clause(m.start(), m.end())
            if not _done(doc, m.start(), m.end()) or _LAB_NOT_DONE.search(text, c_lo, c_hi):
                continue
            lo, hi = doc.sentence(m.start())
            req = r.extra.get("requires", "")
            hit = _find(doc, req, [(m.end(), hi), (lo, m.start())]) if req else None
            if req and hit is None:
                continue
            units = 2 if r.code == "87804" and _FLU_AB.search(text, lo, hi) else 1
            spans = [(m.start(), m.end())] + ([(hit.start(), hit.end())] if hit else [])
            why = [f"point-of-care test done in the office ({r.source})"]
            if units == 2:
                why.append("influenza A and B: two antigens, two units")
            if r.code == "36415":
                units, more, why_draws = _draws(doc, rx, m)
                spans += more
                why.append(why_draws)
            out.append(_Line(r.code, spans, why, units=units))
            break
    return out


_CLOCK = re.compile(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\b(?:[01]?\d|2[0-3])[0-5]\d\s*h(?:ou)?rs?\b", re.I)
_TIMES = re.compile(r"\b(?:x|times)\s*(\d)\b|\b(\d)\s*(?:times|draws|sticks)\b|\b(twice)\b", re.I)
DRAW_RULE = ("CMS Pub. 100-04 ch. 16 §60.1.4: one collection fee per patient encounter, regardless "
             "of the number of specimens drawn; a series for one test is one encounter")


def _draws(doc: _Doc, rx: re.Pattern[str], first: re.Match[str]) -> tuple[int, list[tuple[int, int]], str]:
    """Units of 36415: one per encounter (separate draws at separately documented times each
    count), never one per specimen or per stick of the same draw."""
    times: dict[str, tuple[int, int]] = {}
    for m in rx.finditer(doc.text, first.start()):
        if not _done(doc, m.start(), m.end()):
            continue
        lo, hi = doc.sentence(m.start())
        t = _CLOCK.search(doc.text, lo, hi)
        if t is not None:
            times.setdefault(t.group(0).replace(" ", "").lower(), (t.start(), t.end()))
    if len(times) >= 2:
        return len(times), list(times.values()), (
            f"{len(times)} draws at separately documented times, each its own encounter: "
            f"{len(times)} units ({DRAW_RULE})")
    lo, hi = doc.sentence(first.start())
    many = _TIMES.search(doc.text, lo, hi)
    if many is not None:
        return 1, [(many.start(), many.end())], (
            f"'{many.group(0)}' in one encounter: one unit ({DRAW_RULE})")
    return 1, [], f"one unit ({DRAW_RULE})"


# -- the family -------------------------------------------------------------------------------
def code(visit: Visit) -> list[CodeSuggestion]:
    lowered = visit.text.lower()
    if visit.setting == "ambulance" or not any(w in lowered for w in _ANY_WORDS):
        return []
    if not _ANY.search(visit.text):
        return []  # a run report's 12-lead or splint is part of the ambulance service level
    doc = _Doc(visit.text)
    lines: list[_Line] = []
    lines += _repairs(visit, doc)
    lines += _drainage(visit, doc)
    lines += _biopsies(visit, doc)
    fractures = _fractures(visit, doc)
    lines += fractures
    lines += _splints(visit, doc, fractures)
    lines += _joints(visit, doc)
    lines += _tests(visit, doc, "ekg", _NOT_12_LEAD)
    lines += _tests(visit, doc, "spirometry")
    lines += _nebulizer(visit, doc)
    lines += _counselling(visit, doc)
    lines += _labs(visit, doc)
    return _finish(visit, doc, lines)

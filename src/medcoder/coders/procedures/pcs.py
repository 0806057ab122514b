"""ICD-10-PCS procedure codes for inpatient (hospital) encounters.

ICD-10-PCS reports the procedures of an inpatient stay on the facility claim (837I); physician
and outpatient claims use CPT/HCPCS. Sources: ICD-10-PCS Official Guidelines for Coding and
Reporting (CMS/NCHS, FY2026), the ICD-10-PCS Index and Tables (CMS, FY2026 tables, FY2025 index).

Where codes come from, in the order a coder looks:

- ``pcs_lexicon.csv``: procedure names medcoder knows (colonoscopy, hemodialysis, intubation,
  cholecystectomy...), each row citing the Index entry it follows. A row may hold a complete
  code or the table-and-body-part prefix when the note rarely gives the rest; codes separated
  by ``|`` are right|left and chosen by the side the note states. Every code in the file is
  checked against the official tables by a test.
- imaging by modality and body part (section B), composed the way the Index is read: the
  modality names the main term (Plain Radiography, Computerized Tomography, Magnetic Resonance
  Imaging, Ultrasonography, Fluoroscopy) and the body part words near it choose the subterm
  ("abdominal CT" -> Computerized Tomography > Abdomen BW20). Needs the ICD-10-PCS Index loaded.
- Medical and Surgical procedures built axis by axis from the sentence (``_surgery``): the
  root operation from its words ("resection", "-ectomy", "excision", "biopsy", "drainage",
  "repair"...), the body part by matching the words of the body-part values the official
  tables allow for that root operation ("Kidney, Right" needs kidney and right), the approach
  from its words ("laparoscopic" 4, "percutaneous" 3, "transurethral"/"endoscopic" 8, "open"
  0), no device (Z) where the table allows it and none is named, qualifier X for a biopsy
  (diagnostic) or Z. Where an axis is not documented the code stays partial. Needs the tables.
- phrases this site's coders reported (``medcoder learn``), when a site model is in use.

Only codes the official tables allow are produced: with the ICD-10-PCS tables loaded, every
code (and every partial code) is checked against them on the date of service and dropped when
they do not allow it. In billing mode only complete seven-character codes become lines; a
partial code is reported as a warning naming the table the coder finishes it in (B3.1a: a code
is built from the tables, all seven characters). Procedures the note says were not done, or
only planned, are not coded (B3.16 and the UHDDS definition of a reportable procedure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from medcoder.coders.procedures.common import (
    Visit,
    may_contain,
    phrase_pattern,
    pointers,
    service_rows,
)
from medcoder.result import CodeSuggestion, Evidence

DATA = "pcs_lexicon.csv"
GUIDELINES = "ICD-10-PCS Official Guidelines FY2026"

# modality words -> Index main term (and the body part a word implies, as for echocardiogram)
_MODALITIES: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(rx, re.I), term, implied)
    for rx, term, implied in (
        (r"\b(?:x[\s-]?rays?|radiograph(?:y|s)?|radiological (?:study|examination)|plain films?|rx)\b",
         "Plain Radiography", None),
        (r"\b(?:ct|cat|cta|tc|tac|ct[\s-]scan|computed (?:axial )?tomograph(?:y|ic)|computerized tomography|tomograph(?:y|ic))\b",
         "Computerized Tomography (CT Scan)", None),
        (r"\b(?:mri|nmr|magnetic resonance(?: imaging)?)\b", "Magnetic Resonance Imaging (MRI)", None),
        (r"\b(?:echocardiogra(?:m|phy|phic)s?)\b", "Ultrasonography", "heart"),
        (r"\b(?:ultrasounds?|ultrasonograph(?:y|ic)|sonograph(?:y|ic)|echograph(?:y|ic)|ecograph(?:y|ic)|ultrasound scan|doppler)\b",
         "Ultrasonography", None),
        (r"\b(?:fluoroscop(?:y|ic))\b", "Fluoroscopy", None),
    )
)
_CAPITALS_ONLY = frozenset({"ct", "cat", "tc", "tac", "cta"})
_ANY_MODALITY = re.compile("|".join(rx.pattern for rx, _t, _i in _MODALITIES), re.I)
# adjectives and synonyms -> the noun the Index's subterms use
_REGION_WORDS: dict[str, tuple[str, ...]] = {
    "abdominal": ("abdomen",), "abdomens": ("abdomen",), "thoracic": ("chest",), "thorax": ("chest",),
    "thoracoabdominal": ("chest", "abdomen"), "abdominopelvic": ("abdomen", "pelvis"),
    "thoracoabdominopelvic": ("chest", "abdomen", "pelvis"), "pelvic": ("pelvis",),
    "cranial": ("skull",), "cranium": ("skull",), "head": ("head",), "cerebral": ("brain",),
    "brain": ("brain",), "encephalic": ("brain",), "renal": ("kidney",), "kidneys": ("kidney",),
    "hepatic": ("liver",), "cardiac": ("heart",), "scrotal": ("scrotum",), "testicular": ("scrotum",),
    "testicle": ("scrotum",), "testis": ("scrotum",), "vesical": ("bladder",), "prostatic": ("prostate",),
    "lungs": ("lung",), "pulmonary": ("lung",), "cervical": ("neck",), "thyroid": ("thyroid",),
    "mammary": ("breast",), "breasts": ("breast",), "bladder": ("bladder",), "lumbar": ("lumbar",),
    "orbital": ("orbit",), "orbits": ("orbit",), "facial": ("facial",), "sinuses": ("sinus",),
    "abdomino": ("abdomen",), "thoraco": ("chest",), "toraco": ("chest",), "pelvis": ("pelvis",),
}
_SIDES = frozenset({"right", "left", "bilateral", "right and left"})
_SIDE = re.compile(r"\b(right|left|bilateral|both)\b", re.I)
_NOT_DONE = re.compile(
    r"\b(?:no|not|without|declined|refused|planned|scheduled|proposed|recommended|consider(?:ed)?|"
    r"pending|will undergo|to be performed)\b",
    re.I,
)
_NOT_DONE_AFTER = re.compile(
    r"\b(?:(?:was|were|is|are) not (?:performed|done|carried out|possible)|"
    r"(?:was|were|is|are) (?:planned|scheduled|proposed|deferred|cancell?ed|declined|refused|postponed)|"
    r"will be (?:performed|done|scheduled|carried out))\b",
    re.I,
)
_WORD = re.compile(r"[a-z]+")
_SENTENCE_END = re.compile(r"[.;:\n](?:\s|$)")


@dataclass
class Found:
    """A procedure the note mentions and the PCS code (complete or partial) it leads to."""

    code: str
    spans: list[tuple[int, int]]
    rationale: list[str]
    confidence: float
    done: bool = True  # False: the sentence says not done or only planned
    extra: dict[str, Any] = field(default_factory=dict)


def _sentence(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, pos - 400), pos):
        start = m.end()
    end = _SENTENCE_END.search(text, pos)
    return start, end.start() if end else len(text)


def _side(words: str) -> str | None:
    sides = {m.group(1).lower() for m in _SIDE.finditer(words)}
    if "bilateral" in sides or "both" in sides or {"right", "left"} <= sides:
        return "bilateral"
    return sides.pop() if len(sides) == 1 else None


def _not_done(text: str, start: int, sent: tuple[int, int]) -> bool:
    """The sentence says the procedure was not done, or only planned ("no colonoscopy was
    performed", "gastroscopy was not performed", "surgery is scheduled")."""
    return bool(_NOT_DONE.search(text, sent[0], start) or _NOT_DONE_AFTER.search(text, start, sent[1]))


def _lexicon(visit: Visit) -> list[Found]:
    out: list[Found] = []
    text = visit.text
    hits = []
    lowered = text.lower()
    for row in service_rows(DATA):
        if row.in_force(visit.dos) and may_contain(lowered, row.phrases):
            hits += [(m, row) for m in phrase_pattern(row.phrases).finditer(text)]
    # the longest name wins: "laparoscopic appendectomy" is not also an open "appendectomy"
    hits = [
        (m, row) for m, row in hits
        if not any(o.start() <= m.start() and m.end() <= o.end() and o.end() - o.start() > m.end() - m.start()
                   for o, _r in hits)
    ]
    for m, row in sorted(hits, key=lambda h: h[0].start()):
        sent = _sentence(text, m.start())
        codes = row.code.split("|")
        why = [f"'{m.group(0)}' -> {row.code} ({row.source})"]
        if len(codes) == 2:  # right|left
            side = _side(text[sent[0] : sent[1]])
            if side in ("right", "left"):
                codes = [codes[0] if side == "right" else codes[1]]
                why.append(f"{side} side stated")
        for c in codes:
            out.append(Found(c, [(m.start(), m.end())], list(why), 0.8,
                             done=not _not_done(text, m.start(), sent),
                             extra={"label": row.extra.get("label", "")}))
    return out


@cache
def _subterms(index: Any, term: str) -> tuple[tuple[frozenset[str], str | None, int], ...]:
    """The subterms of an imaging main term: (their words, their code, their id)."""
    entry = index.main_term(term)
    if entry is None:
        return ()
    out = []
    for child in index.children(entry.id):
        words = frozenset(w for w in _WORD.findall(child.title.lower()) if w not in ("and", "with", "of"))
        out.append((words, child.code, child.id))
    return tuple(out)


def _window_words(text: str, start: int, end: int, sent: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """The body-part words within eight words of the modality, in the Index's nouns."""
    before = list(_WORD.finditer(text.lower(), sent[0], start))[-8:]
    after = list(_WORD.finditer(text.lower(), end, sent[1]))[:8]
    out: dict[str, tuple[int, int]] = {}
    for m in before + after:
        w = m.group(0)
        for noun in _REGION_WORDS.get(w, (w.rstrip("s") if len(w) > 4 else w,)):
            out.setdefault(noun, (m.start(), m.end()))
            out.setdefault(w, (m.start(), m.end()))
    return out


def _imaging(visit: Visit) -> list[Found]:
    text = visit.text
    if not _ANY_MODALITY.search(text):
        return []
    index = visit.table("icd10pcs-index")
    if index is None:
        return []
    out: list[Found] = []
    seen: set[str] = set()
    for rx, term, implied in _MODALITIES:
        for m in rx.finditer(text):
            if m.group(0).lower() in _CAPITALS_ONLY and not m.group(0).isupper():
                continue  # abbreviations count only when written as such ("CT", not "cat")
            sent = _sentence(text, m.start())
            words = _window_words(text, m.start(), m.end(), sent)
            if implied:
                words.setdefault(implied, (m.start(), m.end()))
            best = None
            for sub_words, code, sub_id in _subterms(index, term):
                if sub_words and sub_words <= words.keys() and (best is None or len(sub_words) > len(best[0])):
                    best = (sub_words, code, sub_id)
            if best is None:
                continue
            sub_words, code, sub_id = best
            spans = [(m.start(), m.end())] + [words[w] for w in sub_words if w in words]
            if not code:  # the subterm divides further: by side, else its children's table
                kids = index.children(sub_id)
                side = _side(text[sent[0] : sent[1]])
                pick = [k for k in kids if side and k.title.lower().startswith(side) and k.code]
                if not pick and len(kids) == 1 and kids[0].code:
                    pick = kids
                if not pick and side is None:  # no side named: both (renal ultrasound, echocardiogram)
                    pick = [k for k in kids if k.title.lower() in ("bilateral", "right and left") and k.code]
                if pick:
                    code = pick[0].code
                    sub_words = sub_words | {pick[0].title.lower()}
                else:
                    prefixes = {k.code[:4] for k in kids if k.code and len(k.code) >= 4}
                    code = prefixes.pop() if len(prefixes) == 1 else None
            if not code or len(code) < 4 or code in seen:
                continue
            seen.add(code)
            path = " > ".join(w.title() for w in sorted(sub_words, key=lambda w: (w in _SIDES, w)))
            out.append(Found(
                code, spans,
                [f"'{m.group(0)}' + '{', '.join(sorted(sub_words))}' -> ICD-10-PCS Index: {term} > "
                 f"{path} {code}"],
                0.75, done=not _not_done(text, m.start(), sent),
            ))
    return out


# root operations (Medical and Surgical section, 3rd character) and the words that name them
_ROOT_OPERATIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (char, name, re.compile(rx, re.I))
    for char, name, rx in (
        ("T", "Resection", r"\b(?<!partial )(?:(?:total|radical|complete)\s+)?[a-z]+ectom(?:y|ies)\b|\bresect(?:ion|ed)\b"),
        ("B", "Excision", r"\bexcis(?:ion|ed|ional)\b|\bpartial [a-z]+ectomy\b|\bbiops(?:y|ies)\b"),
        ("9", "Drainage", r"\bdrain(?:age|ed)\b"),
        ("Q", "Repair", r"\brepair(?:ed)?\b|\b[a-z]+rrhaphy\b|\bsutur(?:e|ed)\b"),
        ("5", "Destruction", r"\bablat(?:ion|ed)\b|\bfulgurat(?:ion|ed)\b|\bcauteri[sz](?:ation|ed)\b"),
        ("7", "Dilation", r"\bdilat(?:ation|ion|ed)\b|\bangioplasty\b"),
        ("N", "Release", r"\badhesiolysis\b|\brelease of\b"),
        ("S", "Reposition", r"\bopen reduction\b|\breposition(?:ed|ing)?\b"),
        ("Y", "Transplantation", r"\btransplant(?:ation|ed)?\b"),
        ("6", "Detachment", r"\bamputat(?:ion|ed)\b"),
    )
)
# "-ectomy" words and the body part they name
_ECTOMY: dict[str, tuple[str, ...]] = {
    "nephrectomy": ("kidney",), "cystectomy": ("bladder",), "prostatectomy": ("prostate",),
    "gastrectomy": ("stomach",), "colectomy": ("large", "intestine"), "hepatectomy": ("liver",),
    "splenectomy": ("spleen",), "thyroidectomy": ("thyroid", "gland"), "hysterectomy": ("uterus",),
    "oophorectomy": ("ovary",), "orchiectomy": ("testis",), "orchidectomy": ("testis",),
    "adrenalectomy": ("adrenal", "gland"), "pancreatectomy": ("pancreas",),
    "cholecystectomy": ("gallbladder",), "appendectomy": ("appendix",), "mastectomy": ("breast",),
    "esophagectomy": ("esophagus",), "ureterectomy": ("ureter",), "salpingectomy": ("fallopian", "tube"),
    "tonsillectomy": ("tonsils",), "parotidectomy": ("parotid", "gland"), "pneumonectomy": ("lung",),
    "lymphadenectomy": ("lymphatic",), "vulvectomy": ("vulva",), "penectomy": ("penis",),
}
_APPROACHES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (char, re.compile(rx, re.I))
    for char, rx in (
        ("4", r"\b(?:laparoscop(?:ic|ically|y)|thoracoscop(?:ic|y)|arthroscop(?:ic|y)|percutaneous endoscopic|video-?assisted)\b"),
        ("8", r"\b(?:transurethral|endoscop(?:ic|ically|y)|cystoscop(?:ic|y)|colonoscop(?:ic|y)|gastroscop(?:ic|y)|bronchoscop(?:ic|y)|hysteroscop(?:ic|y)|ureteroscop(?:ic|y))\b"),
        ("3", r"\b(?:percutaneous(?:ly)?|needle|puncture|fine[\s-]needle|ultrasound[\s-]guided|ct[\s-]guided)\b"),
        ("0", r"\b(?:open|laparotomy|thoracotomy|incision|lumbotomy|sternotomy)\b"),
        ("X", r"\b(?:external(?:ly)?|skin surface)\b"),
    )
)
_DEVICE_WORDS = re.compile(r"\b(?:stent|catheter|drain tube|mesh|prosthe(?:sis|tic)|graft|implant|device)\b", re.I)
_LABEL_SKIP = frozenset({"and", "of", "with", "or", "the", "right", "left", "bilateral", "both"})


@cache
def _body_parts(tables: Any, op: str) -> tuple[tuple[str, frozenset[str], str | None, str], ...]:
    """(4-character prefix, label words, side, label) of every body part the Medical and
    Surgical tables allow for root operation ``op``."""
    out = []
    for key in tables.tables():
        if not (len(key) == 3 and key[0] == "0" and key[2] == op):
            continue
        for ch in tables.values(key, 4):
            label = ch.label.split(" | ")[0]
            low = label.lower()
            words = frozenset(w.rstrip("s") if len(w) > 4 else w for w in _WORD.findall(low)) - _LABEL_SKIP
            side = "bilateral" if "bilateral" in low else "right" if "right" in low else "left" if "left" in low else None
            if words:
                out.append((key + ch.value, words, side, label))
    return tuple(out)


def _sentence_words(text: str, sent: tuple[int, int]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for m in _WORD.finditer(text.lower(), sent[0], sent[1]):
        w = m.group(0)
        nouns = _ECTOMY.get(w) or _REGION_WORDS.get(w) or (w.rstrip("s") if len(w) > 4 else w,)
        for n in (*nouns, w):
            out.setdefault(n, (m.start(), m.end()))
    return out


def _surgery(visit: Visit) -> list[Found]:
    text = visit.text
    tables = visit.table("icd10pcs")
    if tables is None:
        return []
    out: list[Found] = []
    for op, name, rx in _ROOT_OPERATIONS:
        for m in rx.finditer(text):
            sent = _sentence(text, m.start())
            words = _sentence_words(text, sent)
            side = _side(text[sent[0] : sent[1]])
            fits = [bp for bp in _body_parts(tables, op) if bp[1] <= words.keys()]
            if not fits:
                continue
            most = max(len(bp[1]) for bp in fits)
            fits = [bp for bp in fits if len(bp[1]) == most]
            if len({bp[2] for bp in fits}) > 1:  # sides differ: the one the note states
                fits = [bp for bp in fits if bp[2] == side or (bp[2] is None and side is None)]
            if len({bp[0] for bp in fits}) != 1:
                continue  # no body part, or several the note does not tell apart
            prefix, bp_words, bp_side, label = fits[0]
            spans = [(m.start(), m.end())] + [words[w] for w in bp_words if w in words]
            said = _SIDE.search(text, sent[0], sent[1]) if bp_side else None
            if said:
                spans.append((said.start(), said.end()))
            why = [f"'{m.group(0).strip()}': root operation {name} ({op}); body part {label} ({prefix[3]}) "
                   f"from the words {', '.join(sorted(bp_words))} (ICD-10-PCS tables, {GUIDELINES} B3.1a)"]
            code = prefix
            allowed = {c.value for c in tables.values(prefix, 5)}
            approach = next((a for a, arx in _APPROACHES if arx.search(text, sent[0], sent[1]) and a in allowed), None)
            if approach:
                code += approach
                why.append(f"approach {approach} from the note's words")
                devices = {c.value for c in tables.values(code, 6)}
                if "Z" in devices and not _DEVICE_WORDS.search(text, sent[0], sent[1]):
                    code += "Z"
                    quals = {c.value for c in tables.values(code, 7)}
                    biopsy = bool(re.search(r"biops|diagnostic", m.group(0) + text[sent[0]:sent[1]], re.I))
                    q = "X" if biopsy and "X" in quals else "Z" if "Z" in quals and not biopsy else None
                    if q:
                        code += q
                        why.append("no device; qualifier " + ("X diagnostic (biopsy)" if q == "X" else "Z"))
            if len(code) != 7 or not tables.is_valid(code):
                code = prefix
            out.append(Found(code, spans, why, 0.7, done=not _not_done(text, m.start(), sent)))
    return out


def _learned(visit: Visit) -> list[Found]:
    model = visit.site_model
    if model is None:
        return []
    out: list[Found] = []
    for h in model.match(visit.text):
        if h.phrase.system != "ICD-10-PCS":
            continue
        code = h.phrase.code.upper()
        out.append(Found(
            code, [(h.start, h.end)],
            [f"'{visit.text[h.start:h.end]}': coders at this site reported {code} for this phrase "
             f"(precision {h.phrase.precision:.2f}, {h.phrase.support} documents)"],
            0.5 + 0.5 * float(h.phrase.confidence),
        ))
    return out


def _allowed(visit: Visit, found: list[Found]) -> list[Found]:
    tables = visit.table("icd10pcs")
    if tables is None:
        return found
    out = []
    for f in found:
        ok = tables.is_valid(f.code) if len(f.code) == 7 else tables.count(f.code) > 0
        if ok:
            out.append(f)
    return out


def mentions(visit: Visit) -> list[Found]:
    """Every PCS code (complete or partial) the note's procedures lead to, best first."""
    found = _allowed(visit, _lexicon(visit) + _imaging(visit) + _surgery(visit) + _learned(visit))
    best: dict[str, Found] = {}
    for f in found:
        have = best.get(f.code)
        if have is None:
            best[f.code] = f
        else:
            have.spans = sorted(set(have.spans + f.spans))
            have.rationale += [r for r in f.rationale if r not in have.rationale]
            have.confidence = max(have.confidence, f.confidence)
            have.done = have.done or f.done
    # a partial code another found code completes adds nothing
    codes = list(best)
    for c in codes:
        if len(c) < 7 and any(o != c and o.startswith(c) for o in codes):
            del best[c]
    return sorted(best.values(), key=lambda f: (-f.confidence, f.spans[0][0]))


def _line(visit: Visit, f: Found, ptr: list[int]) -> CodeSuggestion:
    tables = visit.table("icd10pcs")
    title = tables.title(f.code) if tables is not None and len(f.code) == 7 else None
    return CodeSuggestion(
        code=f.code,
        system="ICD-10-PCS",
        description=title or f.extra.get("label") or f.code,
        confidence=f.confidence,
        evidence=[Evidence(s, e, visit.text[s:e]) for s, e in sorted(set(f.spans))],
        rationale=list(f.rationale),
        units=1,
        diagnosis_pointers=ptr,
    )


def mention_lines(visit: Visit) -> list[CodeSuggestion]:
    """Mentions mode: every procedure mentioned, partial codes included (as CodiEsp codes them)."""
    if visit.setting != "inpatient":
        return []
    return [_line(visit, f, []) for f in mentions(visit)]


def code(visit: Visit) -> list[CodeSuggestion]:
    if visit.setting != "inpatient":
        return []
    out: list[CodeSuggestion] = []
    ptr = pointers(visit.diagnoses)[:1]
    for f in mentions(visit):
        if not f.done:
            continue
        if len(f.code) < 7:
            visit.warn(
                f"ICD-10-PCS: '{visit.text[f.spans[0][0]:f.spans[0][1]]}' leads to table {f.code[:3]} "
                f"({f.code}...): the note does not give the remaining characters; build the code in the "
                f"table ({GUIDELINES} B3.1a)"
            )
            continue
        out.append(_line(visit, f, ptr))
    return out

"""Section headings as clinicians write them, mapped to canonical section names.

A heading starts a line (indentation and markdown ``#``/``**`` allowed) and is either followed by
a colon, with the section's first words on the same line, or stands alone on its line::

    HPI: 67 y/o woman with ...          -> hpi, the section starts at "67"
    PAST MEDICAL HISTORY                -> past_medical_history, the section starts next line
    Assessment and Plan:                -> assessment_plan

Case: a heading without a colon must be upper case or start with a capital ("Plan", "PLAN",
"Past medical history"); with a colon any case is accepted. Abbreviations (HPI, PMH, A/P, CC…)
must be written in capitals, and the two-letter and one-letter ones (CC, FH, SH, PE, the SOAP
letters S/O/A/P) need the colon. A capitalised line of two to six words ending in a colon that
is not a known heading ("NEUROLOGICAL EXAMINATION:") is section ``other``.

A section's span is its content: from the first character after the heading (and colon) to
the last non-space character before the next heading. Text before the first heading belongs to
no section. Spans index the text given exactly.
"""

from __future__ import annotations

import re
from functools import lru_cache

from medcoder.encounter import Section

SECTION_NAMES: tuple[str, ...] = (
    "chief_complaint",
    "hpi",
    "past_medical_history",
    "past_surgical_history",
    "family_history",
    "social_history",
    "ros",
    "medications",
    "allergies",
    "exam",
    "results",
    "assessment",
    "plan",
    "assessment_plan",
    "diagnoses",
    "discharge_diagnoses",
    "procedures",
    "hospital_course",
    "other",
)

# Headings as written (matched case-insensitively, any run of spaces between words).
_HEADINGS: dict[str, tuple[str, ...]] = {
    "chief_complaint": (
        "chief complaint", "chief complaints", "reason for visit", "reason for the visit",
        "reason for consultation", "reason for consult", "reason for admission",
        "reason for referral", "presenting complaint", "presenting problem",
        "chief complaint/reason for visit", "reason for encounter",
    ),
    "hpi": (
        "history of present illness", "history of the present illness", "present illness",
        "history of presenting illness", "interval history", "history", "subjective",
        "clinical history",
    ),
    "past_medical_history": (
        "past medical history", "past medical hx", "medical history", "past history",
        "past medical/surgical history", "past medical and surgical history",
        "problem list", "active problems", "active problem list", "chronic problems",
    ),
    "past_surgical_history": (
        "past surgical history", "past surgical hx", "surgical history", "prior surgeries",
        "previous surgeries",
    ),
    "family_history": ("family history", "family hx", "family medical history"),
    "social_history": ("social history", "social hx"),
    "ros": ("review of systems", "review of system", "systems review"),
    "medications": (
        "medications", "medication", "current medications", "current medication",
        "home medications", "outpatient medications", "medications on admission",
        "admission medications", "discharge medications", "medication list", "meds",
        "current meds", "home meds", "discharge meds", "medications prior to admission",
    ),
    "allergies": (
        "allergies", "allergy", "drug allergies", "allergies/adverse reactions",
        "allergies and adverse reactions", "medication allergies",
    ),
    "exam": (
        "physical exam", "physical examination", "exam", "examination", "objective",
        "vital signs", "vitals", "physical exam/vitals", "exam/vitals",
    ),
    "results": (
        "results", "labs", "lab results", "laboratory", "laboratory data",
        "laboratory results", "laboratory studies", "lab data", "imaging", "radiology",
        "studies", "diagnostic studies", "diagnostic results", "pertinent results", "data",
        "data reviewed", "diagnostics", "findings", "test results", "imaging results",
    ),
    "assessment": (
        "assessment", "assessments", "impression", "impressions", "clinical impression",
        "diagnostic impression", "medical decision making",
    ),
    "plan": ("plan", "recommendations", "recommendation", "treatment plan", "plan of care"),
    "assessment_plan": (
        "assessment and plan", "assessment & plan", "assessment/plan", "impression and plan",
        "impression/plan", "impression & plan", "assessment and recommendations",
        "impression and recommendations",
    ),
    "diagnoses": (
        "diagnoses", "diagnosis", "diagnosis(es)", "final diagnosis", "final diagnoses",
        "postoperative diagnosis", "postoperative diagnoses", "post-operative diagnosis",
        "post-operative diagnoses", "postop diagnosis", "clinical diagnosis",
        "visit diagnoses", "visit diagnosis", "encounter diagnoses", "encounter diagnosis",
        "primary diagnosis", "final impression",
    ),
    "discharge_diagnoses": (
        "discharge diagnoses", "discharge diagnosis", "principal diagnosis",
        "secondary diagnoses", "secondary diagnosis", "discharge diagnosis(es)",
        "principal and secondary diagnoses",
    ),
    "procedures": (
        "procedures", "procedure", "procedure(s)", "procedures performed",
        "procedure performed", "operations", "operation", "operation performed",
        "operations performed", "name of procedure", "procedures done",
    ),
    "hospital_course": (
        "hospital course", "brief hospital course", "hospital course by problem",
        "ed course", "emergency department course", "clinical course", "course",
    ),
    "other": (
        "disposition", "follow up", "follow-up", "followup", "patient instructions",
        "discharge instructions", "instructions", "condition at discharge",
        "discharge condition", "discharge disposition", "code status", "diet", "activity",
        "signature", "attestation", "preoperative diagnosis", "preoperative diagnoses",
        "pre-operative diagnosis", "preop diagnosis", "admission diagnosis",
        "admitting diagnosis", "admission diagnoses", "indications", "indication",
        "anesthesia", "estimated blood loss", "complications", "specimens", "immunizations",
        "health maintenance", "orders", "referrals", "counseling", "education", "addendum",
        "consultations",
    ),
}

# Abbreviations: matched only in these spellings. Those of one or two letters need a colon.
_ABBREVIATIONS: dict[str, str] = {
    "CC": "chief_complaint",
    "HPI": "hpi",
    "PMH": "past_medical_history",
    "PMHX": "past_medical_history",
    "PMHx": "past_medical_history",
    "PSH": "past_surgical_history",
    "PSHX": "past_surgical_history",
    "PSHx": "past_surgical_history",
    "FH": "family_history",
    "FHX": "family_history",
    "FHx": "family_history",
    "SH": "social_history",
    "SHX": "social_history",
    "SHx": "social_history",
    "ROS": "ros",
    "PE": "exam",
    "A/P": "assessment_plan",
    "A&P": "assessment_plan",
    "MDM": "assessment",
    "DX": "diagnoses",
    "Dx": "diagnoses",
    "S": "hpi",
    "O": "exam",
    "A": "assessment",
    "P": "plan",
}

# a heading candidate at a line start: words (letters first) up to a colon or the line end
_CANDIDATE = re.compile(
    r"^[ \t]*(?:[#*_]+[ \t]*)?"
    r"(?P<h>[A-Za-z][A-Za-z0-9 \t/&()'.\-]{0,60}?)"
    r"[ \t]*[*_]*[ \t]*(?:(?P<colon>:)[*_]*|$)",
    re.MULTILINE,
)
_GENERIC = re.compile(r"[A-Z][A-Z0-9&/'\-]*(?:[ \t]+[A-Z0-9&/'\-]+){1,5}")


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, phrases in _HEADINGS.items():
        for p in phrases:
            lookup[p] = name
    for abbr, name in _ABBREVIATIONS.items():
        lookup.setdefault(abbr.lower(), name)
    return lookup


def canonical_name(title: str) -> str:
    """The canonical section name of a heading as written; ``other`` when it is not known."""
    key = " ".join(title.strip(" \t\r\n#*_:").split())
    return _ABBREVIATIONS.get(key) or _lookup().get(key.lower(), "other")


def _accept(written: str, has_colon: bool, text: str, after: int) -> bool:
    compact = " ".join(written.split())
    upper = compact.upper()
    if upper in _ABBREVIATIONS or compact in _ABBREVIATIONS:
        if compact not in _ABBREVIATIONS:
            return False  # abbreviations only in their listed spellings ("hpi" is not one)
        letters = sum(c.isalpha() for c in compact)
        if letters <= 2 and not has_colon:
            return False
        if letters == 1:
            # SOAP letters: "P: 72" in a vitals list is a pulse, not the plan
            nxt = text[after : after + 8].lstrip(" \t")
            if nxt[:1].isdigit():
                return False
        return True
    if has_colon:
        return True
    return compact[:1].isupper()


def find_sections(text: str) -> list[Section]:
    """Sections of ``text`` in order; spans are whitespace-trimmed content, headings excluded."""
    lookup = _lookup()
    # a lone CR ends a line too; replacing it keeps every offset
    scan = text.replace("\r", "\n") if "\r" in text else text
    heads: list[tuple[int, int, str, str]] = []  # line start, content start, name, title
    for m in _CANDIDATE.finditer(scan):
        written = m.group("h")
        compact = " ".join(written.split())
        has_colon = m.group("colon") is not None
        name = _ABBREVIATIONS.get(compact) or lookup.get(compact.lower())
        if name is not None:
            if not _accept(compact, has_colon, scan, m.end()):
                continue
        elif has_colon and _GENERIC.fullmatch(compact) and _rest_is_blank(scan, m.end()):
            name = "other"
        else:
            continue
        heads.append((m.start(), m.end(), name, compact))
    if not heads:
        return []
    out: list[Section] = []
    n = len(text)
    for i, (_line, body, name, title) in enumerate(heads):
        limit = heads[i + 1][0] if i + 1 < len(heads) else n
        start = body
        while start < limit and text[start].isspace():
            start += 1
        end = limit
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == limit:
            start = end = body
        out.append(Section(name=name, title=title, start=start, end=end))
    return out


def _rest_is_blank(text: str, i: int) -> bool:
    j = text.find("\n", i)
    return not text[i : j if j >= 0 else len(text)].strip()

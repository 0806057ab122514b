"""The ICD-10-CM Official Guidelines for Coding and Reporting that the diagnosis coder applies.

Each rule names its guideline section (FY2026 guidelines, effective 2025-10-01; the sections
cited have been stable since FY2022) in the rationale it writes, so a coder can check it.
Rules work on ``Candidate`` objects (a code the note supports, its evidence and context) and
return what they changed; ``engine.DiagnosisCoder`` runs them in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from medcoder.result import Context, Evidence

GUIDELINES = "ICD-10-CM Official Guidelines for Coding and Reporting FY2026"

# Sections whose diagnoses a coder takes as the provider's final statement.
FINAL_SECTIONS = frozenset(
    {"assessment", "assessment_plan", "diagnoses", "discharge_diagnoses", "impression"}
)


@dataclass
class Candidate:
    code: str
    description: str
    evidence: list[Evidence]
    context: Context
    section: str | None
    source: str  # lexicon | index | title | inclusion | learned | rule
    words: int  # how many words of the term matched (specificity)
    position: int  # first evidence offset
    confidence: float = 0.0
    rationale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    term_code: str = ""  # the code the term pointed at before completion
    mentions: int = 1
    dropped: str | None = None  # why a rule removed it (kept for mentions/warnings)
    learned: float = 0.0  # best precision of a learned phrase supporting it (site model)
    learned_support: int = 0  # documents behind that learned phrase
    base_confidence: float = 0.0  # the coder's own confidence, before the site model's ranking
    spread: int = 0  # note words between the term's words that are not the term's (0: contiguous)

    @property
    def category(self) -> str:
        return self.code[:3]


# ---------------------------------------------------------------------------------------------
# code references in notes ("type 1 diabetes mellitus (E10.-)", "(N18.1-N18.6)")
_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_REF = re.compile(rf"({_CODE})(?:\s*-\s*({_CODE}))?(?:\.?-)?")


def refs(note_text: str) -> list[tuple[str, str | None]]:
    out = []
    for m in _REF.finditer(note_text):
        out.append((m.group(1), m.group(2)))
    return out


def _key(code: str) -> str:
    return code.replace(".", "")


def in_ref(code: str, ref: tuple[str, str | None]) -> bool:
    lo, hi = ref
    c = _key(code)
    if hi is None:
        return c.startswith(_key(lo))
    a, b = _key(lo), _key(hi)
    return a <= c[: len(a)] and c[: len(b)] <= b


def in_range(code: str, lo: str, hi: str) -> bool:
    return in_ref(code, (lo, hi))


# ---------------------------------------------------------------------------------------------
# Context by setting: Guidelines II.H (inpatient) and IV.H (outpatient)
def keep_by_context(c: Candidate, setting: str) -> tuple[bool, str]:
    ctx = c.context
    if ctx.negated:
        return False, "negated in the note: not coded"
    if ctx.hypothetical:
        return False, "hypothetical or conditional (e.g. 'return if'): not coded"
    if ctx.family:
        return False, "a family member's condition: coded only as family history (Z80-Z84)"
    if ctx.historical:
        return False, "historical: coded only as personal history (Z85-Z87) when applicable"
    if ctx.uncertain:
        if setting == "inpatient" and (c.section in FINAL_SECTIONS or c.section is None):
            c.rationale.append(
                "uncertain diagnosis at discharge coded as if established (Guideline II.H, "
                "inpatient only)"
            )
            return True, ""
        if setting == "inpatient":
            return False, (
                "uncertain, and not stated as a final diagnosis: not coded (Guideline II.H "
                "applies to diagnoses documented at discharge)"
            )
        return False, (
            "uncertain ('probable', 'suspected', 'rule out'…): not coded in the outpatient "
            "setting; code the signs and symptoms instead (Guideline IV.H)"
        )
    return True, ""


# ---------------------------------------------------------------------------------------------
# History and family history: Guideline I.C.21.c.4
HISTORY: list[tuple[str, str, str, str]] = [
    # (code range lo, hi, personal history code, family history code)
    ("C18", "C21", "Z85.038", "Z80.0"),
    ("C50", "C50", "Z85.3", "Z80.3"),
    ("C61", "C61", "Z85.46", "Z80.42"),
    ("C34", "C34", "Z85.118", "Z80.1"),
    ("C43", "C43", "Z85.820", "Z80.8"),
    ("C56", "C56", "Z85.43", "Z80.41"),
    ("C64", "C64", "Z85.528", "Z80.51"),
    ("C67", "C67", "Z85.51", "Z80.52"),
    ("C91", "C95", "Z85.6", "Z80.6"),
    ("C00", "C96", "Z85.9", "Z80.9"),
    ("I21", "I22", "I25.2", "Z82.49"),
    ("I63", "I63", "Z86.73", "Z82.3"),
    ("G45", "G45", "Z86.73", "Z82.3"),
    ("I26", "I26", "Z86.711", ""),
    ("I82", "I82", "Z86.718", ""),
    ("E08", "E13", "", "Z83.3"),
    ("I10", "I16", "", "Z82.49"),
    ("I20", "I25", "", "Z82.49"),
    ("N39.0", "N39.0", "Z87.440", ""),
    ("N20", "N23", "Z87.442", ""),
    ("J18", "J18", "Z87.01", ""),
    ("K25", "K28", "Z87.11", ""),
    ("F10", "F10", "", "Z81.1"),
    ("F17", "F17", "Z87.891", ""),
    ("F32", "F33", "", "Z81.8"),
    ("G30", "G30", "", "Z82.0"),
    ("G40", "G40", "", "Z82.0"),
    ("J45", "J45", "", "Z82.5"),
    ("Q00", "Q99", "Z87.798", "Z82.79"),
    ("S00", "T88", "Z87.828", ""),
    ("O00", "O9A", "Z87.59", ""),
]


def history_code(code: str, family: bool) -> str | None:
    for lo, hi, personal, fam in HISTORY:
        if in_range(code, lo, hi):
            z = fam if family else personal
            return z or None
    return None


# ---------------------------------------------------------------------------------------------
# Signs and symptoms integral to a confirmed diagnosis: Guideline I.B.5 / IV.D
INTEGRAL: dict[str, tuple[str, ...]] = {
    "R50": ("J", "A40", "A41", "N39.0", "N10", "N30", "B", "A0", "A3", "A4", "K35", "K81", "L03", "U07"),
    "R05": ("J", "U07"),
    "R06": ("J", "I50", "I26", "U07", "I21"),
    "R07": ("I20", "I21", "I22", "I24", "I26", "J18", "K21"),
    "R10": ("K35", "K37", "K80", "K81", "K85", "K57", "N20", "N23", "N10", "N30", "K25", "K29", "O00"),
    "R11": ("K35", "K29", "A08", "A09", "K52", "K56", "O21"),
    "R19.7": ("A0", "K50", "K51", "K52", "K58"),
    "R51": ("G43", "G44", "I60", "I61"),
    "R31": ("N20", "N21", "N30", "N39.0", "C67", "N02"),
    "R30": ("N30", "N39.0"),
    "R35": ("N30", "N39.0", "N40.1"),
    "R60": ("I50", "N04", "I87"),
    "R53": ("D50", "D64", "C", "E03"),
    "R63.4": ("C", "E43", "E44", "E46"),
    "R73": ("E08", "E09", "E10", "E11", "E13"),
    "R73.9": ("E08", "E09", "E10", "E11", "E13"),
    "R39.1": ("N40.1",),
    "R52": ("M", "G89", "S", "K", "N20", "N23", "I21"),
    "R42": ("H81",),
    "R00.0": ("I47", "I48", "I49"),
    "R09.02": ("J96", "J44", "J18", "U07"),
    # pain of the injured site is part of the injury
    "M25.5": ("S",),
    "M79.6": ("S",),
    "G89.11": ("S",),
}


def integral_to(symptom: str, codes: Iterable[str]) -> str | None:
    for key, dx_prefixes in INTEGRAL.items():
        if symptom.startswith(key):
            for c in codes:
                if c != symptom and not c.startswith("R") and c.startswith(dx_prefixes):
                    return c
    return None


# ---------------------------------------------------------------------------------------------
# "With" combinations across sentences: Guideline I.A.15, I.C.4.a, I.C.9.a
DIABETES = ("E08", "E09", "E10", "E11", "E13")
# complication words found among the other codes -> the diabetes subcategory/code suffix
DIABETES_WITH: list[tuple[tuple[str, ...], str, str]] = [
    (("N18",), ".22", "chronic kidney disease"),
    (("N08", "N05", "N04", "N03"), ".21", "nephropathy"),
    (("G62.9", "G60", "G63"), ".42", "polyneuropathy"),
    (("G58", "G59", "G56", "G57"), ".41", "mononeuropathy"),
    (("G90.0", "G99.0"), ".43", "autonomic neuropathy"),
    (("K31.84",), ".43", "gastroparesis"),
    (("I73.9", "I70.2"), ".51", "peripheral angiopathy"),
    (("H35.0",), ".319", "retinopathy"),
    (("H26.9", "H28"), ".36", "cataract"),
    (("L97",), ".621", "foot ulcer"),
    (("M14.6", "M14.67"), ".610", "Charcot joint"),
    (("R73.9", "E16.2", "R73"), ".65", "hyperglycemia"),
]


def hypertension_combination(codes: set[str]) -> tuple[str | None, str]:
    """I11/I12/I13 for hypertension with heart failure and/or CKD (Guideline I.C.9.a.1-3)."""
    hf = any(c.startswith("I50") for c in codes)
    ckd = [c for c in codes if c.startswith("N18")]
    stage5 = any(c in ("N18.5", "N18.6") for c in ckd)
    if hf and ckd:
        return ("I13.2" if stage5 else "I13.0"), (
            "hypertension with heart failure and chronic kidney disease: I13 combination "
            "(Guideline I.C.9.a.3); also code the heart failure and the CKD stage"
        )
    if hf:
        return "I11.0", (
            "hypertension with heart failure: the classification presumes the link, I11.0 "
            "(Guideline I.C.9.a.1); also code the type of heart failure"
        )
    if ckd:
        return ("I12.0" if stage5 else "I12.9"), (
            "hypertension with chronic kidney disease: I12 (Guideline I.C.9.a.2); also code "
            "the CKD stage (N18.-)"
        )
    return None, ""


# ---------------------------------------------------------------------------------------------
# BMI: Guideline I.B.14 and I.C.21.c.3
_BMI = re.compile(r"\bBMI\b[^0-9]{0,20}(\d{2}(?:\.\d)?)|\bbody mass index\b[^0-9]{0,20}(\d{2}(?:\.\d)?)", re.I)
WEIGHT_DX = ("E66", "E43", "E44", "E45", "E46", "R63.6", "E41", "E40", "R62.7")


def bmi_code(value: float, age: int | None) -> str | None:
    if age is not None and age < 20:
        return None  # pediatric BMI codes Z68.5- use percentiles, not the value
    if value < 20:
        return "Z68.1"
    if value < 40:
        lo = int(value)
        return f"Z68.{lo}" if lo >= 20 else "Z68.1"
    if value < 45:
        return "Z68.41"
    if value < 50:
        return "Z68.42"
    if value < 60:
        return "Z68.43"
    if value < 70:
        return "Z68.44"
    return "Z68.45"


def find_bmi(text: str) -> tuple[float, int, int] | None:
    m = _BMI.search(text)
    if not m:
        return None
    g = 1 if m.group(1) else 2
    return float(m.group(g)), m.start(g), m.end(g)


def is_manifestation(title: str) -> bool:
    """Manifestation codes (Guideline I.A.13): 'in diseases classified elsewhere'."""
    return "in diseases classified elsewhere" in title.lower() or "in conditions classified elsewhere" in title.lower()


def external_cause(code: str) -> bool:
    return code[:1] in ("V", "W", "X", "Y")


def injury(code: str) -> bool:
    return code[:1] in ("S", "T") and not code.startswith(("T36", "T37", "T38", "T39", "T4", "T5", "T80", "T81", "T82", "T83", "T84", "T85", "T86", "T87", "T88"))

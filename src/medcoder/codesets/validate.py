"""``validate(code, date_of_service)``: may this code be reported on this date?

ICD-10-CM answers come from the tabular release in force on the date of service, corrected by
the curated code history (a code expanded or deleted by a later release, or added after the
date). When the date is later than the newest release loaded, the answer says so.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from medcoder.codesets.icd10cm.reader import Validation, normalize
from medcoder.codesets.kb import KnowledgeBase, default_kb
from medcoder.dates import parse_date
from medcoder.errors import MedcoderError

SYSTEMS = ("ICD-10-CM", "ICD-10-PCS", "HCPCS", "CPT")

_PCS = re.compile(r"^[0-9B-DF-HX][0-9A-HJ-NP-Z]{6}$")
_HCPCS = re.compile(r"^[A-V][0-9]{4}$")
_CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")
_ICD = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


def detect_systems(code: str) -> list[str]:
    """The code systems a code could belong to by its shape, most likely first."""
    c = code.strip().upper()
    out = []
    if _CPT.match(c):
        out.append("CPT")
    if _HCPCS.match(c):
        out.append("HCPCS")
    if _ICD.match(c) and not c.isdigit():
        out.append("ICD-10-CM")
    if len(c) == 7 and _PCS.match(c):
        out.append("ICD-10-PCS")
    return out


def _history(system: str, code: str) -> list[Any]:
    try:
        from medcoder.codesets.history import history_for
    except ImportError:  # pragma: no cover - history ships with the package
        return []
    return list(history_for(system, code))


def _entry_dict(e: Any) -> dict[str, Any]:
    eff = getattr(e, "effective", None)
    return {
        "change": getattr(e, "change", None),
        "effective": eff.isoformat() if isinstance(eff, _dt.date) else eff,
        "replacements": list(getattr(e, "replacements", []) or []),
        "note": getattr(e, "note", ""),
        "citation": getattr(e, "citation", ""),
    }


def validate_icd10cm(code: str, dos: _dt.date, kb: KnowledgeBase) -> Validation:
    opened = kb.open("icd10cm-tabular", dos)
    v: Validation = opened.reader.validate(code)
    v.notice = opened.notice
    entries = _history("ICD-10-CM", v.code)
    if not entries:
        return v
    v.history = [_entry_dict(e) for e in entries]
    for e in sorted(entries, key=lambda e: e.effective):
        eff: _dt.date = e.effective
        if e.change in ("deleted", "expanded") and dos >= eff:
            if v.valid:
                continue  # the release in force still lists it (history rows are informational)
            v.replacements = list(e.replacements)
            v.reason = (
                f"{v.code} is not valid for dates of service on or after {eff.isoformat()} "
                f"({e.change}); report " + " / ".join(e.replacements) + f" instead. {e.note}".rstrip()
            )
        elif e.change in ("deleted", "expanded") and dos < eff and not v.valid:
            # valid before the change: the release loaded is newer than the date of service
            v.valid = True
            v.reason = None
            v.notice = (
                f"{v.code} was a valid code until {(eff - _dt.timedelta(days=1)).isoformat()} "
                f"({e.change} on {eff.isoformat()} into {', '.join(e.replacements)}); "
                f"per the code history ({e.citation})."
            )
        elif e.change == "added" and dos < eff and v.valid:
            v.valid = False
            v.reason = (
                f"{v.code} took effect on {eff.isoformat()}; it cannot be reported for a date of "
                f"service before that"
                + (f" (report {' / '.join(e.replacements)})" if e.replacements else "")
            )
    return v


def _guess_system(code: str, dos: _dt.date, kb: KnowledgeBase) -> str:
    c = code.strip().upper()
    found = detect_systems(c)
    if not found:
        return "ICD-10-CM"
    if found[0] == "CPT":
        return "CPT"
    if "HCPCS" in found and "." not in c:
        if _history("HCPCS", c):
            return "HCPCS"
        if kb.has("hcpcs"):
            try:
                if kb.open("hcpcs", dos).reader.get(c) is not None:
                    return "HCPCS"
            except MedcoderError:
                pass
    if found == ["ICD-10-PCS"] or (len(c) == 7 and "." not in c and "ICD-10-PCS" in found and not c[0].isalpha()):
        return "ICD-10-PCS"
    return "ICD-10-CM"


def validate(
    code: str,
    date_of_service: _dt.date | str | None = None,
    *,
    system: str | None = None,
    kb: KnowledgeBase | None = None,
) -> Validation:
    """Validate ``code`` for ``date_of_service`` (today when omitted).

    Without ``system`` the code's shape decides: digits are CPT, a 7-character PCS shape is
    ICD-10-PCS, a letter and four digits without a dot is HCPCS Level II when the HCPCS table or
    the code history knows it, and anything else ICD-10-CM.
    """
    dos = date_of_service if type(date_of_service) is _dt.date else parse_date(date_of_service)
    kb = kb or default_kb()
    sysname = (system or _guess_system(code, dos, kb)).upper()
    if sysname in ("ICD-10-CM", "ICD10CM"):
        return validate_icd10cm(code, dos, kb)
    from medcoder.codesets.procedures import validate as validate_procedure

    return validate_procedure(sysname, code, dos, kb)


__all__ = ["SYSTEMS", "Validation", "detect_systems", "normalize", "validate", "validate_icd10cm"]

"""Validation of procedure and service codes (ICD-10-PCS, HCPCS Level II, CPT) on a date."""

from __future__ import annotations

import datetime as _dt

from medcoder.codesets.icd10cm.reader import Validation
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.validate import _entry_dict, _history
from medcoder.errors import DataError, InputError

KINDS = {"ICD-10-PCS": "icd10pcs", "HCPCS": "hcpcs", "CPT": "cpt"}


def validate(system: str, code: str, dos: _dt.date, kb: KnowledgeBase) -> Validation:
    system = {"PCS": "ICD-10-PCS", "ICD10PCS": "ICD-10-PCS"}.get(system, system)
    if system not in KINDS:
        raise InputError(f"unknown code system {system!r}; expected ICD-10-CM, ICD-10-PCS, HCPCS or CPT")
    c = code.strip().upper()
    entries = _history(system, c) if system != "ICD-10-PCS" else []
    deleted = [e for e in entries if e.change == "deleted" and dos >= e.effective]
    if deleted:
        e = deleted[-1]
        return Validation(
            code=c, valid=False, kind="deleted", replacements=list(e.replacements),
            history=[_entry_dict(x) for x in entries],
            reason=f"{c} was deleted on {e.effective.isoformat()}; report "
            + " / ".join(e.replacements) + f" instead ({e.citation})",
        )
    if system == "CPT":
        from medcoder.codesets.cpt import is_cpt_format

        if not is_cpt_format(c):
            return Validation(code=c, valid=False, reason=f"{c!r} is not shaped like a CPT code (5 digits, or 4 digits and F/T)")
    kind = KINDS[system]
    if not kb.store.tables(kind):
        if system == "CPT":
            return Validation(
                code=c, valid=True, kind="code",
                notice="CPT format checked; no licensed CPT file is loaded, so existence was not checked",
            )
        raise DataError(f"no {kind} table is loaded; run `medcoder data import {kind} FILE`")
    opened = kb.open(kind, dos)
    v = _reader_validate(opened.reader, system, c, dos)
    v.release = opened.release
    v.notice = opened.notice
    if entries:
        v.history = [_entry_dict(x) for x in entries]
    return v


def _reader_validate(reader: object, system: str, code: str, dos: _dt.date) -> Validation:
    if system == "ICD-10-PCS":
        r = reader.validate(code)  # type: ignore[attr-defined]
        return Validation(code=code, valid=bool(r.valid), reason=getattr(r, "reason", None), kind="code")
    if system == "HCPCS":
        if reader.get(code) is None:  # type: ignore[attr-defined]
            return Validation(code=code, valid=False, reason=f"{code} is not in the HCPCS file loaded")
        active = reader.is_active(code, dos)  # type: ignore[attr-defined]
        return Validation(
            code=code, valid=bool(active), kind="code",
            reason=None if active else f"{code} is not active on {dos.isoformat()} (added/terminated dates)",
        )
    known = reader.descriptor(code) is not None  # type: ignore[attr-defined]
    return Validation(
        code=code, valid=known, kind="code",
        reason=None if known else f"{code} is not in the licensed CPT file loaded",
    )

"""Coding entry points: ``code(document, ...)`` and ``code_text(text, ...)``.

Thin wrappers that read the input into an ``Encounter`` and run the coders on it; the CLI's
``medcoder code`` and the service call these.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from medcoder.dates import parse_date
from medcoder.encounter import SETTINGS, Encounter
from medcoder.errors import InputError
from medcoder.result import CodingResult

MODES = ("billing", "mentions")


def _check(setting: str | None, mode: str) -> None:
    if setting is not None and setting not in SETTINGS:
        raise InputError(f"unknown setting {setting!r}; expected one of: {', '.join(SETTINGS)}")
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; expected one of: {', '.join(MODES)}")


def code_encounter(
    enc: Encounter,
    *,
    mode: str = "billing",
    kb: Any = None,
    site_model: Any = None,
) -> CodingResult:
    """Code one encounter (already read) with the knowledge base in force on its date of service."""
    from medcoder.coders.diagnosis.engine import coder_for
    from medcoder.codesets.kb import default_kb

    _check(enc.setting, mode)
    kb = kb or default_kb()
    dos = enc.date_of_service or _dt.date.today()
    if enc.date_of_service is None:
        enc.date_of_service = dos
    coder = coder_for(kb, dos, site_model)
    return coder.code(enc, mode=mode)


def code(
    document: str | Path | bytes | Encounter,
    *,
    setting: str | None = None,
    date_of_service: _dt.date | str | None = None,
    age: int | None = None,
    sex: str | None = None,
    mode: str = "billing",
    kb: Any = None,
    site_model: Any = None,
    name: str | None = None,
) -> CodingResult:
    """Code a document: a path (text, encounter JSON, FHIR Bundle, HL7 v2), bytes, or an Encounter.

    Keyword arguments override what the document says.
    """
    _check(setting, mode)
    dos = parse_date(date_of_service) if isinstance(date_of_service, str) else date_of_service
    if isinstance(document, Encounter):
        enc = document
        if setting:
            enc.setting = setting  # type: ignore[assignment]
        if dos:
            enc.date_of_service = dos
        if age is not None:
            enc.patient_age = age
        if sex:
            enc.patient_sex = sex  # type: ignore[assignment]
    else:
        from medcoder.readers import read_document

        enc = read_document(
            document, name=name, setting=setting, age=age, sex=sex, date_of_service=dos
        )
    return code_encounter(enc, mode=mode, kb=kb, site_model=site_model)


def code_text(
    text: str,
    *,
    setting: str = "outpatient",
    date_of_service: _dt.date | str | None = None,
    age: int | None = None,
    sex: str = "U",
    mode: str = "billing",
    kb: Any = None,
    site_model: Any = None,
) -> CodingResult:
    """Code a note given as a string."""
    _check(setting, mode)
    dos = parse_date(date_of_service) if isinstance(date_of_service, str) else date_of_service
    enc = Encounter(
        text=text,
        setting=setting,  # type: ignore[arg-type]
        date_of_service=dos,
        patient_age=age,
        patient_sex=sex,  # type: ignore[arg-type]
    )
    return code_encounter(enc, mode=mode, kb=kb, site_model=site_model)

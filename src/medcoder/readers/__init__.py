"""Input readers: a document (plain text, encounter JSON, FHIR R4 Bundle, HL7 v2) -> ``Encounter``.

    read_document(source, *, name=None, fmt="auto", setting=None, age=None, sex=None,
                  date_of_service=None, max_chars=MAX_NOTE_CHARS) -> Encounter

One module per format, each with the same shape: ``FORMAT`` and ``read(text, ctx) ->
Encounter`` (``plaintext``, ``encounter_json``, ``fhir``, ``hl7v2``); ``base`` holds decoding,
limits and field values. Formats are told apart by content first (``MSH|`` starts HL7 v2, ``{``
starts JSON, which is FHIR when it has a ``resourceType``), then by extension (``.json``,
``.hl7``/``.er7``; anything else is plain text). Every failure is a ``medcoder.errors.InputError``
(``FileFormatError`` with file, line and column where there is one; ``BadDateError`` for dates)
whose message names the file and the place. The format modules (and ``fhir.resources``) are
imported only when a document needs them.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from pathlib import Path

from medcoder.encounter import Encounter
from medcoder.errors import FileFormatError, InputError
from medcoder.readers.base import MAX_NOTE_CHARS, Overrides, ReadContext

__all__ = ["FORMATS", "MAX_NOTE_CHARS", "detect_format", "read_document"]

FORMATS: dict[str, str] = {
    "text": "plaintext",
    "encounter-json": "encounter_json",
    "fhir": "fhir",
    "hl7v2": "hl7v2",
}
_ALIASES = {
    "txt": "text",
    "plain": "text",
    "encounter": "encounter-json",
    "hl7": "hl7v2",
    "fhir-json": "fhir",
}
_HL7_SUFFIXES = (".hl7", ".er7", ".hl7v2")
_XML_STARTS = ("<?xml", "<ClinicalDocument", "<Bundle", "<!DOCTYPE")


def detect_format(text: str, suffix: str = "", *, name: str = "<document>") -> str:
    """The format of a decoded document: by content first, then by file extension."""
    head = text.lstrip("\ufeff \t\r\n\x0b")[:64]
    if head[:3] in ("MSH", "FHS", "BHS") and len(head) > 3 and not head[3].isalnum():
        return "hl7v2"
    if head.startswith("{") or (head.startswith("[") and suffix == ".json"):
        return "json"
    if head.startswith(_XML_STARTS) or suffix == ".xml":
        raise FileFormatError(
            "XML documents (CDA, FHIR XML) are not read; give plain text, encounter JSON, a "
            "FHIR JSON Bundle or an HL7 v2 message",
            path=name,
        )
    if suffix == ".json":
        return "json"
    if suffix in _HL7_SUFFIXES:
        return "hl7v2"
    return "text"


def read_document(
    source: Path | str | bytes,
    *,
    name: str | None = None,
    fmt: str = "auto",
    setting: str | None = None,
    age: int | None = None,
    sex: str | None = None,
    date_of_service: _dt.date | None = None,
    max_chars: int = MAX_NOTE_CHARS,
) -> Encounter:
    """Read one document into an ``Encounter``.

    ``source`` is a path (``str`` or ``Path``; ``"-"`` reads stdin) or the document's bytes;
    ``name`` is the name used in messages and for the extension (default: the path,
    ``<stdin>`` or ``<bytes>``). ``fmt`` is ``auto``, ``text``, ``json`` (encounter JSON or FHIR,
    told apart by ``resourceType``), ``encounter-json``, ``fhir`` or ``hl7v2``. ``setting``, ``age``, ``sex`` and ``date_of_service`` replace what the document
    says. A note longer than ``max_chars`` characters is refused.
    """
    from medcoder.readers import base

    fmt_key = _format_name(fmt)
    ov = Overrides(
        setting=base.setting_value(setting, "setting", "arguments") if setting else None,
        age=base.age_value(age, "age", "arguments") if age is not None else None,
        sex=base.sex_value(sex, "sex", "arguments") if sex else None,
        date_of_service=(
            base.date_value(date_of_service, "date_of_service", "arguments")
            if date_of_service is not None
            else None
        ),
    )
    src = base.load_source(source, name, max_chars)
    text, encoding = base.decode_bytes(src.data, src.name)
    ctx = ReadContext(name=src.name, overrides=ov, max_chars=max_chars)
    if fmt_key == "auto":
        fmt_key = detect_format(text, src.suffix, name=src.name)
    if fmt_key == "json":
        obj = ctx.json(text)
        fmt_key = "fhir" if isinstance(obj, dict) and "resourceType" in obj else "encounter-json"
    module = importlib.import_module(f"medcoder.readers.{FORMATS[fmt_key]}")
    enc: Encounter = module.read(text, ctx)
    if encoding != "utf-8":
        enc.metadata["encoding"] = encoding
    return enc


def _format_name(fmt: str) -> str:
    key = (fmt or "auto").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in ("auto", "json") and key not in FORMATS:
        raise InputError(
            f"unknown document format {fmt!r}; expected auto, json, {', '.join(FORMATS)}"
        )
    return key

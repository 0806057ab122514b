"""medcoder: medical coding with a human coder in control.

The public API (kept honest by ``tests/test_public_api.py``); nothing heavy happens at import:
names are loaded on first use.

    validate(code, date_of_service=None, system=None) -> Validation
    show(code, date_of_service=None) -> list[dict]          the code card(s)
    lookup(text, date_of_service=None) -> dict              Index paths and Tabular matches
    KnowledgeBase, DataStore                                the versioned tables in the data dir
    MedcoderError and its subclasses                        see ``medcoder.errors``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "code": "medcoder.coding:code",
    "code_text": "medcoder.coding:code_text",
    "read_document": "medcoder.readers:read_document",
    "Encounter": "medcoder.encounter:Encounter",
    "CodingResult": "medcoder.result:CodingResult",
    "CodeSuggestion": "medcoder.result:CodeSuggestion",
    "validate": "medcoder.codesets.validate:validate",
    "Validation": "medcoder.codesets.icd10cm.reader:Validation",
    "show": "medcoder.codesets.cards:code_cards",
    "lookup": "medcoder.codesets.lookup:lookup",
    "KnowledgeBase": "medcoder.codesets.kb:KnowledgeBase",
    "DataStore": "medcoder.codesets.store:DataStore",
    "MedcoderError": "medcoder.errors:MedcoderError",
    "InputError": "medcoder.errors:InputError",
    "FileFormatError": "medcoder.errors:FileFormatError",
    "DataError": "medcoder.errors:DataError",
    "DataImportError": "medcoder.errors:DataImportError",
    "SyncError": "medcoder.errors:SyncError",
    "UnknownCodeError": "medcoder.errors:UnknownCodeError",
    "BadDateError": "medcoder.errors:BadDateError",
}

__all__ = [
    "BadDateError",
    "CodeSuggestion",
    "CodingResult",
    "DataError",
    "DataImportError",
    "DataStore",
    "Encounter",
    "FileFormatError",
    "InputError",
    "KnowledgeBase",
    "MedcoderError",
    "SyncError",
    "UnknownCodeError",
    "Validation",
    "__version__",
    "code",
    "code_text",
    "lookup",
    "read_document",
    "show",
    "validate",
]

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.codesets.cards import code_cards as show
    from medcoder.codesets.icd10cm.reader import Validation
    from medcoder.codesets.kb import KnowledgeBase
    from medcoder.codesets.lookup import lookup
    from medcoder.codesets.store import DataStore
    from medcoder.codesets.validate import validate
    from medcoder.errors import (
        BadDateError,
        DataError,
        DataImportError,
        FileFormatError,
        InputError,
        MedcoderError,
        SyncError,
        UnknownCodeError,
    )


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'medcoder' has no attribute {name!r}")
    import importlib

    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

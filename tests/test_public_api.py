"""The public API is exactly what ``medcoder.__all__`` says, and importing it is cheap."""

from __future__ import annotations

import subprocess
import sys

import medcoder

EXPECTED = {
    "__version__", "validate", "Validation", "show", "lookup", "KnowledgeBase", "DataStore",
    "MedcoderError", "InputError", "FileFormatError", "DataError", "DataImportError",
    "SyncError", "UnknownCodeError", "BadDateError",
    "code", "code_text", "read_document", "Encounter", "CodingResult", "CodeSuggestion",
}


def test_exported_members_are_exactly_the_documented_ones() -> None:
    assert set(medcoder.__all__) == EXPECTED
    for name in medcoder.__all__:
        assert getattr(medcoder, name) is not None, name


def test_exceptions_share_one_base_with_stable_codes() -> None:
    errors = [medcoder.InputError, medcoder.FileFormatError, medcoder.DataError,
              medcoder.DataImportError, medcoder.SyncError, medcoder.UnknownCodeError,
              medcoder.BadDateError]
    codes = {e.code for e in errors}
    assert all(issubclass(e, medcoder.MedcoderError) for e in errors)
    assert len(codes) == len(errors)


def test_import_does_no_heavy_work() -> None:
    code = (
        "import sys, medcoder; "
        "heavy = [m for m in ('sqlite3', 'typer', 'rich', 'xml.etree.ElementTree') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_all_lists_every_lazy_name() -> None:
    from medcoder import _LAZY

    assert set(medcoder.__all__) == {"__version__", *_LAZY}

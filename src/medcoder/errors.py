"""One exception hierarchy for medcoder, with stable error codes.

    MedcoderError                 base; ``code`` is stable (``MC1xx`` …), ``where`` names the input
    ├── InputError (MC100)        bad input a user gave us (file, line, field)
    │   ├── BadDateError (MC101)  a date that does not parse or cannot exist
    │   ├── UnknownCodeError (MC102)  a code no loaded table knows
    │   ├── InvalidIdentifierError (MC103)  an NPI, tax id … that fails its check
    │   └── FileFormatError (MC110)   a file not in the layout expected (which file, where, what)
    ├── DataError (MC200)         the data dir: nothing loaded, a table missing or corrupt
    │   └── DataImportError (MC210)   an import that failed; the data dir is left unchanged
    └── SyncError (MC300)         ``medcoder data sync`` could not download or verify a file

Every error message says what was expected and where the bad input is. Messages never
contain note text; the CLI prints ``error[MCxxx]: message`` and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path


class MedcoderError(Exception):
    code = "MC000"

    def __init__(self, message: str, *, where: str | Path | None = None) -> None:
        self.message = message
        self.where = str(where) if where is not None else None
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(MedcoderError):
    code = "MC100"


class BadDateError(InputError):
    code = "MC101"


class UnknownCodeError(InputError):
    code = "MC102"


class InvalidIdentifierError(InputError):
    """An identifier that fails its format or check digit (NPI Luhn, tax id)."""

    code = "MC103"


class FileFormatError(InputError):
    """A file that is not in the expected layout; ``where`` is ``file[:line[:column]]``."""

    code = "MC110"

    def __init__(
        self,
        message: str,
        *,
        path: str | Path,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        self.path = str(path)
        self.line = line
        self.column = column
        super().__init__(message, where=where)


class DataError(MedcoderError):
    code = "MC200"


class DataImportError(DataError):
    code = "MC210"


class SyncError(MedcoderError):
    code = "MC300"

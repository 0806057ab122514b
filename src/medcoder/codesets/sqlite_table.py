"""The shared base of readers over one installed SQLite table (``tables/<kind>/<release>/``).

Opens ``table.sqlite`` read-only on first use, reads the builder's ``meta`` rows (JSON values)
and gives the release; a reader adds its own queries.
"""

from __future__ import annotations

import json
import sqlite3
from functools import cached_property
from pathlib import Path
from typing import Any

from medcoder.codesets.store import TableInfo
from medcoder.errors import DataError


class SqliteTable:
    what = "table"  # named in the error when the file is missing
    reimport = "re-import it"

    def __init__(self, path: Path, info: TableInfo | None = None) -> None:
        self.path = Path(path)
        self.info = info

    @cached_property
    def _con(self) -> sqlite3.Connection:
        db = self.path / "table.sqlite"
        if not db.is_file():
            raise DataError(f"{self.what} table file is missing; {self.reimport}", where=db)
        return sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    @cached_property
    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._con.execute("SELECT key, value FROM meta")}

    @property
    def release(self) -> str:
        return self.info.release if self.info else str(self.meta.get("release", ""))

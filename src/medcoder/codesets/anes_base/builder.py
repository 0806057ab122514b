"""Build ``anes-base-units`` from the CMS anesthesia base units file.

The header row is the first row with a code column (``CPT Code``, ``HCPCS``, ``Code``) and a
base units column (``Base Units``, ``Base Unit``); other columns (the short descriptor) are
skipped. Each data row must hold a 5-character anesthesia code and a base unit value of zero
or more; a code listed twice is an error. Errors name the file, line and column.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medcoder.codesets.store import BuildResult
from medcoder.errors import FileFormatError

from .tabular import header_key, read_rows, shown, year_in

WHAT = "the CMS anesthesia base units file (columns CPT Code, Base Units)"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE base_units (code TEXT PRIMARY KEY, base_units TEXT NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID;
"""


def _columns(cells: list[str]) -> tuple[int, int] | None:
    keys = [header_key(c) for c in cells]
    code = next((i for i, k in enumerate(keys) if k in ("CPTCODE", "CPT", "HCPCS", "HCPCSCODE", "CODE",
                                                        "ANESTHESIACODE", "CPTHCPCS")), None)
    base = next((i for i, k in enumerate(keys) if k.startswith("BASEUNIT") or k in ("BASE", "UNITS")), None)
    if code is None or base is None:
        return None
    return code, base


class AnesBaseBuilder:
    format_version = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        if len(sources) > 1:
            raise FileFormatError(
                f"several files in one import ({', '.join(p.name for p in sources)}); import {WHAT} alone",
                path=shown(sources[0]),
            )
        path = sources[0]
        rows = read_rows(path, WHAT)
        header_at = next((i for i, (_, cells) in enumerate(rows) if _columns(cells)), None)
        if header_at is None:
            raise FileFormatError(f"no header row with a code column and a base units column; expected {WHAT}",
                                  path=shown(path), line=rows[0][0] if rows else None)
        ci, bi = _columns(rows[header_at][1])  # type: ignore[misc]
        titles = [" ".join(c) for _, c in rows[: header_at + 1]]
        year = year_in([path.name, *titles])
        records: list[tuple[str, str, int]] = []
        seen: dict[str, int] = {}
        for n, cells in rows[header_at + 1 :]:
            code = cells[ci].upper() if ci < len(cells) else ""
            value = cells[bi] if bi < len(cells) else ""
            if not code and not value:
                continue
            if code.isdigit() and len(code) < 5:
                code = code.zfill(5)  # a spreadsheet that stored 00790 as a number
            if len(code) != 5 or not code.isalnum():
                raise FileFormatError(f"{cells[ci] if ci < len(cells) else ''!r} is not a 5-character anesthesia code",
                                      path=shown(path), line=n, column=ci + 1)
            try:
                units = Decimal(value)
            except InvalidOperation:
                units = Decimal("NaN")
            if not units.is_finite() or units < 0:
                raise FileFormatError(f"base units {value!r} for {code} is not a number of zero or more",
                                      path=shown(path), line=n, column=bi + 1)
            if code in seen:
                raise FileFormatError(f"{code} is listed twice (lines {seen[code]} and {n})", path=shown(path), line=n)
            seen[code] = n
            records.append((code, str(units.quantize(Decimal(1)) if units == units.to_integral() else units), n))
        if not records:
            raise FileFormatError(f"no base units rows after the header; expected {WHAT}", path=shown(path))
        if year is not None:
            release = f"CY{year}"
            start, end = _dt.date(year, 1, 1), _dt.date(year, 12, 31)
        else:
            release = "undated"
            start, end = _dt.date(2000, 1, 1), None
        meta: dict[str, Any] = {"release": release, "year": year, "source_file": path.name, "codes": len(records)}
        con = sqlite3.connect(out_dir / "table.sqlite")
        try:
            con.executescript(SCHEMA)
            con.executemany("INSERT INTO base_units VALUES (?, ?, ?)", records)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            con.commit()
        finally:
            con.close()
        return BuildResult(release=release, effective_from=start, effective_to=end, rows=len(records), meta=meta)

"""Build ``msdrg-weights`` from IPPS Table 5 (text, CSV or Excel).

The header row is the first row whose cells include ``MS-DRG``, ``Weights`` and the two mean
length-of-stay columns. Every data row needs a numeric MS-DRG (1-999), a positive relative
weight, and mean lengths of stay of zero or more. Errors name the file, line and column.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medcoder.codesets.anes_base.tabular import header_key, read_rows, shown, year_in
from medcoder.codesets.store import BuildResult
from medcoder.errors import FileFormatError

WHAT = ("IPPS Table 5 (columns MS-DRG, Post-Acute DRG, Special Pay DRG, MDC, TYPE, MS-DRG Title, "
        "Weights, Geometric mean LOS, Arithmetic mean LOS)")
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE weights (
    drg TEXT PRIMARY KEY,        -- three digits, 001-999
    mdc TEXT, type TEXT, title TEXT,
    weight TEXT NOT NULL, gmlos TEXT NOT NULL, amlos TEXT NOT NULL,
    post_acute INTEGER NOT NULL, special_pay INTEGER NOT NULL,
    line INTEGER NOT NULL
) WITHOUT ROWID;
"""


def _columns(cells: list[str]) -> dict[str, int] | None:
    out: dict[str, int] = {}
    for i, c in enumerate(cells):
        k = header_key(c)
        if k in ("MSDRG", "DRG") and "drg" not in out:
            out["drg"] = i
        elif "POSTACUTE" in k:
            out["post_acute"] = i
        elif "SPECIALPAY" in k:
            out["special_pay"] = i
        elif k == "MDC":
            out["mdc"] = i
        elif k == "TYPE":
            out["type"] = i
        elif "TITLE" in k:
            out["title"] = i
        elif k.startswith("WEIGHT") or k.endswith("WEIGHTS") or k == "RELATIVEWEIGHT":
            out["weight"] = i
        elif "GEOMETRIC" in k:
            out["gmlos"] = i
        elif "ARITHMETIC" in k:
            out["amlos"] = i
    return out if {"drg", "weight", "gmlos", "amlos"} <= set(out) else None


def _number(text: str, what: str, path: Path, line: int, col: int, positive: bool) -> Decimal:
    try:
        d = Decimal(text.replace(",", ""))
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite() or d < 0 or (positive and d == 0):
        need = "a positive number" if positive else "a number of zero or more"
        raise FileFormatError(f"{what} {text!r} is not {need}", path=shown(path), line=line, column=col + 1)
    return d


def _flag(cells: list[str], i: int | None) -> int:
    if i is None or i >= len(cells):
        return 0
    return 1 if cells[i].strip().upper() in ("YES", "Y", "1", "TRUE") else 0


class DrgWeightsBuilder:
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
            raise FileFormatError(f"no header row with MS-DRG, Weights and mean LOS columns; expected {WHAT}",
                                  path=shown(path), line=rows[0][0] if rows else None)
        cols: dict[str, int] = _columns(rows[header_at][1]) or {}
        fy = year_in([" ".join(c) for _, c in rows[: header_at + 1]] + [path.name])
        if fy is None:
            raise FileFormatError(
                "no fiscal year found in the title, the header or the file name (expected e.g. "
                "'FY 2025' in the Table 5 header)", path=shown(path), line=rows[header_at][0],
            )
        records: list[tuple[Any, ...]] = []
        seen: dict[str, int] = {}

        def cell(cells: list[str], key: str) -> str:
            i = cols.get(key)
            return cells[i] if i is not None and i < len(cells) else ""

        for n, cells in rows[header_at + 1 :]:
            raw = cell(cells, "drg")
            if not raw.isdigit():
                if not any(cells[1:]):  # a footnote line
                    continue
                raise FileFormatError(f"MS-DRG {raw!r} is not a number", path=shown(path), line=n,
                                      column=cols["drg"] + 1)
            drg = raw.zfill(3)
            if not 1 <= int(drg) <= 999:
                raise FileFormatError(f"MS-DRG {raw!r} is outside 001-999", path=shown(path), line=n,
                                      column=cols["drg"] + 1)
            if drg in seen:
                raise FileFormatError(f"MS-DRG {drg} is listed twice (lines {seen[drg]} and {n})",
                                      path=shown(path), line=n)
            seen[drg] = n
            weight = _number(cell(cells, "weight"), f"MS-DRG {drg} weight", path, n, cols["weight"], True)
            gm = _number(cell(cells, "gmlos"), f"MS-DRG {drg} geometric mean LOS", path, n, cols["gmlos"], False)
            am = _number(cell(cells, "amlos"), f"MS-DRG {drg} arithmetic mean LOS", path, n, cols["amlos"], False)
            records.append((
                drg, cell(cells, "mdc") or None, cell(cells, "type") or None, cell(cells, "title") or None,
                str(weight), str(gm), str(am), _flag(cells, cols.get("post_acute")),
                _flag(cells, cols.get("special_pay")), n,
            ))
        if not records:
            raise FileFormatError(f"no MS-DRG rows after the header; expected {WHAT}", path=shown(path))
        release = f"FY{fy}"
        start, end = _dt.date(fy - 1, 10, 1), _dt.date(fy, 9, 30)
        meta: dict[str, Any] = {"release": release, "fiscal_year": fy, "source_file": path.name, "drgs": len(records)}
        con = sqlite3.connect(out_dir / "table.sqlite")
        try:
            con.executescript(SCHEMA)
            con.executemany("INSERT INTO weights VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            con.commit()
        finally:
            con.close()
        return BuildResult(release=release, effective_from=start, effective_to=end, rows=len(records), meta=meta)

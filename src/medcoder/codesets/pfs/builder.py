"""Build the physician fee schedule tables from the CMS files (RVU zip and ZIP code file).

Five builders, one per kind, each writing ``table.sqlite``:

- :class:`RvuBuilder` (``pfs-rvu``): ``PPRRVUyyyy_Mon.csv``. Title rows come first; the column
  names are stacked over several header rows ending with the row that starts ``HCPCS``.
  Columns are found by their joined names, so a release that adds or moves a column still
  imports (unknown columns are kept in ``extra``). The descriptor column is stored only for
  HCPCS Level II codes (a letter A-C, E-V first); CPT (AMA) and CDT (ADA, D codes) descriptor
  text is never stored, even when the file carries it.
- :class:`GpciBuilder` (``pfs-gpci``): ``GPCIyyyy.csv`` (Addendum E), with the work GPCI with
  and/or without the 1.0 floor as the file has it.
- :class:`AnesBuilder` (``pfs-anes``): ``ANESyyyy.csv``, anesthesia conversion factors.
- :class:`LocalityBuilder` (``pfs-locality``): ``yyLOCCO.csv``, counties in each locality.
- :class:`ZipBuilder` (``pfs-zip``): ``ZIP5_MONyyyy.txt``, 80-character records.

Every complaint names the file, the line and (where there is one) the column.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medcoder.codesets.pfs import layout as L
from medcoder.codesets.store import BuildResult
from medcoder.errors import DataImportError, FileFormatError

_HEADER_SEARCH = 40


# -- shared helpers --------------------------------------------------------------------------------
def _read_text(path: Path, what: str) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise FileFormatError(f"file is empty; expected {what}", path=path, line=1)
    if raw[:2] == b"PK" or b"\x00" in raw[:65536]:
        raise FileFormatError(
            f"binary file (an Excel workbook or an archive?); expected {what} as text", path=path
        )
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _csv_rows(path: Path, text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise FileFormatError(f"not a readable CSV file: {exc}", path=path) from exc


def _guess_kind(text: str) -> str | None:
    """Which other PFS file this text looks like (for a helpful error), if any."""
    head = text[:4000].upper()
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if "RELATIVE VALUE FILE" in head or re.search(r"(^|\n)\s*HCPCS\s*,\s*MOD\b", head):
        return "pfs-rvu"
    if "GEOGRAPHIC PRACTICE COST" in head or re.search(r"\b(PW|PE|MP) GPCI\b", head):
        return "pfs-gpci"
    if "ANES CF" in head or "ANESTHESIA CONVERSION" in head:
        return "pfs-anes"
    if "COUNTIES INCLUDED" in head or ("FEE SCHEDULE AREA" in head and "COUNTIES" in head):
        return "pfs-locality"
    if re.match(r"^[A-Z]{2}\d{5}\d{5}\d{2}", first) and len(first.rstrip("\r\n")) == L.ZIP5_RECORD_LENGTH:
        return "pfs-zip"
    return None


def _wrong_kind(path: Path, text: str, expected: str, what: str, line: int | None = None) -> None:
    """Raise the layout error, naming the other kind when the file is a different PFS file."""
    other = _guess_kind(text)
    if other and other != expected:
        raise FileFormatError(
            f"this looks like the {other} file, not {what}; import it with "
            f"`medcoder data import {other} {path.name}`",
            path=path,
            line=line,
        )


def _decimal(value: str, name: str, path: Path, line: int, column: int | None) -> Decimal:
    text = value.strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise FileFormatError(f"{name} {value.strip()!r} is not a number", path=path, line=line, column=column)
    return d


def _digits(value: str, width: int, name: str, path: Path, line: int, column: int | None) -> str:
    v = value.strip()
    if not v.isdigit() or len(v) > width:
        raise FileFormatError(
            f"{name} {value.strip()!r} is not a number of at most {width} digits",
            path=path, line=line, column=column,
        )
    return v.zfill(width)


def _year_ok(year: int, path: Path, line: int | None = None) -> int:
    if not 1992 <= year <= 2100:
        raise FileFormatError(
            f"year {year} is outside the physician fee schedule (1992 onwards)", path=path, line=line
        )
    return year


def _year_range(year: int) -> tuple[_dt.date, _dt.date]:
    return _dt.date(year, 1, 1), _dt.date(year, 12, 31)


def _quarter_range(year: int, month: int) -> tuple[_dt.date, _dt.date]:
    start = _dt.date(year, month, 1)
    end = _dt.date(year, 12, 31) if month == 10 else _dt.date(year, month + 3, 1) - _dt.timedelta(days=1)
    return start, end


def _connect(out_dir: Path, schema: str) -> sqlite3.Connection:
    con = sqlite3.connect(out_dir / "table.sqlite")
    con.executescript(schema)
    return con


def _write_meta(con: sqlite3.Connection, meta: dict[str, Any]) -> None:
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])


def _one_source(sources: list[Path], kind: str, what: str) -> Path:
    if len(sources) != 1:
        raise DataImportError(
            f"expected one {what} file for {kind}, got {len(sources)}: "
            + ", ".join(p.name for p in sources)
        )
    return sources[0]


def _header_index(rows: list[list[str]], test: Any, limit: int = _HEADER_SEARCH) -> int | None:
    for i, row in enumerate(rows[:limit]):
        cells = [c.strip().lower() for c in row]
        if sum(1 for c in cells if c) >= 3 and test(cells):
            return i
    return None


def _blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


# -- pfs-rvu ---------------------------------------------------------------------------------------------
RVU_SCHEMA = """
CREATE TABLE rvu (
    code TEXT NOT NULL,
    modifier TEXT NOT NULL,         -- '' (global), 26, TC, 53
    description TEXT,               -- HCPCS Level II only; never CPT/CDT text
    status TEXT NOT NULL,
    not_used_for_payment INTEGER NOT NULL,
    work_rvu TEXT NOT NULL, nf_pe_rvu TEXT NOT NULL, nf_na INTEGER NOT NULL,
    f_pe_rvu TEXT NOT NULL, f_na INTEGER NOT NULL, mp_rvu TEXT NOT NULL,
    nf_total TEXT, f_total TEXT,
    pctc TEXT NOT NULL, global_days TEXT NOT NULL,
    pre_op TEXT, intra_op TEXT, post_op TEXT,
    mult_proc TEXT, bilat TEXT, asst TEXT, co_surg TEXT, team TEXT,
    endo_base TEXT, conv_factor TEXT, supervision TEXT, calc_flag TEXT, imaging_family TEXT,
    opps_nf_pe TEXT, opps_f_pe TEXT, opps_mp TEXT,
    extra TEXT,                     -- JSON: columns this layout does not know
    line INTEGER NOT NULL,
    PRIMARY KEY (code, modifier)
);
CREATE INDEX rvu_status ON rvu(status);
"""
RVU_FIELDS = (
    "code", "modifier", "description", "status", "not_used_for_payment", "work_rvu", "nf_pe_rvu",
    "nf_na", "f_pe_rvu", "f_na", "mp_rvu", "nf_total", "f_total", "pctc", "global_days", "pre_op",
    "intra_op", "post_op", "mult_proc", "bilat", "asst", "co_surg", "team", "endo_base",
    "conv_factor", "supervision", "calc_flag", "imaging_family", "opps_nf_pe", "opps_f_pe",
    "opps_mp", "extra", "line",
)
_CODE = re.compile(r"^[A-Z0-9]{5}$")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_TITLE = re.compile(
    r"(\d{4})\s+NATIONAL\s+PHYSICIAN\s+FEE\s+SCHEDULE\s+RELATIVE\s+VALUE\s+FILE\s+"
    r"(JANUARY|APRIL|JULY|OCTOBER)\b", re.I,
)
_RVU_NAME = re.compile(r"PPRRVU(\d{4}|\d{2})[_ -]?(JAN|APR|JUL|OCT)", re.I)
_RELEASED = re.compile(r"RELEASED\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_INDICATORS = {
    "pctc": L.PCTC, "global_days": L.GLOBAL_DAYS, "mult_proc": L.MULT_PROC, "bilat": L.BILATERAL,
    "asst": L.ASSISTANT, "co_surg": L.CO_SURGEONS, "team": L.TEAM,
}


def keeps_descriptor(code: str) -> bool:
    """True for HCPCS Level II codes, whose CMS descriptors are public domain.

    CPT codes (Category I, II, III, PLA: they start with a digit) are AMA-licensed and dental
    codes (D....) are ADA-licensed: their descriptor text is never stored.
    """
    return bool(code) and code[0].isalpha() and code[0] != "D"


@dataclass
class RvuFile:
    year: int
    month: int
    released: _dt.date | None
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> joined header name
    extra_columns: list[str] = field(default_factory=list)
    conversion_factors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"CY{self.year} (RVU{self.year % 100:02d}{L.QUARTER_LETTER[self.month]})"


def _rvu_header(path: Path, text: str, rows: list[list[str]]) -> tuple[int, list[str], str]:
    """Index of the ``HCPCS`` row, the joined column names, and the title text above them."""
    h = next((i for i, r in enumerate(rows[:_HEADER_SEARCH]) if r and r[0].strip().upper() == "HCPCS"), None)
    if h is None:
        _wrong_kind(path, text, "pfs-rvu", "the PPRRVU relative value file")
        raise FileFormatError(
            f"no column header row starting with HCPCS in the first {_HEADER_SEARCH} lines; expected "
            "the CMS PPRRVU relative value file (CSV from the RVU zip)",
            path=path,
        )
    top = h
    while top > 0 and h - top < 8 and any(c.strip() for c in rows[top - 1][3:]):
        top -= 1
    width = max(len(r) for r in rows[top : h + 1])
    names = []
    for j in range(width):
        parts = [r[j].strip() for r in rows[top : h + 1] if j < len(r) and r[j].strip()]
        names.append(" ".join(parts))
    title = "\n".join(" ".join(c.strip() for c in r if c.strip()) for r in rows[:top])
    return h, names, title


def _rvu_release(path: Path, title: str, title_line: int) -> tuple[int, int, _dt.date | None]:
    year = month = None
    m = _TITLE.search(" ".join(title.split()))
    if m:
        year, month = int(m.group(1)), L.MONTHS[m.group(2).upper()]
    else:
        n = _RVU_NAME.search(path.name)
        if n:
            y = int(n.group(1))
            year, month = (y if y > 99 else 2000 + y), L.MONTHS[n.group(2).upper()]
    if year is None or month is None:
        raise FileFormatError(
            "cannot tell the release: expected a title row like '2025 National Physician Fee Schedule "
            "Relative Value File October Release' or a file name like PPRRVU2025_Oct.csv",
            path=path, line=1,
        )
    _year_ok(year, path, title_line)
    released = None
    r = _RELEASED.search(title)
    if r:
        try:
            released = _dt.date(int(r.group(3)), int(r.group(1)), int(r.group(2)))
        except ValueError as exc:
            raise FileFormatError(
                f"release date {r.group(0)!r} is not a date (expected RELEASED MM/DD/YYYY)",
                path=path, line=title_line,
            ) from exc
    return year, month, released


def parse_pprrvu(path: Path) -> RvuFile:
    """Read a PPRRVU CSV into rows (validated) with its release."""
    text = _read_text(path, "the CMS PPRRVU relative value file (CSV)")
    rows = _csv_rows(path, text)
    h, names, title = _rvu_header(path, text, rows)
    year, month, released = _rvu_release(path, title, 1)
    first_line = next((t for t in title.splitlines() if t.strip()), "")
    out = RvuFile(year=year, month=month, released=released, title=" ".join(first_line.split()))

    index: dict[str, int] = {}
    extras: dict[int, str] = {}
    for j, name in enumerate(names):
        f = L.RVU_HEADER_KEYS.get(L.header_key(name))
        if f is None:
            if name:
                extras[j] = name
            continue
        if f in index:
            raise FileFormatError(f"column {name!r} appears twice", path=path, line=h + 1, column=j + 1)
        index[f] = j
        out.columns[f] = name
    missing = [L.RVU_COLUMNS[f][0] for f in L.RVU_REQUIRED if f not in index]
    if missing:
        raise FileFormatError(
            f"missing column(s) {', '.join(missing)}; expected the PPRRVU layout (found: "
            f"{', '.join(n for n in names if n) or 'nothing'})",
            path=path, line=h + 1,
        )
    out.extra_columns = list(extras.values())
    ncols = len(names)
    seen: dict[tuple[str, str], int] = {}
    cfs: set[str] = set()
    for lineno, row in enumerate(rows[h + 1 :], start=h + 2):
        if _blank(row):
            continue
        if len(row) < ncols or any(c.strip() for c in row[ncols:]):
            raise FileFormatError(
                f"row has {len(row)} columns; the header has {ncols} (a truncated or re-saved file?)",
                path=path, line=lineno,
            )
        rec = _rvu_row(path, row, lineno, index, extras)
        key = (rec["code"], rec["modifier"])
        if key in seen:
            raise FileFormatError(
                f"{rec['code']} {rec['modifier'] or '(no modifier)'} appears twice (first on line {seen[key]})",
                path=path, line=lineno,
            )
        seen[key] = lineno
        if rec["conv_factor"]:
            cfs.add(rec["conv_factor"])
        out.rows.append(rec)
    out.conversion_factors = sorted(cfs)
    return out


def _rvu_row(path: Path, row: list[str], lineno: int, index: dict[str, int], extras: dict[int, str]) -> dict[str, Any]:
    def cell(f: str) -> str:
        j = index.get(f)
        return row[j].strip() if j is not None else ""

    def col(f: str) -> int | None:
        j = index.get(f)
        return j + 1 if j is not None else None

    code = cell("code").upper()
    if not _CODE.match(code):
        raise FileFormatError(
            f"HCPCS code {code!r} is not 5 letters or digits", path=path, line=lineno, column=col("code")
        )
    modifier = cell("modifier").upper()
    if modifier and not _MODIFIER.match(modifier):
        raise FileFormatError(
            f"modifier {modifier!r} is not 2 letters or digits", path=path, line=lineno, column=col("modifier")
        )
    status = cell("status").upper()
    if status not in L.STATUS:
        raise FileFormatError(
            f"status code {status!r} is not one of {', '.join(sorted(L.STATUS))} (RVU README Attachment A)",
            path=path, line=lineno, column=col("status"),
        )
    rec: dict[str, Any] = {
        "code": code,
        "modifier": modifier,
        "description": (cell("description") or None) if keeps_descriptor(code) else None,
        "status": status,
        "not_used_for_payment": 1 if cell("not_used_for_payment") else 0,
        "line": lineno,
    }
    for f in L.RVU_DECIMALS:
        v = cell(f)
        if not v:
            if f in L.RVU_REQUIRED:
                raise FileFormatError(
                    f"{L.RVU_COLUMNS[f][0]} is blank; expected a number", path=path, line=lineno, column=col(f)
                )
            rec[f] = None
            continue
        rec[f] = str(_decimal(v, L.RVU_COLUMNS[f][0], path, lineno, col(f)))
    for f in ("nf_na", "f_na"):
        v = cell(f).upper()
        if v not in ("", "NA"):
            raise FileFormatError(
                f"{L.RVU_COLUMNS[f][0]} {v!r} is neither NA nor blank", path=path, line=lineno, column=col(f)
            )
        rec[f] = 1 if v == "NA" else 0
    for f, meanings in _INDICATORS.items():
        v = cell(f).upper()
        if (f in L.RVU_REQUIRED or v) and v not in meanings:
            raise FileFormatError(
                f"{L.RVU_COLUMNS[f][0]} {v!r} is not one of {', '.join(sorted(meanings))}",
                path=path, line=lineno, column=col(f),
            )
        rec[f] = v or None
    for f in ("endo_base", "supervision", "calc_flag", "imaging_family"):
        rec[f] = cell(f).upper() or None
    if rec["endo_base"] and not _CODE.match(rec["endo_base"]):
        raise FileFormatError(
            f"endoscopic base code {rec['endo_base']!r} is not a HCPCS code",
            path=path, line=lineno, column=col("endo_base"),
        )
    rec["extra"] = json.dumps({n: row[j].strip() for j, n in extras.items() if row[j].strip()}) if extras else None
    work, nf, fac, mp = (Decimal(rec[f]) for f in ("work_rvu", "nf_pe_rvu", "f_pe_rvu", "mp_rvu"))
    for total, pe in (("nf_total", nf), ("f_total", fac)):
        if rec[total] is not None and work + pe + mp != Decimal(rec[total]):
            raise FileFormatError(
                f"{L.RVU_COLUMNS[total][0]} {rec[total]} is not work + PE + MP ({work + pe + mp}); "
                "the columns are shifted or the file is damaged",
                path=path, line=lineno, column=col(total),
            )
    return rec


def _pick_rvu(sources: list[Path]) -> tuple[Path, list[str]]:
    """The PPRRVU CSV to build from; with both QPP and non-QPP files (CY2026+), the non-QPP one."""
    if len(sources) == 1:
        return sources[0], []
    non_qpp = [p for p in sources if "NONQPP" in p.name.upper()]
    if len(non_qpp) == 1:
        return non_qpp[0], [p.name for p in sources if p is not non_qpp[0]]
    raise DataImportError(
        "expected one PPRRVU CSV (or a non-QPP and a QPP one), got: " + ", ".join(p.name for p in sources)
    )


class RvuBuilder:
    """``pfs-rvu``: the national relative value file (PPRRVU CSV)."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path, skipped = _pick_rvu(sources)
        parsed = parse_pprrvu(path)
        if not parsed.rows:
            raise FileFormatError("no RVU rows after the column header", path=path)
        con = _connect(out_dir, RVU_SCHEMA)
        with con:
            marks = ", ".join("?" for _ in RVU_FIELDS)
            con.executemany(
                f"INSERT INTO rvu ({', '.join(RVU_FIELDS)}) VALUES ({marks})",
                ([r.get(f) for f in RVU_FIELDS] for r in parsed.rows),
            )
            counts: dict[str, int] = {}
            for r in parsed.rows:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            start, end = _quarter_range(parsed.year, parsed.month)
            meta: dict[str, Any] = {
                "file": path.name,
                "title": parsed.title,
                "year": parsed.year,
                "quarter_release": f"RVU{parsed.year % 100:02d}{L.QUARTER_LETTER[parsed.month]}",
                "released": parsed.released.isoformat() if parsed.released else None,
                "codes": len({r["code"] for r in parsed.rows}),
                "status_counts": dict(sorted(counts.items())),
                "conversion_factor_in_file": parsed.conversion_factors,
                "qpp_file": "_QPP" in path.name.upper() and "NONQPP" not in path.name.upper(),
                "columns": parsed.columns,
                "extra_columns": parsed.extra_columns,
                "skipped_files": skipped,
            }
            _write_meta(con, meta)
        con.close()
        return BuildResult(
            release=parsed.label, effective_from=start, effective_to=end, rows=len(parsed.rows), meta=meta
        )


# -- pfs-gpci --------------------------------------------------------------------------------------------
GPCI_SCHEMA = """
CREATE TABLE gpci (
    mac TEXT NOT NULL, locality TEXT NOT NULL, state TEXT, name TEXT NOT NULL, marks TEXT,
    pw_floor TEXT, pw_no_floor TEXT, pw TEXT, pe TEXT NOT NULL, mp TEXT NOT NULL, line INTEGER NOT NULL,
    PRIMARY KEY (mac, locality)
);
"""


_GPCI_NAMES = {
    "mac": "Medicare Administrative Contractor", "locality": "Locality Number", "name": "Locality Name",
    "pw_floor": "PW GPCI (with 1.0 Floor)", "pw_no_floor": "PW GPCI (without 1.0 Floor)", "pw": "PW GPCI",
    "pe": "PE GPCI", "mp": "MP GPCI",
}


def _gpci_columns(header: list[str]) -> dict[str, int]:
    idx: dict[str, int] = {}
    for j, c in enumerate(header):
        work = "pw gpci" in c or "work gpci" in c
        if "contractor" in c or "carrier" in c or c == "mac":
            idx.setdefault("mac", j)
        elif c == "state":
            idx.setdefault("state", j)
        elif "locality number" in c or c in ("locality", "locality no", "locality no."):
            idx.setdefault("locality", j)
        elif "locality name" in c or "fee schedule area" in c:
            idx.setdefault("name", j)
        elif work and "without" in c:
            idx.setdefault("pw_no_floor", j)
        elif work and "floor" in c:
            idx.setdefault("pw_floor", j)
        elif work:
            idx.setdefault("pw", j)
        elif "pe gpci" in c:
            idx.setdefault("pe", j)
        elif "mp gpci" in c or "malpractice" in c:
            idx.setdefault("mp", j)
    return idx


def _year_from(texts: list[str], path: Path, name_pattern: str) -> int | None:
    for t in texts:
        m = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", t)
        if m:
            return int(m.group(1))
    n = re.search(name_pattern, path.name, re.I)
    if n:
        y = int(n.group(1))
        return y if y > 99 else 2000 + y
    return None


class GpciBuilder:
    """``pfs-gpci``: geographic practice cost indices by MAC and locality."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = _one_source(sources, "pfs-gpci", "GPCI CSV")
        text = _read_text(path, "the CMS GPCI file (CSV)")
        rows = _csv_rows(path, text)
        h = _header_index(rows, lambda cs: any("locality" in c for c in cs) and any("gpci" in c for c in cs))
        if h is None:
            _wrong_kind(path, text, "pfs-gpci", "the GPCI file")
            raise FileFormatError(
                "no header row with Locality and GPCI columns; expected the CMS GPCI file "
                "(Medicare Administrative Contractor, State, Locality Number, Locality Name, PW/PE/MP GPCI)",
                path=path,
            )
        header = [c.strip().lower() for c in rows[h]]
        idx = _gpci_columns(header)
        need = ["mac", "locality", "name", "pe", "mp"]
        missing = [_GPCI_NAMES[n] for n in need if n not in idx]
        if not ({"pw_floor", "pw_no_floor", "pw"} & idx.keys()):
            missing.append("PW GPCI (work)")
        if missing:
            raise FileFormatError(
                f"missing GPCI column(s): {', '.join(missing)}", path=path, line=h + 1
            )
        gpci_header_years = [c for c in header if "gpci" in c]
        title = [" ".join(c for c in r if c.strip()) for r in rows[:h]]
        year = _year_from(gpci_header_years + title, path, r"GPCI(\d{4}|\d{2})")
        if year is None:
            raise FileFormatError(
                "cannot tell the year: expected '2025 PE GPCI' column names, a 'CY 2025' title or a "
                "file name like GPCI2025.csv",
                path=path, line=h + 1,
            )
        _year_ok(year, path, h + 1)
        records: list[tuple[Any, ...]] = []
        notes: list[str] = []
        seen: dict[tuple[str, str], int] = {}
        value_cols = [k for k in ("pw_floor", "pw_no_floor", "pw", "pe", "mp") if k in idx]
        for lineno, row in enumerate(rows[h + 1 :], start=h + 2):
            if _blank(row):
                continue
            cells = [c.strip() for c in row]

            def cell(k: str, cells: list[str] = cells) -> str:
                j = idx[k]
                return cells[j] if j < len(cells) else ""

            raw_mac = cell("mac")
            if not raw_mac.isdigit():
                if any(cell(k) for k in value_cols) and cell("locality"):
                    raise FileFormatError(
                        f"MAC {raw_mac!r} is not a number", path=path, line=lineno, column=idx["mac"] + 1
                    )
                notes.append(" ".join(c for c in cells if c))
                continue
            mac = _digits(raw_mac, 5, "MAC", path, lineno, idx["mac"] + 1)
            loc = _digits(cell("locality"), 2, "locality number", path, lineno, idx["locality"] + 1)
            vals: dict[str, str | None] = {}
            for k in ("pw_floor", "pw_no_floor", "pw", "pe", "mp"):
                if k not in idx:
                    vals[k] = None
                    continue
                d = _decimal(cell(k), _GPCI_NAMES[k], path, lineno, idx[k] + 1)
                if not Decimal("0.1") <= d <= Decimal("5"):
                    raise FileFormatError(
                        f"GPCI {d} is out of range (0.1 to 5)", path=path, line=lineno, column=idx[k] + 1
                    )
                vals[k] = str(d)
            name = cell("name")
            if not name:
                raise FileFormatError("locality name is blank", path=path, line=lineno, column=idx["name"] + 1)
            marks = re.search(r"\*+$", name)
            if (mac, loc) in seen:
                raise FileFormatError(
                    f"MAC {mac} locality {loc} appears twice (first on line {seen[(mac, loc)]})",
                    path=path, line=lineno,
                )
            seen[(mac, loc)] = lineno
            state = cell("state").upper() if "state" in idx else None
            records.append((
                mac, loc, state or None, name.rstrip("*").strip(), marks.group(0) if marks else None,
                vals["pw_floor"], vals["pw_no_floor"], vals["pw"], vals["pe"], vals["mp"], lineno,
            ))
        if not records:
            raise FileFormatError("no locality rows after the header", path=path, line=h + 1)
        con = _connect(out_dir, GPCI_SCHEMA)
        with con:
            con.executemany("INSERT INTO gpci VALUES (?,?,?,?,?,?,?,?,?,?,?)", records)
            meta = {
                "file": path.name,
                "year": year,
                "title": title[0] if title else None,
                "work_gpci_columns": [rows[h][idx[k]].strip() for k in ("pw_floor", "pw_no_floor", "pw") if k in idx],
                "localities": len(records),
                "notes": notes,
            }
            _write_meta(con, meta)
        con.close()
        start, end = _year_range(year)
        return BuildResult(release=f"CY{year}", effective_from=start, effective_to=end, rows=len(records), meta=meta)


# -- pfs-anes --------------------------------------------------------------------------------------------
ANES_SCHEMA = """
CREATE TABLE anes (
    mac TEXT NOT NULL, locality TEXT NOT NULL, name TEXT NOT NULL, marks TEXT,
    cf TEXT NOT NULL, cf_apm TEXT, line INTEGER NOT NULL,
    PRIMARY KEY (mac, locality)
);
"""
_APM_WORDS = re.compile(r"\b(QP|QPP|APM|QUALIFYING)\b", re.I)


class AnesBuilder:
    """``pfs-anes``: anesthesia conversion factors by contractor and locality."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = _one_source(sources, "pfs-anes", "ANES CSV")
        text = _read_text(path, "the CMS anesthesia conversion factor file (ANESyyyy.csv)")
        rows = _csv_rows(path, text)
        h = _header_index(
            rows,
            lambda cs: any("locality" in c for c in cs)
            and any(re.search(r"\bcf\b|conversion", c) for c in cs),
        )
        if h is None:
            _wrong_kind(path, text, "pfs-anes", "the anesthesia conversion factor file")
            raise FileFormatError(
                "no header row with Locality and an anesthesia CF column; expected the CMS ANES file "
                "(Contractor, Locality, Locality Name, National Anes CF of ...)",
                path=path,
            )
        raw_header = [c.strip() for c in rows[h]]
        header = [c.lower() for c in raw_header]
        idx: dict[str, int] = {}
        cf_cols: list[int] = []
        for j, c in enumerate(header):
            if "contractor" in c or "carrier" in c or c == "mac":
                idx.setdefault("mac", j)
            elif "locality name" in c or "fee schedule area" in c:
                idx.setdefault("name", j)
            elif "locality" in c:
                idx.setdefault("locality", j)
            elif re.search(r"\bcf\b|conversion", c):
                cf_cols.append(j)
        missing = [n for n in ("mac", "locality", "name") if n not in idx]
        if missing or not cf_cols:
            raise FileFormatError(
                f"missing ANES column(s): {', '.join(missing + ([] if cf_cols else ['CF']))}",
                path=path, line=h + 1,
            )
        apm_cols = [j for j in cf_cols if _APM_WORDS.search(raw_header[j])]
        plain = [j for j in cf_cols if j not in apm_cols]
        if len(plain) != 1 or len(apm_cols) > 1:
            raise FileFormatError(
                "expected one anesthesia CF column (and at most one for qualifying APM participants), found "
                + ", ".join(repr(raw_header[j]) for j in cf_cols),
                path=path, line=h + 1,
            )
        cf_j, apm_j = plain[0], (apm_cols[0] if apm_cols else None)
        national: dict[str, str | None] = {}
        for key, col_j in (("cf", cf_j), ("cf_apm", apm_j)):
            if col_j is None:
                continue
            m = re.search(r"(\d+\.\d+)", raw_header[col_j])
            national[key] = m.group(1) if m else None
        year = _year_from([], path, r"ANES(\d{4}|\d{2})") or _year_from(
            [" ".join(c for c in r if c.strip()) for r in rows[:h]] + raw_header, path, r"^$"
        )
        if year is None and national.get("cf"):
            from medcoder.codesets.pfs.factors import year_of_anesthesia_cf

            year = year_of_anesthesia_cf(Decimal(national["cf"] or "0"))
        if year is None:
            raise FileFormatError(
                "cannot tell the year: expected a file name like ANES2025.csv (or a year in the title)",
                path=path, line=h + 1,
            )
        _year_ok(year, path, h + 1)
        records: list[tuple[Any, ...]] = []
        notes: list[str] = []
        seen: dict[tuple[str, str], int] = {}
        for lineno, row in enumerate(rows[h + 1 :], start=h + 2):
            if _blank(row):
                continue
            cells = [c.strip() for c in row] + [""] * max(0, len(raw_header) - len(row))
            if not cells[idx["mac"]].isdigit():
                if cells[cf_j]:
                    raise FileFormatError(
                        f"contractor {cells[idx['mac']]!r} is not a number",
                        path=path, line=lineno, column=idx["mac"] + 1,
                    )
                notes.append(" ".join(c for c in cells if c))
                continue
            mac = _digits(cells[idx["mac"]], 5, "contractor", path, lineno, idx["mac"] + 1)
            loc = _digits(cells[idx["locality"]], 2, "locality", path, lineno, idx["locality"] + 1)
            cfs: list[str | None] = []
            for col_j in (cf_j, apm_j):
                if col_j is None:
                    cfs.append(None)
                    continue
                d = _decimal(cells[col_j], "anesthesia CF", path, lineno, col_j + 1)
                if not Decimal(5) <= d <= Decimal(100):
                    raise FileFormatError(
                        f"anesthesia CF {d} is out of range (5 to 100)", path=path, line=lineno, column=col_j + 1
                    )
                cfs.append(str(d))
            name = cells[idx["name"]]
            if not name:
                raise FileFormatError("locality name is blank", path=path, line=lineno, column=idx["name"] + 1)
            if (mac, loc) in seen:
                raise FileFormatError(
                    f"contractor {mac} locality {loc} appears twice (first on line {seen[(mac, loc)]})",
                    path=path, line=lineno,
                )
            seen[(mac, loc)] = lineno
            marks = re.search(r"\*+$", name)
            records.append((mac, loc, name.rstrip("*").strip(), marks.group(0) if marks else None, cfs[0], cfs[1], lineno))
        if not records:
            raise FileFormatError("no locality rows after the header", path=path, line=h + 1)
        con = _connect(out_dir, ANES_SCHEMA)
        with con:
            con.executemany("INSERT INTO anes VALUES (?,?,?,?,?,?,?)", records)
            meta = {
                "file": path.name,
                "year": year,
                "national_cf": national.get("cf"),
                "national_cf_apm": national.get("cf_apm"),
                "cf_columns": [raw_header[j] for j in cf_cols],
                "localities": len(records),
                "notes": notes,
            }
            _write_meta(con, meta)
        con.close()
        start, end = _year_range(year)
        return BuildResult(release=f"CY{year}", effective_from=start, effective_to=end, rows=len(records), meta=meta)


# -- pfs-locality ----------------------------------------------------------------------------------------
LOCALITY_SCHEMA = """
CREATE TABLE area (
    mac TEXT NOT NULL, locality TEXT NOT NULL, state_name TEXT NOT NULL, state TEXT,
    area TEXT NOT NULL, counties TEXT NOT NULL, marks TEXT, line INTEGER NOT NULL
);
CREATE INDEX area_key ON area(mac, locality);
CREATE INDEX area_state ON area(state);
"""


class LocalityBuilder:
    """``pfs-locality``: the county-to-locality crosswalk (yyLOCCO)."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = _one_source(sources, "pfs-locality", "LOCCO CSV")
        text = _read_text(path, "the CMS locality/county crosswalk (yyLOCCO.csv)")
        rows = _csv_rows(path, text)
        h = _header_index(rows, lambda cs: any("locality" in c for c in cs) and any("count" in c for c in cs))
        if h is None:
            _wrong_kind(path, text, "pfs-locality", "the locality/county crosswalk")
            raise FileFormatError(
                "no header row with Locality Number and Counties columns; expected the CMS yyLOCCO file "
                "(Medicare Administrative Contractor, Locality Number, State, Fee Schedule Area, Counties)",
                path=path,
            )
        header = [c.strip().lower() for c in rows[h]]
        idx: dict[str, int] = {}
        for j, c in enumerate(header):
            if "contractor" in c or "carrier" in c or c == "mac":
                idx.setdefault("mac", j)
            elif "locality" in c and "name" not in c:
                idx.setdefault("locality", j)
            elif c == "state":
                idx.setdefault("state", j)
            elif "fee schedule area" in c or "locality name" in c or c == "area":
                idx.setdefault("area", j)
            elif "count" in c:
                idx.setdefault("counties", j)
        missing = [n for n in ("mac", "locality", "state", "area", "counties") if n not in idx]
        if missing:
            raise FileFormatError(f"missing LOCCO column(s): {', '.join(missing)}", path=path, line=h + 1)
        title = [" ".join(c for c in r if c.strip()) for r in rows[:h]]
        year = _year_from(title, path, r"(\d{2})LOCCO")
        if year is None:
            raise FileFormatError(
                "cannot tell the year: expected a title like 'COUNTIES INCLUDED IN 2025 LOCALITIES' or a "
                "file name like 25LOCCO.csv",
                path=path, line=1,
            )
        _year_ok(year, path, 1)
        records: list[tuple[Any, ...]] = []
        notes: list[str] = []
        state_name = ""
        width = len(header)
        for lineno, row in enumerate(rows[h + 1 :], start=h + 2):
            if _blank(row):
                continue
            cells = [c.strip() for c in row] + [""] * max(0, width - len(row))
            raw_mac = cells[idx["mac"]]
            if not raw_mac.isdigit():
                if cells[idx["counties"]] or cells[idx["locality"]]:
                    raise FileFormatError(
                        f"MAC {raw_mac!r} is not a number", path=path, line=lineno, column=idx["mac"] + 1
                    )
                notes.append(" ".join(c for c in cells if c))
                continue
            mac = _digits(raw_mac, 5, "MAC", path, lineno, idx["mac"] + 1)
            loc = _digits(cells[idx["locality"]], 2, "locality number", path, lineno, idx["locality"] + 1)
            if cells[idx["state"]]:
                state_name = " ".join(cells[idx["state"]].upper().split())
            if not state_name:
                raise FileFormatError(
                    "state is blank and no state row comes before it", path=path, line=lineno, column=idx["state"] + 1
                )
            area, counties = cells[idx["area"]], cells[idx["counties"]]
            if not area or not counties:
                raise FileFormatError(
                    "fee schedule area or counties is blank", path=path, line=lineno,
                    column=(idx["area"] if not area else idx["counties"]) + 1,
                )
            marks = re.search(r"\*+$", area)
            records.append((
                mac, loc, state_name, L.STATE_ABBREV.get(state_name), area.rstrip("*").strip(),
                " ".join(counties.split()), marks.group(0) if marks else None, lineno,
            ))
        if not records:
            raise FileFormatError("no locality rows after the header", path=path, line=h + 1)
        con = _connect(out_dir, LOCALITY_SCHEMA)
        with con:
            con.executemany("INSERT INTO area VALUES (?,?,?,?,?,?,?,?)", records)
            meta = {
                "file": path.name,
                "year": year,
                "title": title[0] if title else None,
                "localities": len({(r[0], r[1]) for r in records}),
                "states": len({r[2] for r in records}),
                "notes": notes,
            }
            _write_meta(con, meta)
        con.close()
        start, end = _year_range(year)
        return BuildResult(release=f"CY{year}", effective_from=start, effective_to=end, rows=len(records), meta=meta)


# -- pfs-zip ---------------------------------------------------------------------------------------------
ZIP_SCHEMA = """
CREATE TABLE zip (
    zip TEXT PRIMARY KEY, state TEXT NOT NULL, carrier TEXT NOT NULL, locality TEXT NOT NULL,
    rural TEXT, lab_cb_locality TEXT, rural2 TEXT, plus_four INTEGER NOT NULL,
    part_b_payment TEXT, line INTEGER NOT NULL
);
CREATE INDEX zip_locality ON zip(carrier, locality);
"""


class ZipBuilder:
    """``pfs-zip``: ZIP code to carrier and locality (ZIP5 file, 80-character records)."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = _one_source(sources, "pfs-zip", "ZIP5 text")
        text = _read_text(path, "the CMS ZIP5 file (80-character records, layout in ZIP5lyout.txt)")
        records: list[tuple[Any, ...]] = []
        quarters: dict[str, int] = {}
        seen: dict[str, int] = {}
        n = L.ZIP5_RECORD_LENGTH
        for lineno, raw in enumerate(text.splitlines(), start=1):
            rec = raw.rstrip("\r\n")
            if not rec.strip():
                continue
            if len(rec) != n:
                if not records:
                    _wrong_kind(path, text, "pfs-zip", "the ZIP5 file", line=lineno)
                what = "truncated record" if len(rec) < n else "record too long"
                raise FileFormatError(
                    f"{what}: {len(rec)} characters; ZIP5 records are {n} (layout in ZIP5lyout.txt)",
                    path=path, line=lineno,
                )

            def f(name: str, rec: str = rec) -> str:
                return L.zip5_field(rec, name)

            def bad(name: str, msg: str, lineno: int = lineno) -> FileFormatError:
                return FileFormatError(msg, path=path, line=lineno, column=L.ZIP5_FIELDS[name][0])

            state, z = f("state"), f("zip")
            if not state.isalpha() or not state.isupper():
                raise bad("state", f"state {state!r} is not two capital letters")
            if not z.isdigit():
                raise bad("zip", f"ZIP code {z!r} is not 5 digits")
            if not f("carrier").isdigit():
                raise bad("carrier", f"carrier {f('carrier')!r} is not 5 digits")
            if not f("locality").isdigit():
                raise bad("locality", f"locality {f('locality')!r} is not 2 digits")
            if f("rural") not in (" ", "R", "B"):
                raise bad("rural", f"rural indicator {f('rural')!r} is not blank, R or B")
            if f("plus_four") not in ("0", "1"):
                raise bad("plus_four", f"plus four flag {f('plus_four')!r} is not 0 or 1")
            yq = f("year_quarter")
            if not (yq.isdigit() and yq[4] in "1234" and 1992 <= int(yq[:4]) <= 2100):
                raise bad("year_quarter", f"year/quarter {yq!r} is not YYYYQ (quarter 1 to 4)")
            quarters[yq] = quarters.get(yq, 0) + 1
            if z in seen:
                raise FileFormatError(
                    f"ZIP code {z} appears twice (first on line {seen[z]})", path=path, line=lineno
                )
            seen[z] = lineno
            records.append((
                z, state, f("carrier"), f("locality"), f("rural").strip() or None,
                f("lab_cb_locality").strip() or None, f("rural2").strip() or None,
                int(f("plus_four")), f("part_b_payment").strip() or None, lineno,
            ))
        if not records:
            raise FileFormatError("no ZIP5 records", path=path, line=1)
        if len(quarters) > 1:
            raise FileFormatError(
                "records carry different year/quarter values: "
                + ", ".join(f"{k} ({v:,} records)" for k, v in sorted(quarters.items())),
                path=path,
            )
        yq = next(iter(quarters))
        year, quarter = int(yq[:4]), int(yq[4])
        start, end = _quarter_range(year, 3 * quarter - 2)
        con = _connect(out_dir, ZIP_SCHEMA)
        with con:
            con.executemany("INSERT INTO zip VALUES (?,?,?,?,?,?,?,?,?,?)", records)
            meta = {
                "file": path.name,
                "year_quarter": yq,
                "zips": len(records),
                "plus_four_zips": sum(r[7] for r in records),
                "localities": len({(r[2], r[3]) for r in records}),
            }
            _write_meta(con, meta)
        con.close()
        return BuildResult(
            release=f"CY{year} Q{quarter}", effective_from=start, effective_to=end, rows=len(records), meta=meta
        )

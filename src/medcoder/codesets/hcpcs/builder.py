"""Build the HCPCS Level II table from the CMS alpha-numeric file (ANWEB, 320-character records).

Each procedure or modifier starts with a first-line record (record id 3, or 7 for a modifier)
holding the administrative data, followed by continuation records (4, or 8) that carry the
rest of the long description; the builder joins them. Dates are YYYYMMDD or blank. A few
leading lines of disclaimer text (the CMS file starts with some) are skipped; after the first
record every non-blank line must be a record.

Record length: a first-line record must reach column 293 (the action code); shorter lines are
refused as truncated, longer ones (with anything past column 320) as the wrong layout. Trailing
blanks may be missing (CMS ships at least one 316-character continuation record); they are
padded back. In a file whose records are padded to 320 characters (as CMS ships them), a record
that ends inside the long description (column 91 or before) is refused as truncated.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcoder.codesets.hcpcs import layout as L
from medcoder.codesets.hcpcs.dosage import parse_dosage
from medcoder.codesets.store import BuildResult
from medcoder.errors import FileFormatError

SCHEMA = """
CREATE TABLE codes (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,             -- procedure | modifier
    long_desc TEXT NOT NULL,
    short_desc TEXT NOT NULL,
    pricing TEXT NOT NULL,          -- JSON list of pricing indicator codes
    mult_pricing TEXT,
    cim TEXT NOT NULL,              -- JSON list
    mcm TEXT NOT NULL,              -- JSON list
    statute TEXT,
    lab_cert TEXT NOT NULL,         -- JSON list
    xref TEXT NOT NULL,             -- JSON list of cross-reference codes
    coverage TEXT,
    asc_group TEXT,
    asc_date TEXT,
    proc_note TEXT,
    betos TEXT,
    tos TEXT NOT NULL,              -- JSON list
    anes_units INTEGER,
    add_date TEXT,
    action_date TEXT,
    term_date TEXT,
    action_code TEXT,
    dose_amount REAL,
    dose_unit TEXT,
    line INTEGER NOT NULL
);
CREATE INDEX codes_kind ON codes(kind);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_RECORD = re.compile(r"^(?:[A-Z0-9]{5}|   [A-Z0-9]{2})[0-9]{5}[3478]")
_NAME_YEAR = re.compile(r"HCPC(?:S)?[_ -]?(\d{4})", re.I)
_ANY_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_QUARTER = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
_QUARTER_RE = re.compile(r"(?<![A-Z])(JAN|APR|JUL|OCT)(?:UARY|IL|Y|OBER)?(?![A-Z])", re.I)
_PREAMBLE_LIMIT = 50
# Codes whose descriptions name the billing amount of a drug.
_DRUG_BETOS = {"O1D", "O1E", "O1G", "D1G"}
_DRUG_PRICING = {"51", "54"}


@dataclass
class _Code:
    code: str
    kind: str
    line: int
    long_parts: list[str]
    fields: dict[str, Any] = field(default_factory=dict)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise FileFormatError(
            "file is empty; expected HCPCS records of 320 characters", path=path, line=1
        )
    if b"\x00" in raw[:65536]:
        raise FileFormatError(
            "binary file; expected the HCPCS alpha-numeric text file "
            "(ANWEB, 320-character records)",
            path=path,
        )
    for enc in ("utf-8", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _date(value: str, name: str, path: Path, line: int) -> str | None:
    v = value.strip()
    if not v:
        return None
    if len(v) == 8 and v.isdigit():
        if v == "00000000":
            return None
        try:
            return _dt.date(int(v[:4]), int(v[4:6]), int(v[6:])).isoformat()
        except ValueError:
            pass
    raise FileFormatError(
        f"{name.replace('_', ' ')} {value!r} is not a date; expected YYYYMMDD or blank",
        path=path,
        line=line,
        column=L.column_of(name),
    )


def _first_line_fields(rec: str, path: Path, line: int) -> dict[str, Any]:
    f: dict[str, Any] = {
        "short_desc": L.field(rec, "short").strip(),
        "pricing": L.repeated(rec, "pricing"),
        "mult_pricing": L.field(rec, "mult_pricing").strip() or None,
        "cim": L.repeated(rec, "cim"),
        "mcm": L.repeated(rec, "mcm"),
        "statute": L.field(rec, "statute").strip() or None,
        "lab_cert": L.repeated(rec, "lab_cert"),
        "xref": L.repeated(rec, "xref"),
        "coverage": L.field(rec, "coverage").strip() or None,
        "asc_group": L.field(rec, "asc_group").strip() or None,
        "proc_note": L.field(rec, "proc_note").strip() or None,
        "betos": L.field(rec, "betos").strip() or None,
        "tos": L.repeated(rec, "tos"),
        "action_code": L.field(rec, "action_code").strip() or None,
    }
    for name in ("asc_date", "add_date", "action_date", "term_date"):
        f[name] = _date(L.field(rec, name), name, path, line)
    _date(L.field(rec, "mog_date"), "mog_date", path, line)
    units = L.field(rec, "anes_units").strip()
    if units and not units.isdigit():
        raise FileFormatError(
            f"anesthesia base units {units!r} is not a number",
            path=path,
            line=line,
            column=L.column_of("anes_units"),
        )
    f["anes_units"] = int(units) if units else None
    return f


def parse_anweb(path: Path) -> tuple[list[_Code], dict[str, int]]:
    """Every procedure and modifier in an ANWEB file, with its joined long description."""
    text = _read_text(path)
    codes: list[_Code] = []
    by_code: dict[str, _Code] = {}
    stats = {"records": 0, "padded_records": 0, "preamble_lines": 0}
    started = False
    full_width: bool | None = None  # records padded to 320 (as CMS ships them), or blank-trimmed
    current: _Code | None = None
    current_rec_id = ""
    first_long, last_long = L.FIELDS["long"]
    # split on line feeds only: str.splitlines() would also split on NEL and form feeds
    for lineno, raw in enumerate(text.split("\n"), start=1):
        rec = raw.rstrip("\r")
        if not started:
            if not _RECORD.match(rec):
                stats["preamble_lines"] += 1
                if lineno > _PREAMBLE_LIMIT:
                    raise FileFormatError(
                        f"no HCPCS record in the first {_PREAMBLE_LIMIT} lines; expected "
                        "320-character records starting with a code, a 5-digit sequence number "
                        f"and record id 3/4/7/8 (found {rec[:40]!r})",
                        path=path,
                        line=lineno,
                    )
                continue
            started = True
        if not rec.strip():
            continue
        if not _RECORD.match(rec):
            raise FileFormatError(
                f"not a HCPCS record: expected a code, a 5-digit sequence number and record id "
                f"3/4/7/8 in columns 1-11, found {rec[:20]!r}",
                path=path,
                line=lineno,
            )
        if len(rec) > L.RECORD_LENGTH and rec[L.RECORD_LENGTH :].strip():
            raise FileFormatError(
                f"record is {len(rec)} characters long; the HCPCS record layout has "
                f"{L.RECORD_LENGTH}",
                path=path,
                line=lineno,
            )
        rec_id = rec[10]
        if rec_id in L.FIRST_LINES and len(rec) < L.LAST_DATA_COLUMN:
            raise FileFormatError(
                f"truncated record: {len(rec)} characters, expected {L.RECORD_LENGTH} "
                f"(the first line of a code carries data up to column {L.LAST_DATA_COLUMN})",
                path=path,
                line=lineno,
            )
        if full_width is None:
            full_width = len(rec) >= L.RECORD_LENGTH
        if full_width and len(rec) <= last_long:
            raise FileFormatError(
                f"truncated record: {len(rec)} characters, expected {L.RECORD_LENGTH}; it ends "
                f"inside the long description (columns {first_long}-{last_long})",
                path=path,
                line=lineno,
            )
        if len(rec) < L.RECORD_LENGTH:
            stats["padded_records"] += 1
            rec = rec.ljust(L.RECORD_LENGTH)
        rec = rec[: L.RECORD_LENGTH]
        stats["records"] += 1
        code = rec[:5].strip()
        long_part = L.field(rec, "long").strip()
        if rec_id in L.FIRST_LINES:
            if code in by_code:
                raise FileFormatError(
                    f"code {code} starts a second time (first at line {by_code[code].line})",
                    path=path,
                    line=lineno,
                )
            kind = "modifier" if rec_id == L.REC_MODIFIER else "procedure"
            if (kind == "modifier") != (len(code) == 2):
                raise FileFormatError(
                    f"record id {rec_id} does not fit code {code!r} (3/4 are 5-character procedure "
                    f"codes, 7/8 are 2-character modifiers)",
                    path=path,
                    line=lineno,
                )
            current = _Code(code=code, kind=kind, line=lineno, long_parts=[long_part])
            current.fields = _first_line_fields(rec, path, lineno)
            current_rec_id = rec_id
            by_code[code] = current
            codes.append(current)
        else:
            if current is None or current.code != code or L.CONTINUATIONS[rec_id] != current_rec_id:
                raise FileFormatError(
                    f"continuation record (id {rec_id}) for {code} does not follow the first "
                    f"line of {code}",
                    path=path,
                    line=lineno,
                )
            if long_part:
                current.long_parts.append(long_part)
    if not codes:
        first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
        hint = " (this looks like a CSV or spreadsheet export)" if first.count(",") >= 2 else ""
        raise FileFormatError(
            "no HCPCS records found; expected 320-character records (CMS alpha-numeric ANWEB "
            f"text file), found {first[:40]!r}{hint}",
            path=path,
            line=1,
        )
    return codes, stats


def _is_drug(code: str, f: dict[str, Any]) -> bool:
    return (
        code.startswith("J")
        or f.get("betos") in _DRUG_BETOS
        or bool(_DRUG_PRICING.intersection(f.get("pricing") or []))
    )


def release_of(name: str, codes: list[_Code]) -> tuple[str, _dt.date, _dt.date, str]:
    """Release label and effective range from the file name (else the latest action date)."""
    m = _NAME_YEAR.search(name) or _ANY_YEAR.search(name)
    how = "file name"
    if m:
        year = int(m.group(1))
    else:
        dates = [c.fields.get("action_date") or c.fields.get("add_date") for c in codes]
        known = [d for d in dates if d]
        if not known:
            raise FileFormatError(
                "cannot tell the release year: no year in the file name and no action dates",
                path=name,
            )
        year = int(max(known)[:4])
        how = "latest action effective date in the file"
    q = _QUARTER_RE.search(Path(name).stem.replace(str(year), " "))
    if q:
        month = _QUARTER[q.group(1).upper()]
        start = _dt.date(year, month, 1)
        end = _dt.date(year + 1, 1, 1) if month == 10 else _dt.date(year, month + 3, 1)
        end -= _dt.timedelta(days=1)
        label = f"{year} {start.strftime('%B')}"
    else:
        start, end = _dt.date(year, 1, 1), _dt.date(year, 12, 31)
        label = f"{year} annual"
    return label, start, end, how


def _pick(sources: list[Path]) -> Path:
    txt = [p for p in sources if "anweb" in p.name.lower() and p.suffix.lower() == ".txt"]
    if len(txt) > 1:
        # CMS zips have carried both HCPCyyyy_..._ANWEB.txt and a _v2 correction: take the
        # newest name
        txt.sort(key=lambda p: p.name.lower())
    return (txt or sources)[-1]


class HcpcsBuilder:
    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = _pick(sources)
        codes, stats = parse_anweb(path)
        label, start, end, how = release_of(path.name, codes)
        db = out_dir / "table.sqlite"
        con = sqlite3.connect(db)
        try:
            con.executescript(SCHEMA)
            rows = []
            drugs_with_dose = 0
            for c in codes:
                f = c.fields
                long_desc = " ".join(" ".join(c.long_parts).split())
                dose = (
                    parse_dosage(long_desc)
                    if c.kind == "procedure" and _is_drug(c.code, f)
                    else None
                )
                if dose:
                    drugs_with_dose += 1
                rows.append(
                    (
                        c.code,
                        c.kind,
                        long_desc,
                        f["short_desc"],
                        json.dumps(f["pricing"]),
                        f["mult_pricing"],
                        json.dumps(f["cim"]),
                        json.dumps(f["mcm"]),
                        f["statute"],
                        json.dumps(f["lab_cert"]),
                        json.dumps(f["xref"]),
                        f["coverage"],
                        f["asc_group"],
                        f["asc_date"],
                        f["proc_note"],
                        f["betos"],
                        json.dumps(f["tos"]),
                        f["anes_units"],
                        f["add_date"],
                        f["action_date"],
                        f["term_date"],
                        f["action_code"],
                        dose["amount"] if dose else None,
                        dose["unit"] if dose else None,
                        c.line,
                    )
                )
            con.executemany(f"INSERT INTO codes VALUES ({','.join('?' * 25)})", rows)
            procedures = sum(1 for c in codes if c.kind == "procedure")
            modifiers = len(codes) - procedures
            terminated = sum(1 for c in codes if c.fields["term_date"])
            meta: dict[str, Any] = {
                "file": path.name,
                "release_from": how,
                "procedures": procedures,
                "modifiers": modifiers,
                "terminated": terminated,
                "with_dosage": drugs_with_dose,
                "records": stats["records"],
                "padded_records": stats["padded_records"],
            }
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in {**meta, "release": label}.items()],
            )
            con.commit()
        finally:
            con.close()
        return BuildResult(
            release=label, effective_from=start, effective_to=end, rows=len(codes), meta=meta
        )

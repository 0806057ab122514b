"""Build the CPT descriptor table from a user's licensed AMA descriptor file.

medcoder ships no CPT descriptors; a user who holds an AMA licence imports their own file.
Accepted layouts (detected from the first data line; the AMA files may start with a copyright
notice, which is skipped):

``tab``    ``code<TAB>descriptor`` (AMA ``LONGULT.txt``/``LONGUT.txt``, or a two-column export),
           optionally with a header row such as ``Code<TAB>Descriptor``; extra columns are ignored.
``fixed``  AMA fixed-field long descriptors (``LONGULF.txt``/``LONGUF.txt``): code in columns
           1-5, a 2-digit sequence number in 6-7, a blank, the text from column 9; a long
           descriptor continues on lines with the same code and the next sequence number.
``space``  ``code<SPACE>descriptor`` (AMA ``MEDU.txt``, ``SHORTU.txt``).

Every code must be CPT-shaped (``NNNNN``, ``NNNNF``, ``NNNNT``, ``NNNNU``); anything else
(HCPCS Level II codes, a pipe- or comma-separated file, a binary file) is refused with the line.

Release: a year found in the file name (``LONGULT_2026.txt``) or in the copyright notice
(``CPT 2026``) gives release ``CPT 2026``, in force 2026-01-01 to 2026-12-31 (CPT is updated
every January 1). Without a year the release is ``CPT user file`` and in force from January 1
of the current year with no end. ``CptBuilder(release="2026")`` overrides both.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from medcoder.codesets.cpt.codes import family, is_cpt_format
from medcoder.codesets.store import BuildResult
from medcoder.errors import FileFormatError

SCHEMA = """
CREATE TABLE descriptors (code TEXT PRIMARY KEY, descriptor TEXT NOT NULL, line INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_CODE = r"[0-9]{4}[0-9FTU]"
_FIXED = re.compile(rf"^({_CODE})([0-9]{{2}}) (.*)$")
_SPACE = re.compile(rf"^({_CODE})[ ]+(\S.*)$")
_HEADER_WORDS = re.compile(r"\b(code|cpt|hcpcs|descriptor|description)\b", re.I)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_NOTICE_YEAR = re.compile(r"\bCPT\W{0,3}\s*(20\d\d)\b", re.I)
_PREAMBLE_LIMIT = 200
_PREFERRED = ("longult", "longut", "longulf", "longuf", "medu", "shortu")


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise FileFormatError(
            "file is empty; expected CPT code<TAB>descriptor lines", path=path, line=1
        )
    if b"\x00" in raw[:65536]:
        raise FileFormatError(
            "binary file; expected a text file of CPT code<TAB>descriptor lines", path=path
        )
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 leaves few bytes undecodable
        text = raw.decode("latin-1")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > 8:
        raise FileFormatError(
            "binary file (control characters); expected a text file of CPT "
            "code<TAB>descriptor lines",
            path=path,
        )
    return text


def _layout_of(line: str) -> str | None:
    if "\t" in line:
        return "tab"
    if _FIXED.match(line):
        return "fixed"
    if _SPACE.match(line):
        return "space"
    return None


def parse_descriptors(path: Path) -> tuple[dict[str, tuple[str, int]], str, str]:
    """``{code: (descriptor, line)}``, the layout found, and the preamble text."""
    text = _decode(path)
    layout: str | None = None
    preamble: list[str] = []
    out: dict[str, tuple[str, int]] = {}
    last_fixed: tuple[str, int] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if layout is None:
            found = _layout_of(line)
            if found == "tab":
                first = line.split("\t", 1)[0].strip()
                if not is_cpt_format(first):
                    if _HEADER_WORDS.search(first) and not out:
                        preamble.append(line)
                        layout = "tab"  # a header row: data follows
                        continue
                    raise FileFormatError(
                        f"{first!r} is not a CPT code (expected 5 digits, or 4 digits and F/T/U) "
                        f"in the first column of a code<TAB>descriptor file",
                        path=path,
                        line=lineno,
                    )
                layout = "tab"
            elif found is None:
                preamble.append(line)
                if lineno > _PREAMBLE_LIMIT or len(preamble) > _PREAMBLE_LIMIT:
                    break
                continue
            else:
                layout = found
        if layout == "tab":
            if "\t" not in line:
                raise _bad_line(path, lineno, line, "code<TAB>descriptor, like the lines before it")
            parts = line.split("\t")
            code, desc = parts[0].strip().upper(), (parts[1].strip() if len(parts) > 1 else "")
        elif layout == "fixed":
            m = _FIXED.match(line)
            if not m:
                raise _bad_line(
                    path, lineno, line, "code, 2-digit sequence number, blank, descriptor"
                )
            code, seq, desc = m.group(1), int(m.group(2)), m.group(3).strip()
            if last_fixed and last_fixed[0] == code and seq > last_fixed[1] and code in out:
                prev, first_line = out[code]
                out[code] = (f"{prev} {desc}".strip(), first_line)
                last_fixed = (code, seq)
                continue
            last_fixed = (code, seq)
        else:
            m = _SPACE.match(line)
            if not m:
                raise _bad_line(path, lineno, line, "code, a space, descriptor")
            code, desc = m.group(1), m.group(2).strip()
        if not is_cpt_format(code):
            raise FileFormatError(
                f"{code[:12]!r} is not a CPT code (expected 5 digits, or 4 digits and F/T/U)",
                path=path,
                line=lineno,
            )
        if not desc:
            raise FileFormatError(f"CPT {code} has no descriptor", path=path, line=lineno)
        if code in out:
            raise FileFormatError(
                f"CPT {code} appears twice (first at line {out[code][1]})", path=path, line=lineno
            )
        out[code] = (desc, lineno)
    if not out:
        sample = next((p for p in preamble if p.strip()), "")
        raise FileFormatError(
            "no CPT descriptor lines found; expected code<TAB>descriptor (AMA LONGULT.txt), "
            "code<SPACE>descriptor (MEDU/SHORTU) or the AMA fixed-field layout (LONGULF)"
            + (f"; found {sample[:40]!r}" if sample else "")
            + (
                " (this looks comma-separated: save it tab-delimited)"
                if re.match(rf"^\W*({_CODE}|code)\W*,", sample, re.I)
                else ""
            ),
            path=path,
            line=1,
        )
    return out, layout or "tab", "\n".join(preamble)


def _bad_line(path: Path, lineno: int, line: str, expected: str) -> FileFormatError:
    return FileFormatError(
        f"line does not follow the layout of the lines before it (expected {expected}); "
        f"found {line[:30]!r}",
        path=path,
        line=lineno,
    )


def release_of(
    name: str, preamble: str, override: str | None, today: _dt.date
) -> tuple[str, _dt.date, _dt.date | None, str]:
    """Release label and effective range (see the module docstring)."""
    year: int | None = None
    how = "none found"
    if override:
        m = _YEAR.search(override)
        if m:
            year, how = int(m.group(1)), "--release"
        else:
            return override, _dt.date(today.year, 1, 1), None, "--release"
    if year is None:
        m = _YEAR.search(Path(name).stem)
        if m:
            year, how = int(m.group(1)), "file name"
    if year is None:
        m = _NOTICE_YEAR.search(preamble)
        if m:
            year, how = int(m.group(1)), "copyright notice"
    if year is None:
        return "CPT user file", _dt.date(today.year, 1, 1), None, how
    return f"CPT {year}", _dt.date(year, 1, 1), _dt.date(year, 12, 31), how


def _rank(p: Path) -> int:
    stem = p.stem.lower()
    return next((i for i, name in enumerate(_PREFERRED) if stem.startswith(name)), len(_PREFERRED))


class CptBuilder:
    format_version: int = 1

    def __init__(self, release: str | None = None) -> None:
        self.release = release

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        candidates = sorted(sources, key=lambda p: (_rank(p), p.name))
        first_error: FileFormatError | None = None
        for path in candidates:
            try:
                found, layout, preamble = parse_descriptors(path)
            except FileFormatError as exc:
                first_error = first_error or exc
                continue
            return self._write(path, found, layout, preamble, out_dir)
        assert first_error is not None
        raise first_error

    def _write(
        self,
        path: Path,
        found: dict[str, tuple[str, int]],
        layout: str,
        preamble: str,
        out_dir: Path,
    ) -> BuildResult:
        label, start, end, how = release_of(path.name, preamble, self.release, _dt.date.today())
        by_family: dict[str, int] = {}
        for code in found:
            fam = family(code)
            key = fam.section if fam else "outside the published ranges"
            by_family[key] = by_family.get(key, 0) + 1
        meta: dict[str, Any] = {
            "file": path.name,
            "layout": layout,
            "release_from": how,
            "codes": len(found),
            "by_family": dict(sorted(by_family.items())),
        }
        con = sqlite3.connect(out_dir / "table.sqlite")
        try:
            con.executescript(SCHEMA)
            con.executemany(
                "INSERT INTO descriptors VALUES (?, ?, ?)",
                [(c, d, line) for c, (d, line) in sorted(found.items())],
            )
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in {**meta, "release": label}.items()],
            )
            con.commit()
        finally:
            con.close()
        return BuildResult(
            release=label, effective_from=start, effective_to=end, rows=len(found), meta=meta
        )
